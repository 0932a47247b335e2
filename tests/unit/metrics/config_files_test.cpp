// The example monitoring config in config/ is valid and uses only metrics pgshim
// exports: promtool accepts the alerting rules, the Grafana dashboard parses as
// JSON, and every pgshim_* name either one mentions is rendered by PgshimMetrics.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <boost/json.hpp>
#include <boost/json/src.hpp>  // header-only Boost.JSON, compiled in this test only

#include "pgshim/metrics/pgshim_metrics.hpp"

namespace pgshim::metrics {
namespace {

std::string source_dir() {
  const char* dir = std::getenv("PGSHIM_SOURCE_DIR");
  return dir != nullptr ? dir : PGSHIM_TEST_SOURCE_DIR;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Metric names (pgshim_...) mentioned in `text`, histogram suffixes stripped.
std::set<std::string> mentioned(const std::string& text) {
  std::set<std::string> out;
  const std::regex name(R"(pgshim_[a-z_]+)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator(); ++it) {
    std::string n = it->str();
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (n.ends_with(suffix) && n.starts_with("pgshim_rewrite_duration_seconds")) n = "pgshim_rewrite_duration_seconds";
    }
    out.insert(n);
  }
  return out;
}

std::set<std::string> exported() {
  Registry r;
  PgshimMetrics m(r);
  std::set<std::string> out;
  std::istringstream in(r.render());
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("# TYPE ")) out.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  return out;
}

// promtool check rules accepts config/prometheus-alerts.yaml.
TEST(ConfigFilesTest, PromtoolCheckRules) {
  if (access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  const std::string cmd = "/usr/bin/promtool check rules " + source_dir() + "/config/prometheus-alerts.yaml 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[512];
  while (fgets(buf, sizeof buf, p) != nullptr) output += buf;
  EXPECT_EQ(pclose(p), 0) << output;
  EXPECT_NE(output.find("SUCCESS"), std::string::npos) << output;
}

// The rules only reference exported metrics.
TEST(ConfigFilesTest, RulesUseExportedMetrics) {
  // Comment lines name files, not metrics.
  std::istringstream in(read(source_dir() + "/config/prometheus-alerts.yaml"));
  std::string rules;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(' ') != std::string::npos && line[line.find_first_not_of(' ')] == '#') continue;
    rules += line + "\n";
  }
  const auto names = mentioned(rules);
  const auto known = exported();
  ASSERT_GE(names.size(), 4U);
  for (const auto& n : names) EXPECT_TRUE(known.contains(n)) << n;
}

// The dashboard is JSON with panels whose queries reference only exported metrics.
TEST(ConfigFilesTest, GrafanaDashboardParsesAndUsesExportedMetrics) {
  const std::string text = read(source_dir() + "/config/grafana-dashboard.json");
  boost::system::error_code ec;
  const auto doc = boost::json::parse(text, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(doc.is_object());
  const auto& panels = doc.at("panels").as_array();
  ASSERT_GE(panels.size(), 10U);
  const auto known = exported();
  std::set<std::string> used;
  for (const auto& panel : panels) {
    for (const auto& target : panel.at("targets").as_array()) {
      const std::string expr(target.at("expr").as_string());
      for (const auto& n : mentioned(expr)) {
        EXPECT_TRUE(known.contains(n)) << n << " in " << expr;
        used.insert(n);
      }
    }
  }
  // The headline metrics are all on the dashboard.
  for (const char* n : {"pgshim_pending_column_missing", "pgshim_rewrites_total", "pgshim_dropped_writes_total",
                        "pgshim_client_connections", "pgshim_rewrite_duration_seconds"}) {
    EXPECT_TRUE(used.contains(n)) << n;
  }
}

}  // namespace
}  // namespace pgshim::metrics
