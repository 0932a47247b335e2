#pragma once
// SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677) as PostgreSQL
// speaks them (protocol docs "SASL Authentication"; src/backend/libpq/auth-scram.c,
// src/interfaces/libpq/fe-auth-scram.c), as two pure state machines: each step
// takes the peer's message text (the SASL data of the AuthenticationSASL* /
// SASLInitialResponse / SASLResponse messages, see messages.hpp) and produces
// the next message text or an Errc. No I/O, no exceptions, nothing logged.
//
// pgshim runs the server side with the client and the client side with the
// upstream. From a successful server-side exchange it recovers the client's
// ClientKey (RFC 5802 section 3: ClientKey = ClientProof XOR ClientSignature,
// checked by H(ClientKey) == StoredKey) and answers the upstream's challenge
// with it. That works only when the upstream holds the same secret (same salt,
// iterations and StoredKey) as the verifier pgshim checked the client with:
// ClientKey is a function of the password and the salt, so a different salt
// upstream (the password was set again) cannot be answered without the
// password, and the client side reports Errc::SecretDiffers.
//
// PostgreSQL's dialect: the user name comes from the StartupMessage, so the
// client sends an empty `n=` and the server ignores whatever is there;
// authorization identities (a=) are refused. Nonces are 18 random bytes,
// base64-encoded (24 characters), as in PostgreSQL.
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "pgshim/auth/crypto.hpp"
#include "pgshim/auth/secret.hpp"

namespace pgshim::auth {

inline constexpr std::string_view kScramSha256 = "SCRAM-SHA-256";
inline constexpr std::string_view kScramSha256Plus = "SCRAM-SHA-256-PLUS";
// Raw bytes of the nonce part each side contributes (SCRAM_RAW_NONCE_LEN).
inline constexpr std::size_t kNonceRawLength = 18;

// The gs2 cbind-flag of client-first-message (RFC 5802 section 7).
enum class CbindFlag {
  None,               // "n,,": the client does not support channel binding
  ClientOnly,         // "y,,": the client supports it but thinks the server does not
  TlsServerEndPoint,  // "p=tls-server-end-point,,": bound to the server certificate's hash
};

// ---- Server side --------------------------------------------------------------

class ScramServer {
 public:
  enum class State { AwaitClientFirst, AwaitClientFinal, Succeeded, Failed };
  struct Options {
    // The server's nonce part. Empty (the default) means 18 fresh random bytes,
    // base64; tests set it to replay RFC 7677's vector. Must be printable.
    std::string nonce_suffix;
  };

  // `verifier`: the user's stored secret (or make_mock_verifier's for an
  // unknown user). `tls_server_end_point`: the tls-server-end-point hash of
  // pgshim's own certificate when the client leg is TLS (then -PLUS is offered
  // and a `y` flag is a downgrade); nullopt on a plain-text leg.
  ScramServer(ScramVerifier verifier, std::optional<std::string> tls_server_end_point, Options options);
  ScramServer(ScramVerifier verifier, std::optional<std::string> tls_server_end_point);
  ~ScramServer();
  ScramServer(ScramServer&&) noexcept = default;
  ScramServer& operator=(ScramServer&&) noexcept = default;
  ScramServer(const ScramServer&) = delete;
  ScramServer& operator=(const ScramServer&) = delete;

  // The mechanisms for AuthenticationSASL, in preference order: -PLUS first
  // when channel binding is possible (as PostgreSQL lists them).
  [[nodiscard]] std::vector<std::string_view> mechanisms() const;

  // SASLInitialResponse: the chosen mechanism and client-first-message.
  // On success `server_first` is the AuthenticationSASLContinue data.
  [[nodiscard]] std::error_code on_client_first(std::string_view mechanism, std::string_view client_first,
                                                std::string& server_first);
  // SASLResponse: client-final-message. On success `server_final` is the
  // AuthenticationSASLFinal data (v=ServerSignature) and client_key() is set.
  // A wrong password is Errc::WrongPassword, found only here (never earlier,
  // so an unknown user with a mock verifier looks the same).
  [[nodiscard]] std::error_code on_client_final(std::string_view client_final, std::string& server_final);

