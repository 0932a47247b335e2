#pragma once
// The journal of dropped writes: one JSON object per line, each a value that
// pgshim removed from a write while its column was missing, with what
// identifies the row, so `pgshim backfill` can apply it once the migration ran.
//
// Format (version 2), members in this order, `forms` only when needed:
//   {"v":2,"replica":"web-1","boot":1764751000123,"seq":42,
//    "time_unix_ms":1764751234567,"execution":17,"row":0,
//    "schema":"public","table":"environments","column":"last_error",
//    "kind":"insert-value","value":"boom","key":{"id":"e1","name":"prod"},
//    "forms":{"value":"binary"}}
// - replica: who wrote it (`--replica-id`, default the host name); boot: when
//   that pgshim process started (unix ms); seq: 1, 2, ... within the boot. So
//   (replica, boot, seq) orders one replica's records and names each uniquely.
// - execution: one execution of one statement (per boot): the insert and the
//   ON CONFLICT assignment of one upsert share it; row: the VALUES row.
// - value and each key value: a string, or null for SQL NULL. `forms` says how
//   to read the ones that are not text as the client sent it: "binary" (the
//   client's binary parameter, hex `\x...`), "expression" (SQL the statement
//   computed, as written: pgshim never evaluates it) or "unknown" (null: pgshim
//   could not see the value).
// - observed (only when true): not a dropped value but a write the
//   application made after the column appeared (`--journal-observe`): it
//   tells backfill that the row's value since is the application's own.
// A reader never trusts a line it cannot parse whole: a torn last line (a
// crash mid-write) and any invalid line are reported, the rest still read.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgshim::journal {

inline constexpr int kFormatVersion = 2;

// How a journaled value was stated by the client.
enum class Form {
  Null,        // SQL NULL
  Text,        // the text form PostgreSQL's input function reads
  Binary,      // the client's binary parameter; `bytes` is the raw value
  Expression,  // SQL text the statement computed (never evaluated by pgshim)
  Unknown,     // pgshim could not see it (e.g. a parameter outside the Bind)
};

[[nodiscard]] std::string_view to_string(Form form) noexcept;
// The spelling to_string gives -> the Form; nullopt for anything else.
[[nodiscard]] std::optional<Form> parse_form(std::string_view name) noexcept;

// Raw bytes as lower-case hex digits (no `\x`) and back; nullopt when `hex`
// is not an even number of hex digits.
[[nodiscard]] std::string to_hex_digits(std::string_view bytes);
[[nodiscard]] std::optional<std::string> from_hex_digits(std::string_view hex);

struct Value {
  Form form = Form::Null;
  std::string bytes;  // Text/Expression: the text; Binary: the raw bytes; else empty

  [[nodiscard]] static Value null() { return {}; }
  [[nodiscard]] static Value text(std::string s) { return {Form::Text, std::move(s)}; }
  friend auto operator<=>(const Value&, const Value&) = default;
};

// What kind of write dropped the value (the rewriter's EditKind, spelled as
// sql::to_string spells it).
inline constexpr std::string_view kInsertValue = "insert-value";
inline constexpr std::string_view kUpdateAssignment = "update-assignment";
inline constexpr std::string_view kOnConflictAssignment = "on-conflict-assignment";

struct Record {
  std::string replica;
  std::uint64_t boot = 0;
  std::uint64_t seq = 0;
  std::int64_t time_unix_ms = 0;
  std::uint64_t execution = 0;
  std::uint64_t row = 0;
  std::string schema;
  std::string table;
  std::string column;
  std::string kind;
  Value value;
  // The other columns the statement stated for the row (INSERT: the row's
  // other values; UPDATE: the WHERE's `col = value` conjuncts), in order.
  std::vector<std::pair<std::string, Value>> key;
  bool observed = false;  // written after the column appeared (kept, not applied)
};

// A row as `row_to_json(t)::text` prints it -> its columns as journal key
// values, in order: strings as they are, numbers and booleans as written,
// JSON null as NULL, arrays and objects as their JSON text (what the json and
// array input functions read). nullopt when it is not a JSON object.
[[nodiscard]] std::optional<std::vector<std::pair<std::string, Value>>> row_from_json(std::string_view text);

// One line, newline excluded.
[[nodiscard]] std::string format_line(const Record& record);

// A parsed line, or why it is not a record.
struct ParsedLine {
  std::optional<Record> record;
  std::string error;  // set when !record
  bool truncated = false;  // the JSON ends early: a line a crash cut short
};
[[nodiscard]] ParsedLine parse_line(std::string_view line);

}  // namespace pgshim::journal
