#include "pgshim/auth/errc.hpp"

#include <string>

namespace pgshim::auth {
namespace {

// The readable text of each reason. A switch without default: -Wswitch-enum
// makes a new reason without a text a build failure.
const char* errc_text(Errc e) noexcept {
  switch (e) {
    case Errc::BadVerifier: return "malformed SCRAM-SHA-256 secret";
    case Errc::BadMd5Secret: return "malformed md5 secret";
    case Errc::UnsupportedPassword:
      return "plain-text password needs SASLprep normalization (non-ASCII); store a SCRAM secret instead";
    case Errc::UnexpectedMessage: return "authentication message out of sequence";
    case Errc::MalformedMessage: return "malformed SCRAM message";
    case Errc::UnsupportedMechanism: return "unsupported SASL authentication mechanism";
    case Errc::AuthzidUnsupported: return "SCRAM authorization identity is not supported";
    case Errc::ExtensionUnsupported: return "unsupported mandatory SCRAM extension";
    case Errc::InvalidNonce: return "non-printable characters in SCRAM nonce";
    case Errc::NonceMismatch: return "SCRAM nonce mismatch";
    case Errc::ChannelBindingUnsupported: return "unsupported SCRAM channel binding";
    case Errc::ChannelBindingDowngrade:
      return "SCRAM channel binding negotiation error: the client thinks the server does not support it";
    case Errc::ChannelBindingMismatch: return "SCRAM channel binding check failed";
    case Errc::ChannelBindingRequired: return "SCRAM mechanism and channel binding flag disagree";
    case Errc::BadCertificate: return "cannot compute tls-server-end-point data for the certificate";
    case Errc::WrongPassword: return "password authentication failed";
    case Errc::ServerSignatureMismatch: return "invalid SCRAM server signature";
    case Errc::ServerError: return "the server rejected SCRAM authentication";
    case Errc::SecretDiffers:
      return "the upstream's SCRAM secret differs from pgshim's (password changed upstream?)";
    case Errc::KeyMismatch: return "SCRAM ClientKey does not match the stored key";
    case Errc::CryptoFailure: return "cryptographic library failure";
  }
  return "unknown authentication error";
}

class AuthCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "pgshim.auth"; }
  std::string message(int ev) const override { return errc_text(static_cast<Errc>(ev)); }
};

}  // namespace

const std::error_category& auth_category() noexcept {
  static const AuthCategory category;
  return category;
}

std::string_view errc_label(Errc e) noexcept {
  switch (e) {
    case Errc::BadVerifier: return "bad_verifier";
    case Errc::BadMd5Secret: return "bad_md5_secret";
    case Errc::UnsupportedPassword: return "unsupported_password";
    case Errc::UnexpectedMessage: return "unexpected_message";
    case Errc::MalformedMessage: return "malformed_message";
    case Errc::UnsupportedMechanism: return "unsupported_mechanism";
    case Errc::AuthzidUnsupported: return "authzid_unsupported";
    case Errc::ExtensionUnsupported: return "extension_unsupported";
    case Errc::InvalidNonce: return "invalid_nonce";
    case Errc::NonceMismatch: return "nonce_mismatch";
    case Errc::ChannelBindingUnsupported: return "channel_binding_unsupported";
    case Errc::ChannelBindingDowngrade: return "channel_binding_downgrade";
    case Errc::ChannelBindingMismatch: return "channel_binding_mismatch";
    case Errc::ChannelBindingRequired: return "channel_binding_required";
    case Errc::BadCertificate: return "bad_certificate";
    case Errc::WrongPassword: return "wrong_password";
    case Errc::ServerSignatureMismatch: return "server_signature_mismatch";
    case Errc::ServerError: return "server_error";
    case Errc::SecretDiffers: return "secret_differs";
    case Errc::KeyMismatch: return "key_mismatch";
    case Errc::CryptoFailure: return "crypto_failure";
  }
  return "unknown";
}

}  // namespace pgshim::auth
