// Parsers and builders for typed message bodies (protocol docs, "Message
// Formats"). Parsers read every field through Reader and end with finish(), so
// a body is accepted only when its fields account for every byte. Counts are
// checked against the remaining bytes before any vector is sized from them.
// Builders size the body first, refuse what cannot be framed, then write once.
#include "pgshim/wire/messages.hpp"

#include <limits>

#include "pgshim/wire/errc.hpp"
#include "pgshim/wire/reader.hpp"

namespace pgshim::wire {
namespace {

// Smallest encodings, used to bound counts before allocating.
constexpr std::size_t kInt16Size = 2;
constexpr std::size_t kInt32Size = 4;
constexpr std::size_t kMinCStringSize = 1;  // just the NUL
// RowDescription entry: name NUL + table OID + column + type OID + size + modifier + format.
constexpr std::size_t kMinFieldDescriptionSize = 1 + 4 + 2 + 4 + 2 + 4 + 2;
constexpr std::size_t kMaxCount16 = std::numeric_limits<std::uint16_t>::max();

[[nodiscard]] bool is_format(std::int16_t f) noexcept { return f == kFormatText || f == kFormatBinary; }

// Reads `n` format codes, each 0 or 1 (BadFieldValue otherwise).
void read_formats(Reader& r, std::size_t n, std::vector<std::int16_t>& out) {
  out.clear();
  out.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    const std::int16_t f = r.int16();
    if (r.ok() && !is_format(f)) r.fail(Errc::BadFieldValue);
    out.push_back(f);
  }
}

// Reads `n` length-prefixed values (-1 = NULL).
void read_values(Reader& r, std::size_t n, std::vector<std::optional<std::string_view>>& out) {
  out.clear();
  out.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) out.push_back(r.length_prefixed());
}

// Bind and FunctionCall: zero codes (all text), one code (for all) or one per
// value; exec_bind_message refuses any other count.
void check_format_count(Reader& r, std::size_t formats, std::size_t values) {
  if (r.ok() && formats > 1 && formats != values) r.fail(Errc::BadFieldValue);
}

// Accumulates a body's size and whether it can be encoded at all.
class BodySize {
 public:
  void fixed(std::size_t n) noexcept { size_ += n; }
  void cstring(std::string_view s) noexcept {
    if (has_nul(s)) ok_ = false;
    size_ += s.size() + 1;
  }
  // A uint16 element count on the wire.
  void count16(std::size_t n) noexcept {
    if (n > kMaxCount16) ok_ = false;
    size_ += kInt16Size;
  }
  void value(const std::optional<std::string_view>& v) noexcept { size_ += kInt32Size + (v ? v->size() : 0); }

