#include "session.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <charconv>
#include <variant>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pgshim/auth/channel_binding.hpp"
#include "pgshim/auth/crypto.hpp"
#include "pgshim/auth/errc.hpp"
#include "pgshim/auth/md5.hpp"
#include "pgshim/auth/messages.hpp"
#include "pgshim/auth/scram.hpp"
#include "pgshim/wire/reader.hpp"
#include "pgshim/wire/startup.hpp"
#include "auth_query.hpp"
#include "pump.hpp"
#include "statements.hpp"

namespace pgshim::proxy {
namespace {

using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;

constexpr std::string_view kScramPlus = "SCRAM-SHA-256-PLUS";
// PostgreSQL's own bound for one authentication token (PG_MAX_AUTH_TOKEN_LENGTH).
constexpr std::uint32_t kMaxAuthMessageLength = 65535;
// What one session may copy aside to replay a statement after a 42703.
constexpr std::size_t kMaxReplayBytes = 1 << 20;

std::string endpoint_text(const tcp::endpoint& ep) {
  const auto address = ep.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" + std::to_string(ep.port());
}

// Reads from `stream` into `buffer` until it holds a whole typed message at
// its front. Returns the frame size, or an error (EOF, a bad length).
awaitable<std::tuple<error_code, std::size_t>> read_whole_message(Stream& stream, std::string& buffer,
                                                                  std::uint32_t max_length) {
  for (;;) {
    const auto decoded = wire::decode_message(buffer, max_length);
    if (const auto* done = std::get_if<wire::Complete<wire::MessageView>>(&decoded)) {
      co_return std::tuple{error_code{}, done->consumed};
    }
    if (std::holds_alternative<wire::Malformed>(decoded)) {
      co_return std::tuple{error_code(asio::error::message_size), std::size_t{0}};
    }
    char chunk[8192];
    auto [ec, n] = co_await stream.read_some(asio::buffer(chunk));
    if (ec) co_return std::tuple{ec, std::size_t{0}};
    buffer.append(chunk, n);
  }
}

}  // namespace

Session::Session(tcp::socket client, SessionContext context)
    : context_(std::move(context)),
      client_(std::move(client)),
      upstream_(tcp::socket(client_.socket().get_executor())),
      started_(std::chrono::steady_clock::now()) {
  error_code ec;
  const auto remote = client_.socket().remote_endpoint(ec);
  client_address_ = ec ? "?" : endpoint_text(remote);
  client_.socket().set_option(tcp::no_delay(true), ec);
}

awaitable<void> Session::run() {
  auto& stats = *context_.stats;
  stats.clients_current.fetch_add(1, std::memory_order_relaxed);
  stats.clients_total.fetch_add(1, std::memory_order_relaxed);

  // Start-up, TLS, upstream connect and authentication share one deadline, as
  // PostgreSQL's authentication_timeout covers them all.
  asio::steady_timer deadline(co_await asio::this_coro::executor);
  deadline.expires_after(context_.config->startup_timeout);
  auto raced = co_await (establish() || deadline.async_wait(use_nothrow));
  if (raced.index() == 1) {
    co_await send_fatal("08P01", "pgshim: the client did not complete start-up and authentication in time");
    log_close("start-up timeout");
  } else if (std::get<0>(raced) == Outcome::Continue) {
    co_await relay();
  }

  if (key_) context_.cancels->remove(key_->process_id, key_->secret_key);
  client_.close();
  upstream_.close();
  stats.bytes_client_to_server.fetch_add(bytes_in_, std::memory_order_relaxed);
  stats.bytes_server_to_client.fetch_add(bytes_out_, std::memory_order_relaxed);
  stats.clients_current.fetch_sub(1, std::memory_order_relaxed);
}

awaitable<Session::Outcome> Session::establish() {
  Outcome outcome = co_await read_startup();
  if (outcome == Outcome::Continue && proxy_auth()) outcome = co_await authenticate_client();
  if (outcome == Outcome::Continue) outcome = co_await connect_upstream();
  if (outcome == Outcome::Continue) outcome = co_await relay_authentication();
  co_return outcome;
}

// Protocol docs, "Start-up": SSLRequest and GSSENCRequest may precede the
// StartupMessage; a CancelRequest is the connection's only packet.
awaitable<Session::Outcome> Session::read_startup() {
  std::string buffer;
  for (;;) {
    const auto decoded = wire::decode_startup(buffer);
    if (const auto* more = std::get_if<wire::NeedMore>(&decoded)) {
      buffer.reserve(more->at_least);
      char chunk[4096];
      auto [ec, n] = co_await client_.read_some(asio::buffer(chunk));
      if (ec) {
        // Load balancers and health checks connect and leave: not worth a WARN.
        spdlog::debug("client {} closed before start-up: {}", client_address_, ec.message());
        co_return Outcome::Close;
      }
      buffer.append(chunk, n);
      continue;
    }
    if (const auto* bad = std::get_if<wire::Malformed>(&decoded)) {
      co_await send_fatal("08P01", "invalid length of startup packet", bad->error.message());
      log_close("malformed start-up packet");
      co_return Outcome::Close;
    }
    auto& done = std::get<wire::Complete<wire::StartupPacket>>(decoded);
    const wire::StartupPacket& packet = done.value;
    const bool trailing = done.consumed < buffer.size();

    switch (packet.kind) {
      case wire::StartupKind::SslRequest: {
        // Bytes sent after SSLRequest and before our answer would be read as if
        // they had come through TLS: a protocol violation (CVE-2021-23214).
        if (trailing) {
          co_await send_fatal("08P01", "received unencrypted data after SSL request",
                              "This could be either a client-software bug or evidence of an attempted "
                              "man-in-the-middle attack.");
          log_close("data after SSLRequest");
          co_return Outcome::Close;
        }
        if (client_.is_tls()) {
          co_await send_fatal("08P01", "SSLRequest on a connection that already uses TLS");
          co_return Outcome::Close;
        }
        if (!context_.client_tls) {
          if (co_await client_.write("N")) co_return Outcome::Close;
          buffer.clear();
          continue;
        }
        if (co_await client_.write("S")) co_return Outcome::Close;
        if (auto ec = co_await client_.handshake_as_server(*context_.client_tls)) {
          spdlog::info("client {}: TLS handshake failed: {}", client_address_, ec.message());
          co_return Outcome::Close;
        }
        buffer.clear();
        continue;
      }
      case wire::StartupKind::GssEncRequest:
        // pgshim offers no GSSAPI encryption; libpq then goes on in plain or TLS.
        if (co_await client_.write("N")) co_return Outcome::Close;
        buffer.erase(0, done.consumed);
        continue;
      case wire::StartupKind::CancelRequest:
        co_await forward_cancel(packet.process_id, packet.secret_key);
        co_return Outcome::Close;
      case wire::StartupKind::OtherVersion:
        co_await send_fatal("0A000",
                            "unsupported frontend protocol " + std::to_string(packet.code >> 16) + "." +
                                std::to_string(packet.code & 0xffff) + ": server supports 3.0 to 3.0");
        log_close("unsupported protocol version");
        co_return Outcome::Close;
      case wire::StartupKind::Startup:
        user_ = packet.parameter("user");
        database_ = packet.parameter("database");
        application_name_ = packet.parameter("application_name");
        if (database_.empty()) database_ = user_;
        startup_packet_.assign(buffer, 0, done.consumed);
        client_buffer_.assign(buffer, done.consumed);
        co_return Outcome::Continue;
    }
  }
}

awaitable<Session::Outcome> Session::connect_upstream() {
  const auto& up = upstream();
  auto fail = [this](std::string reason) -> awaitable<Outcome> {
    context_.stats->upstream_connect_failures.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("client {}: cannot connect to upstream {}: {}", client_address_, upstream().display, reason);
    co_await send_fatal("08001", "pgshim: could not connect to upstream server " + upstream().host + ":" +
                                     std::to_string(upstream().port) + ": " + reason);
    co_return Outcome::Close;
  };

  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [rec, endpoints] = co_await resolver.async_resolve(up.host, std::to_string(up.port), use_nothrow);
  if (rec) co_return co_await fail(rec.message());

  asio::steady_timer timer(executor);
  timer.expires_after(up.connect_timeout);
  auto connected = co_await (asio::async_connect(upstream_.socket(), endpoints, use_nothrow) ||
                             timer.async_wait(use_nothrow));
  if (connected.index() == 1) co_return co_await fail("timed out");
  auto [cec, endpoint] = std::get<0>(connected);
  if (cec) co_return co_await fail(cec.message());
  upstream_endpoint_ = endpoint;
  error_code ignored;
  upstream_.socket().set_option(tcp::no_delay(true), ignored);

  if (up.sslmode != config::SslMode::Disable) {
    if (co_await upstream_.write(wire::build_ssl_request())) co_return co_await fail("connection lost");
    char answer = 0;
    auto [ec, n] = co_await upstream_.read_some(asio::buffer(&answer, 1));
    if (ec) co_return co_await fail("connection lost during SSL negotiation: " + ec.message());
    if (answer == 'S') {
      const bool verify_name = up.sslmode == config::SslMode::VerifyFull;
      // SNI carries host names only, never addresses (RFC 6066 section 3).
      error_code not_an_address;
      asio::ip::make_address(up.host, not_an_address);
      // (No temporaries built by ?: inside a co_await expression: GCC 12 destroys them twice.)
      const std::string verify_host = verify_name ? up.host : std::string();
      const std::string sni = not_an_address ? up.host : std::string();
      const error_code hec = co_await upstream_.handshake_as_client(*context_.upstream_tls, verify_host, sni);
      if (hec) co_return co_await fail("TLS handshake failed: " + hec.message());
    } else if (answer == 'N') {
      if (up.sslmode >= config::SslMode::Require) {
        co_return co_await fail(std::string("the server does not support SSL, but sslmode=") +
                                config::to_string(up.sslmode) + " requires it");
      }
    } else {
      co_return co_await fail("unexpected answer to SSLRequest");
    }
  }
  // The StartupMessage goes upstream exactly as the client sent it: user,
  // database, options, application_name and any _pq_ extensions.
  if (auto ec = co_await upstream_.write(startup_packet_)) co_return co_await fail(ec.message());
  bytes_in_ += startup_packet_.size();
  co_return Outcome::Continue;
}

// Relays the authentication exchange (trust, cleartext, MD5, SCRAM, GSS) and
// the messages up to the first ReadyForQuery. The only edits: SCRAM-SHA-256-PLUS
// is withdrawn from the offer when the client's TLS session ends at pgshim
// (channel binding to pgshim's certificate cannot satisfy the server), and the
// server's downgrade rejection that can follow is explained.
awaitable<Session::Outcome> Session::relay_authentication() {
  const std::uint32_t max_length = context_.config->max_message_length;
  bool withdrew_plus = false;
  bool client_claimed_binding = false;  // the client sent gs2 flag 'y'
  std::string out;

  for (;;) {
    auto [ec, frame] = co_await read_whole_message(upstream_, upstream_buffer_, max_length);
    if (ec) {
      co_await send_fatal("08006", "pgshim: the upstream server closed the connection during authentication");
      log_close("upstream closed during authentication");
      co_return Outcome::Close;
    }
    const std::string_view message(upstream_buffer_.data(), frame);
    const std::string_view body = message.substr(wire::kHeaderSize);
    const char type = message.front();
    out.clear();
    bool needs_answer = false;
    bool ready = false;
    bool fatal = false;

    if (type == static_cast<char>(wire::BackendType::Authentication)) {
      wire::Authentication auth{};
      if (wire::parse_authentication(body, auth)) {
        co_await send_fatal("08P01", "pgshim: the upstream server sent a malformed authentication request");
        co_return Outcome::Close;
      }
      if (proxy_auth() && auth.code != wire::AuthCode::Ok) {
        // auth mode proxy: the client has already proved itself to pgshim;
        // pgshim answers the server with what that proof allows.
        std::string answer;
        const std::string why = answer_upstream(auth, answer);
        upstream_buffer_.erase(0, frame);
        if (!why.empty()) {
          context_.stats->login_failures[static_cast<std::size_t>(LoginFailure::Upstream)].fetch_add(
              1, std::memory_order_relaxed);
          spdlog::warn("client {} user {}: cannot log in upstream: {}", client_address_, user_, why);
          co_await send_fatal("28000", "pgshim: cannot log in to the server as \"" + user_ + "\": " + why);
          log_close("upstream login failed");
          co_return Outcome::Close;
        }
        if (!answer.empty()) {
          if (co_await upstream_.write(answer)) co_return Outcome::Close;
          bytes_in_ += answer.size();
        }
        continue;
      }
      switch (auth.code) {
        case wire::AuthCode::Ok:
        case wire::AuthCode::SASLFinal:
          break;
        case wire::AuthCode::SASL: {
          // Channel binding ties SCRAM to the TLS session it runs over. The
          // client's session (if any) ends at pgshim, so -PLUS can never verify
          // against the server: withdraw it. A plain client would otherwise
          // refuse an offer of -PLUS outright.
          needs_answer = true;
          std::vector<std::string_view> offered;
          for (auto m : auth.sasl_mechanisms) {
            if (m == kScramPlus) withdrew_plus = true;
            else offered.push_back(m);
          }
          if (withdrew_plus) out = wire::build_authentication_sasl(offered);
          break;
        }
        case wire::AuthCode::KerberosV5:
        case wire::AuthCode::CleartextPassword:
        case wire::AuthCode::MD5Password:
        case wire::AuthCode::GSS:
        case wire::AuthCode::GSSContinue:
        case wire::AuthCode::SSPI:
        case wire::AuthCode::SASLContinue:
          needs_answer = true;
          break;
      }
    } else if (type == static_cast<char>(wire::BackendType::BackendKeyData)) {
      wire::BackendKeyData key{};
      if (!wire::parse_backend_key_data(body, key)) {
        key_ = key;
        context_.cancels->add(key.process_id, key.secret_key, upstream_endpoint_);
      }
    } else if (type == static_cast<char>(wire::BackendType::ReadyForQuery)) {
      ready = true;
    } else if (type == static_cast<char>(wire::BackendType::ParameterStatus)) {
      wire::ParameterStatus status;
      if (!wire::parse_parameter_status(body, status)) {
        if (status.name == "client_encoding") client_encoding_ = std::string(status.value);
        if (status.name == "server_version") {  // "15.4 (Debian 15.4-1)": the major is the leading number
          std::from_chars(status.value.data(), status.value.data() + status.value.size(), server_major_);
        }
      }
    } else if (type == static_cast<char>(wire::BackendType::ErrorResponse)) {
      fatal = true;
      if (withdrew_plus && client_claimed_binding && upstream_.is_tls()) {
        out = wire::build_error_response(
            {"FATAL", "28000",
             "pgshim: SCRAM channel binding cannot pass through pgshim when both the client and the server "
             "connections use TLS",
             "The client supports channel binding (SCRAM-SHA-256-PLUS), but its TLS session ends at pgshim, so "
             "the server rejected the login as a downgrade.",
             "Connect with channel_binding=disable, or sslmode=disable between the client and pgshim, or "
             "configure the upstream without TLS."});
        spdlog::warn("client {} user {}: SCRAM channel binding cannot cross two TLS sessions; told the client to "
                     "use channel_binding=disable",
                     client_address_, user_);
      }
    }

    const std::string_view to_send = out.empty() ? message : std::string_view(out);
    if (co_await client_.write(to_send)) co_return Outcome::Close;
    bytes_out_ += to_send.size();
    upstream_buffer_.erase(0, frame);

    if (fatal) {
      log_close("upstream refused the session");
      co_return Outcome::Close;
    }
    if (ready) {
      spdlog::info("client {} connected: user={} database={} tls={}", client_address_, user_, database_,
                   client_.is_tls());
      co_return Outcome::Continue;
    }
    if (!needs_answer) continue;

    auto [cec, cframe] = co_await read_whole_message(client_, client_buffer_, kMaxAuthMessageLength);
    if (cec) {
      log_close(cec == asio::error::message_size ? "malformed authentication message" : "client left during authentication");
      if (cec == asio::error::message_size) co_await send_fatal("08P01", "invalid authentication message length");
      co_return Outcome::Close;
    }
    const std::string_view answer(client_buffer_.data(), cframe);
    if (answer.front() == static_cast<char>(wire::FrontendType::PasswordMessage) && withdrew_plus) {
      // SASLInitialResponse: mechanism, int32 length, client-first-message whose
      // gs2 header starts with the channel-binding flag (RFC 5802 section 7).
      wire::Reader r(answer.substr(wire::kHeaderSize));
      (void)r.cstring();
      const auto data = r.length_prefixed();
      client_claimed_binding = r.ok() && data && !data->empty() && data->front() == 'y';
    }
    const char answer_type = answer.front();
    if (co_await upstream_.write(answer)) co_return Outcome::Close;
    bytes_in_ += answer.size();
    client_buffer_.erase(0, cframe);
    if (answer_type != static_cast<char>(wire::FrontendType::PasswordMessage)) {
      log_close("client ended authentication");
      co_return Outcome::Close;
    }
  }
}

namespace {

// What kind of refusal a SCRAM error is, for the failed-login metric.
LoginFailure login_failure_of(std::error_code ec) {
  if (ec.category() != auth::auth_category()) return LoginFailure::Protocol;
  switch (static_cast<auth::Errc>(ec.value())) {
    case auth::Errc::WrongPassword:
      return LoginFailure::WrongPassword;
    case auth::Errc::ChannelBindingDowngrade:
    case auth::Errc::ChannelBindingMismatch:
    case auth::Errc::ChannelBindingRequired:
    case auth::Errc::ChannelBindingUnsupported:
      return LoginFailure::ChannelBinding;
    case auth::Errc::BadVerifier:
    case auth::Errc::BadMd5Secret:
    case auth::Errc::UnsupportedPassword:
    case auth::Errc::UnexpectedMessage:
    case auth::Errc::MalformedMessage:
    case auth::Errc::UnsupportedMechanism:
    case auth::Errc::AuthzidUnsupported:
    case auth::Errc::ExtensionUnsupported:
    case auth::Errc::InvalidNonce:
    case auth::Errc::NonceMismatch:
    case auth::Errc::BadCertificate:
    case auth::Errc::ServerSignatureMismatch:
    case auth::Errc::ServerError:
    case auth::Errc::SecretDiffers:
    case auth::Errc::KeyMismatch:
    case auth::Errc::CryptoFailure:
      return LoginFailure::Protocol;
  }
  return LoginFailure::Protocol;
}

}  // namespace

awaitable<Session::Outcome> Session::fail_login(LoginFailure kind, std::string_view reason) {
  context_.stats->login_failures[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
  spdlog::info("client {}: login refused for user {}: {}", client_address_, user_, reason);
  // PostgreSQL's own words, which do not say whether the user exists.
  co_await send_fatal("28P01", "password authentication failed for user \"" + user_ + "\"");
  log_close("authentication failed");
  co_return Outcome::Close;
}

// auth mode proxy, client side (protocol docs, "SASL Authentication"): SCRAM
// when the auth file holds a SCRAM secret or a password, MD5 when it holds only
// an MD5 hash, and a mock SCRAM exchange for unknown users, which fails exactly
// like a wrong password.
awaitable<Session::Outcome> Session::authenticate_client() {
  secret_ = context_.auth_file ? context_.auth_file->find(user_) : nullptr;
  if (!secret_ && context_.auth_query) {
    std::shared_ptr<const auth::UserSecret> found = co_await context_.auth_query->lookup(user_);
    queried_secret_ = std::move(found);
    secret_ = queried_secret_.get();
  }
  std::string message;
  auto read_response = [&]() -> awaitable<std::string_view> {
    auto [ec, frame] = co_await read_whole_message(client_, client_buffer_, kMaxAuthMessageLength);
    if (ec || client_buffer_[0] != static_cast<char>(wire::FrontendType::PasswordMessage)) co_return std::string_view();
    message.assign(client_buffer_, wire::kHeaderSize, frame - wire::kHeaderSize);
    client_buffer_.erase(0, frame);
    co_return std::string_view(message.data(), message.size() + 1);  // +1: never empty when read
  };

  if (secret_ && !secret_->scram && secret_->md5) {
    auth::Md5Salt salt{};
    if (auth::make_md5_salt(salt)) co_return co_await fail_login(LoginFailure::Protocol, "no random bytes");
    if (co_await client_.write(auth::build_authentication_md5_password(salt))) co_return Outcome::Close;
    const auto got = co_await read_response();
    if (got.empty()) co_return co_await fail_login(LoginFailure::Protocol, "no password message");
    std::string_view response;
    if (auth::parse_password_message(message, response)) co_return co_await fail_login(LoginFailure::Protocol, "malformed password message");
    if (auto ec = auth::verify_md5_response(*secret_->md5, salt, response)) {
      co_return co_await fail_login(LoginFailure::WrongPassword, ec.message());
    }
    co_return Outcome::Continue;
  }

  auth::ScramVerifier verifier;
  if (secret_ && secret_->scram) {
    verifier = *secret_->scram;
  } else {
    // Unknown user: run the exchange against a mock verifier so that timing
    // and messages do not reveal which users exist.
    static const std::string kMockNonce = [] {
      std::array<std::uint8_t, 16> bytes{};
      (void)auth::random_bytes(bytes);  // per process, as PostgreSQL's mock_auth_nonce
      return std::string(bytes.begin(), bytes.end());
    }();
    if (auth::make_mock_verifier(user_, kMockNonce, verifier)) co_return co_await fail_login(LoginFailure::Protocol, "no mock verifier");
  }
  auth::ScramServer server(verifier, client_.is_tls() ? context_.tls_end_point : std::nullopt);
  if (co_await client_.write(wire::build_authentication_sasl(server.mechanisms()))) co_return Outcome::Close;
  if ((co_await read_response()).empty()) co_return co_await fail_login(LoginFailure::Protocol, "no SASLInitialResponse");
  auth::SaslInitialResponse initial;
  if (auth::parse_sasl_initial_response(message, initial) || !initial.data) {
    co_return co_await fail_login(LoginFailure::Protocol, "malformed SASLInitialResponse");
  }
  std::string server_first;
  if (auto ec = server.on_client_first(initial.mechanism, *initial.data, server_first)) {
    co_return co_await fail_login(login_failure_of(ec), ec.message());
  }
  if (co_await client_.write(auth::build_authentication_sasl_continue(server_first))) co_return Outcome::Close;
  if ((co_await read_response()).empty()) co_return co_await fail_login(LoginFailure::Protocol, "no SASLResponse");
  std::string server_final;
  if (auto ec = server.on_client_final(message, server_final)) {
    co_return co_await fail_login(secret_ ? login_failure_of(ec) : LoginFailure::UnknownUser, ec.message());
  }
  if (!secret_) co_return co_await fail_login(LoginFailure::UnknownUser, "no such user in the auth file");
  if (co_await client_.write(auth::build_authentication_sasl_final(server_final))) co_return Outcome::Close;
  verifier_ = verifier;
  client_key_ = server.client_key();
  co_return Outcome::Continue;
}

struct Session::UpstreamScram {
  std::optional<auth::ScramClient> client;
};

// auth mode proxy, upstream side: SCRAM from the recovered ClientKey (or the
// auth file's password), bound to the server's certificate when the server
// offers -PLUS over TLS; MD5 from the stored hash; cleartext only from a
// password in the auth file.
std::string Session::answer_upstream(const wire::Authentication& request, std::string& out) {
  switch (request.code) {
    case wire::AuthCode::Ok:
      return {};
    case wire::AuthCode::SASL: {
      std::optional<std::string> cert_hash;
      if (SSL* ssl = upstream_.native_tls()) {
        if (X509* cert = SSL_get1_peer_certificate(ssl)) {
          unsigned char* der = nullptr;
          const int len = i2d_X509(cert, &der);
          std::string hash;
          if (len > 0 && !auth::tls_server_end_point_from_der(
                             std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len)), hash)) {
            cert_hash = std::move(hash);
          }
          OPENSSL_free(der);
          X509_free(cert);
        }
      }
      const auto binding = auth::choose_channel_binding(request.sasl_mechanisms, cert_hash);
      upstream_scram_ = std::make_shared<UpstreamScram>();
      if (secret_ && secret_->password) {
        upstream_scram_->client.emplace(*secret_->password, binding);
      } else if (verifier_) {
        upstream_scram_->client.emplace(client_key_, *verifier_, binding);
      } else {
        return "the server asks for SCRAM, but the auth file has only an MD5 hash for this user";
      }
      std::string first;
      if (auto ec = upstream_scram_->client->client_first(first)) return ec.message();
      out = auth::build_sasl_initial_response(upstream_scram_->client->mechanism(), first);
      return {};
    }
    case wire::AuthCode::SASLContinue: {
      if (!upstream_scram_ || !upstream_scram_->client) return "unexpected SASLContinue";
      std::string final_message;
      if (auto ec = upstream_scram_->client->on_server_first(request.data, final_message)) {
        return ec == auth::Errc::SecretDiffers
                   ? "the server's secret differs from pgshim's auth file (was the password changed?)"
                   : ec.message();
      }
      out = auth::build_sasl_response(final_message);
      return {};
    }
    case wire::AuthCode::SASLFinal: {
      if (!upstream_scram_ || !upstream_scram_->client) return "unexpected SASLFinal";
      if (auto ec = upstream_scram_->client->on_server_final(request.data)) return ec.message();
      return {};
    }
    case wire::AuthCode::MD5Password: {
      if (!secret_ || !secret_->md5) {
        return "the server asks for MD5, but the auth file has no MD5 hash or password for this user";
      }
      if (request.data.size() != 4) return "malformed MD5 salt";
      auth::Md5Salt salt{};
      std::copy(request.data.begin(), request.data.end(), salt.begin());
      out = auth::build_password_message(auth::md5_response(*secret_->md5, salt));
      return {};
    }
    case wire::AuthCode::CleartextPassword:
      if (!secret_ || !secret_->password) {
        return "the server asks for a cleartext password, which the auth file does not hold for this user";
      }
      out = auth::build_password_message(*secret_->password);
      return {};
    case wire::AuthCode::KerberosV5:
    case wire::AuthCode::GSS:
    case wire::AuthCode::GSSContinue:
    case wire::AuthCode::SSPI:
      return "the server asks for GSSAPI/SSPI, which pgshim cannot do on a client's behalf";
  }
  return "unknown authentication request";
}

