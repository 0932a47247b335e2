#pragma once
// PostgreSQL's md5 password method (protocol docs, AuthenticationMD5Password):
// the server sends a random 4-byte salt; the client answers with
//   "md5" || md5_hex( md5_hex(password || user) || salt )
// in a PasswordMessage. The stored secret is md5_hex(password || user), so
// pgshim can both check a client's answer and answer an upstream's salt from
// the stored secret alone, without the password.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "pgshim/auth/secret.hpp"

namespace pgshim::auth {

using Md5Salt = std::array<std::uint8_t, 4>;

// A fresh random salt for AuthenticationMD5Password.
[[nodiscard]] std::error_code make_md5_salt(Md5Salt& out);
// The client's answer for `salt` (the PasswordMessage text, "md5" + 32 hex).
[[nodiscard]] std::string md5_response(const Md5Secret& secret, const Md5Salt& salt);
// Checks a client's PasswordMessage text in constant time: Errc::WrongPassword
// when it is not the expected answer (whatever its length or form).
[[nodiscard]] std::error_code verify_md5_response(const Md5Secret& secret, const Md5Salt& salt,
                                                  std::string_view response);

}  // namespace pgshim::auth
