#pragma once
// Where migrations come from and which of them the database says are applied.
//
// A MigrationSource knows one migration tool: how its files are laid out (the
// list of migrations with their SQL, in the order the tool applies them) and
// which table records what has been applied. The database side goes through the
// small Database interface (one parameterised query, text rows) so a source can
// be unit-tested without PostgreSQL and so the module keeps libpq in one place
// (PgDatabase, pg_database.hpp).
//
// Implemented, one header each: Prisma (prisma_source.hpp), Flyway
// (flyway_source.hpp), golang-migrate (golang_migrate_source.hpp), goose
// (goose_source.hpp), dbmate (dbmate_source.hpp), Drizzle
// (drizzle_source.hpp), Liquibase formatted SQL (liquibase_source.hpp), Atlas
// (atlas_source.hpp), sqitch (sqitch_source.hpp). detect.hpp tells them apart
// by a directory's layout. Designed to fit later:
//  - Rails (Active Record): files `db/migrate/<timestamp>_<name>.rb`; table
//    `schema_migrations(version varchar)`, one row per applied timestamp. The
//    migrations are Ruby, not SQL: `applied` fits as is, but deriving pending
//    columns needs a reader of the Ruby DSL (or `structure.sql`), which is
//    why Migration::sql may be empty for such a source (goose's Go
//    migrations are listed that way already).
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pgshim::migrations {

// Every failure of this module (unreadable directory, database error, a
// migration that does not parse). Start-up and `pgshim check` only: nothing
// here runs on the data plane.
class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One migration as the tool names it, with its SQL text.
struct Migration {
  std::string name;  // Prisma: the directory name, e.g. 20250804020810_add_last_error_to_environments
  std::string sql;   // the statements, as the tool would send them
  std::string path;  // the file the SQL came from (for messages)
};

// What the migrations table says about one migration.
enum class MigrationState {
  Applied,  // recorded as finished (and not rolled back)
  Pending,  // no record: the tool has not run it
  Failed,   // started but not finished: possibly half applied (Prisma P3009)
};

[[nodiscard]] std::string_view to_string(MigrationState state) noexcept;

// A text row of a query result; NULL reads as nullopt.
using Row = std::vector<std::optional<std::string>>;

// The one thing a source needs from the database. Implementations throw
// MigrationError when the query fails.
class Database {
 public:
  virtual ~Database() = default;
  // Runs one statement with text parameters ($1, $2, ...) and returns its rows.
  [[nodiscard]] virtual std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params) = 0;
};

class MigrationSource {
 public:
  virtual ~MigrationSource() = default;

  // The tool's name as the configuration spells it (`prisma`).
  [[nodiscard]] virtual std::string_view tool() const noexcept = 0;
  // Every migration in the order the tool applies them. Throws MigrationError
  // when the directory is missing or unreadable or a migration file is missing.
  [[nodiscard]] virtual std::vector<Migration> list() const = 0;
  // The state of each migration the database has a record of, by name; a name
  // absent from the map is Pending. A missing migrations table means nothing is
  // applied (an empty map), not an error. Throws MigrationError on a failed query.
  [[nodiscard]] virtual std::map<std::string, MigrationState> recorded(Database& db) const = 0;

  // When the database recorded each applied migration as done, by name (the
  // names recorded() gives Applied; a migration recorded more than once: its
  // latest run). nullopt when the tool records no time at all (golang-migrate,
  // dbmate, Drizzle, whose created_at is the migration's own timestamp): no
  // drift is derived for it. The history table's columns, per tool: Prisma
  // finished_at, Flyway installed_on, goose tstamp, Liquibase dateexecuted,
  // Atlas executed_at, sqitch changes.committed_at. Times without a time zone
  // are read in the session's TimeZone, as the tool's now() wrote them. A
  // missing table is an empty map. Throws MigrationError on a failed query.
  using AppliedTimes = std::map<std::string, std::chrono::system_clock::time_point>;
  [[nodiscard]] virtual std::optional<AppliedTimes> applied_at(Database& db) const {
    (void)db;
    return std::nullopt;
  }
  // What the tool recorded about each failed migration, by name, where it
  // records anything: Atlas `error` and `error_stmt`, Prisma `logs`. Empty
  // for the others (Flyway, golang-migrate, sqitch keep only that it failed).
  // A missing table is an empty map. Throws MigrationError on a failed query.
  [[nodiscard]] virtual std::map<std::string, std::string> failure_details(Database& db) const {
    (void)db;
    return {};
  }
};

// The migration tools pgshim can read.
enum class Tool { Prisma, Flyway, GolangMigrate, Goose, Dbmate, Drizzle, Liquibase, Atlas, Sqitch };

// Every Tool, in the order `--help` and error messages list them.
inline constexpr Tool kAllTools[] = {Tool::Prisma,  Tool::Flyway,    Tool::GolangMigrate, Tool::Goose, Tool::Dbmate,
                                     Tool::Drizzle, Tool::Liquibase, Tool::Atlas,         Tool::Sqitch};

// The configuration's spelling (`prisma`, `flyway`, `golang-migrate`, `goose`,
// `dbmate`, `drizzle`, `liquibase`, `atlas`, `sqitch`) -> the Tool; nullopt
// for anything else.
[[nodiscard]] std::optional<Tool> parse_tool(std::string_view name) noexcept;
[[nodiscard]] std::string_view to_string(Tool tool) noexcept;
// "prisma, flyway, ...": the names parse_tool accepts, for messages.
[[nodiscard]] std::string supported_tools();

// The source for `tool` reading the migrations directory `dir`, with the
// tool's history table at `history_table` (empty: the tool's default, see
// history_table_error for what each tool accepts). Throws MigrationError for a
// history table the tool cannot have.
[[nodiscard]] std::unique_ptr<MigrationSource> make_source(Tool tool, std::string dir,
                                                           const std::string& history_table = {});

// Whether `table` can name `tool`'s history table, as the tool's own setting
// would: nullopt when it can, otherwise why not (for a configuration error).
// `[schema.]table`, each part as the catalog spells it (case-exact, at most 63
// bytes). Per tool:
//   flyway          the table (`flyway.table`; a schema from `flyway.schemas`)
//   golang-migrate  the table (`x-migrations-table`)
//   goose           the table (`-table`)
//   dbmate          the table (`--migrations-table`)
//   drizzle         the table (`migrationsTable`), in schema `drizzle` unless
//                   qualified (`migrationsSchema`)
//   liquibase       the table (`databaseChangeLogTableName`)
//   atlas           the schema of atlas_schema_revisions (`--revisions-schema`):
//                   `schema` or `schema.atlas_schema_revisions`
//   sqitch          the registry schema (`--registry`): one name, no dot
//   prisma          none: `_prisma_migrations` is fixed
[[nodiscard]] std::optional<std::string> history_table_error(Tool tool, std::string_view table);
// The tool-independent part of history_table_error: `[schema.]table` well formed.
[[nodiscard]] std::optional<std::string> history_table_syntax_error(std::string_view table);

// A migration that is not applied, with what the database says about it.
struct UnappliedMigration {
  Migration migration;
  MigrationState state = MigrationState::Pending;  // Pending or Failed, never Applied
  std::string failure;  // Failed: what the tool recorded (failure_details), may be empty
};

// The migrations of `source` that `db` does not record as applied, in order.
[[nodiscard]] std::vector<UnappliedMigration> unapplied_migrations(const MigrationSource& source, Database& db);

}  // namespace pgshim::migrations
