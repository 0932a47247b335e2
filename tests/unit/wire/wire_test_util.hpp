#pragma once
// Byte builders and printers shared by the wire tests. Test bytes are written
// field by field here, independently of the codec's own builders, so a builder
// bug cannot hide behind a parser bug of the same shape.
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

#include <gtest/gtest.h>

#include "pgshim/wire/errc.hpp"
#include "pgshim/wire/framing.hpp"

namespace pgshim::wire::test {

class Bytes {
 public:
  Bytes& u8(std::uint32_t v) {
    s_.push_back(static_cast<char>(v & 0xff));
    return *this;
  }
  Bytes& i16(std::int64_t v) {
    const auto u = static_cast<std::uint64_t>(v);
    return u8(static_cast<std::uint32_t>(u >> 8)).u8(static_cast<std::uint32_t>(u));
  }
  Bytes& i32(std::int64_t v) {
    const auto u = static_cast<std::uint64_t>(v);
    return i16(static_cast<std::int64_t>(u >> 16)).i16(static_cast<std::int64_t>(u & 0xffff));
  }
  Bytes& raw(std::string_view s) {
    s_.append(s);
    return *this;
  }
  Bytes& cstr(std::string_view s) { return raw(s).u8(0); }
  // A length-prefixed value as in Bind/DataRow.
  Bytes& value(std::string_view s) { return i32(static_cast<std::int64_t>(s.size())).raw(s); }

  [[nodiscard]] const std::string& str() const { return s_; }
  // The bytes as the body of a typed message: type, int32 length, body.
  [[nodiscard]] std::string frame(char type) const {
    return Bytes().u8(static_cast<std::uint8_t>(type)).i32(static_cast<std::int64_t>(s_.size() + 4)).raw(s_).str();
  }
  // The bytes as an untyped startup packet: int32 length (self-inclusive), bytes.
  [[nodiscard]] std::string packet() const {
    return Bytes().i32(static_cast<std::int64_t>(s_.size() + 4)).raw(s_).str();
  }

 private:
  std::string s_;
};

// Names a parameterized case after its `name` member.
struct CaseName {
  template <class P>
  std::string operator()(const testing::TestParamInfo<P>& i) const {
    return i.param.name;
  }
};

[[nodiscard]] inline std::string errc_name(std::error_code ec) {
  if (!ec) return "ok";
  if (ec.category() != wire_category()) return "foreign:" + ec.message();
  switch (static_cast<Errc>(ec.value())) {
    case Errc::LengthTooSmall: return "LengthTooSmall";
    case Errc::LengthTooLarge: return "LengthTooLarge";
    case Errc::Truncated: return "Truncated";
    case Errc::TrailingBytes: return "TrailingBytes";
    case Errc::MissingTerminator: return "MissingTerminator";
    case Errc::BadFieldValue: return "BadFieldValue";
    case Errc::UnsupportedProtocol: return "UnsupportedProtocol";
  }
  return "Errc(" + std::to_string(ec.value()) + ")";
}

// "Complete(n)", "NeedMore(n)" or "Malformed(Errc)": one string to compare,
// so a table row states the whole expected outcome.
template <class T>
[[nodiscard]] std::string show(const Decoded<T>& d) {
  if (const auto* c = std::get_if<Complete<T>>(&d)) return "Complete(" + std::to_string(c->consumed) + ")";
  if (const auto* m = std::get_if<NeedMore>(&d)) return "NeedMore(" + std::to_string(m->at_least) + ")";
  return "Malformed(" + errc_name(std::get<Malformed>(d).error) + ")";
}

}  // namespace pgshim::wire::test
