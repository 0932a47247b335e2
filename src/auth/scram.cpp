#include "pgshim/auth/scram.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>

#include "pgshim/auth/channel_binding.hpp"
#include "pgshim/auth/errc.hpp"

namespace pgshim::auth {
namespace {

// One `attr=value` of a SCRAM message (RFC 5802 section 7). Values never hold
// ',' (saslname escapes it as =2C; base64 and printable nonces exclude it), so
// a message splits into attributes at every ','.
struct Attribute {
  char name;
  std::string_view value;
};

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = s.find(',', start);
    if (comma == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
}

// attr-val = ALPHA "=" value. False for anything else (an empty field included).
bool parse_attribute(std::string_view field, Attribute& out) {
  if (field.size() < 2 || field[1] != '=') return false;
  const char c = field[0];
  if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  out = {c, field.substr(2)};
  return true;
}

// printable = %x21-2B / %x2D-7E (RFC 5802 section 7): visible ASCII except ','.
bool printable(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7e && c != ','; });
}

bool parse_iterations(std::string_view s, int& out) {
  if (s.empty() || s.size() > 10) return false;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > INT_MAX) return false;
  out = static_cast<int>(v);
  return true;
}

bool decode_key(std::string_view b64, ScramKey& out) {
  std::string raw;
  if (!base64_decode(b64, raw) || raw.size() != out.size()) return false;
  std::copy(raw.begin(), raw.end(), out.begin());
  wipe(raw);
  return true;
}

ScramKey xor_keys(const ScramKey& a, const ScramKey& b) {
  ScramKey out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = a[i] ^ b[i];
  return out;
}

std::error_code make_nonce(std::string& out) {
  std::array<std::uint8_t, kNonceRawLength> raw{};
  if (auto ec = random_bytes(raw)) return ec;
  out = base64_encode(std::span<const std::uint8_t>(raw));
  return {};
}

// saslname (RFC 5802 section 5.1): '=' and ',' are escaped.
std::string encode_saslname(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '=') out += "=3D";
    else if (c == ',') out += "=2C";
    else out += c;
  }
  return out;
}

std::string gs2_header_for(const ChannelBinding& binding) {
  switch (binding.flag) {
    case CbindFlag::None: return "n,,";
    case CbindFlag::ClientOnly: return "y,,";
    case CbindFlag::TlsServerEndPoint: return "p=" + std::string(kTlsServerEndPoint) + ",,";
  }
  return "n,,";
}

}  // namespace

// ---- ScramServer ------------------------------------------------------------

ScramServer::ScramServer(ScramVerifier verifier, std::optional<std::string> tls_server_end_point,
                         Options options)
    : verifier_(std::move(verifier)), cb_data_(std::move(tls_server_end_point)), options_(std::move(options)) {}

ScramServer::ScramServer(ScramVerifier verifier, std::optional<std::string> tls_server_end_point)
    : ScramServer(std::move(verifier), std::move(tls_server_end_point), Options{}) {}

ScramServer::~ScramServer() {
  wipe(client_key_.data(), client_key_.size());
  wipe(verifier_.stored_key.data(), verifier_.stored_key.size());
  wipe(verifier_.server_key.data(), verifier_.server_key.size());
}

std::vector<std::string_view> ScramServer::mechanisms() const {
  if (cb_data_) return {kScramSha256Plus, kScramSha256};
  return {kScramSha256};
}

std::error_code ScramServer::fail(std::error_code ec) noexcept {
  state_ = State::Failed;
  return ec;
}

