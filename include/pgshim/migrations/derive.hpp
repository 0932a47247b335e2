#pragma once
// Pending columns derived from the SQL of unapplied migrations (pure: no I/O).
//
// Each statement is parsed with libpg_query. Every
//   ALTER TABLE [IF EXISTS] [ONLY] [schema.]table
//     ADD [COLUMN] [IF NOT EXISTS] col type [COLLATE c] [NULL | NOT NULL | DEFAULT expr] ...
// becomes a PendingColumn: schema (default `public`), table and column as the
// catalog spells them (folded by the parser); `type` and `default_expr` are the
// statement's own text for them (found through node locations and libpg_query's
// scanner, comments dropped), so arrays, enums, domains and typmods read as
// declared: `TEXT[]`, `"public"."EnvironmentStatus"`, `TIMESTAMP(3)`,
// `DECIMAL(65,30)`.
//
// Decisions:
//  - `NOT NULL DEFAULT x` reads as x (default_expr = x).
//  - `NOT NULL` without DEFAULT is still a pending column (reads return NULL,
//    writes are dropped), and is ALSO listed in not_mitigated with
//    Impact::Partial: a NULL where the application expects a value breaks ORMs
//    that check (Prisma Client: P2032). PostgreSQL itself only accepts such a
//    migration on an empty table.
//  - A column whose type is created by an unapplied migration (CREATE TYPE ...
//    AS ENUM, CREATE DOMAIN) cannot be read as `NULL::thattype` (42704), so it
//    gets a stand-in that exists: `text` for an enum (what clients receive for
//    an enum anyway), the base type for a domain; arrays keep their brackets. A
//    composite or range type created by a pending migration has no stand-in:
//    the column is not mitigated.
//  - A column of a table created by an unapplied migration is not mitigated
//    (queries of that table fail anyway).
//  - IDENTITY and GENERATED columns are not mitigated (their values come from
//    the database); CHECK/UNIQUE/PRIMARY KEY/REFERENCES on the column keep the
//    column pending and list the constraint as not in force.
//  - Everything else is listed in not_mitigated with its statement text and
//    whether leaving it pending breaks queries (see Impact).
//
// The reverse drift comes from APPLIED migrations (DriftDeriver, below): their
// DROP COLUMN and RENAME COLUMN are what old code, still running during a
// rolling deploy, trips over.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"
#include "pgshim/sql/pending_column.hpp"

namespace pgshim::migrations {

// What leaving a statement unapplied does to the application's queries.
enum class Impact {
  // No query fails because it is pending: a new enum or index, a foreign key
  // or check that is not enforced yet, a comment.
  Harmless,
  // pgshim mitigates it, but not exactly as the migration would (a NOT NULL
  // column without DEFAULT reads as NULL).
  Partial,
  // Queries or writes that depend on it fail or behave differently until it is
  // applied: new tables, renames, drops, type changes, new enum values, unique
  // constraints that ON CONFLICT needs.
  Breaking,
};

[[nodiscard]] std::string_view to_string(Impact impact) noexcept;

// A statement (or one part of an ALTER TABLE) that pgshim does not mitigate.
struct Unmitigated {
  std::string migration;
  std::string statement;  // the statement's text, leading comments and blanks trimmed
  std::string reason;     // for a human: what it does and why pgshim cannot cover it
  Impact impact = Impact::Breaking;
  // The line of the migration's SQL the statement starts on (1-based; 0:
  // unknown). The readers keep a file's line numbering in Migration::sql, so
  // this is the line in Migration::path.
  std::size_t line = 0;
};

// The statement that adds a derived column, where it starts (as Unmitigated).
struct ColumnStatement {
  std::string statement;
  std::size_t line = 0;
};

struct Derived {
  std::vector<sql::PendingColumn> columns;
  // column_statements[i] adds columns[i]: the same length, kept in step.
  std::vector<ColumnStatement> column_statements;
  std::vector<Unmitigated> not_mitigated;
};

// Parse failures name the migration, the line and column and libpg_query's message.
class MigrationParseError : public MigrationError {
 public:
  using MigrationError::MigrationError;
};

// Accumulates over unapplied migrations in order, so that types and tables
// created by an earlier one are known when a later one uses them, and a column
// added twice is reported once.
class PendingDeriver {
 public:
  // Derives from one migration's SQL. Throws MigrationParseError when the SQL
  // does not parse; nothing of that migration is kept then.
  void add(std::string_view migration_name, std::string_view sql);
  [[nodiscard]] const Derived& result() const noexcept { return derived_; }
  [[nodiscard]] Derived take() noexcept { return std::move(derived_); }

