#pragma once
// A pending column: one column that the application's schema has (its ORM was
// deployed with it) but the database does not have yet (its migration has not
// been applied). pgshim rewrites SQL that mentions it while it is missing.
#include <string>
#include <string_view>

namespace pgshim::sql {

// What `*` (and `t.*`, `RETURNING *`) over the column's table yields while the
// column is missing. ADD COLUMN appends, so with the migration applied `*` ends
// with the column: `Expand` gives the client exactly that shape (the typed NULL
// appended after the table's real columns, in configuration order); `Leave`
// keeps the unmigrated shape, for teams whose other readers rely on it.
enum class StarMode { Expand, Leave };

// The two directions of drift. The database can be behind the code (a migration
// not applied: Pending) or ahead of it (rolling deploys: old pods still run):
//   - Pending: the code has the column, the database does not yet;
//   - Retired: a migration dropped the column and old code still reads and
//     writes it: handled exactly like Pending (typed NULL, writes dropped), only
//     the alert differs, and it resolves after a quiet period without use;
//   - Renamed: a migration renamed `column` to `renamed_to` and old code still
//     uses the old name: references are rewritten to the new name (reads and
//     writes, nothing dropped), output names kept as the old one. Only while the
//     old name is absent and the new one present.
enum class ColumnKind { Pending, Retired, Renamed };

struct PendingColumn {
  // Names exactly as the catalog spells them (already case-folded): an unquoted
  // `Environments` in SQL means the table `environments`.
  std::string schema = "public";
  std::string table;
  std::string column;
  // SQL type text used in the typed NULL, e.g. `text`, `timestamp with time zone`,
  // `numeric(10,2)`, `text[]`, `"public"."EnvironmentStatus"`.
  std::string type;
  // SQL expression read in place of the column; empty means NULL. Prisma rejects a
  // NULL for a required field (P2032), so required columns need one.
  std::string default_expr;
  // The migration that adds the column (for reports and alerts only).
  std::string migration;
  StarMode star = StarMode::Expand;
  ColumnKind kind = ColumnKind::Pending;
  // Renamed: the column's name in the database now (folded). `type` may be empty.
  std::string renamed_to;

  // Whether reads become a typed value and writes are dropped (Pending, Retired),
  // as opposed to renamed references.
  [[nodiscard]] bool replaced_by_value() const noexcept { return kind != ColumnKind::Renamed; }
};

// `expand` / `leave`; nullopt-like false for anything else.
[[nodiscard]] bool parse_star_mode(std::string_view text, StarMode& out) noexcept;
[[nodiscard]] std::string_view to_string(StarMode mode) noexcept;

// Parses the command-line/config spelling `[schema.]table.column:type[:migration]`.
//
// Identifiers follow PostgreSQL's rules: unquoted ones fold to lower case, quoted
// ones ("My Table") are exact and may contain '.' or ':'. The type may contain
// spaces, brackets, parentheses and quoted names (`numeric(10,2)`, `text[]`,
// `timestamp with time zone`, `"public"."EnvironmentStatus"`). The separators are
// single colons outside double quotes; a `::` is never a separator (so a mistyped
// `table.column::text` is reported instead of yielding an empty type), and a
// migration name never contains ':'. On failure returns false and sets `error`;
// `out` is then unspecified. Does not check the type against a parser: MissingSet
// does that when the set is built.
[[nodiscard]] bool parse_pending_spec(std::string_view spec, PendingColumn& out, std::string& error);

// Parses `[schema.]table.old:new` (identifier rules as above) into a Renamed
// column (`column` = old, `renamed_to` = new, no type).
[[nodiscard]] bool parse_renamed_spec(std::string_view spec, PendingColumn& out, std::string& error);
[[nodiscard]] std::string_view to_string(ColumnKind kind) noexcept;

// Formats a column as `schema.table.column` for messages (quoting only where a
// name needs it to read back unambiguously).
[[nodiscard]] std::string qualified_name(const PendingColumn& column);

}  // namespace pgshim::sql
