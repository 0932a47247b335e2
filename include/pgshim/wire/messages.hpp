#pragma once
// Parsers and builders for the typed messages pgshim inspects or edits. Parsers
// take a message body (after the 5-byte header) and return views into it; they
// fail with a wire::Errc when a field is truncated or bytes are left over.
// Builders return a complete frame with its length computed.
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

struct Bind {
  std::string_view portal;
  std::string_view statement;
  std::vector<std::int16_t> parameter_formats;           // 0 = text, 1 = binary
  std::vector<std::optional<std::string_view>> values;   // nullopt = SQL NULL
  std::vector<std::int16_t> result_formats;
};
[[nodiscard]] std::error_code parse_bind(std::string_view body, Bind& out);
[[nodiscard]] std::string build_bind(const Bind& bind);

// Describe and Close share a shape: a kind byte ('S' statement, 'P' portal) and a name.
struct Target {
  char kind;
  std::string_view name;
};
[[nodiscard]] std::error_code parse_target(std::string_view body, Target& out) noexcept;

struct Execute {
  std::string_view portal;
  std::int32_t max_rows;
};
[[nodiscard]] std::error_code parse_execute(std::string_view body, Execute& out) noexcept;

[[nodiscard]] std::string build_sync();
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
  [[nodiscard]] std::string_view severity() const noexcept;  // 'V', else 'S'
  [[nodiscard]] std::string_view sqlstate() const noexcept { return get('C'); }
  [[nodiscard]] std::string_view message() const noexcept { return get('M'); }
};
[[nodiscard]] std::error_code parse_error_fields(std::string_view body, ErrorFields& out);

// An ErrorResponse or NoticeResponse pgshim writes itself.
struct ErrorSpec {
  std::string severity = "ERROR";  // ERROR, FATAL, PANIC, WARNING, NOTICE, ...
  std::string sqlstate;            // five characters
  std::string message;
  std::string detail;              // omitted when empty
  std::string hint;                // omitted when empty
};
[[nodiscard]] std::string build_error_response(const ErrorSpec& spec);
[[nodiscard]] std::string build_notice_response(const ErrorSpec& spec);

// Authentication ('R'): the code and, for SASL, the mechanism names offered.
struct Authentication {
  AuthCode code;
  std::vector<std::string_view> sasl_mechanisms;  // AuthCode::SASL only
  std::string_view data;                          // the rest of the body (salt, SASL data)
};
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
[[nodiscard]] std::error_code parse_ready_for_query(std::string_view body, ReadyForQuery& out) noexcept;

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

}  // namespace pgshim::wire
