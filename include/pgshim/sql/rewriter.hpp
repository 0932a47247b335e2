#pragma once
// The pending-column rewriter: one SQL string (one or several statements, as a
// simple Query or a Parse carries it) and the missing set in, either the same
// statement untouched (and why) or a rewritten text that runs on the database as
// it is, with the meaning the application intended as far as the missing column
// allows.
//
// Pure: no I/O, no logging, no locking, no exceptions (allocation failure aside).
// Thread-safe as long as each thread passes its own arguments (libpg_query keeps
// its parser memory per thread).
//
// What is rewritten (only references that resolve, by PostgreSQL's scoping rules,
// to a configured pending column of its configured table):
//   - SELECT / RETURNING output lists: the column becomes `NULL::<type>` (or the
//     default) under the output name the client would have got (`AS "last_error"`,
//     or the alias the statement gave it), so ORMs map rows by name as before;
//   - anywhere else in an expression: `(NULL::<type>)`;
//   - INSERT: the column leaves the column list and its value leaves every VALUES
//     row (or the matching target of INSERT ... SELECT); ON CONFLICT DO UPDATE SET
//     assignments of it are dropped; `EXCLUDED.<col>` becomes the typed NULL;
//   - UPDATE: its SET assignment is dropped. When it was the only assignment, the
//     SET becomes a self-assignment of a column the statement itself names for the
//     target table (`SET "id" = "environments"."id"`, see below).
// Everything else is left untouched with a reason: `SELECT *` / `RETURNING *` over
// a table with a pending column, COPY, DDL, ambiguous unqualified names, shapes the
// rewriter does not understand.
//
// The self-assignment. An UPDATE whose only assignment was to a pending column must
// still match the same rows, return the same RETURNING rows and the same row count
// ("UPDATE n"), and change no data. `SET "c" = "t"."c"` (t: the target's name or
// alias, qualified so that neither a FROM item nor EXCLUDED makes it ambiguous)
// does exactly that: same WHERE,
// same rows, same values written back, so the same count and RETURNING rows; it
// takes the same row locks as the original UPDATE (FOR NO KEY UPDATE, since no key
// value changes) and fires the same row-level UPDATE triggers the original would
// have fired. Alternatives were rejected: a SELECT ... FOR UPDATE changes the
// command tag and the Describe result (rows instead of NoData); ON CONFLICT DO
// NOTHING returns no RETURNING row for a conflicting row. `c` is a column the
// statement names for the target table (WHERE first, then RETURNING; for ON
// CONFLICT the first conflict-target column), so it exists. Caveats, documented
// rather than hidden: a `BEFORE UPDATE OF c` trigger fires where the original would
// not have; a GENERATED ALWAYS column as `c` makes the server reject the statement
// (an error, never a silent change). No such column named: untouched.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/sql/missing_set.hpp"

