#pragma once
// libpg_query's JSON parse output read straight into protobuf-c structs (internal
// to pgshim_sql).
//
// Why: in libpg_query 15-4.0.0, pg_query_parse_protobuf + unpack costs ~10x the
// CPU of pg_query_parse (JSON) for the same statement (the protobuf packing of a
// deep tree is the slow part), which alone would blow the rewrite's 100 us budget.
// The JSON follows the same schema as pg_query.proto, so this reader walks the
// protobuf-c descriptors to fill the very structs pg_query__parse_result__unpack
// would build, and the analyzer is none the wiser. Every struct and string lives in
// one arena owned by the JsonTree and released at once.
#include <pg_query/pg_query.pb-c.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pgshim::sql::detail {

class JsonTree {
 public:
  // Parses `sql` (NUL-terminated) with pg_query_parse and converts the result.
  explicit JsonTree(const char* sql);
  JsonTree(const JsonTree&) = delete;
  JsonTree& operator=(const JsonTree&) = delete;
  ~JsonTree();

  [[nodiscard]] bool ok() const noexcept { return tree_ != nullptr; }
  [[nodiscard]] const PgQuery__ParseResult* tree() const noexcept { return tree_; }
  [[nodiscard]] const std::string& error_message() const noexcept { return error_; }

  // Exposed for tests: converts one libpg_query JSON document.
  [[nodiscard]] bool convert(std::string_view json);

  // Bump allocator: blocks are never freed individually.
  void* allocate(std::size_t size);

 private:
  std::vector<std::unique_ptr<std::byte[]>> blocks_;
  std::byte* cursor_ = nullptr;
  std::size_t left_ = 0;
  PgQuery__ParseResult* tree_ = nullptr;
  std::string error_;
};

}  // namespace pgshim::sql::detail
