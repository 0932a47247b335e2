#pragma once
// Why a byte sequence is not a valid protocol message. Codec functions report
// these through std::error_code; they never throw.
#include <system_error>

namespace pgshim::wire {

enum class Errc {
  LengthTooSmall = 1,     // declared length below the minimum for its kind
  LengthTooLarge,         // declared length above the configured maximum
  Truncated,              // a field runs past the end of the message
  TrailingBytes,          // the fields end before the declared length does
  MissingTerminator,      // a C string has no NUL before the end of the message
  BadFieldValue,          // a count, code or format is out of its allowed range
  UnsupportedProtocol,    // a startup packet asks for a version other than 3.0
};

[[nodiscard]] const std::error_category& wire_category() noexcept;

[[nodiscard]] inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), wire_category()};
}

}  // namespace pgshim::wire

template <>
struct std::is_error_code_enum<pgshim::wire::Errc> : std::true_type {};
