#pragma once
// Framing: where one message ends and the next begins. Decide from the header:
// the 5-byte header tells the session whether to forward N bytes in bulk or to
// fetch the whole message and inspect it. Nothing here allocates.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

#include "pgshim/wire/protocol.hpp"

namespace pgshim::wire {

// The three outcomes of decoding from a buffer that may hold a partial message.
template <class T>
struct Complete {
  T value;
  std::size_t consumed;  // bytes of the buffer the value occupies
};
struct NeedMore {
  std::size_t at_least;  // total bytes the buffer must hold before trying again
};
struct Malformed {
  std::error_code error;
};
template <class T>
using Decoded = std::variant<Complete<T>, NeedMore, Malformed>;

// The header of a typed message.
struct Header {
  char type;
  std::uint32_t length;  // as on the wire: counts its own 4 bytes, not the type byte

  [[nodiscard]] std::size_t body_size() const noexcept { return length - 4; }
  [[nodiscard]] std::size_t frame_size() const noexcept { return 1 + std::size_t{length}; }
};

// Reads a typed message header from the start of `buf`. Complete when at least
// 5 bytes are present and 4 <= length <= max_length (Malformed otherwise:
// LengthTooSmall / LengthTooLarge). `consumed` is kHeaderSize.
[[nodiscard]] Decoded<Header> decode_header(std::string_view buf,
                                            std::uint32_t max_length = kDefaultMaxMessageLength) noexcept;

// A complete typed message: a view of the frame (type byte, length, body).
// The views point into the buffer given to decode_message and live as long as it.
struct MessageView {
  char type;
  std::string_view body;   // after the 5-byte header
  std::string_view frame;  // the whole message, header included
};

// Complete when the whole frame is in `buf`; NeedMore{frame size} otherwise.
[[nodiscard]] Decoded<MessageView> decode_message(std::string_view buf,
                                                  std::uint32_t max_length = kDefaultMaxMessageLength) noexcept;

// The largest body a builder may frame: the int32 length counts its own 4 bytes.
inline constexpr std::size_t kMaxBuildBodySize = 0x7fffffff - 4;

// Appends a header for a message of `type` whose body is `body_size` bytes.
// Returns false and appends nothing when the length would not fit an int32
// (body_size > kMaxBuildBodySize).
[[nodiscard]] bool append_header(std::string& out, char type, std::size_t body_size);

// Big-endian integer helpers for builders. The unsigned forms carry counts that
// PostgreSQL reads as uint16 (parameter counts) and OIDs.
void append_int16(std::string& out, std::int16_t v);
void append_int32(std::string& out, std::int32_t v);
void append_uint16(std::string& out, std::uint16_t v);
void append_uint32(std::string& out, std::uint32_t v);
// Appends `s` and a NUL terminator. Precondition: `s` holds no NUL (builders
// check with has_nul() before computing lengths, so the frame stays well formed).
void append_cstring(std::string& out, std::string_view s);
[[nodiscard]] constexpr bool has_nul(std::string_view s) noexcept {
  return s.find('\0') != std::string_view::npos;
}

}  // namespace pgshim::wire