  [[nodiscard]] bool ok() const noexcept { return ok_ && size_ <= kMaxBuildBodySize; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  std::size_t size_ = 0;
  bool ok_ = true;
};

// Starts a frame for a body of `size`: the header written and the whole frame
// reserved. Empty when the body cannot be encoded (see "Builder failure").
[[nodiscard]] std::string start_frame(char type, const BodySize& size) {
  std::string out;
  if (!size.ok()) return out;
  out.reserve(kHeaderSize + size.size());
  if (!append_header(out, type, size.size())) out.clear();
  return out;
}

void append_value(std::string& out, const std::optional<std::string_view>& v) {
  if (!v) {
    append_int32(out, -1);
    return;
  }
  append_int32(out, static_cast<std::int32_t>(v->size()));  // fits: the body did
  out.append(*v);
}

void append_formats(std::string& out, const std::vector<std::int16_t>& formats) {
  append_uint16(out, static_cast<std::uint16_t>(formats.size()));
  for (const std::int16_t f : formats) append_int16(out, f);
}

void append_values(std::string& out, const std::vector<std::optional<std::string_view>>& values) {
  append_uint16(out, static_cast<std::uint16_t>(values.size()));
  for (const auto& v : values) append_value(out, v);
}

// A message whose body is one C string (Query, CommandComplete).
[[nodiscard]] std::string build_cstring_message(char type, std::string_view s) {
  BodySize size;
  size.cstring(s);
  std::string out = start_frame(type, size);
  if (out.empty()) return out;
  append_cstring(out, s);
  return out;
}

// A message with an empty body (Sync, Flush, Terminate).
[[nodiscard]] std::string build_empty_message(char type) {
  return start_frame(type, BodySize{});
}

[[nodiscard]] std::string build_target(char type, Target target) {
  if (target.kind != kTargetStatement && target.kind != kTargetPortal) return {};
  BodySize size;
  size.fixed(1);
  size.cstring(target.name);
  std::string out = start_frame(type, size);
  if (out.empty()) return out;
  out.push_back(target.kind);
  append_cstring(out, target.name);
  return out;
}

[[nodiscard]] std::string build_error_like(char type, const ErrorSpec& spec) {
  // Field codes from "Error and Notice Message Fields". 'V' (PostgreSQL 9.6+)
  // repeats the severity unlocalized, for clients that match on it.
  struct Field {
    char code;
    std::string_view value;
  };
  const Field all[] = {{'S', spec.severity}, {'V', spec.severity}, {'C', spec.sqlstate},
                       {'M', spec.message},  {'D', spec.detail},   {'H', spec.hint}};
  BodySize size;
  for (const Field& f : all) {
    if ((f.code == 'D' || f.code == 'H') && f.value.empty()) continue;
    size.fixed(1);
    size.cstring(f.value);
  }
  size.fixed(1);  // the terminating zero byte
  std::string out = start_frame(type, size);
  if (out.empty()) return out;
  for (const Field& f : all) {
    if ((f.code == 'D' || f.code == 'H') && f.value.empty()) continue;
    out.push_back(f.code);
    append_cstring(out, f.value);
  }
  out.push_back('\0');
  return out;
}

}  // namespace

// ---- Frontend ----------------------------------------------------------------

// Query (F): String query. Simple-query protocol; may hold several statements.
std::error_code parse_query(std::string_view body, Query& out) noexcept {
  Reader r(body);
  out.sql = r.cstring();
  return r.finish();
}

std::string build_query(std::string_view sql) { return build_cstring_message('Q', sql); }

// Parse (F): String statement, String query, Int16 n, n x Int32 parameter type
// OID. n may be fewer than the query's placeholders; the rest are inferred.
std::error_code parse_parse(std::string_view body, Parse& out) {
  Reader r(body);
  out.statement = r.cstring();
  out.sql = r.cstring();
  const std::size_t n = r.count16(kInt32Size);
  out.parameter_types.clear();
  out.parameter_types.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) out.parameter_types.push_back(r.uint32());
  return r.finish();
}

// Statement and SQL must be NUL-free; at most 65535 types.
std::string build_parse(std::string_view statement, std::string_view sql,
                        const std::vector<std::uint32_t>& parameter_types) {
  BodySize size;
  size.cstring(statement);
  size.cstring(sql);
  size.count16(parameter_types.size());
  size.fixed(parameter_types.size() * kInt32Size);
  std::string out = start_frame('P', size);
  if (out.empty()) return out;
  append_cstring(out, statement);
  append_cstring(out, sql);
  append_uint16(out, static_cast<std::uint16_t>(parameter_types.size()));
  for (const std::uint32_t oid : parameter_types) append_uint32(out, oid);
  return out;
}

std::int16_t Bind::parameter_format(std::size_t i) const noexcept {
  if (parameter_formats.empty()) return kFormatText;
  if (parameter_formats.size() == 1) return parameter_formats.front();
  return i < parameter_formats.size() ? parameter_formats[i] : kFormatText;
}