std::error_code ScramServer::on_client_first(std::string_view mechanism, std::string_view client_first,
                                             std::string& server_first) {
  if (state_ != State::AwaitClientFirst) return fail(Errc::UnexpectedMessage);
  const bool plus = mechanism == kScramSha256Plus;
  if (!(mechanism == kScramSha256 || (plus && cb_data_))) return fail(Errc::UnsupportedMechanism);

  // gs2-header = gs2-cbind-flag "," [ authzid ] ","
  const auto fields = split_commas(client_first);
  if (fields.size() < 4) return fail(Errc::MalformedMessage);
  const std::string_view flag = fields[0];
  if (flag == "n") {
    flag_ = CbindFlag::None;
  } else if (flag == "y") {
    flag_ = CbindFlag::ClientOnly;
  } else if (flag.substr(0, 2) == "p=") {
    if (flag.substr(2) != kTlsServerEndPoint) return fail(Errc::ChannelBindingUnsupported);
    flag_ = CbindFlag::TlsServerEndPoint;
  } else {
    return fail(Errc::MalformedMessage);
  }
  // Mechanism and flag must agree (auth-scram.c read_client_first_message):
  switch (flag_) {
    case CbindFlag::None:
      if (plus) return fail(Errc::ChannelBindingRequired);
      break;
    case CbindFlag::ClientOnly:
      if (plus) return fail(Errc::ChannelBindingRequired);
      // RFC 5802 section 6: "y" from a client means it believes the server
      // cannot bind; a server that can must fail, or a man in the middle could
      // strip -PLUS from the offer unnoticed.
      if (cb_data_) return fail(Errc::ChannelBindingDowngrade);
      break;
    case CbindFlag::TlsServerEndPoint:
      if (!cb_data_) return fail(Errc::ChannelBindingUnsupported);
      if (!plus) return fail(Errc::ChannelBindingRequired);
      break;
  }
  if (!fields[1].empty()) {
    return fail(fields[1].substr(0, 2) == "a=" ? Errc::AuthzidUnsupported : Errc::MalformedMessage);
  }
  const std::size_t header_size = fields[0].size() + fields[1].size() + 2;

  // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
  Attribute user{};
  Attribute nonce{};
  if (!parse_attribute(fields[2], user)) return fail(Errc::MalformedMessage);
  if (user.name == 'm') return fail(Errc::ExtensionUnsupported);
  if (user.name != 'n') return fail(Errc::MalformedMessage);
  if (!parse_attribute(fields[3], nonce) || nonce.name != 'r') return fail(Errc::MalformedMessage);
  if (!printable(nonce.value)) return fail(Errc::InvalidNonce);
  for (std::size_t i = 4; i < fields.size(); ++i) {
    Attribute ext{};
    if (!parse_attribute(fields[i], ext)) return fail(Errc::MalformedMessage);
  }

  std::string suffix = options_.nonce_suffix;
  if (suffix.empty()) {
    if (auto ec = make_nonce(suffix)) return fail(ec);
  }
  gs2_header_ = std::string(client_first.substr(0, header_size));
  client_first_bare_ = std::string(client_first.substr(header_size));
  nonce_ = std::string(nonce.value) + suffix;
  // server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
  server_first_ = "r=" + nonce_ + ",s=" + base64_encode(verifier_.salt) + ",i=" + std::to_string(verifier_.iterations);
  server_first = server_first_;
  state_ = State::AwaitClientFinal;
  return {};
}

