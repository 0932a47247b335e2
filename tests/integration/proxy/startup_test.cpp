// The start-up phase through pgshim, byte by byte: SSLRequest, GSSENCRequest,
// protocol versions, oversized packets, the start-up deadline and CancelRequest.
#include <gtest/gtest.h>

#include <thread>

#include "pgshim/wire/startup.hpp"
#include "support/harness.hpp"

namespace pgshim::test {
namespace {

using namespace std::chrono_literals;

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

TEST(Startup, SslRequestWithoutCertificateIsAnsweredN) {
  // Proves: with no certificate configured pgshim declines TLS with 'N' and the
  // client can go on in plain text on the same connection.
  Pgshim shim({});
  RawConnection c("127.0.0.1", shim.port());
  c.send(wire::build_ssl_request());
  EXPECT_EQ(c.receive(1), "N");
  c.send(startup_message({{"user", "pgshim_trust"}, {"database", "app"}}));
  const std::string reply = c.receive(9);
  ASSERT_GE(reply.size(), 9u);
  EXPECT_EQ(reply[0], 'R');  // AuthenticationOk for the trust user
  EXPECT_EQ(reply.substr(5, 4), be32(0));
}

TEST(Startup, BytesAfterSslRequestAreAProtocolViolation) {
  // Proves: bytes pipelined after SSLRequest (before pgshim's answer) are never
  // processed (CVE-2021-23214): no 'S', an 08P01 error, and the connection closes.
  Pgshim shim({"--tls-cert", Sandbox::get().proxy_cert, "--tls-key", Sandbox::get().proxy_key});
  RawConnection c("127.0.0.1", shim.port());
  c.send(wire::build_ssl_request() + startup_message({{"user", "pgshim_trust"}, {"database", "app"}}));
  bool closed = false;
  const std::string reply = c.receive_until_close(5s, &closed);
  EXPECT_TRUE(closed);
  ASSERT_FALSE(reply.empty());
  EXPECT_NE(reply[0], 'S');
  EXPECT_EQ(first_error_sqlstate(reply), "08P01");
  EXPECT_EQ(first_error_message(reply), "received unencrypted data after SSL request");
}

TEST(Startup, GssEncRequestIsAnsweredNAndStartupContinues) {
  // Proves: GSSENCRequest gets 'N' and the same connection then authenticates.
  Pgshim shim({});
  RawConnection c("127.0.0.1", shim.port());
  c.send(std::string("\0\0\0\x08\x04\xd2\x16\x30", 8));  // 80877104
  EXPECT_EQ(c.receive(1), "N");
  c.send(startup_message({{"user", "pgshim_trust"}, {"database", "app"}}));
  const std::string reply = c.receive(9);
  ASSERT_GE(reply.size(), 9u);
  EXPECT_EQ(reply[0], 'R');
}

TEST(Startup, ProtocolTwoIsRefusedWith0A000) {
  // Proves: a StartupMessage for protocol 2.0 gets ErrorResponse 0A000 and a close.
  Pgshim shim({});
  RawConnection c("127.0.0.1", shim.port());
  std::string packet = be32(8 + 5) + be32(2u << 16) + std::string("x\0\0\0\0", 5);
  packet.replace(0, 4, be32(static_cast<std::uint32_t>(packet.size())));
  c.send(packet);
  bool closed = false;
  const std::string reply = c.receive_until_close(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(first_error_sqlstate(reply), "0A000");
}

TEST(Startup, OversizedStartupPacketIsRefusedBeforeItArrives) {
  // Proves: a declared start-up length above 10000 bytes is refused (08P01) from
  // the length word alone; pgshim does not wait for or buffer the rest.
  Pgshim shim({});
  RawConnection c("127.0.0.1", shim.port());
  c.send(be32(10001) + be32(196608));
  bool closed = false;
  const std::string reply = c.receive_until_close(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(first_error_sqlstate(reply), "08P01");
}

TEST(Startup, SilentClientIsClosedAtTheStartupDeadline) {
  // Proves: a client that connects and sends nothing gets 08P01 and a close once
  // the configured start-up timeout passes, and other clients are served meanwhile.
  Pgshim shim({"--startup-timeout", "700ms"});
  RawConnection silent("127.0.0.1", shim.port());
  auto other = connect(shim.conninfo("user=pgshim_trust"));
  ASSERT_EQ(PQstatus(other.get()), CONNECTION_OK) << PQerrorMessage(other.get());
  EXPECT_EQ(query_value(other.get(), "select 41 + 1"), "42");
  bool closed = false;
  const std::string reply = silent.receive_until_close(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(first_error_sqlstate(reply), "08P01");
}

TEST(Startup, CancelRequestWithUnknownKeyIsDroppedSilently) {
  // Proves: a CancelRequest for a key no session holds gets no answer (as
  // PostgreSQL) and cancels nothing: a running query on another session finishes.
  Pgshim shim({});
  auto busy = connect(shim.conninfo("user=pgshim_trust"));
  ASSERT_EQ(PQstatus(busy.get()), CONNECTION_OK);
  ASSERT_EQ(PQsendQuery(busy.get(), "select pg_sleep(0.5), 7"), 1);
  RawConnection c("127.0.0.1", shim.port());
  c.send(wire::build_cancel_request(12345, 67890));
  bool closed = false;
  EXPECT_EQ(c.receive_until_close(5s, &closed), "");
  EXPECT_TRUE(closed);
  Result r(PQgetResult(busy.get()));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  while (Result(PQgetResult(busy.get()))) {
  }
}

TEST(Startup, CancelRequestReachesTheSessionsServer) {
  // Proves: libpq's PQcancel through pgshim (BackendKeyData relayed unchanged,
  // CancelRequest forwarded to the owning upstream) cancels the running query.
  Pgshim shim({});
  auto conn = connect(shim.conninfo("user=pgshim_trust"));
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  ASSERT_EQ(PQsendQuery(conn.get(), "select pg_sleep(20)"), 1);
  std::this_thread::sleep_for(200ms);
  PGcancel* cancel = PQgetCancel(conn.get());
  char err[256];
  ASSERT_EQ(PQcancel(cancel, err, sizeof err), 1) << err;
  PQfreeCancel(cancel);
  const auto started = std::chrono::steady_clock::now();
  Result r(PQgetResult(conn.get()));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_STREQ(PQresultErrorField(r.get(), PG_DIAG_SQLSTATE), "57014");
  while (Result(PQgetResult(conn.get()))) {
  }
  EXPECT_EQ(query_value(conn.get(), "select 'still usable'"), "still usable");
}

}  // namespace
}  // namespace pgshim::test