// Bind (F): String portal, String statement, Int16 n + n Int16 parameter
// format codes, Int16 n + n values (Int32 length, -1 = NULL, then bytes),
// Int16 n + n Int16 result format codes. Each count is bounded by the bytes
// left before its vector is reserved.
std::error_code parse_bind(std::string_view body, Bind& out) {
  Reader r(body);
  out.portal = r.cstring();
  out.statement = r.cstring();
  read_formats(r, r.count16(kInt16Size), out.parameter_formats);
  read_values(r, r.count16(kInt32Size), out.values);
  read_formats(r, r.count16(kInt16Size), out.result_formats);
  check_format_count(r, out.parameter_formats.size(), out.values.size());
  return r.finish();
}

std::string build_bind(const Bind& bind) {
  BodySize size;
  size.cstring(bind.portal);
  size.cstring(bind.statement);
  size.count16(bind.parameter_formats.size());
  size.fixed(bind.parameter_formats.size() * kInt16Size);
  size.count16(bind.values.size());
  for (const auto& v : bind.values) size.value(v);
  size.count16(bind.result_formats.size());
  size.fixed(bind.result_formats.size() * kInt16Size);
  std::string out = start_frame('B', size);
  if (out.empty()) return out;
  append_cstring(out, bind.portal);
  append_cstring(out, bind.statement);
  append_formats(out, bind.parameter_formats);
  append_values(out, bind.values);
  append_formats(out, bind.result_formats);
  return out;
}

// Describe / Close (F): Byte1 'S' or 'P', String name ("" = unnamed).
std::error_code parse_target(std::string_view body, Target& out) noexcept {
  Reader r(body);
  out.kind = static_cast<char>(r.byte());
  if (r.ok() && out.kind != kTargetStatement && out.kind != kTargetPortal) r.fail(Errc::BadFieldValue);
  out.name = r.cstring();
  return r.finish();
}

std::string build_describe(Target target) { return build_target('D', target); }
std::string build_close(Target target) { return build_target('C', target); }

// Execute (F): String portal, Int32 maximum rows.
std::error_code parse_execute(std::string_view body, Execute& out) noexcept {
  Reader r(body);
  out.portal = r.cstring();
  out.max_rows = r.int32();  // 0 (or negative, as PostgreSQL reads it) = no limit
  return r.finish();
}

std::string build_execute(Execute execute) {
  BodySize size;
  size.cstring(execute.portal);
  size.fixed(kInt32Size);
  std::string out = start_frame('E', size);
  if (out.empty()) return out;
  append_cstring(out, execute.portal);
  append_int32(out, execute.max_rows);
  return out;
}

// FunctionCall (F): Int32 function OID, Int16 n + n argument format codes,
// Int16 n + n arguments (as Bind values), Int16 result format code.
std::error_code parse_function_call(std::string_view body, FunctionCall& out) {
  Reader r(body);
  out.function_oid = r.uint32();
  read_formats(r, r.count16(kInt16Size), out.argument_formats);
  read_values(r, r.count16(kInt32Size), out.arguments);
  out.result_format = r.int16();
  if (r.ok() && !is_format(out.result_format)) r.fail(Errc::BadFieldValue);
  check_format_count(r, out.argument_formats.size(), out.arguments.size());
  return r.finish();
}

std::string build_function_call(const FunctionCall& call) {
  BodySize size;
  size.fixed(kInt32Size);
  size.count16(call.argument_formats.size());
  size.fixed(call.argument_formats.size() * kInt16Size);
  size.count16(call.arguments.size());
  for (const auto& v : call.arguments) size.value(v);
  size.fixed(kInt16Size);
  std::string out = start_frame('F', size);
  if (out.empty()) return out;
  append_uint32(out, call.function_oid);
  append_formats(out, call.argument_formats);
  append_values(out, call.arguments);
  append_int16(out, call.result_format);
  return out;
}

// Sync, Flush, Terminate (F): type and length only.
std::string build_sync() { return build_empty_message('S'); }
std::string build_flush() { return build_empty_message('H'); }
std::string build_no_data() { return build_empty_message(static_cast<char>(BackendType::NoData)); }
std::string build_terminate() { return build_empty_message('X'); }

