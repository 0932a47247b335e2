#pragma once
// RAII owners for the libpg_query results this module uses (internal). Each
// libpg_query call returns a struct released with its own pg_query_free_*, and
// each protobuf message unpacked from it with *_free_unpacked; these owners are
// non-copyable so both happen exactly once on every path.
//
// Why protobuf and not pg_query_parse's JSON: migrations are parsed once at
// start-up, so the protobuf path's extra CPU does not matter, and it gives typed
// structs (with node locations) without a JSON reader.
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <string>

namespace pgshim::migrations::detail {

// pg_query_parse_protobuf + the unpacked PgQuery__ParseResult.
class ParseResult {
 public:
  // `sql` must be NUL-terminated.
  explicit ParseResult(const char* sql) : raw_(pg_query_parse_protobuf(sql)) {
    if (raw_.error == nullptr) {
      tree_ = pg_query__parse_result__unpack(nullptr, raw_.parse_tree.len,
                                             reinterpret_cast<const uint8_t*>(raw_.parse_tree.data));
    }
  }
  ~ParseResult() {
    if (tree_ != nullptr) pg_query__parse_result__free_unpacked(tree_, nullptr);
    pg_query_free_protobuf_parse_result(raw_);
  }
  ParseResult(const ParseResult&) = delete;
  ParseResult& operator=(const ParseResult&) = delete;

  [[nodiscard]] bool ok() const noexcept { return raw_.error == nullptr && tree_ != nullptr; }
  [[nodiscard]] const PgQuery__ParseResult* tree() const noexcept { return tree_; }
  // libpg_query's message, or "" when there is none.
  [[nodiscard]] std::string message() const {
    if (raw_.error != nullptr && raw_.error->message != nullptr) return raw_.error->message;
    return ok() ? std::string() : std::string("could not unpack the parse tree");
  }
  // 1-based byte offset of the error in the input; 0 when unknown.
  [[nodiscard]] int cursor() const noexcept { return raw_.error != nullptr ? raw_.error->cursorpos : 0; }

 private:
  PgQueryProtobufParseResult raw_;
  PgQuery__ParseResult* tree_ = nullptr;
};

// pg_query_scan + the unpacked PgQuery__ScanResult: every token with its byte
// extent, comments included.
class ScanResult {
 public:
  explicit ScanResult(const char* sql) : raw_(pg_query_scan(sql)) {
    if (raw_.error == nullptr) {
      tokens_ = pg_query__scan_result__unpack(nullptr, raw_.pbuf.len, reinterpret_cast<const uint8_t*>(raw_.pbuf.data));
    }
  }
  ~ScanResult() {
    if (tokens_ != nullptr) pg_query__scan_result__free_unpacked(tokens_, nullptr);
    pg_query_free_scan_result(raw_);
  }
  ScanResult(const ScanResult&) = delete;
  ScanResult& operator=(const ScanResult&) = delete;

  [[nodiscard]] bool ok() const noexcept { return raw_.error == nullptr && tokens_ != nullptr; }
  [[nodiscard]] const PgQuery__ScanResult* tokens() const noexcept { return tokens_; }

 private:
  PgQueryScanResult raw_;
  PgQuery__ScanResult* tokens_ = nullptr;
};

}  // namespace pgshim::migrations::detail