std::error_code ScramServer::on_client_final(std::string_view client_final, std::string& server_final) {
  if (state_ != State::AwaitClientFinal) return fail(Errc::UnexpectedMessage);
  // client-final-message = channel-binding "," nonce ["," extensions] "," proof
  const auto fields = split_commas(client_final);
  if (fields.size() < 3) return fail(Errc::MalformedMessage);
  Attribute cbind{};
  Attribute nonce{};
  Attribute proof{};
  if (!parse_attribute(fields[0], cbind) || cbind.name != 'c') return fail(Errc::MalformedMessage);
  if (!parse_attribute(fields[1], nonce) || nonce.name != 'r') return fail(Errc::MalformedMessage);
  for (std::size_t i = 2; i + 1 < fields.size(); ++i) {
    Attribute ext{};
    if (!parse_attribute(fields[i], ext) || ext.name == 'p') return fail(Errc::MalformedMessage);
  }
  if (!parse_attribute(fields.back(), proof) || proof.name != 'p') return fail(Errc::MalformedMessage);

  // c= is base64(gs2-header [cbind-data]) (RFC 5802 section 7): the header the
  // client sent, then the channel's data only with p=. RFC 5929 section 4.1
  // data is the hash of pgshim's own certificate.
  std::string cbind_input;
  if (!base64_decode(cbind.value, cbind_input)) return fail(Errc::MalformedMessage);
  std::string expected = gs2_header_;
  switch (flag_) {
    case CbindFlag::None:
    case CbindFlag::ClientOnly:
      break;
    case CbindFlag::TlsServerEndPoint:
      expected += *cb_data_;
      break;
  }
  if (!equal_constant_time(as_bytes(cbind_input), as_bytes(expected))) return fail(Errc::ChannelBindingMismatch);
  if (nonce.value != nonce_) return fail(Errc::NonceMismatch);
  ScramKey client_proof{};
  if (!decode_key(proof.value, client_proof)) return fail(Errc::MalformedMessage);

  // AuthMessage = client-first-message-bare "," server-first-message ","
  //               client-final-message-without-proof   (RFC 5802 section 3)
  const std::string_view without_proof = client_final.substr(0, client_final.size() - fields.back().size() - 1);
  std::string auth_message = client_first_bare_;
  auth_message.append(",").append(server_first_).append(",").append(without_proof);
  const ScramKey client_signature = hmac_sha256(verifier_.stored_key, auth_message);
  const ScramKey client_key = xor_keys(client_proof, client_signature);
  if (!client_key_matches(client_key, verifier_)) return fail(Errc::WrongPassword);

  client_key_ = client_key;
  const ScramKey server_signature = hmac_sha256(verifier_.server_key, auth_message);
  server_final = "v=" + base64_encode(std::span<const std::uint8_t>(server_signature));
  state_ = State::Succeeded;
  return {};
}

// ---- Client side ------------------------------------------------------------

ChannelBinding choose_channel_binding(const std::vector<std::string_view>& offered,
                                      const std::optional<std::string>& upstream_cert_hash) {
  if (!upstream_cert_hash) return {CbindFlag::None, {}};
  if (std::find(offered.begin(), offered.end(), kScramSha256Plus) != offered.end()) {
    return {CbindFlag::TlsServerEndPoint, *upstream_cert_hash};
  }
  return {CbindFlag::ClientOnly, {}};
}

ScramClient::ScramClient(const ScramKey& client_key, ScramVerifier verifier, ChannelBinding binding,
                         Options options)
    : verifier_(std::move(verifier)), binding_(std::move(binding)), options_(std::move(options)),
      client_key_(client_key) {}

ScramClient::ScramClient(const ScramKey& client_key, ScramVerifier verifier, ChannelBinding binding)
    : ScramClient(client_key, std::move(verifier), std::move(binding), Options{}) {}

ScramClient::ScramClient(std::string_view password, ChannelBinding binding, Options options)
    : password_(password), binding_(std::move(binding)), options_(std::move(options)) {}

ScramClient::ScramClient(std::string_view password, ChannelBinding binding)
    : ScramClient(password, std::move(binding), Options{}) {}

ScramClient::~ScramClient() {
  wipe(password_);
  wipe(client_key_.data(), client_key_.size());
  wipe(server_key_.data(), server_key_.size());
  if (verifier_) {
    wipe(verifier_->stored_key.data(), verifier_->stored_key.size());
    wipe(verifier_->server_key.data(), verifier_->server_key.size());
  }
}

std::string_view ScramClient::mechanism() const noexcept {
  return binding_.flag == CbindFlag::TlsServerEndPoint ? kScramSha256Plus : kScramSha256;
}

std::error_code ScramClient::fail(std::error_code ec) noexcept {
  state_ = State::Failed;
  return ec;
}

std::error_code ScramClient::client_first(std::string& out) {
  if (state_ != State::Initial) return fail(Errc::UnexpectedMessage);
  if (verifier_) {
    if (!client_key_matches(client_key_, *verifier_)) return fail(Errc::KeyMismatch);
  } else {
    std::string prepared;
    if (auto ec = prepare_password(password_, prepared)) return fail(ec);
    wipe(prepared);
  }
  std::string nonce = options_.nonce;
  if (nonce.empty()) {
    if (auto ec = make_nonce(nonce)) return fail(ec);
  }
  if (!printable(nonce)) return fail(Errc::InvalidNonce);
  gs2_header_ = gs2_header_for(binding_);
  client_first_bare_ = "n=" + encode_saslname(options_.username) + ",r=" + nonce;
  out = gs2_header_ + client_first_bare_;
  state_ = State::AwaitServerFirst;
  return {};
}