// ---- Backend -----------------------------------------------------------------

std::string_view ErrorFields::get(char code) const noexcept {
  for (const ErrorField& f : fields) {
    if (f.code == code) return f.value;
  }
  return {};
}

// 'V' (9.6+) is never localized, so it wins over 'S' for matching on severity.
std::string_view ErrorFields::severity() const noexcept {
  const std::string_view v = get('V');
  return v.empty() ? get('S') : v;
}

// ErrorResponse / NoticeResponse (B): repeated Byte1 code + String value,
// ended by a zero byte. No field is mandatory here: a body of just the zero
// byte is valid, and a proxy must relay errors that lack a SQLSTATE.
std::error_code parse_error_fields(std::string_view body, ErrorFields& out) {
  Reader r(body);
  out.fields.clear();
  // Any non-zero byte is a field code: the docs tell clients to ignore the
  // codes they do not know, and new ones are added over releases.
  while (r.ok()) {
    const auto code = static_cast<char>(r.byte());
    if (!r.ok() || code == '\0') break;
    const std::string_view value = r.cstring();
    if (r.ok()) out.fields.push_back(ErrorField{code, value});
  }
  return r.finish();
}

std::string build_error_response(const ErrorSpec& spec) { return build_error_like('E', spec); }
std::string build_notice_response(const ErrorSpec& spec) { return build_error_like('N', spec); }

// Authentication (B): Int32 code, then a code-specific tail ("Message Formats",
// AuthenticationOk ... AuthenticationSASLFinal).
std::error_code parse_authentication(std::string_view body, Authentication& out) {
  Reader r(body);
  const std::int32_t code = r.int32();
  out.code = static_cast<AuthCode>(code);
  out.sasl_mechanisms.clear();
  out.data = {};
  if (!r.ok()) return r.finish();
  // No default: a new AuthCode must be handled here. Values outside the enum
  // leave the switch and are refused below.
  switch (out.code) {
    case AuthCode::Ok:
    case AuthCode::KerberosV5:
    case AuthCode::CleartextPassword:
    case AuthCode::GSS:
    case AuthCode::SSPI:
      return r.finish();  // the code is the whole body
    case AuthCode::MD5Password:
      out.data = r.bytes(4);  // the salt
      return r.finish();
    case AuthCode::SASL:
      // Mechanism names, each NUL-terminated, ended by an empty name.
      while (r.ok()) {
        const std::string_view name = r.cstring();
        if (!r.ok() || name.empty()) break;
        out.sasl_mechanisms.push_back(name);
      }
      return r.finish();
    case AuthCode::GSSContinue:
    case AuthCode::SASLContinue:
    case AuthCode::SASLFinal:
      out.data = r.bytes(r.remaining());  // opaque mechanism data
      return r.finish();
  }
  return make_error_code(Errc::BadFieldValue);
}

std::string build_authentication_sasl(const std::vector<std::string_view>& mechanisms) {
  BodySize size;
  size.fixed(kInt32Size + 1);  // code, final empty name
  for (const std::string_view m : mechanisms) {
    if (m.empty()) return {};  // would end the list early
    size.cstring(m);
  }
  std::string out = start_frame('R', size);
  if (out.empty()) return out;
  append_int32(out, static_cast<std::int32_t>(AuthCode::SASL));
  for (const std::string_view m : mechanisms) append_cstring(out, m);
  out.push_back('\0');
  return out;
}

std::string build_authentication_ok() {
  BodySize size;
  size.fixed(kInt32Size);
  std::string out = start_frame('R', size);
  append_int32(out, static_cast<std::int32_t>(AuthCode::Ok));
  return out;
}

// BackendKeyData (B): Int32 process id, Int32 secret key (protocol 3.0 size).
std::error_code parse_backend_key_data(std::string_view body, BackendKeyData& out) noexcept {
  Reader r(body);
  out.process_id = r.int32();
  out.secret_key = r.int32();
  return r.finish();
}

