#pragma once
// Parsers and builders for the typed messages pgshim inspects or edits. Parsers
// take a message body (after the 5-byte header) and return views into it; they
// fail with a wire::Errc when a field is truncated or bytes are left over.
// Builders return a complete frame with its length computed.
//
// Builder failure: a frame is never empty, so every builder returns an empty
// string when it cannot encode its input faithfully: the body would exceed
// kMaxBuildBodySize (the int32 length), a count exceeds what its wire field
// holds (65535 for the uint16 counts), or a C-string field contains a NUL
// (which would end the field early and misframe the message).
//
// Counts: PostgreSQL reads every Int16 element count with pq_getmsgint(msg, 2),
// i.e. as an unsigned 16-bit value, so these parsers do too (a Bind with 40000
// parameters is valid). Int32 lengths of values are signed: -1 is SQL NULL and
// anything below is BadFieldValue.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "pgshim/wire/framing.hpp"
#include "pgshim/wire/protocol.hpp"

namespace pgshim::wire {

// ---- Frontend ----------------------------------------------------------------

struct Query {
  std::string_view sql;
};
[[nodiscard]] std::error_code parse_query(std::string_view body, Query& out) noexcept;
[[nodiscard]] std::string build_query(std::string_view sql);

struct Parse {
  std::string_view statement;  // "" is the unnamed statement
  std::string_view sql;
  std::vector<std::uint32_t> parameter_types;  // OIDs; 0 = unspecified
};
[[nodiscard]] std::error_code parse_parse(std::string_view body, Parse& out);
[[nodiscard]] std::string build_parse(std::string_view statement, std::string_view sql,
                                      const std::vector<std::uint32_t>& parameter_types);

// Format codes of Bind, FunctionCall and RowDescription.
inline constexpr std::int16_t kFormatText = 0;
inline constexpr std::int16_t kFormatBinary = 1;

struct Bind {
  std::string_view portal;
  std::string_view statement;
  std::vector<std::int16_t> parameter_formats;           // 0 = text, 1 = binary
  std::vector<std::optional<std::string_view>> values;   // nullopt = SQL NULL
  std::vector<std::int16_t> result_formats;

  // The format of parameter i under the protocol's rule: no codes means all
  // text, one code applies to every parameter, else one code per parameter.
  [[nodiscard]] std::int16_t parameter_format(std::size_t i) const noexcept;
};
// Besides framing, checks what a reader of the values depends on: every format
// code is 0 or 1 and there are 0, 1 or values.size() parameter formats
// (BadFieldValue otherwise, as PostgreSQL's exec_bind_message rejects them).
[[nodiscard]] std::error_code parse_bind(std::string_view body, Bind& out);
[[nodiscard]] std::string build_bind(const Bind& bind);

// Describe and Close share a shape: a kind byte ('S' statement, 'P' portal) and a name.
struct Target {
  char kind;
  std::string_view name;
};
inline constexpr char kTargetStatement = 'S';
inline constexpr char kTargetPortal = 'P';
// kind must be 'S' or 'P' (BadFieldValue otherwise).
[[nodiscard]] std::error_code parse_target(std::string_view body, Target& out) noexcept;
// kind must be 'S' or 'P' (empty result otherwise).
[[nodiscard]] std::string build_describe(Target target);
[[nodiscard]] std::string build_close(Target target);

struct Execute {
  std::string_view portal;
  std::int32_t max_rows;
};
[[nodiscard]] std::error_code parse_execute(std::string_view body, Execute& out) noexcept;
[[nodiscard]] std::string build_execute(Execute execute);

// FunctionCall ('F'), the legacy fast-path call: the same format/value rules as Bind.
struct FunctionCall {
  std::uint32_t function_oid;
  std::vector<std::int16_t> argument_formats;
  std::vector<std::optional<std::string_view>> arguments;  // nullopt = SQL NULL
  std::int16_t result_format;
};
[[nodiscard]] std::error_code parse_function_call(std::string_view body, FunctionCall& out);
[[nodiscard]] std::string build_function_call(const FunctionCall& call);

[[nodiscard]] std::string build_sync();
[[nodiscard]] std::string build_flush();
// NoData ('n', B): a Describe's answer for a statement that returns no rows.
[[nodiscard]] std::string build_no_data();
[[nodiscard]] std::string build_terminate();

// ---- Backend -----------------------------------------------------------------

// The fields of ErrorResponse and NoticeResponse. Every field is optional: a
// server (or anything pretending to be one) may leave out any of them.
struct ErrorField {
  char code;               // 'S', 'V', 'C', 'M', 'D', 'H', 'P', ... (protocol docs)
  std::string_view value;
};
struct ErrorFields {
  std::vector<ErrorField> fields;  // in wire order

