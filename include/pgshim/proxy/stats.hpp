#pragma once
// Process-wide counters of the proxy, updated by sessions with relaxed atomics
// and read by logs and (later) the metrics endpoint.
#include <atomic>
#include <cstdint>

namespace pgshim::proxy {

struct Stats {
  std::atomic<std::int64_t> clients_current{0};
  std::atomic<std::uint64_t> clients_total{0};
  std::atomic<std::uint64_t> clients_refused{0};
  std::atomic<std::uint64_t> upstream_connect_failures{0};
  std::atomic<std::uint64_t> bytes_client_to_server{0};
  std::atomic<std::uint64_t> bytes_server_to_client{0};
  std::atomic<std::uint64_t> cancel_requests_forwarded{0};
  std::atomic<std::uint64_t> cancel_requests_dropped{0};
  std::atomic<std::uint64_t> login_failures{0};  // auth mode proxy: refused by pgshim
};

}  // namespace pgshim::proxy
