#pragma once
// The proxy server: a listener, one io_context per I/O thread with sessions
// pinned to one each, signal handling (SIGTERM/SIGINT drain, SIGHUP reload).
// Asio stays behind this header.
#include <functional>
#include <memory>
#include <string>

#include "pgshim/config/config.hpp"
#include "pgshim/proxy/pending.hpp"
#include "pgshim/proxy/stats.hpp"

namespace pgshim::proxy {

class Server {
 public:
  // Produces a new configuration on SIGHUP, or throws config::ConfigError.
  using Reloader = std::function<config::Config()>;

  // `pending` and `observer` are null when no pending column is configured:
  // sessions are then plain relays. Both must outlive run().
  Server(config::Config config, Reloader reloader, PendingSource* pending = nullptr,
         SessionObserver* observer = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Called on the server's main thread after a SIGHUP reload was accepted,
  // with the new configuration (e.g. to re-read the pending columns).
  using ReloadHook = std::function<void(const config::Config&)>;
  void set_reload_hook(ReloadHook hook);
  // Reloads as if SIGHUP had arrived. Thread-safe (runs on the main thread).
  void request_reload();

  // Sets the pending-column seams (before run()).
  void set_pending(PendingSource* pending, SessionObserver* observer) noexcept;

  // Binds, serves until SIGTERM/SIGINT and the drain, and returns the exit
  // status. Throws std::runtime_error when it cannot start (e.g. bind fails).
  int run();

  [[nodiscard]] const Stats& stats() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgshim::proxy
