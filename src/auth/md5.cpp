#include "pgshim/auth/md5.hpp"

#include "pgshim/auth/crypto.hpp"
#include "pgshim/auth/errc.hpp"

namespace pgshim::auth {

std::error_code make_md5_salt(Md5Salt& out) { return random_bytes(out); }

std::string md5_response(const Md5Secret& secret, const Md5Salt& salt) {
  std::string input = secret.hash;
  input.append(reinterpret_cast<const char*>(salt.data()), salt.size());
  std::string out = "md5" + md5_hex(input);
  wipe(input);
  return out;
}

std::error_code verify_md5_response(const Md5Secret& secret, const Md5Salt& salt, std::string_view response) {
  std::string expected = md5_response(secret, salt);
  // The length of a well-formed answer is public (35); only its bytes are secret.
  const bool ok = equal_constant_time(as_bytes(expected), as_bytes(response));
  wipe(expected);
  if (!ok) return Errc::WrongPassword;
  return {};
}

}  // namespace pgshim::auth