// Runs between the login's ReadyForQuery and the relay: nothing of the
// client's has been forwarded yet, so the server's next answers are to this
// query alone. search_path is not reported in ParameterStatus (PostgreSQL 15),
// and role, database, startup options and postgresql.conf all shape it: asking
// is the only exact way.
awaitable<std::optional<std::string>> Session::ask_search_path() {
  if (!upstream_buffer_.empty()) co_return std::nullopt;  // unsolicited bytes first: do not guess
  if (co_await upstream_.write(wire::build_query("SHOW search_path"))) co_return std::nullopt;
  std::optional<std::string> value;
  bool failed = false;
  std::string buffer;
  for (;;) {
    auto [ec, frame] = co_await read_whole_message(upstream_, buffer, context_.config->max_message_length);
    if (ec) co_return std::nullopt;
    const std::string_view message(buffer.data(), frame);
    const char type = message.front();
    const std::string_view body = message.substr(wire::kHeaderSize);
    if (type == static_cast<char>(wire::BackendType::DataRow)) {
      wire::DataRow row;
      if (!wire::parse_data_row(body, row) && row.values.size() == 1 && row.values[0]) value = std::string(*row.values[0]);
    } else if (type == static_cast<char>(wire::BackendType::ErrorResponse)) {
      failed = true;
    } else if (type == static_cast<char>(wire::BackendType::ReadyForQuery)) {
      buffer.erase(0, frame);
      // Whatever followed belongs to the relay (nothing should).
      upstream_buffer_ = std::move(buffer);
      co_return failed ? std::nullopt : value;
    }
    buffer.erase(0, frame);
  }
}

