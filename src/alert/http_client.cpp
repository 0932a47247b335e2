#include "pgshim/alert/http_client.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace pgshim::alert {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

// A receiver's answer is only inspected for its status; cap what is read.
constexpr std::uint64_t kMaxResponseBody = 64 * 1024;

bool retriable(const HttpResult& r) { return r.status == 0 || r.status >= 500 || r.status == 429; }

}  // namespace

bool parse_url(std::string_view text, Url& out, std::string& error) {
  out = Url{};
  std::string_view rest;
  if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else if (text.starts_with("https://")) {
    out.tls = true;
    rest = text.substr(8);
  } else {
    error = "URL must start with http:// or https://: " + std::string(text);
    return false;
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) {
    error = "user info in URLs is not supported: " + std::string(text);
    return false;
  }
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated IPv6 literal in URL: " + std::string(text);
      return false;
    }
    out.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        error = "bad authority in URL: " + std::string(text);
        return false;
      }
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) {
    error = "no host in URL: " + std::string(text);
    return false;
  }
  if (port.empty()) {
    out.port = out.tls ? "443" : "80";
  } else {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(port)) > 65535 || std::stoi(std::string(port)) == 0) {
      error = "bad port in URL: " + std::string(text);
      return false;
    }
    out.port = std::string(port);
  }
  return true;
}

struct HttpClient::Impl {
  asio::io_context& ioc;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  DeliveryConfig delivery;

  Impl(asio::io_context& io, const TlsClientConfig& tls, DeliveryConfig d) : ioc(io), delivery(d) {
    ssl.set_verify_mode(asio::ssl::verify_peer);
    boost::system::error_code ec;
    if (tls.ca_file.empty()) {
      ssl.set_default_verify_paths(ec);
    } else {
      ssl.load_verify_file(tls.ca_file, ec);
      if (ec) throw std::runtime_error("cannot load CA file " + tls.ca_file + ": " + ec.message());
    }
  }
};

namespace {

// Sends the request and reads the response on an already connected stream.
template <class Stream>
asio::awaitable<HttpResult> exchange(Stream& stream, const http::request<http::string_body>& req) {
  HttpResult r;
  boost::system::error_code ec;
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    r.error = "write: " + ec.message();
    co_return r;
  }
  beast::flat_buffer buffer(16 * 1024);
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    r.error = "read: " + ec.message();
    co_return r;
  }
  r.status = parser.get().result_int();
  r.ok = r.status >= 200 && r.status < 300;
  if (!r.ok) {
    std::string body = parser.get().body().substr(0, 200);
    r.error = "HTTP " + std::to_string(r.status) + (body.empty() ? "" : ": " + body);
  }
  co_return r;
}

asio::awaitable<HttpResult> attempt(std::shared_ptr<HttpClient::Impl> impl, const Url& url,
                                    const http::request<http::string_body>& req) {
  HttpResult r;
  boost::system::error_code ec;
  const auto timeout = impl->delivery.request_timeout;
  auto executor = co_await asio::this_coro::executor;

  // The resolver has no deadline of its own: a timer cancels it.
  auto resolver = std::make_shared<tcp::resolver>(executor);
  auto deadline = std::make_shared<asio::steady_timer>(executor, timeout);
  deadline->async_wait([resolver, deadline](boost::system::error_code wait_ec) {
    if (!wait_ec) resolver->cancel();
  });
  const auto endpoints =
      co_await resolver->async_resolve(url.host, url.port, asio::redirect_error(asio::use_awaitable, ec));
  deadline->cancel();
  if (ec) {
    r.error = "resolve " + url.host + ": " + ec.message();
    co_return r;
  }

  beast::tcp_stream tcp_stream(executor);
  tcp_stream.expires_after(timeout);  // one deadline for connect, handshake, write and read
  co_await tcp_stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    r.error = "connect " + url.host + ":" + url.port + ": " + ec.message();
    co_return r;
  }
  if (!url.tls) {
    r = co_await exchange(tcp_stream, req);
    tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    co_return r;
  }

  beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(tcp_stream), impl->ssl);
  if (!SSL_set_tlsext_host_name(tls_stream.native_handle(), url.host.c_str())) {
    r.error = "TLS: cannot set SNI";
    co_return r;
  }
  tls_stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  co_await tls_stream.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    r.error = "TLS handshake with " + url.host + ": " + ec.message();
    co_return r;
  }
  r = co_await exchange(tls_stream, req);
  // A close_notify is courtesy only; do not wait long for the peer's.
  beast::get_lowest_layer(tls_stream).expires_after(std::chrono::seconds(1));
  co_await tls_stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  co_return r;
}

asio::awaitable<HttpResult> post_with_retries(std::shared_ptr<HttpClient::Impl> impl, Url url, std::string body,
                                              std::string content_type) {
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  const bool default_port = (url.tls && url.port == "443") || (!url.tls && url.port == "80");
  const std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  req.set(http::field::host, default_port ? host : host + ":" + url.port);
  req.set(http::field::user_agent, "pgshim");
  req.set(http::field::content_type, content_type);
  req.set(http::field::connection, "close");
  req.body() = std::move(body);
  req.prepare_payload();

  const int max_attempts = std::max(1, impl->delivery.max_attempts);
  auto backoff = impl->delivery.initial_backoff;
  HttpResult r;
  for (int i = 1; i <= max_attempts; ++i) {
    r = co_await attempt(impl, url, req);
    r.attempts = i;
    if (r.ok || !retriable(r) || i == max_attempts) break;
    asio::steady_timer wait(co_await asio::this_coro::executor, backoff);
    boost::system::error_code ec;
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    backoff *= 2;
  }
  co_return r;
}

}  // namespace

HttpClient::HttpClient(asio::io_context& ioc, const TlsClientConfig& tls, DeliveryConfig delivery)
    : impl_(std::make_shared<Impl>(ioc, tls, delivery)) {}

HttpClient::~HttpClient() = default;

void HttpClient::post(const Url& url, std::string body, std::string content_type,
                      std::function<void(HttpResult)> done) {
  asio::co_spawn(impl_->ioc, post_with_retries(impl_, url, std::move(body), std::move(content_type)),
                 [done = std::move(done)](std::exception_ptr e, HttpResult r) {
                   // The coroutine reports failures in HttpResult; an exception here
                   // is bad_alloc or a bug, reported the same way rather than thrown
                   // out of the io_context.
                   if (e) {
                     r = HttpResult{};
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       r.error = ex.what();
                     } catch (...) {
                       r.error = "unknown error";
                     }
                   }
                   if (done) done(std::move(r));
                 });
}

}  // namespace pgshim::alert
