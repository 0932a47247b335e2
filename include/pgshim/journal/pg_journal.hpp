#pragma once
// The journal as a table of the upstream database (`journal: postgres`):
// `<schema>.journal`, in a schema of pgshim's own (default `pgshim`), created
// only by `pgshim journal init`, never implicitly. Every replica inserts into
// the same table, so backfill reads one journal whoever wrote it.
//
// One row per Record (record.hpp), column for member:
//   replica text, boot bigint, seq bigint     -- primary key (replica, boot, seq)
//   time_unix_ms bigint, execution bigint, row_index bigint (Record::row)
//   table_schema, table_name, column_name text (Record::schema/table/column)
//   kind text
//   value_form text   -- to_string(Form): null, text, binary, expression, unknown
//   value_text text   -- text and expression values
//   value_bytes bytea -- binary values (the client's raw bytes)
//   key jsonb         -- [[column, value, form], ...] in the statement's order
//                        (a jsonb object would sort its members): value a
//                        string or null, binary values as \x hex, form as above
//   observed boolean
//   inserted_at timestamptz DEFAULT now()  -- when it reached the table (not read back)
// A retried insert (the answer to a COMMIT lost with the connection) is
// harmless: ON CONFLICT on the primary key does nothing.
//
// This header's functions without a PgDatabase are pure (SQL text and the
// mapping); the others talk to the database and throw
// migrations::MigrationError with the server's message.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pgshim/journal/reader.hpp"
#include "pgshim/journal/record.hpp"
#include "pgshim/migrations/pg_database.hpp"

namespace pgshim::journal {

inline constexpr std::string_view kDefaultJournalSchema = "pgshim";
inline constexpr std::string_view kJournalTable = "journal";
// Parameters per row of the INSERT (row_params); PostgreSQL takes at most
// 65535 in one statement, so a batch holds at most 65535 / kColumnsPerRow rows.
inline constexpr std::size_t kColumnsPerRow = 15;
inline constexpr std::size_t kMaxRowsPerInsert = 65535 / kColumnsPerRow;

// Why `schema` cannot name the journal's schema (empty, longer than
// PostgreSQL's 63 bytes, a NUL); nullopt when it can. Any other name is quoted.
[[nodiscard]] std::optional<std::string> schema_name_error(std::string_view schema);

// `"pgshim".journal`, quoted.
[[nodiscard]] std::string table_name(std::string_view schema);

// The statements `pgshim journal init` runs, in order (IF NOT EXISTS: a second
// run changes nothing).
[[nodiscard]] std::vector<std::string> init_statements(std::string_view schema);

// A multi-row INSERT of `rows` rows ($1..$15 the first, and so on), ON
// CONFLICT DO NOTHING. 1 <= rows <= kMaxRowsPerInsert.
[[nodiscard]] std::string insert_statement(std::string_view schema, std::size_t rows);
// One record's kColumnsPerRow parameters, in the table's column order.
[[nodiscard]] std::vector<migrations::PgDatabase::Param> row_params(const Record& record);

// The key as the table holds it, and back (nullopt with `error` set when the
// text is not such an array).
[[nodiscard]] std::string key_json(const std::vector<std::pair<std::string, Value>>& key);
[[nodiscard]] std::optional<std::vector<std::pair<std::string, Value>>> parse_key_json(std::string_view text,
                                                                                        std::string& error);

// The SELECT whose rows record_from_row reads (bytea as \x hex text, jsonb as
// text), in (replica, boot, seq) order.
[[nodiscard]] std::string select_statement(std::string_view schema);
// A row of select_statement -> its Record, or nullopt with `error` set.
[[nodiscard]] std::optional<Record> record_from_row(const migrations::Row& row, std::string& error);

// ---- Against the database ----------------------------------------------------------

struct InitResult {
  bool created_schema = false;
  bool created_table = false;
};
// `pgshim journal init`: the schema and the table, when missing.
InitResult init_table(migrations::PgDatabase& db, std::string_view schema);

// Whether `<schema>.journal` exists.
[[nodiscard]] bool table_exists(migrations::PgDatabase& db, std::string_view schema);

// Appends the table's records to `out` (`pgshim backfill --journal
// postgres:`); a row that does not map is a BadLine. Its place, for reports,
// is `<schema>.journal/<replica>/<boot>:<seq>`. Throws MigrationError, with
// "run `pgshim journal init`" when the table does not exist.
void read_table(migrations::PgDatabase& db, std::string_view schema, ReadResult& out);

}  // namespace pgshim::journal
