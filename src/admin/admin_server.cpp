#include "pgshim/admin/admin_server.hpp"

#include <map>
#include <system_error>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace pgshim::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class Route { Metrics, Healthz, Status, NotFound };

Route route_of(beast::string_view target) {
  // The query string does not select the resource (Prometheus may add params).
  const auto path = target.substr(0, target.find('?'));
  if (path == "/metrics") return Route::Metrics;
  if (path == "/healthz") return Route::Healthz;
  if (path == "/status") return Route::Status;
  return Route::NotFound;
}

// Runs an app handler; the handler may throw (it is the app's code), which is
// a 500 for this request rather than the end of the server.
bool call(const std::function<std::string()>& fn, std::string& out) {
  if (!fn) return false;
  try {
    out = fn();
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

struct AdminServer::State : std::enable_shared_from_this<State> {
  asio::io_context& ioc;
  std::string host;
  std::uint16_t port;
  Handlers handlers;
  AdminLimits limits;
  tcp::acceptor acceptor;
  bool stopped = false;
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, std::shared_ptr<beast::tcp_stream>> connections;

  State(asio::io_context& io, std::string h, std::uint16_t p, Handlers hs, AdminLimits l)
      : ioc(io), host(std::move(h)), port(p), handlers(std::move(hs)), limits(l), acceptor(io) {}

  http::response<http::string_body> respond(const http::request<http::string_body>& req) {
    http::response<http::string_body> res;
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    res.set(http::field::server, "pgshim");
    const auto text = [&](http::status status, std::string body, std::string_view type = "text/plain; charset=utf-8") {
      res.result(status);
      res.set(http::field::content_type, type);
      res.body() = std::move(body);
    };
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res.set(http::field::allow, "GET, HEAD");
      text(http::status::method_not_allowed, "method not allowed\n");
    } else {
      std::string body;
      switch (route_of(req.target())) {
        case Route::Metrics:
          if (call(handlers.metrics, body)) {
            text(http::status::ok, std::move(body), kMetricsContentType);
          } else {
            text(http::status::internal_server_error, "metrics unavailable\n");
          }
          break;
        case Route::Healthz:
          text(http::status::ok, "ok");
          break;
        case Route::Status:
          if (call(handlers.status, body)) {
            text(http::status::ok, std::move(body), "application/json");
          } else {
            text(http::status::internal_server_error, "status unavailable\n");
          }
          break;
        case Route::NotFound:
          text(http::status::not_found, "not found\n");
          break;
      }
    }
    res.prepare_payload();
    if (req.method() == http::verb::head) {
      // Content-Length stays that of the GET; the body is not sent.
      const auto length = res.body().size();
      res.body().clear();
      res.content_length(length);
    }
    return res;
  }

  asio::awaitable<void> session(std::uint64_t id, std::shared_ptr<beast::tcp_stream> stream) {
    beast::flat_buffer buffer(limits.max_request_bytes);
    boost::system::error_code ec;
    for (std::size_t n = 0; n < limits.max_requests_per_connection && !stopped; ++n) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(limits.max_request_bytes));
      parser.body_limit(limits.max_request_bytes);
      stream->expires_after(limits.read_timeout);
      co_await http::async_read(*stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == http::error::header_limit || ec == http::error::body_limit ||
            ec == http::error::buffer_overflow) {
          http::response<http::string_body> res{http::status::payload_too_large, 11};
          res.set(http::field::content_type, "text/plain; charset=utf-8");
          res.body() = "request too large\n";
          res.keep_alive(false);
          res.prepare_payload();
          stream->expires_after(limits.read_timeout);
          co_await http::async_write(*stream, res, asio::redirect_error(asio::use_awaitable, ec));
        }
        break;
      }
      if (stopped) break;
      auto res = respond(parser.get());
      const bool keep_alive = res.keep_alive();
      stream->expires_after(limits.read_timeout);
      co_await http::async_write(*stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !keep_alive) break;
    }
    stream->socket().shutdown(tcp::socket::shutdown_both, ec);
    stream->close();
    connections.erase(id);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket(ioc);
      co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (stopped || ec == asio::error::operation_aborted) co_return;
      if (ec) continue;  // e.g. EMFILE or a reset before accept: try the next one
      if (connections.size() >= limits.max_connections) {
        socket.close(ec);
        continue;
      }
      const auto id = next_id++;
      auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
      connections.emplace(id, stream);
      asio::co_spawn(ioc, [self = shared_from_this(), id, stream]() { return self->session(id, stream); },
                     asio::detached);
    }
  }
};

AdminServer::AdminServer(asio::io_context& ioc, const std::string& listen_host, std::uint16_t port,
                         Handlers handlers, AdminLimits limits)
    : state_(std::make_shared<State>(ioc, listen_host, port, std::move(handlers), limits)) {}

AdminServer::~AdminServer() { stop(); }

std::uint16_t AdminServer::start() {
  auto& s = *state_;
  const tcp::endpoint endpoint(asio::ip::make_address(s.host), s.port);
  s.acceptor.open(endpoint.protocol());
  s.acceptor.set_option(tcp::acceptor::reuse_address(true));
  s.acceptor.bind(endpoint);
  s.acceptor.listen(asio::socket_base::max_listen_connections);
  const auto bound = s.acceptor.local_endpoint().port();
  asio::co_spawn(s.ioc, [self = state_]() { return self->accept_loop(); }, asio::detached);
  return bound;
}

void AdminServer::stop() {
  auto& s = *state_;
  if (s.stopped) return;
  s.stopped = true;
  boost::system::error_code ec;
  s.acceptor.close(ec);
  // Closing the sockets completes their pending reads with an error; each
  // session then ends on its own.
  for (auto& [id, stream] : s.connections) stream->socket().close(ec);
}

}  // namespace pgshim::admin
