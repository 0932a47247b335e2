#pragma once
// The untyped packets of the startup phase: StartupMessage, SSLRequest,
// GSSENCRequest and CancelRequest all begin with an int32 length and an int32
// code (protocol docs, "Start-up" and "Canceling Requests in Progress").
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pgshim/wire/framing.hpp"

namespace pgshim::wire {

enum class StartupKind {
  Startup,        // protocol 3.x StartupMessage
  SslRequest,
  GssEncRequest,
  CancelRequest,
  OtherVersion,   // a StartupMessage for a protocol other than 3.x
};

struct StartupPacket {
  StartupKind kind = StartupKind::Startup;
  std::int32_t code = 0;  // the protocol version or request code as sent
  // StartupMessage: name/value pairs in the order sent (user, database, options,
  // application_name, replication, _pq_.* ...). Views into the decoded buffer.
  std::vector<std::pair<std::string_view, std::string_view>> parameters;
  // CancelRequest: the target's process id and secret key.
  std::int32_t process_id = 0;
  std::int32_t secret_key = 0;

  // The value of parameter `name`, or empty when absent.
  [[nodiscard]] std::string_view parameter(std::string_view name) const noexcept;
};

// Decodes one startup-phase packet from the start of `buf`. Lengths below 8 or
// above kMaxStartupPacketLength are Malformed before anything is buffered;
// NeedMore until the whole packet is present. A StartupMessage must end with the
// terminating NUL; an SSLRequest/GSSENCRequest is exactly 8 bytes and a
// CancelRequest exactly 16. Protocol 3.x minor versions are accepted (kind
// Startup); other major versions decode as OtherVersion (body not parsed).
// `consumed` is the packet's length. Not noexcept: filling `parameters` may
// throw std::bad_alloc.
[[nodiscard]] Decoded<StartupPacket> decode_startup(std::string_view buf);

// Builds a StartupMessage (protocol 3.0) from name/value pairs. Returns an empty
// string when a name is empty, a field holds a NUL, or the packet would exceed
// kMaxStartupPacketLength (PostgreSQL would refuse it).
[[nodiscard]] std::string build_startup(
    const std::vector<std::pair<std::string, std::string>>& parameters);

// Builds a CancelRequest.
[[nodiscard]] std::string build_cancel_request(std::int32_t process_id, std::int32_t secret_key);

// Builds an SSLRequest.
[[nodiscard]] std::string build_ssl_request();

// Builds a GSSENCRequest.
[[nodiscard]] std::string build_gss_enc_request();

}  // namespace pgshim::wire