  // The value of field `code`, or empty when absent.
  [[nodiscard]] std::string_view get(char code) const noexcept;
  [[nodiscard]] std::string_view severity() const noexcept;  // 'V' (never localized), else 'S'
  [[nodiscard]] std::string_view sqlstate() const noexcept { return get('C'); }
  [[nodiscard]] std::string_view message() const noexcept { return get('M'); }
};
// Parses the body of an ErrorResponse or NoticeResponse: (code, cstring) pairs
// ended by a zero byte. A body holding only the zero byte is valid (no fields).
[[nodiscard]] std::error_code parse_error_fields(std::string_view body, ErrorFields& out);

// An ErrorResponse or NoticeResponse pgshim writes itself.
struct ErrorSpec {
  std::string severity = "ERROR";  // ERROR, FATAL, PANIC, WARNING, NOTICE, ...
  std::string sqlstate;            // five characters
  std::string message;
  std::string detail;              // omitted when empty
  std::string hint;                // omitted when empty
};
// Writes fields S, V, C, M, then D and H when not empty.
[[nodiscard]] std::string build_error_response(const ErrorSpec& spec);
[[nodiscard]] std::string build_notice_response(const ErrorSpec& spec);

// Authentication ('R'): the code and, for SASL, the mechanism names offered.
struct Authentication {
  AuthCode code;
  std::vector<std::string_view> sasl_mechanisms;  // AuthCode::SASL only
  std::string_view data;                          // the rest of the body (salt, SASL data)
};
// Unknown codes are BadFieldValue; each code's body size is checked (MD5Password
// carries exactly a 4-byte salt, SASL a NUL-ended list of names).
[[nodiscard]] std::error_code parse_authentication(std::string_view body, Authentication& out);
[[nodiscard]] std::string build_authentication_sasl(const std::vector<std::string_view>& mechanisms);
[[nodiscard]] std::string build_authentication_ok();

struct BackendKeyData {
  std::int32_t process_id;
  std::int32_t secret_key;
};
[[nodiscard]] std::error_code parse_backend_key_data(std::string_view body, BackendKeyData& out) noexcept;
[[nodiscard]] std::string build_backend_key_data(BackendKeyData key);

struct ReadyForQuery {
  TransactionStatus status;
};
// The status byte must be 'I', 'T' or 'E' (BadFieldValue otherwise).
[[nodiscard]] std::error_code parse_ready_for_query(std::string_view body, ReadyForQuery& out) noexcept;
[[nodiscard]] std::string build_ready_for_query(TransactionStatus status);

struct ParameterDescription {
  std::vector<std::uint32_t> types;
};
[[nodiscard]] std::error_code parse_parameter_description(std::string_view body, ParameterDescription& out);
[[nodiscard]] std::string build_parameter_description(const std::vector<std::uint32_t>& types);

struct ParameterStatus {
  std::string_view name;
  std::string_view value;
};
[[nodiscard]] std::error_code parse_parameter_status(std::string_view body, ParameterStatus& out) noexcept;
[[nodiscard]] std::string build_parameter_status(std::string_view name, std::string_view value);

// RowDescription ('T'): one entry per result column.
struct FieldDescription {
  std::string_view name;
  std::uint32_t table_oid;       // 0 when the column is not a table column
  std::int16_t column_number;    // attribute number in that table, else 0
  std::uint32_t type_oid;
  std::int16_t type_size;        // pg_type.typlen; negative for variable width
  std::int32_t type_modifier;
  std::int16_t format;           // 0 text, 1 binary (0 in a Describe reply)
};
struct RowDescription {
  std::vector<FieldDescription> fields;
};
[[nodiscard]] std::error_code parse_row_description(std::string_view body, RowDescription& out);
[[nodiscard]] std::string build_row_description(const std::vector<FieldDescription>& fields);

// DataRow ('D'): column values, nullopt = SQL NULL. Sessions normally forward
// DataRow in bulk from the header alone; this parser is for tests and tools.
struct DataRow {
  std::vector<std::optional<std::string_view>> values;
};
[[nodiscard]] std::error_code parse_data_row(std::string_view body, DataRow& out);
[[nodiscard]] std::string build_data_row(const std::vector<std::optional<std::string_view>>& values);

// CommandComplete ('C'): the command tag, e.g. "INSERT 0 1", "SELECT 5", "BEGIN".
struct CommandComplete {
  std::string_view tag;

  // The tag's first word ("INSERT", "SELECT", "CREATE" for "CREATE TABLE").
  [[nodiscard]] std::string_view command() const noexcept;
  // The row count: the tag's last word when the tag has more than one word and
  // that word is all digits (INSERT/UPDATE/DELETE/SELECT/MERGE/MOVE/FETCH/COPY).
  [[nodiscard]] std::optional<std::uint64_t> rows() const noexcept;
};
[[nodiscard]] std::error_code parse_command_complete(std::string_view body, CommandComplete& out) noexcept;
[[nodiscard]] std::string build_command_complete(std::string_view tag);

// COPY sub-protocol (F/B). CopyData ('d'): the bytes, as is. CopyFail ('f', F):
// the failure message. CopyInResponse ('G', B): Int8 overall format, Int16 n,
// n x Int16 column format.
//
// A CopyData frame is filled in place, so a payload produced by appending (a
// CopyRowFilter's output) is never copied: begin_copy_data() appends the
// header with a placeholder length and returns where the frame starts, the
// caller appends the payload to `out`, and end_copy_data() writes the length,
// or takes the frame back off when the payload is empty.
[[nodiscard]] std::size_t begin_copy_data(std::string& out);
void end_copy_data(std::string& out, std::size_t start);
[[nodiscard]] std::string build_copy_fail(std::string_view message);
struct CopyResponse {
  std::int8_t format = 0;  // 0 text, 1 binary
  std::vector<std::int16_t> column_formats;
};
[[nodiscard]] std::error_code parse_copy_response(std::string_view body, CopyResponse& out);
[[nodiscard]] std::string build_copy_in_response(const CopyResponse& response);

// NegotiateProtocolVersion ('v'): the newest minor version the server supports
// and the protocol options (_pq_.*) it did not recognize.
struct NegotiateProtocolVersion {
  std::int32_t newest_minor;
  std::vector<std::string_view> unrecognized_options;
};
[[nodiscard]] std::error_code parse_negotiate_protocol_version(std::string_view body,
                                                               NegotiateProtocolVersion& out);
[[nodiscard]] std::string build_negotiate_protocol_version(
    std::int32_t newest_minor, const std::vector<std::string_view>& unrecognized_options);

}  // namespace pgshim::wire
