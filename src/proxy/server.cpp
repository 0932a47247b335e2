#include "pgshim/proxy/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "asio.hpp"
#include "cancel_registry.hpp"
#include "pgshim/auth/auth_file.hpp"
#include "pgshim/auth/channel_binding.hpp"
#include "auth_query.hpp"
#include "session.hpp"

namespace pgshim::proxy {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<ssl::context> make_client_tls(const config::Config& config) {
  if (config.tls_cert_file.empty()) return nullptr;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  context->use_certificate_chain_file(config.tls_cert_file);
  context->use_private_key_file(config.tls_key_file, ssl::context::pem);
  return context;
}

std::shared_ptr<ssl::context> make_upstream_tls(const config::Upstream& up) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (up.sslmode == config::SslMode::VerifyCa || up.sslmode == config::SslMode::VerifyFull) {
    context->set_verify_mode(ssl::verify_peer);
    context->load_verify_file(up.sslrootcert);
  } else {
    // disable / allow / prefer / require: encryption without verification, as libpq
    // (libpq verifies a require connection's chain only when sslrootcert exists).
    context->set_verify_mode(ssl::verify_none);
  }
  if (!up.sslcert.empty()) {
    context->use_certificate_chain_file(up.sslcert);
    context->use_private_key_file(up.sslkey, ssl::context::pem);
  }
  return context;
}

// The auth file for auth mode proxy; nullptr in passthrough mode.
std::shared_ptr<const auth::AuthFile> load_auth(const config::Config& config) {
  if (config.auth_mode != config::AuthMode::Proxy || config.auth_file.empty()) return nullptr;
  auto file = std::make_shared<auth::AuthFile>();
  auth::AuthFileError error;
  if (!auth::load_auth_file(config.auth_file, *file, error)) throw std::runtime_error("auth file: " + error.text());
  return file;
}

// tls-server-end-point of pgshim's own certificate (RFC 5929), for -PLUS.
std::optional<std::string> end_point_of(const config::Config& config) {
  if (config.tls_cert_file.empty()) return std::nullopt;
  std::ifstream in(config.tls_cert_file);
  std::stringstream pem;
  pem << in.rdbuf();
  std::string hash;
  if (auth::tls_server_end_point_from_pem(pem.str(), hash)) return std::nullopt;
  return hash;
}

void write_ready_file(const std::string& path, const tcp::endpoint& endpoint) {
  if (path.empty()) return;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    const auto address = endpoint.address();
    out << (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) << ":" << endpoint.port()
        << "\n";
    if (!out) throw std::runtime_error("cannot write the ready file " + path);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write the ready file " + path);
}

}  // namespace

struct Server::Impl {
  Impl(config::Config initial, Reloader reload, PendingSource* pending_source, SessionObserver* session_observer)
      : config(std::make_shared<const config::Config>(std::move(initial))),
        reloader(std::move(reload)),
        pending(pending_source),
        observer(session_observer) {}

  // Touched only on the first io_context's thread: the accept loop and the
  // signal handler both run there, so no lock is needed.
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<ssl::context> client_tls;
  std::shared_ptr<ssl::context> upstream_tls;
  std::shared_ptr<const auth::AuthFile> auth_file;
  std::unique_ptr<AuthQuery> auth_query;  // fixed at start: a change needs a restart
  std::optional<std::string> tls_end_point;
  Reloader reloader;
  ReloadHook reload_hook;
  PendingSource* pending;
  SessionObserver* observer;

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  // One rewrite cache per I/O thread: the cache is not thread-safe by design,
  // and a session only ever runs on its context's thread.
  std::vector<std::unique_ptr<sql::RewriteCache>> caches;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::size_t next_context = 0;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::signal_set> signals;
  CancelRegistry cancels;
  Stats stats;
  bool draining = false;

  awaitable<void> accept_loop();
  awaitable<void> handle_signals();
  awaitable<void> drain();
  void reload();
  void stop_all();
};

