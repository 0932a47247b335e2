// The one bounds-checked reader every parser goes through. Integers are
// big-endian (network order) throughout the protocol. After the first error
// the reader is parked at the end and every read yields an empty value, so a
// parser may read all its fields and check once.
#include "pgshim/wire/reader.hpp"

namespace pgshim::wire {

void Reader::fail(Errc e) noexcept {
  if (!error_) error_ = make_error_code(e);
  pos_ = data_.size();
}

std::uint8_t Reader::byte() noexcept {
  if (remaining() < 1) {
    fail(Errc::Truncated);
    return 0;
  }
  return static_cast<std::uint8_t>(data_[pos_++]);
}

std::uint16_t Reader::uint16() noexcept {
  if (remaining() < 2) {
    fail(Errc::Truncated);
    return 0;
  }
  const auto hi = static_cast<std::uint8_t>(data_[pos_]);
  const auto lo = static_cast<std::uint8_t>(data_[pos_ + 1]);
  pos_ += 2;
  return static_cast<std::uint16_t>((hi << 8) | lo);
}

std::uint32_t Reader::uint32() noexcept {
  if (remaining() < 4) {
    fail(Errc::Truncated);
    return 0;
  }
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(data_[pos_ + i]);
  pos_ += 4;
  return v;
}

// Two's complement conversion is defined in C++20, so the signed forms are casts.
std::int16_t Reader::int16() noexcept { return static_cast<std::int16_t>(uint16()); }
std::int32_t Reader::int32() noexcept { return static_cast<std::int32_t>(uint32()); }

std::string_view Reader::cstring() noexcept {
  if (!ok()) return {};
  const std::size_t nul = data_.find('\0', pos_);
  if (nul == std::string_view::npos) {
    fail(Errc::MissingTerminator);
    return {};
  }
  const std::string_view s = data_.substr(pos_, nul - pos_);
  pos_ = nul + 1;
  return s;
}

std::string_view Reader::bytes(std::size_t n) noexcept {
  if (n > remaining()) {
    fail(Errc::Truncated);
    return {};
  }
  const std::string_view s = data_.substr(pos_, n);
  pos_ += n;
  return s;
}

std::optional<std::string_view> Reader::length_prefixed() noexcept {
  const std::int32_t n = int32();
  if (!ok()) return std::string_view{};
  if (n == -1) return std::nullopt;  // SQL NULL: no bytes follow
  if (n < -1) {
    fail(Errc::BadFieldValue);
    return std::string_view{};
  }
  return bytes(static_cast<std::size_t>(n));
}

std::size_t Reader::count16(std::size_t min_element_size) noexcept {
  const std::size_t n = uint16();
  if (!ok()) return 0;
  // n <= 65535, so the product cannot overflow for any sane element size.
  if (n * min_element_size > remaining()) {
    fail(Errc::Truncated);
    return 0;
  }
  return n;
}

std::size_t Reader::count32(std::size_t min_element_size) noexcept {
  const std::int32_t n = int32();
  if (!ok()) return 0;
  if (n < 0) {
    fail(Errc::BadFieldValue);
    return 0;
  }
  // Divide rather than multiply: n * size could overflow on 32-bit size_t.
  const auto count = static_cast<std::size_t>(n);
  if (min_element_size != 0 && count > remaining() / min_element_size) {
    fail(Errc::Truncated);
    return 0;
  }
  return count;
}

std::error_code Reader::finish() noexcept {
  if (error_) return error_;
  if (!at_end()) return make_error_code(Errc::TrailingBytes);
  return {};
}

}  // namespace pgshim::wire
