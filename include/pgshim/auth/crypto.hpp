#pragma once
// The few primitives SCRAM-SHA-256 (RFC 5802 section 2.2, RFC 7677) and
// PostgreSQL's md5 method need, as thin wrappers over libcrypto that take and
// return bytes. Nothing here logs or throws; failures of libcrypto itself are
// reported as Errc::CryptoFailure (they do not happen with the default provider).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace pgshim::auth {

// SHA-256 output size: the size of every SCRAM-SHA-256 key, signature and proof.
inline constexpr std::size_t kScramKeyLength = 32;
using ScramKey = std::array<std::uint8_t, kScramKeyLength>;

// Standard base64 (RFC 4648 section 4) with '=' padding, as SCRAM uses it.
[[nodiscard]] std::string base64_encode(std::string_view bytes);
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> bytes);
// Strict decoding: the length must be a multiple of 4, padding only at the
// end, no whitespace, and the unused bits of the last symbol zero. False on
// any violation (`out` is then unspecified).
[[nodiscard]] bool base64_decode(std::string_view text, std::string& out);

[[nodiscard]] ScramKey sha256(std::span<const std::uint8_t> bytes);
[[nodiscard]] ScramKey hmac_sha256(std::span<const std::uint8_t> key, std::string_view message);
// Hi() of RFC 5802 section 2.2: PBKDF2 with HMAC-SHA-256, one output block.
// Precondition: iterations >= 1.
[[nodiscard]] std::error_code pbkdf2_sha256(std::string_view password, std::string_view salt,
                                            int iterations, ScramKey& out);
// Lower-case hex MD5 of `bytes` (32 characters).
[[nodiscard]] std::string md5_hex(std::string_view bytes);
// Fills `out` from the CSPRNG (RAND_bytes).
[[nodiscard]] std::error_code random_bytes(std::span<std::uint8_t> out);
// Constant-time equality (CRYPTO_memcmp); false when the sizes differ (sizes
// are public: every compared value here has a fixed length).
[[nodiscard]] bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;
// Overwrites key material before it is freed (OPENSSL_cleanse: not optimized away).
void wipe(void* data, std::size_t size) noexcept;
void wipe(std::string& s) noexcept;

// Views of byte containers as spans of bytes.
[[nodiscard]] inline std::span<const std::uint8_t> as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
[[nodiscard]] inline std::string_view as_chars(std::span<const std::uint8_t> b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace pgshim::auth