std::string build_backend_key_data(BackendKeyData key) {
  BodySize size;
  size.fixed(2 * kInt32Size);
  std::string out = start_frame('K', size);
  append_int32(out, key.process_id);
  append_int32(out, key.secret_key);
  return out;
}

// ReadyForQuery (B): Byte1 transaction status. A proxy tracks this to know when
// a server connection is idle, in a transaction block, or in a failed one.
std::error_code parse_ready_for_query(std::string_view body, ReadyForQuery& out) noexcept {
  Reader r(body);
  const auto status = static_cast<TransactionStatus>(r.byte());
  out.status = status;
  if (!r.ok()) return r.finish();
  switch (status) {
    case TransactionStatus::Idle:
    case TransactionStatus::InBlock:
    case TransactionStatus::Failed:
      return r.finish();
  }
  return make_error_code(Errc::BadFieldValue);
}

std::string build_ready_for_query(TransactionStatus status) {
  BodySize size;
  size.fixed(1);
  std::string out = start_frame('Z', size);
  out.push_back(static_cast<char>(status));
  return out;
}

// ParameterDescription (B): Int16 n, n x Int32 type OID. The server sends it as
// uint16 too: up to 65535 parameters.
std::error_code parse_parameter_description(std::string_view body, ParameterDescription& out) {
  Reader r(body);
  const std::size_t n = r.count16(kInt32Size);
  out.types.clear();
  out.types.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) out.types.push_back(r.uint32());
  return r.finish();
}

std::string build_parameter_description(const std::vector<std::uint32_t>& types) {
  BodySize size;
  size.count16(types.size());
  size.fixed(types.size() * kInt32Size);
  std::string out = start_frame('t', size);
  if (out.empty()) return out;
  append_uint16(out, static_cast<std::uint16_t>(types.size()));
  for (const std::uint32_t oid : types) append_uint32(out, oid);
  return out;
}

// ParameterStatus (B): String name, String value.
std::error_code parse_parameter_status(std::string_view body, ParameterStatus& out) noexcept {
  Reader r(body);
  out.name = r.cstring();
  out.value = r.cstring();
  return r.finish();
}

std::string build_parameter_status(std::string_view name, std::string_view value) {
  BodySize size;
  size.cstring(name);
  size.cstring(value);
  std::string out = start_frame('S', size);
  if (out.empty()) return out;
  append_cstring(out, name);
  append_cstring(out, value);
  return out;
}

// RowDescription (B): Int16 n, then per field: String name, Int32 table OID,
// Int16 column number, Int32 type OID, Int16 type size, Int32 type modifier,
// Int16 format code. Each entry is at least 19 bytes, which bounds n.
std::error_code parse_row_description(std::string_view body, RowDescription& out) {
  Reader r(body);
  const std::size_t n = r.count16(kMinFieldDescriptionSize);
  out.fields.clear();
  out.fields.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    FieldDescription f{};
    f.name = r.cstring();
    f.table_oid = r.uint32();
    f.column_number = r.int16();
    f.type_oid = r.uint32();
    f.type_size = r.int16();
    f.type_modifier = r.int32();
    f.format = r.int16();
    if (r.ok() && !is_format(f.format)) r.fail(Errc::BadFieldValue);
    out.fields.push_back(f);
  }
  return r.finish();
}

std::string build_row_description(const std::vector<FieldDescription>& fields) {
  BodySize size;
  size.count16(fields.size());
  for (const FieldDescription& f : fields) {
    size.cstring(f.name);
    size.fixed(kMinFieldDescriptionSize - kMinCStringSize);
  }
  std::string out = start_frame('T', size);
  if (out.empty()) return out;
  append_uint16(out, static_cast<std::uint16_t>(fields.size()));
  for (const FieldDescription& f : fields) {
    append_cstring(out, f.name);
    append_uint32(out, f.table_oid);
    append_int16(out, f.column_number);
    append_uint32(out, f.type_oid);
    append_int16(out, f.type_size);
    append_int32(out, f.type_modifier);
    append_int16(out, f.format);
  }
  return out;
}

