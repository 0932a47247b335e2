// The relay phase: bad messages from a client, lost peers on either side,
// large rows and backpressure. Each failure affects only its own session.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>
#include <sys/socket.h>
#include <unistd.h>

#include <variant>

#include "pgshim/wire/messages.hpp"
#include "support/harness.hpp"

namespace pgshim::test {
namespace {

using namespace std::chrono_literals;

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// A raw connection authenticated as the trust user, past the first ReadyForQuery.
std::unique_ptr<RawConnection> raw_session(const Pgshim& shim) {
  auto c = std::make_unique<RawConnection>("127.0.0.1", shim.port());
  c->send(startup_message({{"user", "pgshim_trust"}, {"database", "app"}}));
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    std::string_view rest(got);
    while (!rest.empty()) {
      const auto decoded = wire::decode_message(rest);
      const auto* done = std::get_if<wire::Complete<wire::MessageView>>(&decoded);
      if (!done) break;
      if (done->value.type == 'Z') return c;
      rest.remove_prefix(done->consumed);
    }
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("no ReadyForQuery");
    got += c->receive(1, 1s);
  }
}

TEST(Relay, OversizedMessageGets08P01AndOnlyThatSessionCloses) {
  // Proves: a message declaring more than --max-message-length is refused from
  // its header (08P01, connection closed) while another session keeps working.
  Pgshim shim({"--max-message-length", "4096"});
  auto other = connect(shim.conninfo("user=pgshim_trust"));
  ASSERT_EQ(PQstatus(other.get()), CONNECTION_OK);
  auto c = raw_session(shim);
  c->send("Q" + be32(100000));
  bool closed = false;
  const std::string reply = c->receive_until_close(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(first_error_sqlstate(reply), "08P01");
  EXPECT_EQ(first_error_message(reply), "invalid message length");
  EXPECT_EQ(query_value(other.get(), "select 'alive'"), "alive");
}

TEST(Relay, LengthBelowFourGets08P01) {
  // Proves: a message length below 4 (impossible: it counts itself) is refused.
  Pgshim shim({});
  auto c = raw_session(shim);
  c->send("Q" + be32(3));
  bool closed = false;
  const std::string reply = c->receive_until_close(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(first_error_sqlstate(reply), "08P01");
}

TEST(Relay, SecondStartupMessageAfterAuthenticationIsAViolation) {
  // Proves: a StartupMessage sent after authentication is refused with 08P01.
  Pgshim shim({});
  auto c = raw_session(shim);
  c->send(startup_message({{"user", "postgres"}, {"database", "app"}}));
  bool closed = false;
  const std::string reply = c->receive_until_close(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(first_error_sqlstate(reply), "08P01");
  EXPECT_EQ(first_error_message(reply), "unexpected startup packet after authentication");
}

TEST(Relay, UnknownMessageTypeIsRelayedToTheServer) {
  // Proves: pgshim does not judge message types it does not know: the server
  // does (PostgreSQL answers an invalid type with its own 08P01 FATAL).
  Pgshim shim({});
  auto c = raw_session(shim);
  c->send("j" + be32(4));
  bool closed = false;
  const std::string reply = c->receive_until_close(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(first_error_sqlstate(reply), "08P01");
  EXPECT_NE(first_error_message(reply).find("invalid frontend message type"), std::string::npos)
      << first_error_message(reply);
}

TEST(Relay, UnreachableUpstreamGives08001NamingIt) {
  // Proves: when the upstream refuses connections the client gets 08001 with the
  // upstream's address and the reason.
  // Port 1 on loopback: privileged, nothing listens there in a test sandbox.
  Pgshim shim({"--upstream", "postgres://127.0.0.1:1/app?sslmode=disable"}, false);
  auto conn = connect(shim.conninfo("user=pgshim_trust"));
  EXPECT_EQ(PQstatus(conn.get()), CONNECTION_BAD);
  const std::string error = PQerrorMessage(conn.get());
  EXPECT_NE(error.find("could not connect to upstream server 127.0.0.1:1"), std::string::npos) << error;
  EXPECT_NE(error.find("refused"), std::string::npos) << error;
}

TEST(Relay, UpstreamDyingMidSessionGives08006) {
  // Proves: when the upstream connection drops without a word (here: a second
  // pgshim in between is killed), the client gets 08006 and the session closes.
  auto middle = std::make_unique<Pgshim>(std::vector<std::string>{});
  Pgshim front({"--upstream", "postgres://127.0.0.1:" + std::to_string(middle->port()) + "/app?sslmode=disable"},
               false);
  auto conn = connect(front.conninfo("user=pgshim_trust"));
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  EXPECT_EQ(query_value(conn.get(), "select 1"), "1");
  middle->signal(SIGKILL);
  ASSERT_TRUE(middle->wait_exit(5s));
  Result r(PQexec(conn.get(), "select 2"));
  EXPECT_NE(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  EXPECT_NE(std::string(PQerrorMessage(conn.get())).find("pgshim: the upstream server closed the connection"),
            std::string::npos)
      << PQerrorMessage(conn.get());
  EXPECT_EQ(PQstatus(conn.get()), CONNECTION_BAD);
}

TEST(Relay, UpstreamDyingMidSessionSends08006) {
  // Proves: the error pgshim sends when its upstream vanishes carries SQLSTATE
  // 08006 (connection_failure), then the connection closes.
  auto middle = std::make_unique<Pgshim>(std::vector<std::string>{});
  Pgshim front({"--upstream", "postgres://127.0.0.1:" + std::to_string(middle->port()) + "/app?sslmode=disable"},
               false);
  auto c = raw_session(front);
  middle->signal(SIGKILL);
  ASSERT_TRUE(middle->wait_exit(5s));
  bool closed = false;
  const std::string reply = c->receive_until_close(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(first_error_sqlstate(reply), "08006");
}

TEST(Relay, ClientVanishingClosesTheUpstreamAndRollsBack) {
  // Proves: when a client disappears mid-transaction pgshim closes its upstream
  // connection, so the server ends the backend and rolls the transaction back.
  Pgshim shim({});
  auto direct = connect("host=127.0.0.1 port=" + std::to_string(Sandbox::get().port) +
                        " dbname=app user=pgshim_trust");
  ASSERT_EQ(PQstatus(direct.get()), CONNECTION_OK);
  const std::string app = "vanish_" + std::to_string(getpid());
  {
    auto conn = connect(shim.conninfo("user=pgshim_trust application_name=" + app));
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
    EXPECT_EQ(query_value(conn.get(), "begin"), "");
    EXPECT_EQ(query_value(conn.get(), "select id from environments where id = 'env_1' for update"), "env_1");
    // Drop the socket without a Terminate message.
    ::shutdown(PQsocket(conn.get()), SHUT_RDWR);
  }
  const std::string count_sql = "select count(*) from pg_stat_activity where application_name = '" + app + "'";
  std::string count = "1";
  for (int i = 0; i < 100 && count != "0"; ++i) {
    std::this_thread::sleep_for(50ms);
    count = query_value(direct.get(), count_sql);
  }
  EXPECT_EQ(count, "0");
}

TEST(Relay, LargeRowsAreStreamedIntact) {
  // Proves: a 48 MB value crosses pgshim intact (same md5 as computed by the
  // server) without pgshim holding the whole row: its RSS grows far less.
  Pgshim shim({});
  auto conn = connect(shim.conninfo("user=pgshim_trust"));
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  const long before = rss_kib(shim.pid());
  Result r(PQexec(conn.get(), "select repeat('pgshim--', 6 * 1024 * 1024), md5(repeat('pgshim--', 6 * 1024 * 1024))"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  const std::string value(PQgetvalue(r.get(), 0, 0), PQgetlength(r.get(), 0, 0));
  EXPECT_EQ(value.size(), 48u * 1024 * 1024);
  const std::string again = query_value(conn.get(), "select md5(repeat('pgshim--', 6 * 1024 * 1024))");
  EXPECT_EQ(again, PQgetvalue(r.get(), 0, 1));
  EXPECT_LT(rss_kib(shim.pid()) - before, 16 * 1024) << "pgshim buffered the large row";
}

TEST(Relay, ClientThatDoesNotReadHoldsPgshimMemoryBounded) {
  // Proves backpressure: while a client leaves ~200 MB of results unread,
  // pgshim stops reading from the server and its memory stays bounded.
  Pgshim shim({});
  auto c = raw_session(shim);
  const long before = rss_kib(shim.pid());
  c->send(wire::build_query("select repeat('x', 1000000) from generate_series(1, 200)"));
  std::this_thread::sleep_for(1500ms);
  const long grown = rss_kib(shim.pid()) - before;
  EXPECT_LT(grown, 32 * 1024) << "pgshim RSS grew by " << grown << " KiB";
  // The session is still healthy: drain it and close.
  c->close();
}

}  // namespace
}  // namespace pgshim::test
