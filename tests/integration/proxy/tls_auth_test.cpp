// Authentication relayed through pgshim with TLS on either, both or neither leg:
// trust, MD5 and SCRAM-SHA-256 as the server demands, and upstream sslmode.
#include <gtest/gtest.h>

#include "support/harness.hpp"

namespace pgshim::test {
namespace {

struct AuthCase {
  const char* name;
  const char* upstream_sslmode;  // pgshim -> server
  const char* client;            // client -> pgshim conninfo keywords
  bool ok;
  const char* sqlstate_or_text;  // expected in the error when !ok
};

class AuthMatrix : public ::testing::TestWithParam<AuthCase> {};

TEST_P(AuthMatrix, LogsInAsDirectlyOrExplainsWhy) {
  // Proves: each combination logs in and runs a query exactly as it would
  // directly, or fails with the documented error.
  const AuthCase& c = GetParam();
  const auto& sb = Sandbox::get();
  Pgshim shim({"--upstream", sb.upstream_url(c.upstream_sslmode) + "&sslrootcert=" + sb.ca_file, "--tls-cert",
               sb.proxy_cert, "--tls-key", sb.proxy_key},
              false);
  auto conn = connect(shim.conninfo(std::string(c.client) + " sslrootcert=" + sb.ca_file));
  if (c.ok) {
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get()) << shim.log();
    EXPECT_EQ(query_value(conn.get(), "select current_user || ':' || (select ssl::text from pg_stat_ssl where pid = pg_backend_pid())"),
              std::string(PQuser(conn.get())) + ":" + (std::string(c.upstream_sslmode) == "disable" ? "false" : "true"));
  } else {
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_BAD);
    EXPECT_NE(std::string(PQerrorMessage(conn.get())).find(c.sqlstate_or_text), std::string::npos)
        << PQerrorMessage(conn.get());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Proxy, AuthMatrix,
    ::testing::Values(
        AuthCase{"trust_plain_plain", "disable", "user=pgshim_trust sslmode=disable", true, ""},
        AuthCase{"trust_tls_tls", "require", "user=pgshim_trust sslmode=require", true, ""},
        AuthCase{"md5_plain_tls", "require", "user=pgshim_md5 password=md5-pass sslmode=disable", true, ""},
        AuthCase{"md5_tls_tls", "verify-full", "user=pgshim_md5 password=md5-pass sslmode=require", true, ""},
        AuthCase{"md5_wrong_password", "require", "user=pgshim_md5 password=nope sslmode=disable", false,
                 "password authentication failed"},
        AuthCase{"cleartext_plain_tls", "require", "user=pgshim_password password=clear-pass sslmode=disable", true,
                 ""},
        AuthCase{"cleartext_tls_tls", "require", "user=pgshim_password password=clear-pass sslmode=require", true,
                 ""},
        AuthCase{"cleartext_wrong_password", "require", "user=pgshim_password password=nope sslmode=disable", false,
                 "password authentication failed"},
        // SCRAM: channel binding cannot cross pgshim, so -PLUS is never offered.
        AuthCase{"scram_plain_plain", "disable", "user=pgshim_scram password=scram-pass sslmode=disable", true, ""},
        AuthCase{"scram_plain_tls", "require", "user=pgshim_scram password=scram-pass sslmode=disable", true, ""},
        AuthCase{"scram_tls_plain", "disable", "user=pgshim_scram password=scram-pass sslmode=require", true, ""},
        AuthCase{"scram_tls_tls_binding_disabled", "require",
                 "user=pgshim_scram password=scram-pass sslmode=require channel_binding=disable", true, ""},
        AuthCase{"scram_verify_full_of_pgshim", "verify-ca",
                 "host=localhost user=pgshim_scram password=scram-pass sslmode=verify-full channel_binding=disable",
                 true, ""},
        AuthCase{"scram_tls_tls_default_binding_explained", "require",
                 "user=pgshim_scram password=scram-pass sslmode=require", false,
                 "SCRAM channel binding cannot pass through pgshim"},
        AuthCase{"scram_wrong_password", "require", "user=pgshim_scram password=nope sslmode=disable", false,
                 "password authentication failed"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(UpstreamTls, VerifyFullRejectsAnUntrustedServer) {
  // Proves: sslmode=verify-full with a CA that did not sign the server's
  // certificate refuses the upstream (08001), as libpq would.
  const auto& sb = Sandbox::get();
  // The proxy's own certificate is not a CA: nothing chains to it.
  Pgshim shim({"--upstream", sb.upstream_url("verify-full") + "&sslrootcert=" + sb.proxy_cert}, false);
  auto conn = connect(shim.conninfo("user=pgshim_trust sslmode=disable"));
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_BAD);
  const std::string error = PQerrorMessage(conn.get());
  EXPECT_NE(error.find("TLS handshake failed"), std::string::npos) << error;
}

TEST(ClientTls, VerifyFullOfPgshimFailsForAWrongHostName) {
  // Proves: pgshim presents its configured certificate: a client verifying a
  // name the certificate does not carry refuses it.
  const auto& sb = Sandbox::get();
  Pgshim shim({"--tls-cert", sb.proxy_cert, "--tls-key", sb.proxy_key});
  auto conn = connect("host=127.0.0.1 hostaddr=127.0.0.1 port=" + std::to_string(shim.port()) +
                      " dbname=app user=pgshim_trust sslmode=verify-full sslrootcert=" + sb.ca_file +
                      " host=not-localhost.example");
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_BAD);
  EXPECT_NE(std::string(PQerrorMessage(conn.get())).find("does not match host name"), std::string::npos)
      << PQerrorMessage(conn.get());
}

}  // namespace
}  // namespace pgshim::test
