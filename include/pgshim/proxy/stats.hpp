#pragma once
// Process-wide counters of the proxy, updated by sessions with relaxed atomics
// and read by logs and (later) the metrics endpoint.
#include <array>
#include <atomic>
#include <cstdint>

namespace pgshim::proxy {

// Why pgshim refused a login (auth mode proxy), for pgshim_login_failures_total.
enum class LoginFailure { WrongPassword, UnknownUser, ChannelBinding, Protocol, Upstream };
inline constexpr std::size_t kLoginFailureKinds = 5;
[[nodiscard]] constexpr const char* to_string(LoginFailure f) noexcept {
  switch (f) {
    case LoginFailure::WrongPassword: return "wrong_password";
    case LoginFailure::UnknownUser: return "unknown_user";
    case LoginFailure::ChannelBinding: return "channel_binding";
    case LoginFailure::Protocol: return "protocol";
    case LoginFailure::Upstream: return "upstream";
  }
  return "?";
}

struct Stats {
  std::atomic<std::int64_t> clients_current{0};
  std::atomic<std::uint64_t> clients_total{0};
  std::atomic<std::uint64_t> clients_refused{0};
  std::atomic<std::uint64_t> upstream_connect_failures{0};
  std::atomic<std::uint64_t> bytes_client_to_server{0};
  std::atomic<std::uint64_t> bytes_server_to_client{0};
  std::atomic<std::uint64_t> cancel_requests_forwarded{0};
  std::atomic<std::uint64_t> cancel_requests_dropped{0};
  // auth mode proxy: logins refused, by LoginFailure.
  std::array<std::atomic<std::uint64_t>, kLoginFailureKinds> login_failures{};
};

}  // namespace pgshim::proxy
