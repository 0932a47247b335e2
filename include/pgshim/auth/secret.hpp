#pragma once
// PostgreSQL's stored password secrets (pg_authid.rolpassword) and the keys of
// SCRAM-SHA-256 (RFC 5802 section 3):
//   SaltedPassword = Hi(Normalize(password), salt, i)
//   ClientKey = HMAC(SaltedPassword, "Client Key")   StoredKey = H(ClientKey)
//   ServerKey = HMAC(SaltedPassword, "Server Key")
// A verifier holds StoredKey and ServerKey, never ClientKey: ClientKey is only
// learned from a client's proof during an exchange (see scram.hpp).
//
// Normalize() (SASLprep, RFC 4013) as PostgreSQL applies it (src/common/saslprep.c,
// pg_saslprep, and its callers): an all-ASCII password is used as is; a
// password that is not valid UTF-8 (or that SASLprep prohibits) is used as raw
// bytes. Only valid non-ASCII UTF-8 needs NFKC normalization, which pgshim does
// not implement: such plain-text passwords are refused (Errc::UnsupportedPassword)
// rather than silently producing a key PostgreSQL would not accept. Stored
// SCRAM secrets and client-computed proofs never need Normalize() here.
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "pgshim/auth/crypto.hpp"

namespace pgshim::auth {

inline constexpr std::string_view kScramSecretPrefix = "SCRAM-SHA-256$";
// PostgreSQL's defaults for new secrets (scram_sha_256_iterations, SCRAM_DEFAULT_SALT_LEN).
inline constexpr int kDefaultScramIterations = 4096;
inline constexpr std::size_t kDefaultSaltLength = 16;

// SCRAM-SHA-256$<iterations>:<salt b64>$<StoredKey b64>:<ServerKey b64>
struct ScramVerifier {
  int iterations = 0;
  std::string salt;  // raw bytes (decoded)
  ScramKey stored_key{};
  ScramKey server_key{};

  // The text form, as stored in pg_authid.rolpassword.
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const ScramVerifier&, const ScramVerifier&) = default;
};

// md5<32 lowercase hex>: md5(password || username), hex. The md5 method's
// secret: with it pgshim can both check and produce salted responses.
struct Md5Secret {
  std::string hash;  // the 32 hex digits, without the "md5" prefix

  [[nodiscard]] std::string to_string() const { return "md5" + hash; }
  friend bool operator==(const Md5Secret&, const Md5Secret&) = default;
};

// The three keys derived from a password for one salt and iteration count.
struct ScramKeys {
  ScramKey client_key{};
  ScramKey stored_key{};
  ScramKey server_key{};
};

// Strict parse of the SCRAM-SHA-256 text form: iterations a decimal in
// [1, INT_MAX], a non-empty salt, both keys exactly 32 bytes (Errc::BadVerifier).
[[nodiscard]] std::error_code parse_scram_verifier(std::string_view text, ScramVerifier& out);
// "md5" followed by exactly 32 lowercase hex digits, as PostgreSQL's
// get_password_type recognizes it (Errc::BadMd5Secret).
[[nodiscard]] std::error_code parse_md5_secret(std::string_view text, Md5Secret& out);

// Normalize() as described above: the bytes to feed Hi(), or UnsupportedPassword.
[[nodiscard]] std::error_code prepare_password(std::string_view password, std::string& out);
// Derives the keys from a password (Normalize() applied) and a salt.
[[nodiscard]] std::error_code derive_scram_keys(std::string_view password, std::string_view salt,
                                                int iterations, ScramKeys& out);
// A verifier for a password with the given salt and iterations.
[[nodiscard]] std::error_code make_scram_verifier(std::string_view password, std::string_view salt,
                                                  int iterations, ScramVerifier& out);
// A verifier for a password with a fresh random 16-byte salt and 4096 iterations,
// as PostgreSQL's pg_be_scram_build_secret does.
[[nodiscard]] std::error_code make_scram_verifier(std::string_view password, ScramVerifier& out);
// md5(password || user), as CREATE ROLE ... PASSWORD stores it under password_encryption=md5.
[[nodiscard]] Md5Secret make_md5_secret(std::string_view password, std::string_view user);

// StoredKey = H(ClientKey), compared in constant time: whether `client_key`
// belongs to `verifier`.
[[nodiscard]] bool client_key_matches(const ScramKey& client_key, const ScramVerifier& verifier) noexcept;

// A verifier for a user that does not exist, so that the exchange runs to the
// end and fails exactly like a wrong password (PostgreSQL's mock
// authentication, scram_mock_salt): the salt is derived from the user name and
// a per-process secret `mock_nonce`, so it is stable per user and reveals
// nothing; the keys are random and no proof can match them.
[[nodiscard]] std::error_code make_mock_verifier(std::string_view user, std::string_view mock_nonce,
                                                 ScramVerifier& out);

}  // namespace pgshim::auth
