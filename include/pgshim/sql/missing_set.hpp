#pragma once
// The inputs of a rewrite besides the SQL text: which pending columns are missing
// right now (MissingSet) and what the caller knows about the other tables of the
// database (CatalogFacts).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pgshim/sql/pending_column.hpp"
#include "pgshim/sql/prefilter.hpp"

namespace pgshim::sql {

// The pending columns currently missing from the database. Immutable once built,
// so one instance can be shared read-only by every session thread; a change (a
// migration got applied, the config was reloaded) builds a new set with a new
// `version`, which keys the rewrite cache.
class MissingSet {
 public:
  // The empty set: every statement is a prefilter miss.
  MissingSet() = default;

  // Validates every column (non-empty names, a type that PostgreSQL's parser
  // accepts in `NULL::<type>`, a default that parses as an expression, no
  // duplicates). Throws std::invalid_argument naming the column on bad input:
  // this is configuration, never the data plane.
  MissingSet(std::vector<PendingColumn> columns, std::uint64_t version);

  [[nodiscard]] std::uint64_t version() const noexcept { return version_; }
  [[nodiscard]] bool empty() const noexcept { return columns_.empty(); }
  [[nodiscard]] const std::vector<PendingColumn>& columns() const noexcept { return columns_; }

  // The pending column `schema.table.column` (exact, folded names), or nullptr.
  [[nodiscard]] const PendingColumn* find(std::string_view schema, std::string_view table,
                                          std::string_view column) const noexcept;
  // Whether any pending column is called `column` (exact, folded name).
  [[nodiscard]] bool is_pending_name(std::string_view column) const noexcept;
  // The schema assumed for an unqualified table name. pgshim does not track each
  // session's search_path; the incident's (and Prisma's) tables live in `public`.
  [[nodiscard]] std::string_view default_schema() const noexcept { return kDefaultSchema; }

  // The text prefilter over the distinct pending column names.
  [[nodiscard]] const Prefilter& prefilter() const noexcept { return prefilter_; }

 private:
  static constexpr std::string_view kDefaultSchema = "public";
  std::vector<PendingColumn> columns_;
  std::vector<std::string> names_;  // distinct column names
  Prefilter prefilter_;
  std::uint64_t version_ = 0;
};

// What the caller knows about tables other than the pending columns' own: for each
// pending column name, which tables really have a column of that name (e.g.
// `public.jobs` has `last_error`). An unqualified `last_error` with `jobs` and
// `environments` both in scope means jobs.last_error to PostgreSQL, so it must not
// be rewritten. When facts are given they are taken as complete for the pending
// names: a table not listed does not have such a column. Without facts, any other
// table in scope makes an unqualified reference ambiguous, and the statement is
// left untouched.
class CatalogFacts {
 public:
  CatalogFacts() = default;
  explicit CatalogFacts(std::uint64_t version) : version_(version) {}

  // Records that `schema.table` really has a column named `column` (folded names).
  void add(std::string column, std::string schema, std::string table);
  [[nodiscard]] bool has(std::string_view column, std::string_view schema,
                         std::string_view table) const noexcept;
  // Records that a relation `schema.table` exists. Given for every relation
  // named like a pending column's table, so that an unqualified name can be
  // resolved through a session's search_path (a table with a fact exists too).
  void add_relation(std::string schema, std::string table);
  [[nodiscard]] bool has_relation(std::string_view schema, std::string_view table) const noexcept;
  // Part of the cache key: bump it whenever the facts change.
  [[nodiscard]] std::uint64_t version() const noexcept { return version_; }

 private:
  struct Fact {
    std::string column;
    std::string schema;
    std::string table;
  };
  std::vector<Fact> facts_;
  std::vector<std::pair<std::string, std::string>> relations_;  // schema, table
  std::uint64_t version_ = 0;
};

// A session's search_path as PostgreSQL resolves unqualified table names with
// it: schemas in order, already folded, `$user` replaced by the session's user.
// `key` is its canonical text (part of the rewrite cache key).
struct SearchPath {
  std::vector<std::string> schemas;
  std::string key;

  // From the text of a search_path value (`"$user", public`, `tenant_1,"A b"`)
  // and the session's user; nullopt when the text does not parse as a list of
  // names (pgshim then does not know where unqualified names go).
  [[nodiscard]] static std::optional<SearchPath> parse(std::string_view value, std::string_view user);
};

// Everything a rewrite reads, bundled for callers that pass it around. `facts` may
// be null (see CatalogFacts). Both referents must outlive the call.
struct RewriteContext {
  const MissingSet& missing;
  const CatalogFacts* facts = nullptr;
  // Where unqualified table names resolve; null: the default schema (public).
  const SearchPath* search_path = nullptr;
  // Ask for the written row in RETURNING (HiddenReturning, rewriter.hpp):
  // only for a proxy that journals and strips those columns again.
  bool hide_written_rows = false;
};

}  // namespace pgshim::sql
