// pgshim's authentication core proven against a real PostgreSQL 15: the server
// side recovers a ClientKey from a (simulated) client, and the client side logs
// in upstream with it, without the password, over a raw socket written here.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "pgshim/auth/channel_binding.hpp"
#include "pgshim/auth/errc.hpp"
#include "pgshim/auth/md5.hpp"
#include "pgshim/auth/messages.hpp"
#include "pgshim/auth/scram.hpp"
#include "pgshim/auth/secret.hpp"
#include "pgshim/wire/framing.hpp"
#include "pgshim/wire/messages.hpp"
#include "support/harness.hpp"

namespace pgshim::auth {
namespace {

using test::Sandbox;

struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
struct SslDeleter {
  void operator()(SSL* s) const noexcept { SSL_free(s); }
};
struct X509Deleter {
  void operator()(X509* x) const noexcept { X509_free(x); }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A blocking connection to the sandbox server, optionally TLS (SSLRequest
// first, as libpq does), with 10-second send/receive timeouts as deadlines.
class Upstream {
 public:
  explicit Upstream(bool tls) {
    const auto& sb = Sandbox::get();
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(sb.port));
    inet_pton(AF_INET, sb.host.c_str(), &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error(std::string("connect failed: ") + std::strerror(errno));
    }
    if (tls) start_tls(sb.ca_file);
  }
  ~Upstream() {
    if (ssl_) SSL_shutdown(ssl_.get());
    ::close(fd_);
  }
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;

  // The tls-server-end-point hash of the server's certificate (TLS only).
  [[nodiscard]] std::optional<std::string> cert_hash() const { return cert_hash_; }

  void send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const long n = ssl_ ? SSL_write(ssl_.get(), bytes.data() + sent, static_cast<int>(bytes.size() - sent))
                          : ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      sent += static_cast<std::size_t>(n);
    }
  }

  // One typed message: {type, body}.
  std::pair<char, std::string> read_message() {
    const std::string header = read_exact(5);
    const auto decoded = wire::decode_header(header);
    const auto* h = std::get_if<wire::Complete<wire::Header>>(&decoded);
    if (!h) throw std::runtime_error("bad message header");
    return {h->value.type, read_exact(h->value.body_size())};
  }

  std::string read_exact(std::size_t n) {
    std::string out(n, '\0');
    std::size_t got = 0;
    while (got < n) {
      const long r = ssl_ ? SSL_read(ssl_.get(), out.data() + got, static_cast<int>(n - got))
                          : ::recv(fd_, out.data() + got, n - got, 0);
      if (r <= 0) throw std::runtime_error("connection closed or timed out");
      got += static_cast<std::size_t>(r);
    }
    return out;
  }

 private:
  void start_tls(const std::string& ca_file) {
    std::string request;
    wire::append_int32(request, 8);
    wire::append_int32(request, wire::kSslRequestCode);
    send(request);
    if (read_exact(1) != "S") throw std::runtime_error("server refused SSLRequest");
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_load_verify_locations(ctx_.get(), ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), fd_);
    if (SSL_connect(ssl_.get()) != 1) {
      throw std::runtime_error("TLS handshake failed: " + std::string(ERR_error_string(ERR_get_error(), nullptr)));
    }
    std::unique_ptr<X509, X509Deleter> cert(SSL_get1_peer_certificate(ssl_.get()));
    if (!cert) throw std::runtime_error("no server certificate");
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert.get(), &der);
    std::string hash;
    const auto ec = tls_server_end_point_from_der(std::string_view(reinterpret_cast<char*>(der), len), hash);
    OPENSSL_free(der);
    if (ec) throw std::runtime_error("channel binding data: " + ec.message());
    cert_hash_ = hash;
  }

  int fd_ = -1;
  std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx_;
  std::unique_ptr<SSL, SslDeleter> ssl_;
  std::optional<std::string> cert_hash_;
};

// What a login attempt came to.
struct Login {
  bool ready = false;                    // ReadyForQuery reached
  std::error_code auth_error;            // our side refused
  std::string sqlstate;                  // the server's ErrorResponse, if any
  std::vector<std::string> mechanisms;   // the server's SASL offer
  std::string mechanism;                 // what the client side chose
};

// Reads until ReadyForQuery after AuthenticationOk, or an ErrorResponse.
void finish_login(Upstream& conn, Login& result) {
  while (true) {
    auto [type, body] = conn.read_message();
    if (type == 'E') {
      wire::ErrorFields fields;
      ASSERT_FALSE(wire::parse_error_fields(body, fields));
      result.sqlstate = std::string(fields.sqlstate());
      return;
    }
    if (type == 'Z') {
      result.ready = true;
      return;
    }
  }
}

