// pgshim's process lifecycle: SIGTERM drains, a second deadline closes, SIGHUP
// reloads the configuration file without dropping sessions.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "support/harness.hpp"

namespace pgshim::test {
namespace {

using namespace std::chrono_literals;

bool wait_for_log(const Pgshim& shim, const std::string& needle, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (shim.log().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

TEST(Lifecycle, SigtermStopsAcceptingAndLetsSessionsFinish) {
  // Proves: after SIGTERM new connections are refused, an open transaction
  // still completes, and pgshim exits 0 once the last session ends.
  Pgshim shim({"--drain-timeout", "30s"});
  auto conn = connect(shim.conninfo("user=pgshim_trust"));
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  EXPECT_EQ(query_value(conn.get(), "begin"), "");
  shim.signal(SIGTERM);
  ASSERT_TRUE(wait_for_log(shim, "no new connections"));
  auto refused = connect(shim.conninfo("user=pgshim_trust"));
  EXPECT_EQ(PQstatus(refused.get()), CONNECTION_BAD);
  EXPECT_EQ(query_value(conn.get(), "select count(*) from environments"), "3");
  EXPECT_EQ(query_value(conn.get(), "commit"), "");
  EXPECT_FALSE(shim.wait_exit(300ms)) << "exited while a session was open";
  conn.reset();
  EXPECT_EQ(shim.wait_exit(5s), 0);
}

TEST(Lifecycle, DrainTimeoutClosesWhatIsLeft) {
  // Proves: sessions still open when the drain timeout passes are closed and
  // pgshim exits 0 instead of waiting for ever.
  Pgshim shim({"--drain-timeout", "800ms"});
  auto conn = connect(shim.conninfo("user=pgshim_trust"));
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  const auto started = std::chrono::steady_clock::now();
  shim.signal(SIGTERM);
  EXPECT_EQ(shim.wait_exit(10s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(shim.log().find("drain timeout") != std::string::npos) << shim.log();
}

TEST(Lifecycle, SighupReloadsAndRefusesAnInvalidFile) {
  // Proves: SIGHUP with an invalid file keeps the running configuration (and
  // says why); with a valid one it applies it; open sessions survive both.
  char dir_template[] = "/tmp/pgshim-reload.XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string file = std::string(dir_template) + "/pgshim.yaml";
  const std::string upstream = Sandbox::get().upstream_url();
  std::ofstream(file) << "upstream: " << upstream << "\nlog:\n  level: info\n";
  Pgshim shim({"--config", file}, false);
  auto conn = connect(shim.conninfo("user=pgshim_trust"));
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);

  std::ofstream(file) << "upstream: " << upstream << "\nlog:\n  level: loud\n";
  shim.signal(SIGHUP);
  ASSERT_TRUE(wait_for_log(shim, "reload refused")) << shim.log();
  EXPECT_NE(shim.log().find("pgshim.yaml:3"), std::string::npos) << shim.log();
  EXPECT_EQ(query_value(conn.get(), "select 'after bad reload'"), "after bad reload");

  std::ofstream(file) << "upstream: " << upstream << "\nlog:\n  level: debug\n";
  shim.signal(SIGHUP);
  ASSERT_TRUE(wait_for_log(shim, "configuration reloaded")) << shim.log();
  EXPECT_EQ(query_value(conn.get(), "select 'after good reload'"), "after good reload");
  auto fresh = connect(shim.conninfo("user=pgshim_trust"));
  EXPECT_EQ(PQstatus(fresh.get()), CONNECTION_OK);
  std::remove(file.c_str());
  rmdir(dir_template);
}

}  // namespace
}  // namespace pgshim::test