awaitable<void> Session::relay() {
  const std::uint32_t max_length = context_.config->max_message_length;
  StatementState statements({context_.pending, context_.observer, context_.cache,
                             context_.config->notice_on_rewrite, kMaxReplayBytes,
                             SessionInfo{client_address_, user_, application_name_}});
  statements.set_server_parameters(client_encoding_, server_major_);
  if (context_.pending != nullptr) {
    auto shown = co_await ask_search_path();
    if (!shown) spdlog::debug("client {}: search_path unknown: unqualified pending tables are not rewritten", client_address_);
    statements.start_search_path(std::move(shown), user_);
  }
  Pump to_server(client_, upstream_, statements.frontend(), max_length);
  Pump to_client(upstream_, client_, statements.backend(), max_length);
  to_server.preload(client_buffer_);
  to_client.preload(upstream_buffer_);
  std::string().swap(client_buffer_);
  std::string().swap(upstream_buffer_);

  auto ended = co_await (to_server.run() || to_client.run());
  bytes_in_ += to_server.bytes_written();
  bytes_out_ += to_client.bytes_written();

  if (ended.index() == 0) {
    switch (std::get<0>(ended)) {
      case PumpEnd::SourceClosed:
      case PumpEnd::SourceError:
      case PumpEnd::Cancelled:
        log_close(statements.terminated() ? "client terminated" : "client disconnected");
        co_return;
      case PumpEnd::DestinationError:
        if (to_client.at_boundary()) co_await send_fatal("08006", "pgshim: lost the connection to the upstream server");
        log_close("upstream write failed");
        co_return;
      case PumpEnd::Malformed:
        if (to_client.at_boundary()) {
          co_await send_fatal("08P01", "invalid message length", to_server.malformed_reason().message());
        }
        log_close("malformed message from client");
        co_return;
      case PumpEnd::Stopped:
        if (to_client.at_boundary()) co_await send_fatal("08P01", "unexpected startup packet after authentication");
        log_close("startup packet after authentication");
        co_return;
    }
  }
  switch (std::get<1>(ended)) {
    case PumpEnd::SourceClosed:
    case PumpEnd::SourceError:
    case PumpEnd::Malformed:
    case PumpEnd::Stopped:
      if (!statements.terminated() && !statements.server_fatal() && to_client.at_boundary()) {
        co_await send_fatal("08006", "pgshim: the upstream server closed the connection unexpectedly",
                            "The server may have been restarted or the session terminated.");
      }
      log_close(statements.terminated()     ? "client terminated"
                : statements.server_fatal() ? "upstream closed the session"
                                            : "upstream lost");
      co_return;
    case PumpEnd::DestinationError:
    case PumpEnd::Cancelled:
      log_close("client disconnected");
      co_return;
  }
}