// Reads the next Authentication message; an ErrorResponse ends the login.
bool next_auth(Upstream& conn, Login& result, wire::Authentication& auth, std::string& body) {
  auto [type, b] = conn.read_message();
  body = std::move(b);
  if (type == 'E') {
    wire::ErrorFields fields;
    EXPECT_FALSE(wire::parse_error_fields(body, fields));
    result.sqlstate = std::string(fields.sqlstate());
    return false;
  }
  EXPECT_EQ(type, 'R');
  EXPECT_FALSE(wire::parse_authentication(body, auth));
  return type == 'R';
}

// StartupMessage → AuthenticationSASL → our client side → AuthenticationOk → ReadyForQuery.
// `make_client` builds the client side from the offer and the upstream's certificate hash.
Login scram_login(bool tls, const std::string& user, const std::string& database,
                  const std::function<ScramClient(const std::vector<std::string_view>&,
                                                  const std::optional<std::string>&)>& make_client) {
  Login result;
  Upstream conn(tls);
  conn.send(test::startup_message({{"user", user}, {"database", database}}));
  wire::Authentication auth;
  std::string body;
  if (!next_auth(conn, result, auth, body)) return result;
  EXPECT_EQ(auth.code, wire::AuthCode::SASL);
  for (auto m : auth.sasl_mechanisms) result.mechanisms.emplace_back(m);
  ScramClient client = make_client(auth.sasl_mechanisms, conn.cert_hash());
  result.mechanism = std::string(client.mechanism());

  std::string first;
  if ((result.auth_error = client.client_first(first))) return result;
  conn.send(build_sasl_initial_response(client.mechanism(), first));
  if (!next_auth(conn, result, auth, body)) return result;
  EXPECT_EQ(auth.code, wire::AuthCode::SASLContinue);
  std::string final_msg;
  if ((result.auth_error = client.on_server_first(auth.data, final_msg))) return result;
  conn.send(build_sasl_response(final_msg));
  if (!next_auth(conn, result, auth, body)) return result;
  EXPECT_EQ(auth.code, wire::AuthCode::SASLFinal);
  if ((result.auth_error = client.on_server_final(auth.data))) return result;
  if (!next_auth(conn, result, auth, body)) return result;
  EXPECT_EQ(auth.code, wire::AuthCode::Ok);
  finish_login(conn, result);
  return result;
}

// A superuser connection for reading pg_authid and managing test roles.
test::Connection admin() {
  const auto& sb = Sandbox::get();
  auto conn = test::connect("host=" + sb.host + " port=" + std::to_string(sb.port) +
                            " dbname=postgres user=pgshim_scram password=scram-pass sslmode=disable");
  if (PQstatus(conn.get()) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn.get()));
  return conn;
}

std::string rolpassword(const std::string& role) {
  auto conn = admin();
  return test::query_value(conn.get(), "SELECT rolpassword FROM pg_authid WHERE rolname = '" + role + "'");
}

// pgshim's client leg, simulated: a client that knows the password runs the
// exchange against pgshim's server side (bound to pgshim's own certificate
// when `proxy_cert_hash` is set). Returns the recovered ClientKey.
ScramKey recover_client_key(const ScramVerifier& verifier, const std::string& password,
                            const std::optional<std::string>& proxy_cert_hash) {
  ScramServer server(verifier, proxy_cert_hash);
  ScramClient app(password, choose_channel_binding(server.mechanisms(), proxy_cert_hash));
  std::string first, server_first, final_msg, server_final;
  EXPECT_FALSE(app.client_first(first));
  EXPECT_FALSE(server.on_client_first(app.mechanism(), first, server_first));
  EXPECT_FALSE(app.on_server_first(server_first, final_msg));
  EXPECT_FALSE(server.on_client_final(final_msg, server_final));
  EXPECT_FALSE(app.on_server_final(server_final));
  EXPECT_EQ(server.state(), ScramServer::State::Succeeded);
  EXPECT_EQ(server.channel_bound(), proxy_cert_hash.has_value());
  return server.client_key();
}


