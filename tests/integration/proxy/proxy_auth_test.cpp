// auth mode proxy: pgshim authenticates clients from an auth file and logs in
// upstream with what they proved, so SCRAM works with TLS on both legs,
// channel binding included.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <thread>

#include "support/harness.hpp"

namespace pgshim::test {
namespace {

using namespace std::chrono_literals;

Connection superuser() {
  const auto& sb = Sandbox::get();
  return connect("host=" + sb.host + " port=" + std::to_string(sb.port) +
                 " dbname=postgres user=pgshim_scram password=scram-pass sslmode=disable");
}

// A PgBouncer-style auth file with the server's own secrets of `roles`.
class AuthFile {
 public:
  explicit AuthFile(const std::vector<std::string>& roles) {
    char dir[] = "/tmp/pgshim-auth.XXXXXX";
    if (!mkdtemp(dir)) throw std::runtime_error("mkdtemp");
    dir_ = dir;
    path_ = dir_ + "/userlist.txt";
    write(roles);
  }
  ~AuthFile() {
    std::remove(path_.c_str());
    rmdir(dir_.c_str());
  }
  void write(const std::vector<std::string>& roles, mode_t mode = 0600) {
    auto su = superuser();
    std::ofstream out(path_, std::ios::trunc);
    out << "; written by the test\n";
    for (const auto& role : roles) {
      out << '"' << role << "\" \"" << query_value(su.get(), "select rolpassword from pg_authid where rolname = '" + role + "'")
          << "\"\n";
    }
    out.close();
    chmod(path_.c_str(), mode);
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

std::vector<std::string> proxy_args(const AuthFile& file, const std::string& upstream_sslmode = "require") {
  const auto& sb = Sandbox::get();
  return {"--upstream",  sb.upstream_url(upstream_sslmode), "--tls-cert",    sb.proxy_cert,
          "--tls-key",   sb.proxy_key,                      "--auth-mode", "proxy",
          "--auth-file", file.path()};
}

std::string verified(const Pgshim& shim, const std::string& user, const std::string& password,
                     const std::string& channel_binding) {
  return "host=localhost hostaddr=127.0.0.1 port=" + std::to_string(shim.port()) + " dbname=app user=" + user +
         " password=" + password + " sslmode=verify-full sslrootcert=" + Sandbox::get().ca_file +
         " channel_binding=" + channel_binding;
}

TEST(ProxyAuth, ScramWithTlsOnBothLegsForEveryChannelBindingSetting) {
  // Proves: with TLS on both legs, SCRAM logins work with channel_binding
  // disable, prefer and require (pgshim offers -PLUS bound to its own
  // certificate), and the upstream session really runs over TLS.
  AuthFile file({"pgshim_scram", "pgshim_md5"});
  Pgshim shim(proxy_args(file), false);
  for (const char* cb : {"disable", "prefer", "require"}) {
    auto conn = connect(verified(shim, "pgshim_scram", "scram-pass", cb));
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << cb << ": " << PQerrorMessage(conn.get()) << shim.log();
    EXPECT_EQ(query_value(conn.get(), "select current_user || ':' || ssl from pg_stat_ssl where pid = pg_backend_pid()"),
              "pgshim_scram:true");
  }
}

TEST(ProxyAuth, Md5UserLogsInFromTheStoredHash) {
  // Proves: an MD5 user is checked by pgshim against the stored hash and
  // logged in upstream (the server demands md5 for it) without the password.
  AuthFile file({"pgshim_scram", "pgshim_md5"});
  Pgshim shim(proxy_args(file), false);
  auto conn = connect(shim.conninfo("user=pgshim_md5 password=md5-pass sslmode=require"));
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  EXPECT_EQ(query_value(conn.get(), "select current_user"), "pgshim_md5");
}

TEST(ProxyAuth, WrongPasswordIsRefusedByPgshimWithoutAnUpstreamLogin) {
  // Proves: a wrong password (or an unknown user) gets PostgreSQL's 28P01 text
  // from pgshim itself, and nothing was sent upstream (bytes_in=0).
  AuthFile file({"pgshim_scram"});
  auto args = proxy_args(file);
  args.insert(args.end(), {"--metrics-listen", "127.0.0.1:0"});
  Pgshim shim(args, false);
  for (const std::string user : {"pgshim_scram", "no_such_user"}) {
    auto conn = connect(shim.conninfo("user=" + user + " password=wrong sslmode=require"));
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_BAD);
    EXPECT_NE(std::string(PQerrorMessage(conn.get())).find("password authentication failed for user \"" + user + "\""),
              std::string::npos)
        << PQerrorMessage(conn.get());
  }
  const std::string log = shim.log();
  EXPECT_TRUE(std::regex_search(log, std::regex("user=pgshim_scram .*bytes_in=0 bytes_out=0 reason=\"authentication failed\"")))
      << log;
  EXPECT_EQ(log.find("scram-pass"), std::string::npos);

  // The refusals are counted by reason.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(metrics and status on http://127\.0\.0\.1:(\d+)/metrics)")));
  RawConnection http("127.0.0.1", std::stoi(m[1]));
  http.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  const std::string metrics = http.receive_until_close(5s);
  EXPECT_NE(metrics.find("pgshim_login_failures_total{reason=\"wrong_password\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("pgshim_login_failures_total{reason=\"unknown_user\"} 1"), std::string::npos) << metrics;
}

TEST(ProxyAuth, AuthFileChangesApplyOnSighupWithoutDroppingSessions) {
  // Proves: removing a user from the auth file and sending SIGHUP refuses its
  // new logins while an open session of it keeps working.
  AuthFile file({"pgshim_scram", "pgshim_md5"});
  Pgshim shim(proxy_args(file), false);
  auto open = connect(shim.conninfo("user=pgshim_md5 password=md5-pass sslmode=require"));
  ASSERT_EQ(PQstatus(open.get()), CONNECTION_OK);
  file.write({"pgshim_scram"});
  shim.signal(SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (shim.log().find("reload: auth file") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_NE(shim.log().find("(1 user(s))"), std::string::npos) << shim.log();
  auto refused = connect(shim.conninfo("user=pgshim_md5 password=md5-pass sslmode=require"));
  EXPECT_EQ(PQstatus(refused.get()), CONNECTION_BAD);
  EXPECT_EQ(query_value(open.get(), "select 'still here'"), "still here");
}

TEST(ProxyAuth, AnAuthFileReadableByOthersIsRefusedAtStart) {
  // Proves: pgshim will not use an auth file that other users can read.
  AuthFile file({"pgshim_scram"});
  file.write({"pgshim_scram"}, 0644);
  EXPECT_THROW(Pgshim(proxy_args(file), false), std::runtime_error);
}

TEST(ProxyAuth, AChangedUpstreamPasswordIsExplained) {
  // Proves: when the server's secret no longer matches the auth file (the
  // password was changed upstream), the client gets a clear error and the log
  // names the user and the reason.
  auto su = superuser();
  const std::string role = "pgshim_rotated_" + std::to_string(getpid());
  ASSERT_EQ(query_value(su.get(), "set password_encryption = 'scram-sha-256'; create role " + role +
                                      " login superuser password 'before'"),
            "");
  {
    AuthFile file({role});
    ASSERT_EQ(query_value(su.get(), "alter role " + role + " password 'after'"), "");
    Pgshim shim(proxy_args(file), false);
    auto conn = connect(shim.conninfo("user=" + role + " password=before sslmode=require"));
    EXPECT_EQ(PQstatus(conn.get()), CONNECTION_BAD);
    EXPECT_NE(std::string(PQerrorMessage(conn.get())).find("differs from pgshim's auth file"), std::string::npos)
        << PQerrorMessage(conn.get());
    EXPECT_NE(shim.log().find("user " + role + ": cannot log in upstream"), std::string::npos) << shim.log();
  }
  (void)query_value(su.get(), "drop role " + role);
}

}  // namespace
}  // namespace pgshim::test

namespace pgshim::test {
namespace {

TEST(ProxyAuth, AuthQueryFindsSecretsThroughTheMonitorLogin) {
  // Proves: with --auth-query (and no auth file) pgshim looks each user's
  // secret up in the database through its monitor login, authenticates SCRAM
  // and MD5 users with it, and refuses wrong passwords and unknown users.
  const auto& sb = Sandbox::get();
  Pgshim shim({"--upstream", sb.upstream_url("require"), "--tls-cert", sb.proxy_cert, "--tls-key", sb.proxy_key,
               "--auth-mode", "proxy", "--monitor",
               "postgres://pgshim_scram:scram-pass@127.0.0.1:" + std::to_string(sb.port) + "/app?sslmode=disable",
               "--auth-query", "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = $1"},
              false);
  auto scram = connect(verified(shim, "pgshim_scram", "scram-pass", "require"));
  ASSERT_EQ(PQstatus(scram.get()), CONNECTION_OK) << PQerrorMessage(scram.get()) << shim.log();
  EXPECT_EQ(query_value(scram.get(), "select current_user"), "pgshim_scram");
  auto md5 = connect(shim.conninfo("user=pgshim_md5 password=md5-pass sslmode=require"));
  ASSERT_EQ(PQstatus(md5.get()), CONNECTION_OK) << PQerrorMessage(md5.get());
  for (const std::string user : {"pgshim_scram", "no_such_user"}) {
    auto refused = connect(shim.conninfo("user=" + user + " password=wrong sslmode=require"));
    EXPECT_EQ(PQstatus(refused.get()), CONNECTION_BAD);
    EXPECT_NE(std::string(PQerrorMessage(refused.get())).find("password authentication failed"), std::string::npos);
  }
}

}  // namespace
}  // namespace pgshim::test
