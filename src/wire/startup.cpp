// Startup-phase packets (protocol docs, "Start-up", "SSL Session Encryption",
// "GSSAPI Session Encryption", "Canceling Requests in Progress"). They have no
// type byte: an int32 length that counts itself, then an int32 code that says
// what the packet is. PostgreSQL (ProcessStartupPacket) rejects lengths outside
// [8, MAX_STARTUP_PACKET_LENGTH] before reading the rest; so do we.
#include "pgshim/wire/startup.hpp"

#include "pgshim/wire/errc.hpp"
#include "pgshim/wire/reader.hpp"

namespace pgshim::wire {
namespace {

constexpr std::size_t kLengthSize = 4;
constexpr std::uint32_t kMinStartupLength = 8;  // length + code
constexpr std::int32_t kMajorVersion3 = 3;

// The body of a StartupMessage after the version: name/value C-string pairs,
// ended by an empty name. The terminating NUL must be the packet's last byte.
std::error_code parse_parameters(Reader& r, StartupPacket& out) {
  while (r.ok()) {
    const std::string_view name = r.cstring();
    if (!r.ok() || name.empty()) break;
    const std::string_view value = r.cstring();
    if (!r.ok()) break;
    out.parameters.emplace_back(name, value);
  }
  return r.finish();
}

}  // namespace

std::string_view StartupPacket::parameter(std::string_view name) const noexcept {
  // PostgreSQL applies the pairs in order, so a repeated name's last value wins.
  std::string_view found;
  for (const auto& [n, v] : parameters) {
    if (n == name) found = v;
  }
  return found;
}

Decoded<StartupPacket> decode_startup(std::string_view buf) {
  if (buf.size() < kLengthSize) return NeedMore{kLengthSize};
  Reader head(buf.substr(0, kLengthSize));
  // Unsigned, so a negative int32 reads as too large rather than wrapping.
  const std::uint32_t length = head.uint32();
  if (length < kMinStartupLength) return Malformed{make_error_code(Errc::LengthTooSmall)};
  if (length > kMaxStartupPacketLength) return Malformed{make_error_code(Errc::LengthTooLarge)};
  if (buf.size() < length) return NeedMore{length};

  Reader r(buf.substr(kLengthSize, length - kLengthSize));
  StartupPacket p;
  p.code = r.int32();
  std::error_code ec;
  if (p.code == kSslRequestCode || p.code == kGssEncRequestCode) {
    // Exactly 8 bytes: nothing may follow the code.
    p.kind = p.code == kSslRequestCode ? StartupKind::SslRequest : StartupKind::GssEncRequest;
    ec = r.finish();
  } else if (p.code == kCancelRequestCode) {
    // Exactly 16 bytes: process id and secret key (protocol 3.0 keys are int32).
    p.kind = StartupKind::CancelRequest;
    p.process_id = r.int32();
    p.secret_key = r.int32();
    ec = r.finish();
  } else if ((p.code >> 16) == kMajorVersion3) {
    // Any 3.x minor: the server answers unknown minors with NegotiateProtocolVersion.
    p.kind = StartupKind::Startup;
    ec = parse_parameters(r, p);
  } else {
    // Another protocol (2.0, or a future major): the body's format is unknown
    // to us, so it is not parsed; the session refuses it with an error.
    p.kind = StartupKind::OtherVersion;
  }
  if (ec) return Malformed{ec};
  return Complete<StartupPacket>{std::move(p), length};
}

std::string build_startup(const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::size_t length = kMinStartupLength + 1;  // length, version, final NUL
  for (const auto& [name, value] : parameters) {
    // An empty name would end the list early; a NUL would split a field.
    if (name.empty() || has_nul(name) || has_nul(value)) return {};
    length += name.size() + 1 + value.size() + 1;
    if (length > kMaxStartupPacketLength) return {};  // the server would refuse it
  }
  std::string out;
  out.reserve(length);
  append_int32(out, static_cast<std::int32_t>(length));
  append_int32(out, kProtocolVersion3);
  for (const auto& [name, value] : parameters) {
    append_cstring(out, name);
    append_cstring(out, value);
  }
  out.push_back('\0');
  return out;
}

std::string build_cancel_request(std::int32_t process_id, std::int32_t secret_key) {
  std::string out;
  out.reserve(16);
  append_int32(out, 16);
  append_int32(out, kCancelRequestCode);
  append_int32(out, process_id);
  append_int32(out, secret_key);
  return out;
}

std::string build_ssl_request() {
  std::string out;
  out.reserve(8);
  append_int32(out, 8);
  append_int32(out, kSslRequestCode);
  return out;
}

std::string build_gss_enc_request() {
  std::string out;
  out.reserve(8);
  append_int32(out, 8);
  append_int32(out, kGssEncRequestCode);
  return out;
}

}  // namespace pgshim::wire