// Removes a role made for one test, whatever the test's outcome.
class TempRole {
 public:
  TempRole(const std::string& prefix, const std::string& password)
      : name_(prefix + "_" + std::to_string(::getpid())) {
    auto conn = admin();
    (void)test::query_value(conn.get(), "DROP ROLE IF EXISTS " + name_);
    EXPECT_EQ(test::query_value(conn.get(), "SET password_encryption = 'scram-sha-256'"), "");
    EXPECT_EQ(test::query_value(conn.get(), "CREATE ROLE " + name_ + " LOGIN PASSWORD '" + password + "'"), "");
  }
  ~TempRole() {
    auto conn = admin();
    (void)test::query_value(conn.get(), "DROP ROLE IF EXISTS " + name_);
  }
  TempRole(const TempRole&) = delete;
  TempRole& operator=(const TempRole&) = delete;
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  std::string name_;
};

ScramVerifier stored_verifier(const std::string& role) {
  ScramVerifier v;
  const std::string text = rolpassword(role);
  EXPECT_FALSE(parse_scram_verifier(text, v)) << "rolpassword of " << role << " is not a SCRAM secret";
  return v;
}

// Over plain TCP: the ClientKey recovered by the server side logs in as
// pgshim_scram with SCRAM-SHA-256 and reaches ReadyForQuery.
TEST(AuthUpstream, ScramWithRecoveredClientKey) {
  const ScramVerifier verifier = stored_verifier("pgshim_scram");
  const ScramKey key = recover_client_key(verifier, "scram-pass", std::nullopt);
  const Login login = scram_login(false, "pgshim_scram", Sandbox::get().database,
                                  [&](const auto& offered, const auto& cert_hash) {
                                    return ScramClient(key, verifier, choose_channel_binding(offered, cert_hash));
                                  });
  EXPECT_EQ(login.mechanisms, std::vector<std::string>{"SCRAM-SHA-256"});
  EXPECT_EQ(login.mechanism, "SCRAM-SHA-256");
  EXPECT_FALSE(login.auth_error) << login.auth_error.message();
  EXPECT_EQ(login.sqlstate, "");
  EXPECT_TRUE(login.ready);
}

// pgshim's server side refuses a wrong password against the real stored verifier.
TEST(AuthUpstream, ServerSideRefusesWrongPassword) {
  ScramServer server(stored_verifier("pgshim_scram"), std::nullopt);
  ScramClient app("not-the-password", {});
  std::string first, server_first, final_msg, server_final;
  ASSERT_FALSE(app.client_first(first));
  ASSERT_FALSE(server.on_client_first(app.mechanism(), first, server_first));
  ASSERT_FALSE(app.on_server_first(server_first, final_msg));
  EXPECT_EQ(server.on_client_final(final_msg, server_final), Errc::WrongPassword);
}

// Over TLS: the client leg is bound to pgshim's own certificate, the upstream
// leg to the server's; the server offers and accepts SCRAM-SHA-256-PLUS.
TEST(AuthUpstream, ScramPlusOverTls) {
  const auto& sb = Sandbox::get();
  ASSERT_FALSE(sb.ca_file.empty()) << "the pg fixture runs without TLS";
  std::string proxy_hash;
  ASSERT_FALSE(tls_server_end_point_from_pem(read_file(sb.proxy_cert), proxy_hash));
  const ScramVerifier verifier = stored_verifier("pgshim_scram");
  const ScramKey key = recover_client_key(verifier, "scram-pass", proxy_hash);

  const Login login = scram_login(true, "pgshim_scram", sb.database, [&](const auto& offered, const auto& cert_hash) {
    EXPECT_TRUE(cert_hash.has_value());
    return ScramClient(key, verifier, choose_channel_binding(offered, cert_hash));
  });
  EXPECT_EQ(login.mechanisms, (std::vector<std::string>{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}));
  EXPECT_EQ(login.mechanism, "SCRAM-SHA-256-PLUS");
  EXPECT_FALSE(login.auth_error) << login.auth_error.message();
  EXPECT_EQ(login.sqlstate, "");
  EXPECT_TRUE(login.ready);
}

// The server really checks the binding: -PLUS with another certificate's hash
// (pgshim's own, as a relay would wrongly send) is refused, and so is `y` on
// TLS (the downgrade rule pgshim's server side applies too).
TEST(AuthUpstream, ServerRefusesWrongBindingAndDowngrade) {
  const auto& sb = Sandbox::get();
  std::string proxy_hash;
  ASSERT_FALSE(tls_server_end_point_from_pem(read_file(sb.proxy_cert), proxy_hash));
  const ScramVerifier verifier = stored_verifier("pgshim_scram");
  const ScramKey key = recover_client_key(verifier, "scram-pass", std::nullopt);

  const Login wrong_hash = scram_login(true, "pgshim_scram", sb.database, [&](const auto&, const auto& cert_hash) {
    EXPECT_NE(*cert_hash, proxy_hash);
    return ScramClient(key, verifier, ChannelBinding{CbindFlag::TlsServerEndPoint, proxy_hash});
  });
  EXPECT_FALSE(wrong_hash.ready);
  EXPECT_NE(wrong_hash.sqlstate, "");

  const Login downgrade = scram_login(true, "pgshim_scram", sb.database, [&](const auto&, const auto&) {
    return ScramClient(key, verifier, ChannelBinding{CbindFlag::ClientOnly, {}});
  });
  EXPECT_FALSE(downgrade.ready);
  EXPECT_NE(downgrade.sqlstate, "");
}