// DataRow (B): Int16 n, n values (Int32 length, -1 = NULL, then bytes).
std::error_code parse_data_row(std::string_view body, DataRow& out) {
  Reader r(body);
  read_values(r, r.count16(kInt32Size), out.values);
  return r.finish();
}

std::string build_data_row(const std::vector<std::optional<std::string_view>>& values) {
  BodySize size;
  size.count16(values.size());
  for (const auto& v : values) size.value(v);
  std::string out = start_frame('D', size);
  if (out.empty()) return out;
  append_values(out, values);
  return out;
}

// CommandComplete (B): String tag. Its shape is "<COMMAND> [oid] [rows]".
std::string_view CommandComplete::command() const noexcept { return tag.substr(0, tag.find(' ')); }

std::optional<std::uint64_t> CommandComplete::rows() const noexcept {
  const std::size_t space = tag.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view digits = tag.substr(space + 1);
  if (digits.empty()) return std::nullopt;
  std::uint64_t n = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return std::nullopt;
    n = n * 10 + d;
  }
  return n;
}

std::error_code parse_command_complete(std::string_view body, CommandComplete& out) noexcept {
  Reader r(body);
  out.tag = r.cstring();
  return r.finish();
}

std::string build_command_complete(std::string_view tag) { return build_cstring_message('C', tag); }

std::size_t begin_copy_data(std::string& out) {
  const std::size_t start = out.size();
  out.push_back('d');
  append_int32(out, 0);  // the length, once the payload is known
  return start;
}

void end_copy_data(std::string& out, std::size_t start) {
  const std::size_t payload = out.size() - start - 5;
  if (payload == 0) {
    out.resize(start);
    return;
  }
  std::string length;
  append_int32(length, static_cast<std::int32_t>(payload + 4));
  out.replace(start + 1, 4, length);
}

std::string build_copy_fail(std::string_view message) { return build_cstring_message('f', message); }

// CopyInResponse / CopyOutResponse / CopyBothResponse (B): Int8 overall format,
// Int16 n, n x Int16 format code.
std::error_code parse_copy_response(std::string_view body, CopyResponse& out) {
  Reader r(body);
  out.format = static_cast<std::int8_t>(r.byte());
  const std::size_t n = r.count16(kInt16Size);
  out.column_formats.clear();
  out.column_formats.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) out.column_formats.push_back(r.int16());
  return r.finish();
}

std::string build_copy_in_response(const CopyResponse& response) {
  BodySize size;
  size.fixed(1);
  size.count16(response.column_formats.size());
  size.fixed(kInt16Size * response.column_formats.size());
  std::string out = start_frame('G', size);
  if (out.empty()) return out;
  out.push_back(static_cast<char>(response.format));
  append_formats(out, response.column_formats);
  return out;
}

// NegotiateProtocolVersion (B): Int32 newest minor version, Int32 n, n x String
// option name. n is signed on the wire; negative is BadFieldValue.
std::error_code parse_negotiate_protocol_version(std::string_view body, NegotiateProtocolVersion& out) {
  Reader r(body);
  out.newest_minor = r.int32();
  const std::size_t n = r.count32(kMinCStringSize);
  out.unrecognized_options.clear();
  out.unrecognized_options.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) out.unrecognized_options.push_back(r.cstring());
  return r.finish();
}

std::string build_negotiate_protocol_version(std::int32_t newest_minor,
                                             const std::vector<std::string_view>& unrecognized_options) {
  BodySize size;
  size.fixed(2 * kInt32Size);
  for (const std::string_view o : unrecognized_options) size.cstring(o);
  std::string out = start_frame('v', size);
  if (out.empty()) return out;
  append_int32(out, newest_minor);
  append_int32(out, static_cast<std::int32_t>(unrecognized_options.size()));  // < body size
  for (const std::string_view o : unrecognized_options) append_cstring(out, o);
  return out;
}

}  // namespace pgshim::wire