 private:
  friend struct DeriveState;
  struct CreatedType {
    std::string schema;
    std::string name;
    std::string migration;
    std::string stand_in;  // empty: no stand-in exists
  };
  struct CreatedTable {
    std::string schema;
    std::string name;
    std::string migration;
  };
  Derived derived_;
  std::vector<CreatedType> types_;
  std::vector<CreatedTable> tables_;
};

// A retired or renamed column derived from an applied migration: old code may
// still use it (see sql::ColumnKind).
struct DriftColumn {
  // kind Retired (type set) or Renamed (renamed_to set); migration: the
  // migration that dropped or renamed it.
  sql::PendingColumn column;
  ColumnStatement statement;  // the DROP COLUMN or RENAME COLUMN and its line
  // Retired: the migration whose CREATE TABLE, ADD COLUMN or ALTER COLUMN TYPE
  // last declared the type. Empty when no earlier migration of the directory
  // did (or that type was dropped since): the type is then `text` and
  // type_note says why.
  std::string type_from;
  std::string type_note;
  // Set by load_pending, not by the deriver: the migration's file and when the
  // database recorded it applied.
  std::string path;
  std::optional<std::chrono::system_clock::time_point> applied_at;
};

// Retired and renamed columns from applied migrations (pure: no I/O).
//
// Every migration is given in the order it was applied, so that column types
// are known: CREATE TABLE's columns, ADD COLUMN and ALTER COLUMN ... TYPE are
// remembered (their declared text, as for pending columns), RENAME COLUMN,
// RENAME TO (tables) and DROP TABLE keep that record current. Only the
// migrations given with `drift` (those applied recently) produce columns:
//   ALTER TABLE t DROP [COLUMN] [IF EXISTS] c  -> Retired, the remembered type
//                                                 (`text` when none is known)
//   ALTER TABLE t RENAME [COLUMN] a TO b       -> Renamed a -> b
// Decisions:
//  - a rename of a column that an earlier drift migration renamed follows the
//    chain: a -> b then b -> c gives a -> c and b -> c; a drop of such a
//    column retires the old names too;
//  - a column whose remembered type names a type some migration dropped (DROP
//    TYPE) reads as `text`: `NULL::gone_type` would fail (42704);
//  - a column listed once per schema, table and name, from its first drift
//    migration.
class DriftDeriver {
 public:
  // Reads one migration's SQL. Throws MigrationParseError when it does not
  // parse; nothing of that migration is kept then.
  void add(std::string_view migration_name, std::string_view sql, bool drift);
  // The drift columns so far, types resolved against every DROP TYPE seen.
  [[nodiscard]] std::vector<DriftColumn> result() const;

 private:
  friend struct DriftState;
  struct KnownColumn {
    std::string schema, table, column;
    std::string type;                     // as declared
    std::vector<std::string> type_names;  // the type's qualified name, for DROP TYPE
    std::string migration;
  };
  struct Entry {
    DriftColumn drift;
    std::vector<std::string> type_names;
  };
  std::vector<KnownColumn> known_;
  std::vector<std::pair<std::string, std::string>> dropped_types_;  // {schema, name}
  std::vector<Entry> entries_;
};

// One migration's drift on its own: every DROP COLUMN and RENAME COLUMN in it
// (types only from its own statements).
[[nodiscard]] std::vector<DriftColumn> derive_drift(std::string_view migration_name, std::string_view sql);

// One migration on its own (see PendingDeriver::add).
[[nodiscard]] Derived derive_pending(std::string_view migration_name, std::string_view sql);
// Several unapplied migrations, in the order they would be applied.
[[nodiscard]] Derived derive_pending(const std::vector<Migration>& unapplied);

}  // namespace pgshim::migrations
