#pragma once
// The authentication messages wire/messages.hpp does not cover, in the same
// style (parsers take the body after the 5-byte header and return views into
// it; builders return a complete frame, or "" when the input cannot be framed):
//   frontend 'p': SASLInitialResponse, SASLResponse, PasswordMessage (one type
//                 byte for all three; the session knows which one to expect);
//   backend  'R': AuthenticationSASLContinue, AuthenticationSASLFinal,
//                 AuthenticationMD5Password.
// wire::parse_authentication reads the backend ones.
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "pgshim/auth/md5.hpp"

namespace pgshim::auth {

// SASLInitialResponse: mechanism name, then Int32 length of the initial
// response (-1: none) and its bytes.
struct SaslInitialResponse {
  std::string_view mechanism;
  std::optional<std::string_view> data;
};
[[nodiscard]] std::error_code parse_sasl_initial_response(std::string_view body, SaslInitialResponse& out) noexcept;
[[nodiscard]] std::string build_sasl_initial_response(std::string_view mechanism, std::string_view data);

// SASLResponse: the whole body is the mechanism's data.
[[nodiscard]] std::string build_sasl_response(std::string_view data);

// PasswordMessage: one C string (the md5 answer or a cleartext password).
[[nodiscard]] std::error_code parse_password_message(std::string_view body, std::string_view& out) noexcept;
[[nodiscard]] std::string build_password_message(std::string_view password);

[[nodiscard]] std::string build_authentication_sasl_continue(std::string_view data);
[[nodiscard]] std::string build_authentication_sasl_final(std::string_view data);
[[nodiscard]] std::string build_authentication_md5_password(const Md5Salt& salt);

}  // namespace pgshim::auth
