#pragma once
// Start-up entry points: a migrations directory + the database -> the pending
// columns pgshim should mitigate, and how they combine with configured ones.
#include <optional>
#include <string>
#include <vector>

#include "pgshim/migrations/derive.hpp"
#include "pgshim/migrations/migration_source.hpp"
#include "pgshim/sql/pending_column.hpp"

namespace pgshim::migrations {

struct PendingFromMigrations {
  // Derived columns, each named after its migration (PendingColumn::migration).
  std::vector<sql::PendingColumn> columns;
  // column_statements[i] is the statement that adds columns[i].
  std::vector<ColumnStatement> column_statements;
  // What pgshim will not cover, for the log and /status. A migration that is
  // not SQL (a goose Go migration) is listed here too: pgshim cannot tell what
  // it changes.
  std::vector<Unmitigated> not_mitigated;
  // Every migration the database does not record as applied, in order.
  std::vector<UnappliedMigration> unapplied;
  // How many migrations the directory holds (applied or not).
  std::size_t total = 0;
};

// Lists `source`, asks `db` what is applied and derives from the rest. Throws
// MigrationError (MigrationParseError for SQL that does not parse).
[[nodiscard]] PendingFromMigrations load_pending(const MigrationSource& source, Database& db);

// How a migrations directory is read beyond its path.
struct LoadOptions {
  std::optional<Tool> tool;   // nullopt: detected from the directory's layout (resolve_tool)
  std::string history_table;  // empty: the tool's default (see history_table_error)
};

// The same for the directory `dir`, connecting with `conninfo` (a libpq URL or
// conninfo; the connection is closed before returning).
[[nodiscard]] PendingFromMigrations load_pending_from_migrations(const std::string& dir, const std::string& conninfo,
                                                                 const LoadOptions& options);
[[nodiscard]] PendingFromMigrations load_pending_from_migrations(const std::string& dir, const std::string& conninfo,
                                                                 std::optional<Tool> tool = std::nullopt);

// Configured columns win on conflict (same schema, table and column): the
// result is `configured` in order, then each derived column no configured one
// names. The names (schema.table.column) of derived columns dropped that way
// are appended to `overridden` when it is given.
[[nodiscard]] std::vector<sql::PendingColumn> merge_pending(std::vector<sql::PendingColumn> configured,
                                                            const std::vector<sql::PendingColumn>& derived,
                                                            std::vector<std::string>* overridden = nullptr);

// One line for the log: `MIGRATION: IMPACT: REASON: STATEMENT` with the
// statement's whitespace runs (newlines included) collapsed to one space.
[[nodiscard]] std::string log_line(const Unmitigated& item);

}  // namespace pgshim::migrations
