#include "stream.hpp"

#include <openssl/x509v3.h>

namespace pgshim::proxy {

awaitable<error_code> Stream::handshake_as_server(ssl::context& context) {
  tls_ = std::make_unique<ssl::stream<tcp::socket&>>(socket_, context);
  auto [ec] = co_await tls_->async_handshake(ssl::stream_base::server, use_nothrow);
  co_return ec;
}

awaitable<error_code> Stream::handshake_as_client(ssl::context& context, const std::string& verify_host,
                                                  const std::string& sni) {
  tls_ = std::make_unique<ssl::stream<tcp::socket&>>(socket_, context);
  SSL* ssl = tls_->native_handle();
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl, sni.c_str());
  if (!verify_host.empty()) {
    // verify-full: the certificate must name the host we connected to, as a DNS
    // name or, when we connected by address, as an IP address (what libpq checks).
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    error_code parse_ec;
    asio::ip::make_address(verify_host, parse_ec);
    if (!parse_ec) {
      X509_VERIFY_PARAM_set1_ip_asc(param, verify_host.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, verify_host.c_str(), verify_host.size());
    }
  }
  auto [ec] = co_await tls_->async_handshake(ssl::stream_base::client, use_nothrow);
  co_return ec;
}

awaitable<std::tuple<error_code, std::size_t>> Stream::read_some(asio::mutable_buffer buffer) {
  if (tls_) co_return co_await tls_->async_read_some(buffer, use_nothrow);
  co_return co_await socket_.async_read_some(buffer, use_nothrow);
}

awaitable<error_code> Stream::write(std::span<const asio::const_buffer> buffers) {
  while (writing_) {
    if (!write_waiter_) write_waiter_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
    write_waiter_->expires_at(asio::steady_timer::time_point::max());
    auto [wait_ec] = co_await write_waiter_->async_wait(use_nothrow);
    // Woken by the writer that finished (operation_aborted from cancel()), or
    // cancelled ourselves: in the latter case give up.
    if (wait_ec != asio::error::operation_aborted) co_return wait_ec;
    auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) co_return error_code(asio::error::operation_aborted);
  }
  writing_ = true;
  error_code ec;
  if (tls_) {
    std::tie(ec, std::ignore) = co_await asio::async_write(*tls_, buffers, use_nothrow);
  } else {
    std::tie(ec, std::ignore) = co_await asio::async_write(socket_, buffers, use_nothrow);
  }
  writing_ = false;
  if (write_waiter_) write_waiter_->cancel();
  co_return ec;
}

awaitable<error_code> Stream::write(std::string_view bytes) {
  const asio::const_buffer buffer(bytes.data(), bytes.size());
  co_return co_await write(std::span<const asio::const_buffer>(&buffer, 1));
}

awaitable<error_code> Stream::wait_readable() {
  if (tls_) co_return error_code{};
  auto [ec] = co_await socket_.async_wait(tcp::socket::wait_read, use_nothrow);
  co_return ec;
}

void Stream::close() noexcept {
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace pgshim::proxy
