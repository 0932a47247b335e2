// Framing of typed messages (protocol docs, "Message Formats"): a type byte,
// then an int32 length that counts itself but not the type byte, then the
// body. The limits are checked from the header alone, before a session
// buffers a single body byte (PgBouncer's sbuf does the same).
#include "pgshim/wire/framing.hpp"

#include "pgshim/wire/errc.hpp"
#include "pgshim/wire/reader.hpp"

namespace pgshim::wire {

Decoded<Header> decode_header(std::string_view buf, std::uint32_t max_length) noexcept {
  if (buf.size() < kHeaderSize) return NeedMore{kHeaderSize};
  Reader r(buf.substr(0, kHeaderSize));
  Header h{};
  h.type = static_cast<char>(r.byte());
  // Unsigned: a "negative" length is simply too large.
  h.length = r.uint32();
  if (h.length < kMinMessageLength) return Malformed{make_error_code(Errc::LengthTooSmall)};
  if (h.length > max_length) return Malformed{make_error_code(Errc::LengthTooLarge)};
  return Complete<Header>{h, kHeaderSize};
}

Decoded<MessageView> decode_message(std::string_view buf, std::uint32_t max_length) noexcept {
  const Decoded<Header> header = decode_header(buf, max_length);
  if (const auto* more = std::get_if<NeedMore>(&header)) return *more;
  if (const auto* bad = std::get_if<Malformed>(&header)) return *bad;
  const Header h = std::get<Complete<Header>>(header).value;
  const std::size_t frame_size = h.frame_size();
  if (buf.size() < frame_size) return NeedMore{frame_size};
  MessageView m{h.type, buf.substr(kHeaderSize, h.body_size()), buf.substr(0, frame_size)};
  return Complete<MessageView>{m, frame_size};
}

bool append_header(std::string& out, char type, std::size_t body_size) {
  if (body_size > kMaxBuildBodySize) return false;
  out.push_back(type);
  append_int32(out, static_cast<std::int32_t>(body_size + 4));
  return true;
}

void append_uint16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void append_uint32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void append_int16(std::string& out, std::int16_t v) { append_uint16(out, static_cast<std::uint16_t>(v)); }
void append_int32(std::string& out, std::int32_t v) { append_uint32(out, static_cast<std::uint32_t>(v)); }

void append_cstring(std::string& out, std::string_view s) {
  out.append(s);
  out.push_back('\0');
}

}  // namespace pgshim::wire