awaitable<void> Server::Impl::accept_loop() {
  while (acceptor && acceptor->is_open()) {
    const std::size_t index = next_context;
    auto& target = *contexts[index];
    next_context = (next_context + 1) % contexts.size();
    auto [ec, socket] = co_await acceptor->async_accept(target, use_nothrow);
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) break;
    if (ec) {
      // Out of file descriptors or a transient network error: pause, keep serving.
      stats.clients_refused.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer pause(acceptor->get_executor(), 100ms);
      co_await pause.async_wait(use_nothrow);
      continue;
    }
    SessionContext context{config,   client_tls.get(),     upstream_tls.get(), &cancels,     &stats,
                           pending,  observer,             caches[index].get(), auth_file, auth_query.get(),
                           tls_end_point};
    // The TLS contexts are kept alive by `config`'s generation: see reload().
    auto session = std::make_shared<Session>(std::move(socket), std::move(context));
    asio::co_spawn(target, [session, keep = std::pair{client_tls, upstream_tls}]() { return session->run(); },
                   [](std::exception_ptr e) {
                     // A session's one catch: log, never take the process down.
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       spdlog::error("session ended by an unexpected error: {}", ex.what());
                     }
                   });
  }
}

awaitable<void> Server::Impl::handle_signals() {
  for (;;) {
    auto [ec, signal] = co_await signals->async_wait(use_nothrow);
    if (ec) co_return;
    if (signal == SIGHUP) {
      reload();
      continue;
    }
    if (draining) {
      spdlog::warn("second {} received: closing all sessions now", signal == SIGINT ? "SIGINT" : "SIGTERM");
      stop_all();
      co_return;
    }
    draining = true;
    spdlog::info("{} received: no new connections; waiting up to {} ms for {} session(s) to finish",
                 signal == SIGINT ? "SIGINT" : "SIGTERM", config->drain_timeout.count(),
                 stats.clients_current.load());
    error_code ignored;
    acceptor->close(ignored);
    asio::co_spawn(*contexts[0], drain(), asio::detached);
  }
}

awaitable<void> Server::Impl::drain() {
  const auto deadline = std::chrono::steady_clock::now() + config->drain_timeout;
  asio::steady_timer tick(*contexts[0]);
  while (stats.clients_current.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    tick.expires_after(50ms);
    co_await tick.async_wait(use_nothrow);
  }
  const auto left = stats.clients_current.load();
  if (left > 0) spdlog::warn("drain timeout: closing {} session(s) still open", left);
  else spdlog::info("all sessions finished");
  stop_all();
}

void Server::Impl::reload() {
  config::Config next;
  try {
    next = reloader();
    config::validate(next);
  } catch (const std::exception& e) {
    spdlog::error("reload refused, keeping the running configuration: {}", e.what());
    return;
  }
  if (next.listen.host != config->listen.host || next.listen.port != config->listen.port) {
    spdlog::warn("reload: listen address changes need a restart; still listening on {}:{}", config->listen.host,
                 config->listen.port);
    next.listen = config->listen;
  }
  if (next.threads != config->threads) {
    spdlog::warn("reload: the thread count changes at the next restart");
    next.threads = config->threads;
  }
  try {
    auto new_client_tls = make_client_tls(next);
    auto new_upstream_tls = make_upstream_tls(*next.upstream);
    auto new_auth_file = load_auth(next);
    client_tls = std::move(new_client_tls);
    upstream_tls = std::move(new_upstream_tls);
    auth_file = std::move(new_auth_file);
    tls_end_point = end_point_of(next);
  } catch (const std::exception& e) {
    spdlog::error("reload refused, keeping the running configuration: {}", e.what());
    return;
  }
  if (auth_file) spdlog::info("reload: auth file {} ({} user(s))", next.auth_file, auth_file->size());
  if (next.upstream->display != config->upstream->display) {
    spdlog::info("reload: new sessions go to upstream {}", next.upstream->display);
  }
  spdlog::set_level(spdlog::level::from_str(next.log_level));
  config = std::make_shared<const config::Config>(std::move(next));
  if (reload_hook) reload_hook(*config);
  spdlog::info("configuration reloaded");
}

