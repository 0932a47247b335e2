#pragma once
// Start-up entry points: a migrations directory + the database -> the pending
// columns pgshim should mitigate (from unapplied migrations) and the retired
// and renamed ones (from migrations applied within the drift window), and how
// they combine with configured ones.
#include <chrono>
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

  // Retired and renamed columns from the DROP COLUMNs and RENAME COLUMNs of
  // migrations the database recorded applied within `drift_window` of its
  // clock (now()), in the order they were applied (see DriftDeriver).
  std::vector<DriftColumn> drift;
  std::chrono::milliseconds drift_window{};  // 0: drift was not derived
  // Why drift could not be derived at all (the tool records no apply times, or
  // reading them failed); nullopt when it was, or the window is 0.
  std::optional<std::string> drift_unavailable;
  // Migrations within the window whose drift could not be read (not SQL, does
  // not parse): what of theirs old code may miss is not covered.
  std::vector<std::string> drift_notes;
};

// How long after a migration was applied its drops and renames are served to
// old code, unless configured (`--migrations-drift-window`).
inline constexpr std::chrono::milliseconds kDefaultDriftWindow = std::chrono::hours(24);

// Lists `source`, asks `db` what is applied and derives from the rest. Throws
// MigrationError (MigrationParseError for SQL that does not parse).
// Drift is derived for `drift_window` (0: not at all); a failure to read the
// apply times only sets drift_unavailable.
[[nodiscard]] PendingFromMigrations load_pending(const MigrationSource& source, Database& db,
                                                 std::chrono::milliseconds drift_window = kDefaultDriftWindow);

// How a migrations directory is read beyond its path.
struct LoadOptions {
  std::optional<Tool> tool;   // nullopt: detected from the directory's layout (resolve_tool)
  std::string history_table;  // empty: the tool's default (see history_table_error)
  std::chrono::milliseconds drift_window = kDefaultDriftWindow;  // 0: no drift
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

// The drift columns as the proxy takes them (each DriftColumn::column), for
// merge_pending after the pending ones: configured and pending columns win.
[[nodiscard]] std::vector<sql::PendingColumn> drift_columns(const std::vector<DriftColumn>& drift);

// What the proxy does with a drift column, for the log and `pgshim check`:
// `reads NULL; writes to it are dropped` or `references are rewritten to NEW`.
[[nodiscard]] std::string drift_action(const DriftColumn& drift);

// One line for the log: `MIGRATION: IMPACT: REASON: STATEMENT` with the
// statement's whitespace runs (newlines included) collapsed to one space.
[[nodiscard]] std::string log_line(const Unmitigated& item);

}  // namespace pgshim::migrations