// MD5: pgshim checks a client's answer and answers the server's salt from the
// stored hash alone (pgshim_md5 / md5-pass), with and without TLS.
TEST(AuthUpstream, Md5WithStoredHash) {
  Md5Secret secret;
  ASSERT_FALSE(parse_md5_secret(rolpassword("pgshim_md5"), secret));
  EXPECT_EQ(secret, make_md5_secret("md5-pass", "pgshim_md5"));

  // The client leg: a client that knows the password answers pgshim's salt.
  Md5Salt salt{};
  ASSERT_FALSE(make_md5_salt(salt));
  EXPECT_FALSE(verify_md5_response(secret, salt, md5_response(make_md5_secret("md5-pass", "pgshim_md5"), salt)));
  EXPECT_EQ(verify_md5_response(secret, salt, md5_response(make_md5_secret("wrong", "pgshim_md5"), salt)),
            Errc::WrongPassword);

  for (const bool tls : {false, true}) {
    Login result;
    Upstream conn(tls);
    conn.send(test::startup_message({{"user", "pgshim_md5"}, {"database", Sandbox::get().database}}));
    wire::Authentication auth;
    std::string body;
    ASSERT_TRUE(next_auth(conn, result, auth, body)) << result.sqlstate;
    ASSERT_EQ(auth.code, wire::AuthCode::MD5Password);
    Md5Salt server_salt{};
    ASSERT_EQ(auth.data.size(), server_salt.size());
    std::copy(auth.data.begin(), auth.data.end(), server_salt.begin());
    conn.send(build_password_message(md5_response(secret, server_salt)));
    ASSERT_TRUE(next_auth(conn, result, auth, body)) << result.sqlstate;
    EXPECT_EQ(auth.code, wire::AuthCode::Ok);
    finish_login(conn, result);
    EXPECT_TRUE(result.ready) << "tls=" << tls;
  }
}

// A password changed upstream after pgshim read the secret: the recovered
// ClientKey cannot answer the new salt, and the client side says so
// (SecretDiffers) before sending a proof; the old key still worked before.
TEST(AuthUpstream, ChangedPasswordIsSecretDiffers) {
  TempRole role("pgshim_auth_changed", "first-pass");
  const ScramVerifier old_verifier = stored_verifier(role.name());
  const ScramKey key = recover_client_key(old_verifier, "first-pass", std::nullopt);
  auto make = [&](const auto& offered, const auto& cert_hash) {
    return ScramClient(key, old_verifier, choose_channel_binding(offered, cert_hash));
  };
  const Login before = scram_login(false, role.name(), "postgres", make);
  EXPECT_TRUE(before.ready) << before.auth_error.message() << " " << before.sqlstate;

  auto conn = admin();
  ASSERT_EQ(test::query_value(conn.get(), "SET password_encryption = 'scram-sha-256'"), "");
  ASSERT_EQ(test::query_value(conn.get(), "ALTER ROLE " + role.name() + " PASSWORD 'second-pass'"), "");
  const Login after = scram_login(false, role.name(), "postgres", make);
  EXPECT_FALSE(after.ready);
  EXPECT_EQ(after.auth_error, Errc::SecretDiffers);
  EXPECT_NE(after.auth_error.message().find("differs"), std::string::npos);

  // With the new verifier and a key recovered for it, the login works again.
  const ScramVerifier new_verifier = stored_verifier(role.name());
  EXPECT_NE(new_verifier.salt, old_verifier.salt);
  const ScramKey new_key = recover_client_key(new_verifier, "second-pass", std::nullopt);
  const Login again = scram_login(false, role.name(), "postgres", [&](const auto& offered, const auto& cert_hash) {
    return ScramClient(new_key, new_verifier, choose_channel_binding(offered, cert_hash));
  });
  EXPECT_TRUE(again.ready) << again.auth_error.message() << " " << again.sqlstate;
}

}  // namespace
}  // namespace pgshim::auth
