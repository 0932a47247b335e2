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

// One migration on its own (see PendingDeriver::add).
[[nodiscard]] Derived derive_pending(std::string_view migration_name, std::string_view sql);
// Several unapplied migrations, in the order they would be applied.
[[nodiscard]] Derived derive_pending(const std::vector<Migration>& unapplied);

}  // namespace pgshim::migrations
