#include "pgshim/auth/secret.hpp"

#include <climits>
#include <cstdint>

#include "pgshim/auth/errc.hpp"

namespace pgshim::auth {
namespace {

bool decode_key(std::string_view b64, ScramKey& out) {
  std::string raw;
  if (!base64_decode(b64, raw) || raw.size() != out.size()) return false;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(raw[i]);
  wipe(raw);
  return true;
}

// A decimal in [1, INT_MAX] with no sign, spaces or leading garbage.
bool parse_positive_int(std::string_view s, int& out) {
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

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

std::string ScramVerifier::to_string() const {
  return std::string(kScramSecretPrefix) + std::to_string(iterations) + ":" + base64_encode(salt) + "$" +
         base64_encode(std::span<const std::uint8_t>(stored_key)) + ":" +
         base64_encode(std::span<const std::uint8_t>(server_key));
}

std::error_code parse_scram_verifier(std::string_view text, ScramVerifier& out) {
  if (text.substr(0, kScramSecretPrefix.size()) != kScramSecretPrefix) return Errc::BadVerifier;
  text.remove_prefix(kScramSecretPrefix.size());
  // <iterations>:<salt>$<StoredKey>:<ServerKey>
  const auto dollar = text.find('$');
  if (dollar == std::string_view::npos) return Errc::BadVerifier;
  const std::string_view params = text.substr(0, dollar);
  const std::string_view keys = text.substr(dollar + 1);
  const auto colon1 = params.find(':');
  const auto colon2 = keys.find(':');
  if (colon1 == std::string_view::npos || colon2 == std::string_view::npos) return Errc::BadVerifier;
  ScramVerifier v;
  if (!parse_positive_int(params.substr(0, colon1), v.iterations)) return Errc::BadVerifier;
  if (!base64_decode(params.substr(colon1 + 1), v.salt) || v.salt.empty()) return Errc::BadVerifier;
  if (!decode_key(keys.substr(0, colon2), v.stored_key)) return Errc::BadVerifier;
  if (!decode_key(keys.substr(colon2 + 1), v.server_key)) return Errc::BadVerifier;
  out = std::move(v);
  return {};
}

std::error_code parse_md5_secret(std::string_view text, Md5Secret& out) {
  if (text.size() != 35 || text.substr(0, 3) != "md5") return Errc::BadMd5Secret;
  for (char c : text.substr(3)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return Errc::BadMd5Secret;
  }
  out.hash = std::string(text.substr(3));
  return {};
}

std::error_code prepare_password(std::string_view password, std::string& out) {
  bool ascii = true;
  for (char c : password) {
    if (static_cast<unsigned char>(c) >= 0x80) ascii = false;
  }
  // pg_saslprep: ASCII needs no processing; invalid UTF-8 makes the callers
  // fall back to the raw bytes. Valid non-ASCII UTF-8 needs NFKC (refused).
  if (!ascii && valid_utf8(password)) return Errc::UnsupportedPassword;
  out.assign(password);
  return {};
}

std::error_code derive_scram_keys(std::string_view password, std::string_view salt, int iterations,
                                  ScramKeys& out) {
  std::string prepared;
  if (auto ec = prepare_password(password, prepared)) return ec;
  ScramKey salted{};
  const auto ec = pbkdf2_sha256(prepared, salt, iterations, salted);
  wipe(prepared);
  if (ec) return ec;
  out.client_key = hmac_sha256(salted, "Client Key");
  out.server_key = hmac_sha256(salted, "Server Key");
  out.stored_key = sha256(out.client_key);
  wipe(salted.data(), salted.size());
  return {};
}

std::error_code make_scram_verifier(std::string_view password, std::string_view salt, int iterations,
                                    ScramVerifier& out) {
  ScramKeys keys;
  if (auto ec = derive_scram_keys(password, salt, iterations, keys)) return ec;
  out.iterations = iterations;
  out.salt = std::string(salt);
  out.stored_key = keys.stored_key;
  out.server_key = keys.server_key;
  wipe(keys.client_key.data(), keys.client_key.size());
  return {};
}

std::error_code make_scram_verifier(std::string_view password, ScramVerifier& out) {
  std::array<std::uint8_t, kDefaultSaltLength> salt{};
  if (auto ec = random_bytes(salt)) return ec;
  return make_scram_verifier(password, as_chars(salt), kDefaultScramIterations, out);
}

Md5Secret make_md5_secret(std::string_view password, std::string_view user) {
  std::string input;
  input.reserve(password.size() + user.size());
  input.append(password).append(user);
  Md5Secret out{md5_hex(input)};
  wipe(input);
  return out;
}

bool client_key_matches(const ScramKey& client_key, const ScramVerifier& verifier) noexcept {
  const ScramKey stored = sha256(client_key);
  return equal_constant_time(stored, verifier.stored_key);
}

std::error_code make_mock_verifier(std::string_view user, std::string_view mock_nonce, ScramVerifier& out) {
  std::string seed(user);
  seed.append(mock_nonce);
  const ScramKey digest = sha256(as_bytes(seed));
  ScramVerifier v;
  v.iterations = kDefaultScramIterations;
  v.salt.assign(reinterpret_cast<const char*>(digest.data()), kDefaultSaltLength);
  if (auto ec = random_bytes(v.stored_key)) return ec;
  if (auto ec = random_bytes(v.server_key)) return ec;
  out = std::move(v);
  return {};
}

}  // namespace pgshim::auth