namespace pgshim::sql {

enum class Outcome { Untouched, Rewritten };

// Why a statement was left as the client sent it.
enum class UntouchedReason {
  None,                // the result is Rewritten
  PrefilterMiss,       // no pending column name occurs in the text at all
  NoPendingReference,  // names occur, but none resolves to a pending column
  Ambiguous,           // an unqualified name might be the pending column or another table's
  SelectStar,          // `*` in a client-visible output list over a table with a pending column
  Unsupported,         // a shape the rewriter does not handle safely (see `detail`)
  Copy,                // COPY mentioning a pending column name (the proxy alerts on it)
  Utility,             // DDL or another utility statement mentioning a pending column name
  ParseError,          // libpg_query rejected the input: PostgreSQL will answer it
  ReparseFailed,       // the rewritten text did not parse again (a rewriter bug, kept safe)
};

// What one edit did.
enum class EditKind {
  SelectTarget,          // a SELECT output column became the typed NULL (named as before)
  Returning,             // a RETURNING output column became the typed NULL (named as before)
  Expression,            // a reference inside WHERE/ON/ORDER BY/... became `(NULL::type)`
  InsertColumn,          // the column left an INSERT column list
  InsertValue,           // its value left one VALUES row or the INSERT ... SELECT list
  UpdateAssignment,      // an UPDATE SET assignment of it was dropped
  UpdateSelfAssignment,  // ...and was the only one: SET became a self-assignment
  OnConflictAssignment,  // an ON CONFLICT DO UPDATE SET assignment was dropped
  Excluded,              // `EXCLUDED.<col>` became the typed NULL
  DefaultValues,         // the INSERT named only pending columns: `DEFAULT VALUES`
  Renamed,               // a renamed column's old name became its new one (kept as the output name)
};

struct Edit {
  EditKind kind = EditKind::Expression;
  std::string schema;
  std::string table;
  std::string column;
  std::size_t offset = 0;  // byte offset of the edited text in the original SQL
};

// A `$n` that the rewritten text no longer references. The proxy declares it in
// the Parse message with this type so that the statement keeps the client's
// parameter count (Bind and ParameterDescription stay as the client expects).
struct DroppedParameter {
  int number = 0;
  // The type PostgreSQL would have inferred in the original statement: the
  // pending column's type for a bare `$n`, or the cast's type for `$n::T` /
  // `CAST($n AS T)` (rendered schema-qualified where the parser qualifies it, e.g.
  // `pg_catalog.int4`).
  std::string type;
};

// A value the client meant for a column of a row that pgshim kept it from writing.
struct StatedValue {
  std::string column;
  int parameter = 0;        // n when the value was `$n` (possibly cast), else 0
  std::string expression;   // the value's original text (e.g. `$6`, `'boom'`)
};

// One dropped value, for the proxy's journal: which pending column of which row
// the statement tried to write, and the other values it stated for that row (the
// other INSERT columns of the same VALUES row, or the `col = value` conjuncts of an
// UPDATE's WHERE), so the write can be replayed once the migration has run.
struct DroppedValue {
  EditKind kind = EditKind::InsertValue;  // InsertValue, UpdateAssignment or OnConflictAssignment
  std::string schema;
  std::string table;
  std::string column;
  std::size_t statement = 0;  // index of the statement in a multi-statement string
  std::size_t row = 0;        // VALUES row (0 for UPDATE, ON CONFLICT, INSERT ... SELECT)
  StatedValue value;          // `value.column` is the pending column
  std::vector<StatedValue> key;
};

// Columns pgshim appended to a statement's RETURNING list for the journal, so
// that it learns the row a dropped value belongs to: the row as written
// (`row_to_json(<target>)::text`) and whether the INSERT inserted it or its
// ON CONFLICT DO UPDATE updated an existing one (`<target>.xmax = 0`). Only
// for a single-row INSERT ... VALUES that dropped a value, at the top level of
// a Query or Parse: appended to its RETURNING list, or as a RETURNING of its
// own when it had none. The proxy strips these two trailing fields from the
// RowDescription and DataRows (all of them when there are only these two:
// the client then gets no rows and NoData, as it asked), so the client sees
// its own columns only.
struct HiddenReturning {
  std::size_t statement = 0;  // index of the statement in a multi-statement string
  static constexpr std::size_t kColumns = 2;  // the row (text JSON), inserted (bool)
};

// A `COPY table (cols) FROM STDIN` whose column list named pending columns: the
// rewritten statement lists the others, and every data row the client sends
// must lose the same fields. What the proxy needs to strip them (the COPY's own
// options, as written; unset ones take PostgreSQL's defaults).
struct CopyFromFilter {
  bool csv = false;                       // FORMAT csv (else text; binary is never filtered)
  std::optional<char> delimiter;
  std::optional<char> quote;
  std::optional<char> escape;
  std::optional<std::string> null_string;
  bool header = false;                    // HEADER / HEADER MATCH
  std::string encoding;                   // ENCODING option, "" when not given
  std::vector<std::string> columns;       // the client's column list, in order
  std::vector<std::size_t> drop;          // indices of the pending columns in it
  std::vector<std::size_t> force_not_null;
  std::vector<std::size_t> force_null;
  // One per dropped column, for the journal (kind InsertValue, row 0, no key:
  // the key comes from each data row's other fields).
  std::vector<DroppedValue> dropped;
};

struct RewriteResult {
  Outcome outcome = Outcome::Untouched;
  UntouchedReason reason = UntouchedReason::None;
  std::string detail;  // human-readable, for Untouched reasons other than PrefilterMiss
  std::string sql;     // the rewritten text (empty when Untouched)
  std::vector<Edit> edits;
  std::vector<DroppedParameter> dropped_parameters;
  std::vector<DroppedValue> dropped_values;
  // Set when the statement is a COPY FROM STDIN that lost pending columns.
  std::optional<CopyFromFilter> copy_from;
  // Statements whose RETURNING pgshim extended (at most one per statement).
  std::vector<HiddenReturning> hidden_returning;

  [[nodiscard]] bool rewritten() const noexcept { return outcome == Outcome::Rewritten; }
};

// Rewrites `sql` for the columns in `missing`; `facts` may be null (then an
// unqualified pending name with other tables in scope is Ambiguous). Never throws
// on any input; the untouched reasons above say what happened. Untouched bytes of
// the input are byte-identical in the output; the output parses again.
// `search_path` (may be null: unqualified tables are in the default schema)
// resolves unqualified table names as the session's search_path does, against
// the relations `facts` knows; a pending table found in none of its schemas is
// not the pending table.
// `hide_written_rows`: see HiddenReturning (off: the output is exactly the
// rewrite a client could have written itself).
[[nodiscard]] RewriteResult rewrite(std::string_view sql, const MissingSet& missing,
                                    const CatalogFacts* facts = nullptr, const SearchPath* search_path = nullptr,
                                    bool hide_written_rows = false);
[[nodiscard]] inline RewriteResult rewrite(std::string_view sql, const RewriteContext& context) {
  return rewrite(sql, context.missing, context.facts, context.search_path, context.hide_written_rows);
}

// Stable lower-case names for logs, metrics and reports.
[[nodiscard]] std::string_view to_string(Outcome outcome) noexcept;
[[nodiscard]] std::string_view to_string(UntouchedReason reason) noexcept;
[[nodiscard]] std::string_view to_string(EditKind kind) noexcept;

}  // namespace pgshim::sql
