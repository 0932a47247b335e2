// Fuzzes every message-body parser. The first input byte picks the parser, the
// rest is the body. Whenever a parse succeeds, the matching builder must
// reproduce the frame byte for byte: the encodings are canonical, so any
// difference means the parser dropped or invented something.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pgshim/wire/messages.hpp"

namespace {

using namespace pgshim::wire;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// The frame a builder must produce for `body`.
std::string frame(char type, std::string_view body) {
  std::string out;
  check(append_header(out, type, body.size()));
  out.append(body);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 17) {
    case 0: {
      Query q{};
      if (!parse_query(body, q)) check(build_query(q.sql) == frame('Q', body));
      break;
    }
    case 1: {
      Parse p;
      if (!parse_parse(body, p)) check(build_parse(p.statement, p.sql, p.parameter_types) == frame('P', body));
      break;
    }
    case 2: {
      Bind b;
      if (!parse_bind(body, b)) {
        check(build_bind(b) == frame('B', body));
        for (std::size_t i = 0; i < b.values.size(); ++i) {
          const std::int16_t f = b.parameter_format(i);
          check(f == kFormatText || f == kFormatBinary);
        }
      }
      break;
    }
    case 3: {
      Target t{};
      if (!parse_target(body, t)) check(build_describe(t) == frame('D', body));
      break;
    }
    case 4: {
      Execute e{};
      if (!parse_execute(body, e)) check(build_execute(e) == frame('E', body));
      break;
    }
    case 5: {
      FunctionCall f{};
      if (!parse_function_call(body, f)) check(build_function_call(f) == frame('F', body));
      break;
    }
    case 6: {
      ErrorFields f;
      if (!parse_error_fields(body, f)) {
        // Re-encode field by field: the generic form of build_error_response.
        std::string again;
        for (const ErrorField& field : f.fields) {
          again.push_back(field.code);
          append_cstring(again, field.value);
        }
        again.push_back('\0');
        check(again == body);
        check(f.severity() == (f.get('V').empty() ? f.get('S') : f.get('V')));
      }
      break;
    }
    case 7: {
      Authentication a{};
      if (!parse_authentication(body, a)) {
        if (a.code == AuthCode::SASL) check(build_authentication_sasl(a.sasl_mechanisms) == frame('R', body));
        if (a.code == AuthCode::Ok) check(build_authentication_ok() == frame('R', body));
      }
      break;
    }
    case 8: {
      BackendKeyData k{};
      if (!parse_backend_key_data(body, k)) check(build_backend_key_data(k) == frame('K', body));
      break;
    }
    case 9: {
      ReadyForQuery r{};
      if (!parse_ready_for_query(body, r)) check(build_ready_for_query(r.status) == frame('Z', body));
      break;
    }
    case 10: {
      ParameterDescription d;
      if (!parse_parameter_description(body, d)) check(build_parameter_description(d.types) == frame('t', body));
      break;
    }
    case 11: {
      ParameterStatus p{};
      if (!parse_parameter_status(body, p)) check(build_parameter_status(p.name, p.value) == frame('S', body));
      break;
    }
    case 12: {
      RowDescription r;
      if (!parse_row_description(body, r)) check(build_row_description(r.fields) == frame('T', body));
      break;
    }
    case 13: {
      DataRow r;
      if (!parse_data_row(body, r)) check(build_data_row(r.values) == frame('D', body));
      break;
    }
    case 14: {
      CommandComplete c{};
      if (!parse_command_complete(body, c)) {
        check(build_command_complete(c.tag) == frame('C', body));
        (void)c.rows();
      }
      break;
    }
    case 15: {
      NegotiateProtocolVersion n;
      if (!parse_negotiate_protocol_version(body, n)) {
        check(build_negotiate_protocol_version(n.newest_minor, n.unrecognized_options) == frame('v', body));
      }
      break;
    }
    case 16: {
      Target t{};
      if (!parse_target(body, t)) check(build_close(t) == frame('C', body));
      break;
    }
    default:
      break;
  }
  return 0;
}
