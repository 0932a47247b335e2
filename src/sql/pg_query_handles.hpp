#pragma once
// RAII owners for libpg_query results (internal to pgshim_sql). Each libpg_query
// call returns a struct that must be released with its own pg_query_free_*; the
// protobuf messages unpacked from them are released with *_free_unpacked. These
// wrappers are move-only so that a result is released exactly once on every path.
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <string>
#include <utility>

namespace pgshim::sql::detail {

// pg_query_parse_protobuf + the unpacked PgQuery__ParseResult.
class ParseTree {
 public:
  // `sql` must be NUL-terminated (libpg_query reads a C string).
  explicit ParseTree(const char* sql) : raw_(pg_query_parse_protobuf(sql)) {
    if (raw_.error == nullptr) {
      tree_ = pg_query__parse_result__unpack(nullptr, raw_.parse_tree.len,
                                             reinterpret_cast<const uint8_t*>(raw_.parse_tree.data));
    }
  }
  ~ParseTree() {
    if (tree_ != nullptr) pg_query__parse_result__free_unpacked(tree_, nullptr);
    pg_query_free_protobuf_parse_result(raw_);
  }
  ParseTree(const ParseTree&) = delete;
  ParseTree& operator=(const ParseTree&) = delete;

  [[nodiscard]] bool ok() const noexcept { return raw_.error == nullptr && tree_ != nullptr; }
  [[nodiscard]] const PgQuery__ParseResult* tree() const noexcept { return tree_; }
  [[nodiscard]] std::string error_message() const {
    if (raw_.error != nullptr && raw_.error->message != nullptr) {
      return std::string(raw_.error->message) + " at offset " + std::to_string(raw_.error->cursorpos);
    }
    return "could not unpack the parse tree";
  }

 private:
  PgQueryProtobufParseResult raw_;
  PgQuery__ParseResult* tree_ = nullptr;
};

// pg_query_scan's serialized ScanResult (decoded by TokenStream::decode).
class ScanTokens {
 public:
  explicit ScanTokens(const char* sql) : raw_(pg_query_scan(sql)) {}
  ~ScanTokens() { pg_query_free_scan_result(raw_); }
  ScanTokens(const ScanTokens&) = delete;
  ScanTokens& operator=(const ScanTokens&) = delete;

  [[nodiscard]] bool ok() const noexcept { return raw_.error == nullptr; }
  [[nodiscard]] const uint8_t* data() const noexcept { return reinterpret_cast<const uint8_t*>(raw_.pbuf.data); }
  [[nodiscard]] std::size_t size() const noexcept { return raw_.pbuf.len; }

 private:
  PgQueryScanResult raw_;
};

}  // namespace pgshim::sql::detail