awaitable<void> Session::forward_cancel(std::int32_t process_id, std::int32_t secret_key) {
  const auto target = context_.cancels->find(process_id, secret_key);
  if (!target) {
    context_.stats->cancel_requests_dropped.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("client {}: CancelRequest for an unknown key dropped", client_address_);
    co_return;
  }
  // A CancelRequest goes on a connection of its own, in plain text (the
  // server accepts it before any TLS or authentication, as libpq sends it).
  tcp::socket socket(co_await asio::this_coro::executor);
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(5s);
  auto connected = co_await (socket.async_connect(*target, use_nothrow) || timer.async_wait(use_nothrow));
  if (connected.index() == 0 && !std::get<0>(std::get<0>(connected))) {
    const std::string packet = wire::build_cancel_request(process_id, secret_key);
    co_await asio::async_write(socket, asio::buffer(packet), use_nothrow);
    context_.stats->cancel_requests_forwarded.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("client {}: CancelRequest forwarded to {}", client_address_, endpoint_text(*target));
  }
}

awaitable<void> Session::send_fatal(const char* sqlstate, std::string message, std::string detail,
                                    std::string hint) {
  const std::string frame =
      wire::build_error_response({"FATAL", sqlstate, std::move(message), std::move(detail), std::move(hint)});
  (void)co_await client_.write(frame);
}

void Session::log_close(std::string_view reason) const {
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  spdlog::info("client {} closed: user={} database={} duration={:.3f}s bytes_in={} bytes_out={} reason=\"{}\"",
               client_address_, user_.empty() ? "-" : user_, database_.empty() ? "-" : database_, elapsed,
               bytes_in_, bytes_out_, reason);
}

}  // namespace pgshim::proxy
