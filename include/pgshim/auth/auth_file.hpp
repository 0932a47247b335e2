#pragma once
// The auth file: PgBouncer's userlist.txt format (pgbouncer.ini auth_file),
// so that an existing file can be reused as is.
//
//   ; a comment (';' or '#' as the first non-blank character)
//   "alice" "SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>"
//   "bob"   "md5<32 hex>"
//   "carol" "plain text password"
//
// Each entry is a quoted user name and a quoted secret separated by blanks;
// `""` inside quotes is one '"'; anything after the second field is ignored
// (PgBouncer: "other fields are ignored"). A secret is classified as
// PostgreSQL's get_password_type does: a SCRAM verifier (which must then
// parse), md5 + 32 lowercase hex, else plain text. From plain text pgshim
// derives a SCRAM verifier (random salt, 4096 iterations; see secret.hpp for
// the SASLprep rule) and the md5 secret, and keeps the password so that the
// upstream login can derive keys for whatever salt the server has.
//
// Loading is start-up/reload work, not exchange work: errors are reported as
// `file:line: message` text and never quote a secret.
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "pgshim/auth/secret.hpp"

namespace pgshim::auth {

struct UserSecret {
  std::optional<ScramVerifier> scram;  // set for SCRAM and plain-text entries
  std::optional<Md5Secret> md5;        // set for md5 and plain-text entries
  std::optional<std::string> password; // plain-text entries only
};

struct AuthFileError {
  std::string location;  // "path:line", or "path" for whole-file errors
  std::string message;

  [[nodiscard]] std::string text() const { return location + ": " + message; }
};

class AuthFile {
 public:
  // The secret of `user`, or nullptr (then run a mock exchange: make_mock_verifier).
  [[nodiscard]] const UserSecret* find(std::string_view user) const;
  [[nodiscard]] std::size_t size() const noexcept { return users_.size(); }

  // Parses `contents`; `name` is the path used in error locations. On failure
  // `out` is left unchanged (a reload keeps the previous file).
  [[nodiscard]] static bool parse(std::string_view contents, std::string_view name, AuthFile& out,
                                  AuthFileError& error);

 private:
  std::map<std::string, UserSecret, std::less<>> users_;
};

// Reads and parses the file at `path`. Refuses anything but a regular file,
// and a file whose mode grants any permission to group or others: the file
// holds password equivalents (a SCRAM verifier lets its holder impersonate the
// server, an md5 hash lets its holder log in).
[[nodiscard]] bool load_auth_file(const std::string& path, AuthFile& out, AuthFileError& error);

}  // namespace pgshim::auth