void Server::Impl::stop_all() {
  guards.clear();
  for (auto& context : contexts) context->stop();
}

Server::Server(config::Config config, Reloader reloader, PendingSource* pending, SessionObserver* observer)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(reloader), pending, observer)) {}

Server::~Server() = default;

const Stats& Server::stats() const noexcept { return impl_->stats; }

void Server::set_reload_hook(ReloadHook hook) { impl_->reload_hook = std::move(hook); }

void Server::request_reload() {
  if (impl_->contexts.empty()) return;
  asio::post(*impl_->contexts[0], [impl = impl_.get()] { impl->reload(); });
}

void Server::set_pending(PendingSource* pending, SessionObserver* observer) noexcept {
  impl_->pending = pending;
  impl_->observer = observer;
}

int Server::run() {
  auto& s = *impl_;
  const auto& config = *s.config;
  unsigned threads = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < threads; ++i) {
    s.contexts.push_back(std::make_unique<asio::io_context>(1));
    // With a journal, rewrites ask for the written rows (stripped again): the
    // journal learns generated keys and which branch an upsert took.
    s.caches.push_back(std::make_unique<sql::RewriteCache>(config.rewrite_cache_entries, config.journal_enabled()));
    s.guards.push_back(asio::make_work_guard(*s.contexts.back()));
  }
  s.client_tls = make_client_tls(config);
  s.upstream_tls = make_upstream_tls(*config.upstream);
  s.auth_file = load_auth(config);
  if (config.auth_mode == config::AuthMode::Proxy && !config.auth_query.empty()) {
    const std::string& login = config.monitor_conninfo.empty() ? config.upstream->conninfo : config.monitor_conninfo;
    s.auth_query = std::make_unique<AuthQuery>(login, config.auth_query, std::chrono::seconds(30));
    spdlog::info("auth mode proxy: secrets of users not in an auth file come from the auth query");
  }
  s.tls_end_point = end_point_of(config);
  if (s.auth_file) {
    spdlog::info("auth mode proxy: pgshim authenticates clients from {} ({} user(s))", config.auth_file,
                 s.auth_file->size());
  }

  auto& main_context = *s.contexts[0];
  error_code ec;
  const auto address = asio::ip::make_address(config.listen.host, ec);
  tcp::endpoint endpoint;
  if (ec) {
    tcp::resolver resolver(main_context);
    auto results = resolver.resolve(config.listen.host, std::to_string(config.listen.port), ec);
    if (ec || results.empty()) throw std::runtime_error("cannot resolve listen address " + config.listen.host);
    endpoint = *results.begin();
  } else {
    endpoint = tcp::endpoint(address, config.listen.port);
  }
  s.acceptor = std::make_unique<tcp::acceptor>(main_context);
  s.acceptor->open(endpoint.protocol());
  s.acceptor->set_option(tcp::acceptor::reuse_address(true));
  s.acceptor->bind(endpoint, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + config.listen.host + ":" + std::to_string(config.listen.port) +
                             ": " + ec.message());
  }
  s.acceptor->listen(asio::socket_base::max_listen_connections);
  const auto bound = s.acceptor->local_endpoint();

  s.signals = std::make_unique<asio::signal_set>(main_context, SIGINT, SIGTERM, SIGHUP);
  asio::co_spawn(main_context, s.handle_signals(), asio::detached);
  asio::co_spawn(main_context, s.accept_loop(), asio::detached);

  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < s.contexts.size(); ++i) {
    workers.emplace_back([&context = *s.contexts[i]] { context.run(); });
  }
  spdlog::info("pgshim listening on {}:{} -> upstream {} ({} thread(s))", bound.address().to_string(), bound.port(),
               config.upstream->display, threads);
  write_ready_file(config.ready_file, bound);

  main_context.run();
  for (auto& w : workers) w.join();
  if (!config.ready_file.empty()) std::remove(config.ready_file.c_str());
  spdlog::info("pgshim stopped");
  return 0;
}

}  // namespace pgshim::proxy
