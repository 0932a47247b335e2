#include "pgshim/auth/messages.hpp"

#include "pgshim/wire/framing.hpp"
#include "pgshim/wire/protocol.hpp"
#include "pgshim/wire/reader.hpp"

namespace pgshim::auth {
namespace {

constexpr char kPasswordMessage = 'p';
constexpr char kAuthentication = 'R';

std::string build_authentication(wire::AuthCode code, std::string_view data) {
  std::string out;
  if (!wire::append_header(out, kAuthentication, 4 + data.size())) return {};
  wire::append_int32(out, static_cast<std::int32_t>(code));
  out.append(data);
  return out;
}

}  // namespace

std::error_code parse_sasl_initial_response(std::string_view body, SaslInitialResponse& out) noexcept {
  wire::Reader r(body);
  out.mechanism = r.cstring();
  out.data = r.length_prefixed();
  return r.finish();
}

std::string build_sasl_initial_response(std::string_view mechanism, std::string_view data) {
  if (wire::has_nul(mechanism) || data.size() > 0x7fffffff) return {};
  std::string out;
  if (!wire::append_header(out, kPasswordMessage, mechanism.size() + 1 + 4 + data.size())) return {};
  wire::append_cstring(out, mechanism);
  wire::append_int32(out, static_cast<std::int32_t>(data.size()));
  out.append(data);
  return out;
}

std::string build_sasl_response(std::string_view data) {
  std::string out;
  if (!wire::append_header(out, kPasswordMessage, data.size())) return {};
  out.append(data);
  return out;
}

std::error_code parse_password_message(std::string_view body, std::string_view& out) noexcept {
  wire::Reader r(body);
  out = r.cstring();
  return r.finish();
}

std::string build_password_message(std::string_view password) {
  if (wire::has_nul(password)) return {};
  std::string out;
  if (!wire::append_header(out, kPasswordMessage, password.size() + 1)) return {};
  wire::append_cstring(out, password);
  return out;
}

std::string build_authentication_sasl_continue(std::string_view data) {
  return build_authentication(wire::AuthCode::SASLContinue, data);
}

std::string build_authentication_sasl_final(std::string_view data) {
  return build_authentication(wire::AuthCode::SASLFinal, data);
}

std::string build_authentication_md5_password(const Md5Salt& salt) {
  return build_authentication(wire::AuthCode::MD5Password,
                              std::string_view(reinterpret_cast<const char*>(salt.data()), salt.size()));
}

}  // namespace pgshim::auth
