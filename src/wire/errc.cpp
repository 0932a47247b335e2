// The error category behind wire::Errc: names the codec's failures in words a
// log line or an ErrorResponse detail can carry.
#include "pgshim/wire/errc.hpp"

#include <string>

namespace pgshim::wire {
namespace {

class WireCategory final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "pgshim.wire"; }

  [[nodiscard]] std::string message(int value) const override {
    // Switch on the enum (no default) so a new Errc without a message fails
    // the build under -Wswitch-enum; values outside the enum fall through.
    switch (static_cast<Errc>(value)) {
      case Errc::LengthTooSmall:
        return "message length is below the minimum for its kind";
      case Errc::LengthTooLarge:
        return "message length exceeds the allowed maximum";
      case Errc::Truncated:
        return "a field runs past the end of the message";
      case Errc::TrailingBytes:
        return "the message has bytes after its last field";
      case Errc::MissingTerminator:
        return "a string field has no NUL terminator";
      case Errc::BadFieldValue:
        return "a count, code or format field is out of range";
      case Errc::UnsupportedProtocol:
        return "unsupported frontend protocol version";
    }
    return "unknown wire error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& wire_category() noexcept {
  static const WireCategory category;
  return category;
}

}  // namespace pgshim::wire
