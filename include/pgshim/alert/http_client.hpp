#pragma once
// A small HTTP/1.1 client for alert delivery: one POST per call over http:// or
// https:// (peer verified: chain via OpenSSL's default paths or a CA file, and
// host name), every step under a deadline, bounded retries with doubling backoff.
// Runs on the caller's io_context; never throws once constructed.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "pgshim/alert/alert_config.hpp"

namespace pgshim::alert {

struct Url {
  bool tls = false;
  std::string host;    // without brackets for IPv6 literals
  std::string port;    // defaulted from the scheme
  std::string target;  // path and query, "/" at least
};

// Parses `http[s]://host[:port][/path]` (IPv6 literals in brackets; no user info).
// On failure returns false and sets `error`.
[[nodiscard]] bool parse_url(std::string_view text, Url& out, std::string& error);

struct HttpResult {
  bool ok = false;          // a 2xx status arrived
  unsigned status = 0;      // last HTTP status, 0 if none arrived
  int attempts = 0;
  std::string error;        // why the last attempt failed; empty when ok
};

class HttpClient {
 public:
  // Loads the trust store (throws std::runtime_error naming the CA file if it
  // cannot be read: configuration time).
  HttpClient(boost::asio::io_context& ioc, const TlsClientConfig& tls, DeliveryConfig delivery);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` to `url` with `content_type`, retrying per DeliveryConfig, and
  // calls `done` once on the io_context's thread. The client may be destroyed
  // before `done` runs (the request keeps what it needs alive).
  void post(const Url& url, std::string body, std::string content_type, std::function<void(HttpResult)> done);

 // Opaque; public only so the request coroutines in the .cpp can name it.
  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace pgshim::alert