std::error_code ScramClient::on_server_first(std::string_view server_first, std::string& client_final) {
  if (state_ != State::AwaitServerFirst) return fail(Errc::UnexpectedMessage);
  // server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
  // Like libpq, nothing may follow the iteration count.
  const auto fields = split_commas(server_first);
  Attribute nonce{};
  Attribute salt_attr{};
  Attribute iter_attr{};
  if (fields.empty() || !parse_attribute(fields[0], nonce)) return fail(Errc::MalformedMessage);
  if (nonce.name == 'm') return fail(Errc::ExtensionUnsupported);
  if (nonce.name != 'r' || fields.size() != 3) return fail(Errc::MalformedMessage);
  if (!parse_attribute(fields[1], salt_attr) || salt_attr.name != 's') return fail(Errc::MalformedMessage);
  if (!parse_attribute(fields[2], iter_attr) || iter_attr.name != 'i') return fail(Errc::MalformedMessage);

  // The server's nonce must extend ours (RFC 5802 section 5.1).
  const std::string_view client_nonce = std::string_view(client_first_bare_).substr(client_first_bare_.find(",r=") + 3);
  if (nonce.value.size() <= client_nonce.size() || nonce.value.substr(0, client_nonce.size()) != client_nonce) {
    return fail(Errc::NonceMismatch);
  }
  if (!printable(nonce.value)) return fail(Errc::InvalidNonce);
  std::string salt;
  int iterations = 0;
  if (!base64_decode(salt_attr.value, salt) || salt.empty()) return fail(Errc::MalformedMessage);
  if (!parse_iterations(iter_attr.value, iterations)) return fail(Errc::MalformedMessage);

  ScramKey stored_key{};
  if (verifier_) {
    // Salt and iteration count are public; a difference means the upstream's
    // secret is not the one the ClientKey was recovered against.
    if (salt != verifier_->salt || iterations != verifier_->iterations) return fail(Errc::SecretDiffers);
    stored_key = verifier_->stored_key;
    server_key_ = verifier_->server_key;
  } else {
    ScramKeys keys;
    if (auto ec = derive_scram_keys(password_, salt, iterations, keys)) return fail(ec);
    client_key_ = keys.client_key;
    stored_key = keys.stored_key;
    server_key_ = keys.server_key;
  }

  // channel-binding = "c=" base64(gs2-header [cbind-data])
  std::string cbind_input = gs2_header_;
  switch (binding_.flag) {
    case CbindFlag::None:
    case CbindFlag::ClientOnly:
      break;
    case CbindFlag::TlsServerEndPoint:
      cbind_input += binding_.tls_server_end_point;
      break;
  }
  std::string without_proof = "c=" + base64_encode(cbind_input) + ",r=" + std::string(nonce.value);
  std::string auth_message = client_first_bare_;
  auth_message.append(",").append(server_first).append(",").append(without_proof);
  // ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage)
  const ScramKey client_proof = xor_keys(client_key_, hmac_sha256(stored_key, auth_message));
  expected_signature_ = hmac_sha256(server_key_, auth_message);
  client_final = without_proof + ",p=" + base64_encode(std::span<const std::uint8_t>(client_proof));
  state_ = State::AwaitServerFinal;
  return {};
}

std::error_code ScramClient::on_server_final(std::string_view server_final) {
  if (state_ != State::AwaitServerFinal) return fail(Errc::UnexpectedMessage);
  // server-final-message = (server-error / verifier) ["," extensions]; like
  // libpq, nothing may follow.
  Attribute attr{};
  if (server_final.find(',') != std::string_view::npos || !parse_attribute(server_final, attr)) {
    return fail(Errc::MalformedMessage);
  }
  if (attr.name == 'e') return fail(Errc::ServerError);
  ScramKey signature{};
  if (attr.name != 'v' || !decode_key(attr.value, signature)) return fail(Errc::MalformedMessage);
  if (!equal_constant_time(signature, expected_signature_)) return fail(Errc::ServerSignatureMismatch);
  state_ = State::Succeeded;
  return {};
}

}  // namespace pgshim::auth
