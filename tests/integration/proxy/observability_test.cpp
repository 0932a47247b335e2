// The incident as the on-call engineer sees it, end to end with the real
// pgshim binary: /metrics (valid for promtool), /status, the log, and a real
// Alertmanager fire while the column is missing, and all of them turn when the
// migration lands.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <regex>
#include <thread>

#include "integration/alert/obs_support.hpp"
#include "support/harness.hpp"

namespace pgshim::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using obs_test::wait_until;

constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";
constexpr const char* kPromtool = "/usr/bin/promtool";

int metrics_port(const Pgshim& shim) {
  std::smatch m;
  const std::string log = shim.log();
  static const std::regex kLine(R"(metrics and status on http://127\.0\.0\.1:(\d+)/metrics)");
  return std::regex_search(log, m, kLine) ? std::stoi(m[1]) : 0;
}

std::optional<json::object> pgshim_alert(int port) {
  const auto res = obs_test::http_get(port, "/api/v2/alerts");
  if (res.status != 200) return std::nullopt;
  boost::system::error_code ec;
  const auto doc = json::parse(res.body, ec);
  if (ec || !doc.is_array()) return std::nullopt;
  for (const auto& a : doc.as_array()) {
    const auto& labels = a.at("labels").as_object();
    if (labels.contains("alertname") && labels.at("alertname") == "PgshimPendingColumnMissing") return a.as_object();
  }
  return std::nullopt;
}

json::object column_status(int port) {
  const auto res = obs_test::http_get(port, "/status");
  EXPECT_EQ(res.status, 200);
  const auto doc = json::parse(res.body);
  return doc.at("pending_columns").as_array().at(0).as_object();
}

bool promtool_accepts(const std::string& text) {
  char path[] = "/tmp/pgshim-metrics.XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return false;
  (void)!write(fd, text.data(), text.size());
  close(fd);
  const int status = std::system((std::string(kPromtool) + " check metrics < " + path + " >/dev/null 2>&1").c_str());
  std::remove(path);
  return status == 0;
}

TEST(Observability, MetricsStatusLogAndAlertmanagerFollowTheColumn) {
  // Proves: while the column is missing every channel says so, with counts;
  // after ALTER TABLE they all say it is present and the alert is resolved.
  if (access(kAlertmanager, X_OK) != 0) GTEST_SKIP() << "prometheus-alertmanager is not installed";
  obs_test::TempDir dir;
  dir.write("alertmanager.yml", "route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n");
  const int am_port = obs_test::free_port();
  obs_test::Child am({kAlertmanager, "--config.file=" + dir.path() + "/alertmanager.yml",
                      "--storage.path=" + dir.path() + "/data",
                      "--web.listen-address=127.0.0.1:" + std::to_string(am_port), "--cluster.listen-address="},
                     dir.path() + "/alertmanager.log");
  ASSERT_TRUE(wait_until([&] { return obs_test::http_get(am_port, "/-/ready").status == 200; }, 20s)) << am.log();

  IncidentDatabase db("observability");
  Pgshim shim({"--upstream", db.url_with_credentials(), "--pending",
               "environments.last_error:text:20250804020810_add_last_error_to_environments",
               "--schema-poll-interval", "200ms", "--metrics-listen", "127.0.0.1:0", "--alertmanager",
               "http://127.0.0.1:" + std::to_string(am_port), "--alert-interval", "500ms"},
              false);
  const int port = metrics_port(shim);
  ASSERT_NE(port, 0) << shim.log();

  // Missing: the log, /status, /metrics and Alertmanager all say so.
  EXPECT_NE(shim.log().find("pending column public.environments.last_error is MISSING"), std::string::npos);
  EXPECT_EQ(column_status(port).at("state"), "missing");
  auto conn = connect("host=127.0.0.1 port=" + std::to_string(shim.port()) + " dbname=" + db.name() +
                      " user=pgshim_scram password=scram-pass");
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  EXPECT_EQ(query_value(conn.get(), "update environments set last_error = 'boom' where id = 'env_1'"), "");
  const auto status = column_status(port);
  EXPECT_EQ(status.at("dropped_writes").as_int64(), 1);
  EXPECT_EQ(status.at("rewrites").as_int64(), 1);

  const std::string metrics = obs_test::http_get(port, "/metrics").body;
  EXPECT_NE(metrics.find("pgshim_pending_column_missing{schema=\"public\",table=\"environments\",column=\"last_error\","
                         "migration=\"20250804020810_add_last_error_to_environments\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("pgshim_dropped_writes_total{table=\"environments\",column=\"last_error\"} 1"),
            std::string::npos);
  if (access(kPromtool, X_OK) == 0) EXPECT_TRUE(promtool_accepts(metrics));

  std::optional<json::object> alert;
  ASSERT_TRUE(wait_until([&] { return (alert = pgshim_alert(am_port)).has_value(); }, 10s)) << shim.log();
  EXPECT_EQ(alert->at("labels").at("table"), "environments");
  EXPECT_EQ(alert->at("labels").at("column"), "last_error");
  EXPECT_EQ(alert->at("labels").at("migration"), "20250804020810_add_last_error_to_environments");
  EXPECT_EQ(alert->at("annotations").at("remedy"), "prisma migrate deploy");
  EXPECT_EQ(alert->at("status").at("state"), "active");
  ASSERT_TRUE(wait_until([&] { return shim.log().find("is STILL MISSING") != std::string::npos; }, 5s));

  // The migration lands.
  auto direct = db.direct();
  EXPECT_EQ(query_value(direct.get(), "alter table environments add column last_error text"), "");
  ASSERT_TRUE(wait_until([&] { return column_status(port).at("state") == "present"; }, 5s)) << shim.log();
  EXPECT_NE(shim.log().find("is present (migration 20250804020810_add_last_error_to_environments applied)"),
            std::string::npos);
  EXPECT_NE(obs_test::http_get(port, "/metrics")
                .body.find("pgshim_pending_column_missing{schema=\"public\",table=\"environments\",column=\"last_error\","
                           "migration=\"20250804020810_add_last_error_to_environments\"} 0"),
            std::string::npos);
  ASSERT_TRUE(wait_until(
      [&] {
        const auto a = pgshim_alert(am_port);
        return !a || a->at("status").at("state") != "active";
      },
      10s))
      << "alert still active after the column appeared";
  EXPECT_EQ(query_value(conn.get(), "update environments set last_error = 'kept' where id = 'env_1'"), "");
  EXPECT_EQ(query_value(direct.get(), "select last_error from environments where id = 'env_1'"), "kept");
}

}  // namespace
}  // namespace pgshim::test
