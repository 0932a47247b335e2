#pragma once
// The schema watcher's catalog check, split into its pure parts: the one query
// it sends (kCatalogQuery), the parameters it binds (catalog_query_params), and
// the function that turns the rows that come back into column states and
// CatalogFacts (read_catalog). No libpq here, so all of it is unit-testable.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/schema/snapshot.hpp"
#include "pgshim/sql/missing_set.hpp"
#include "pgshim/sql/pending_column.hpp"

namespace pgshim::schema {

// One query for every configured column, against pg_catalog (information_schema
// is a stack of views with privilege checks: far slower, and it hides columns
// the monitor role has no privilege on). Parameters, all text[] of equal length,
// one element per configured column in configuration order:
//   $1 schemas, $2 tables, $3 columns; and $4, the new names of renamed
//   columns (any length), which only widen the facts.
// Result rows, all columns text (NULL only where noted):
//   kind           'c' for a configured column, 'f' for a fact
//   ordinal        'c': the 1-based position in the parameters; 'f': NULL
//   schema, table, column
//   table_exists   'c': 't' or 'f'; 'f' rows: 't'
//   column_exists  'c': 't' or 'f'; 'f' rows: 't'
// Facts are every relation (table, partitioned table, view, materialized view,
// foreign table) in a non-system schema with a live column (`attnum > 0`,
// `NOT attisdropped`) named exactly like a pending column; and, as kind 't'
// rows with an empty column, every such relation named like a pending table
// (whichever schema: search_path resolution needs them). Names travel as
// parameters and are compared as stored (already case-folded): no identifier is
// ever pasted into the SQL text. The table is resolved with to_regclass over the
// quote_ident-ed qualified name, so search_path plays no part and a missing
// schema or table yields NULL rather than an error.
extern const char* const kCatalogQuery;
inline constexpr int kCatalogQueryParams = 4;

// The text-format values of $1..$4 for `columns` (PostgreSQL array literals).
[[nodiscard]] std::array<std::string, kCatalogQueryParams> catalog_query_params(
    std::span<const sql::PendingColumn> columns);

// A PostgreSQL text[] literal holding exactly `values`: each element double-quoted,
// with '"' and '\' backslash-escaped (array_in's rules), so any name round-trips.
[[nodiscard]] std::string to_text_array_literal(std::span<const std::string> values);

// One result row of kCatalogQuery as libpq returns it in text format; a NULL
// value is std::nullopt.
struct CatalogRow {
  std::optional<std::string> kind;
  std::optional<std::string> ordinal;
  std::optional<std::string> schema;
  std::optional<std::string> table;
  std::optional<std::string> column;
  std::optional<std::string> table_exists;
  std::optional<std::string> column_exists;
};
inline constexpr int kCatalogRowFields = 7;

// A relation that really has a column of a pending name (or, with an empty
// `column`, a relation named like a pending table).
struct CatalogFact {
  std::string column;
  std::string schema;
  std::string table;

  friend bool operator==(const CatalogFact&, const CatalogFact&) = default;
  friend auto operator<=>(const CatalogFact&, const CatalogFact&) = default;
};

// What one successful catalog check found.
struct CatalogReading {
  // One entry per configured column, in configuration order: Present, Missing,
  // or Unknown when the table does not exist (with the reason in `reasons`).
  std::vector<ColumnState> states;
  std::vector<std::string> reasons;  // empty for Present/Missing
  // Sorted and without duplicates, so two readings compare with ==.
  std::vector<CatalogFact> facts;
};

// Turns kCatalogQuery's rows for `columns` into a reading. Returns nullopt and
// sets `error` when the rows do not fit the contract above (a bad kind or
// boolean, an ordinal out of range or repeated, a configured column without a
// row): the caller treats that as a failed poll, never as states.
[[nodiscard]] std::optional<CatalogReading> read_catalog(std::span<const sql::PendingColumn> columns,
                                                         std::span<const CatalogRow> rows, std::string& error);

// Builds the CatalogFacts the rewriter reads from sorted facts.
[[nodiscard]] std::shared_ptr<const sql::CatalogFacts> build_catalog_facts(std::span<const CatalogFact> facts,
                                                                         std::uint64_t version);

}  // namespace pgshim::schema
