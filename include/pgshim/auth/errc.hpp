#pragma once
// Why an authentication step failed. Every exchange function reports one of
// these through std::error_code and never throws: a session maps the reason to
// an ErrorResponse (28P01 "password authentication failed for user ..." for
// the client-visible ones, as PostgreSQL words it) and to a metric label.
//
// The texts are fixed strings: they never contain a secret, a proof, a key, a
// nonce or any other byte the peer sent, so they are safe to log.
#include <string_view>
#include <system_error>

namespace pgshim::auth {

enum class Errc {
  // ---- Parsing stored secrets ----
  BadVerifier = 1,          // not SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>
  BadMd5Secret,             // not md5 followed by 32 lowercase hex digits
  UnsupportedPassword,      // plain text that needs SASLprep normalization (non-ASCII UTF-8)
  // ---- Messages and the state machine ----
  UnexpectedMessage,        // a step was fed in the wrong state
  MalformedMessage,         // a SCRAM message does not follow RFC 5802's grammar
  UnsupportedMechanism,     // a SASL mechanism other than those offered
  AuthzidUnsupported,       // the client asked for an authorization identity (a=)
  ExtensionUnsupported,     // a mandatory extension (m=) was requested
  InvalidNonce,             // a nonce with characters outside RFC 5802's printable set
  NonceMismatch,            // r= does not continue the nonce of the previous message
  // ---- Channel binding (RFC 5802 section 6, RFC 5929) ----
  ChannelBindingUnsupported,  // p= on a leg without TLS, or a type other than tls-server-end-point
  ChannelBindingDowngrade,    // y: the client thinks the server cannot bind, but it can
  ChannelBindingMismatch,     // c= is not the gs2 header plus the expected binding data
  ChannelBindingRequired,     // -PLUS chosen without p=, or p= with the plain mechanism
  BadCertificate,             // the certificate cannot be parsed or its hash cannot be chosen
  // ---- Verification ----
  WrongPassword,            // the client's proof (SCRAM) or response (MD5) does not verify
  ServerSignatureMismatch,  // the upstream's v= is not HMAC(ServerKey, AuthMessage)
  ServerError,              // the upstream answered server-final with e=
  SecretDiffers,            // the upstream's salt/iterations differ from pgshim's verifier
  KeyMismatch,              // a ClientKey whose H() is not the verifier's StoredKey
  CryptoFailure,            // libcrypto failed (RAND_bytes, HMAC, PBKDF2)
};

[[nodiscard]] const std::error_category& auth_category() noexcept;

[[nodiscard]] inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), auth_category()};
}

// A short lower-case label for metrics ("wrong_password", "secret_differs", ...).
[[nodiscard]] std::string_view errc_label(Errc e) noexcept;

}  // namespace pgshim::auth

template <>
struct std::is_error_code_enum<pgshim::auth::Errc> : std::true_type {};