  [[nodiscard]] State state() const noexcept { return state_; }
  // The recovered ClientKey. Precondition: state() == Succeeded.
  [[nodiscard]] const ScramKey& client_key() const noexcept { return client_key_; }
  // Whether the client bound the exchange to the TLS channel (-PLUS). Valid after on_client_first.
  [[nodiscard]] bool channel_bound() const noexcept { return flag_ == CbindFlag::TlsServerEndPoint; }
  [[nodiscard]] const ScramVerifier& verifier() const noexcept { return verifier_; }

 private:
  std::error_code fail(std::error_code ec) noexcept;

  ScramVerifier verifier_;
  std::optional<std::string> cb_data_;
  Options options_;
  State state_ = State::AwaitClientFirst;
  CbindFlag flag_ = CbindFlag::None;
  std::string gs2_header_;         // "n,,", "y,," or "p=tls-server-end-point,,"
  std::string client_first_bare_;  // client-first-message-bare
  std::string server_first_;
  std::string nonce_;              // client nonce + server nonce
  ScramKey client_key_{};
};

// ---- Client side --------------------------------------------------------------

// How the client side binds to the upstream's TLS channel.
struct ChannelBinding {
  CbindFlag flag = CbindFlag::None;
  std::string tls_server_end_point;  // the upstream certificate's hash; for TlsServerEndPoint only
};

// libpq's choice (channel_binding=prefer): bind when the leg is TLS and the
// server offers -PLUS; on TLS without -PLUS say `y`; without TLS say `n`.
// `upstream_cert_hash` is nullopt on a plain-text leg.
[[nodiscard]] ChannelBinding choose_channel_binding(const std::vector<std::string_view>& offered,
                                                    const std::optional<std::string>& upstream_cert_hash);

class ScramClient {
 public:
  enum class State { Initial, AwaitServerFirst, AwaitServerFinal, Succeeded, Failed };
  struct Options {
    std::string nonce;     // empty: 18 random bytes, base64 (tests set RFC 7677's)
    std::string username;  // the n= attribute; PostgreSQL clients send it empty
  };

  // Logs in with a ClientKey recovered by ScramServer and the verifier it was
  // checked against: the server's salt and iterations must equal the
  // verifier's (Errc::SecretDiffers otherwise); ServerSignature is verified
  // with the verifier's ServerKey.
  ScramClient(const ScramKey& client_key, ScramVerifier verifier, ChannelBinding binding, Options options);
  ScramClient(const ScramKey& client_key, ScramVerifier verifier, ChannelBinding binding);
  // Logs in with a password (plain-text auth file entries; tests): the keys are
  // derived from the server's salt and iterations, whatever they are.
  ScramClient(std::string_view password, ChannelBinding binding, Options options);
  ScramClient(std::string_view password, ChannelBinding binding);
  ~ScramClient();
  ScramClient(ScramClient&&) noexcept = default;
  ScramClient& operator=(ScramClient&&) noexcept = default;
  ScramClient(const ScramClient&) = delete;
  ScramClient& operator=(const ScramClient&) = delete;

  // SCRAM-SHA-256-PLUS when binding with p=, else SCRAM-SHA-256.
  [[nodiscard]] std::string_view mechanism() const noexcept;
  // The SASLInitialResponse data. Fails with KeyMismatch when the ClientKey is
  // not the verifier's, UnsupportedPassword for a password it cannot prepare.
  [[nodiscard]] std::error_code client_first(std::string& out);
  // AuthenticationSASLContinue data in, SASLResponse data (client-final) out.
  [[nodiscard]] std::error_code on_server_first(std::string_view server_first, std::string& client_final);
  // AuthenticationSASLFinal data: the server's signature, checked in constant time.
  [[nodiscard]] std::error_code on_server_final(std::string_view server_final);

  [[nodiscard]] State state() const noexcept { return state_; }

 private:
  std::error_code fail(std::error_code ec) noexcept;

  std::optional<ScramVerifier> verifier_;  // ClientKey mode
  std::string password_;                   // password mode
  ChannelBinding binding_;
  Options options_;
  State state_ = State::Initial;
  std::string gs2_header_;
  std::string client_first_bare_;
  ScramKey client_key_{};
  ScramKey server_key_{};
  ScramKey expected_signature_{};
};

}  // namespace pgshim::auth
