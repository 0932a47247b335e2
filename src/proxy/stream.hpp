#pragma once
// One leg of a session: a TCP socket that may be upgraded to TLS in place (after
// SSLRequest). Reads and writes go to whichever is active. TLS state is only
// allocated for legs that use it, so a plain idle connection costs a socket.
#include <memory>
#include <span>
#include <string>

#include "asio.hpp"

namespace pgshim::proxy {

class Stream {
 public:
  explicit Stream(tcp::socket socket) : socket_(std::move(socket)) {}
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  [[nodiscard]] tcp::socket& socket() noexcept { return socket_; }
  [[nodiscard]] bool is_tls() const noexcept { return tls_ != nullptr; }
  // The TLS session, or nullptr on a plain leg.
  [[nodiscard]] SSL* native_tls() noexcept { return tls_ ? tls_->native_handle() : nullptr; }

  // Server side of a TLS handshake (the client leg).
  [[nodiscard]] awaitable<error_code> handshake_as_server(ssl::context& context);
  // Client side of a TLS handshake (the upstream leg). `verify_host`, when not
  // empty, is checked against the certificate (a DNS name or an IP address);
  // `sni` is sent as the server name when not empty.
  [[nodiscard]] awaitable<error_code> handshake_as_client(ssl::context& context, const std::string& verify_host,
                                                          const std::string& sni);

  [[nodiscard]] awaitable<std::tuple<error_code, std::size_t>> read_some(asio::mutable_buffer buffer);
  // Writes every byte of every buffer. Writes are serialized: both relay pumps
  // may write to one leg (the client's messages, and messages pgshim injects
  // such as a replayed statement), and each call's bytes go out whole, never
  // interleaved with another call's.
  [[nodiscard]] awaitable<error_code> write(std::span<const asio::const_buffer> buffers);
  [[nodiscard]] awaitable<error_code> write(std::string_view bytes);
  // Completes when a read would not block. On a plain leg this lets an idle
  // session wait without holding a read buffer; on a TLS leg it completes at
  // once (OpenSSL may hold decrypted bytes the socket no longer shows).
  [[nodiscard]] awaitable<error_code> wait_readable();

  // Closes the socket (no TLS close_notify: the peer sees EOF, as with a
  // backend that exits). Safe to call more than once.
  void close() noexcept;

 private:
  tcp::socket socket_;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls_;
  // The write lock: a flag, and a timer that a waiting writer sleeps on until
  // the current write cancels it. Sessions are single-threaded (one io_context
  // thread each), so no atomics are needed.
  bool writing_ = false;
  std::unique_ptr<asio::steady_timer> write_waiter_;
};

}  // namespace pgshim::proxy
