#pragma once
// pgshim's admin HTTP endpoint (Boost.Beast), on its own listen address:
//   GET /metrics  Prometheus text format 0.0.4 (`Handlers::metrics`)
//   GET /healthz  200 "ok"
//   GET /status   JSON (`Handlers::status`)
//   other paths 404, other methods 405 (HEAD is treated as GET without a body).
// HTTP/1.1 keep-alive; request head and body bounded, each request read under a
// timeout, a bounded number of concurrent connections. Runs on the caller's
// io_context; handlers are called on its thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

namespace pgshim::admin {

struct Handlers {
  std::function<std::string()> metrics;  // the body of /metrics
  std::function<std::string()> status;   // the JSON body of /status
};

struct AdminLimits {
  std::chrono::milliseconds read_timeout{10000};  // per request, from its first byte to its last
  std::size_t max_request_bytes = 8 * 1024;       // head and body together
  std::size_t max_connections = 64;               // beyond it, new connections are closed at once
  std::size_t max_requests_per_connection = 1000;
};

class AdminServer {
 public:
  // `listen_host` is an IP address literal (127.0.0.1, ::1, 0.0.0.0).
  AdminServer(boost::asio::io_context& ioc, const std::string& listen_host, std::uint16_t port, Handlers handlers,
              AdminLimits limits = {});
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds and listens (throws std::system_error if the address cannot be bound:
  // start-up), starts accepting on the io_context, and returns the bound port
  // (the ephemeral one when constructed with port 0).
  [[nodiscard]] std::uint16_t start();

  // Closes the listener and every open connection. Call on the io_context's
  // thread, or while it is not running; the destructor calls it. Handlers are
  // not called after stop() returns.
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace pgshim::admin
