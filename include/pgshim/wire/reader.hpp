#pragma once
// One bounds-checked reader for every field of every message. Each read either
// succeeds or sets the first error and returns an empty value; callers check
// `ok()` once at the end, and `finish()` also demands that the whole body was
// consumed (a parse must consume exactly the message's length).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

#include "pgshim/wire/errc.hpp"

namespace pgshim::wire {

class Reader {
 public:
  explicit Reader(std::string_view body) noexcept : data_(body) {}

  [[nodiscard]] std::uint8_t byte() noexcept;
  [[nodiscard]] std::int16_t int16() noexcept;
  [[nodiscard]] std::int32_t int32() noexcept;
  // PostgreSQL reads element counts with pq_getmsgint(msg, 2), i.e. unsigned:
  // a Bind may carry up to 65535 parameters. OIDs are unsigned 32-bit.
  [[nodiscard]] std::uint16_t uint16() noexcept;
  [[nodiscard]] std::uint32_t uint32() noexcept;
  // A NUL-terminated string; the view excludes the NUL.
  [[nodiscard]] std::string_view cstring() noexcept;
  // Exactly n bytes.
  [[nodiscard]] std::string_view bytes(std::size_t n) noexcept;
  // An int32 length followed by that many bytes; -1 means SQL NULL (nullopt).
  // Lengths below -1 fail with BadFieldValue, lengths past the end with Truncated.
  [[nodiscard]] std::optional<std::string_view> length_prefixed() noexcept;

  // Element counts, checked before anyone sizes a vector from them: the count
  // is returned only when count * min_element_size <= remaining() (Truncated
  // otherwise, and 0 is returned). count32 also rejects negatives (BadFieldValue).
  [[nodiscard]] std::size_t count16(std::size_t min_element_size) noexcept;
  [[nodiscard]] std::size_t count32(std::size_t min_element_size) noexcept;

  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
  [[nodiscard]] bool at_end() const noexcept { return pos_ == data_.size(); }
  [[nodiscard]] bool ok() const noexcept { return !error_; }
  [[nodiscard]] std::error_code error() const noexcept { return error_; }
  // Marks the reader failed with `e` unless it already failed. A failed reader
  // is at_end() and every later read returns an empty value, so loops that run
  // "until at_end()" terminate on malformed input.
  void fail(Errc e) noexcept;
  // The final verdict: the first error, or TrailingBytes when bytes are left.
  [[nodiscard]] std::error_code finish() noexcept;

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
  std::error_code error_;
};

}  // namespace pgshim::wire
