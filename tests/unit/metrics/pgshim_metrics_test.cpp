// Unit tests of pgshim's metric set: every family populated renders text that
// `promtool check metrics` accepts (format and naming lint), pending-column
// state follows the snapshot, and connection values come from the collectors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "pgshim/metrics/pgshim_metrics.hpp"

namespace pgshim::metrics {
namespace {

std::shared_ptr<schema::Snapshot> three_columns() {
  auto snap = std::make_shared<schema::Snapshot>();
  snap->version = 7;
  snap->last_poll_ok = true;
  const auto since = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  auto add = [&](std::string table, std::string column, std::string migration, schema::ColumnState state) {
    schema::ColumnStatus s;
    s.column.table = std::move(table);
    s.column.column = std::move(column);
    s.column.type = "text";
    s.column.migration = std::move(migration);
    s.state = state;
    s.since = since;
    snap->columns.push_back(std::move(s));
  };
  add("environments", "last_error", "20240115103000_add_last_error", schema::ColumnState::Missing);
  add("projects", "archived_at", "", schema::ColumnState::Present);
  add("we\"ird", "col\\umn", "m1", schema::ColumnState::Unknown);
  return snap;
}

// A registry with every pgshim family populated.
std::string populated(Registry& r, std::unique_ptr<PgshimMetrics>& m) {
  ConnectionSources sources;
  sources.clients_current = [] { return 3.0; };
  sources.clients_total = [] { return 10.0; };
  sources.clients_refused = [] { return 1.0; };
  sources.upstream_connect_failures = [] { return 2.0; };
  sources.bytes_client_to_server = [] { return 1000.0; };
  sources.bytes_server_to_client = [] { return 5000.0; };
  m = std::make_unique<PgshimMetrics>(r, sources);
  m->set_snapshot(three_columns());
  m->rewrites.with({"environments", "last_error", "select"}).inc(5);
  m->rewrites.with({"environments", "last_error", "insert"}).inc(2);
  m->intercepted_errors.with({"environments", "last_error", "replayed"}).inc();
  m->replays.with({"succeeded"}).inc();
  m->dropped_writes.with({"environments", "last_error"}).inc(2);
  m->passthrough.with({"no_pending_reference"}).inc(100);
  m->rewrite_cache_hits.get().inc(6);
  m->rewrite_cache_misses.get().inc(1);
  m->rewrite_duration.get().observe(0.0003);
  m->schema_poll_failures.get().inc();
  m->alert_deliveries.with({"alertmanager", "ok"}).inc();
  m->alert_deliveries.with({"webhook", "failed"}).inc();
  return r.render();
}

// promtool (Debian `prometheus`) accepts the whole rendered set, lint included.
TEST(PgshimMetricsTest, PromtoolCheckMetricsAcceptsEveryFamily) {
  if (access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  Registry r;
  std::unique_ptr<PgshimMetrics> m;
  const std::string text = populated(r, m);
  const auto path = std::filesystem::temp_directory_path() / ("pgshim-metrics-" + std::to_string(getpid()) + ".txt");
  {
    std::ofstream out(path);
    out << text;
  }
  const std::string cmd = "/usr/bin/promtool check metrics < " + path.string() + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[512];
  while (fgets(buf, sizeof buf, p) != nullptr) output += buf;
  const int status = pclose(p);
  std::filesystem::remove(path);
  EXPECT_EQ(status, 0) << output << "\n--- rendered:\n" << text;
}

// The state gauges follow the snapshot: one `missing` series per column, a 0/1 per state.
TEST(PgshimMetricsTest, PendingColumnStateFromSnapshot) {
  Registry r;
  std::unique_ptr<PgshimMetrics> m;
  const std::string text = populated(r, m);
  EXPECT_NE(text.find("pgshim_pending_column_missing{schema=\"public\",table=\"environments\",column=\"last_error\","
                      "migration=\"20240115103000_add_last_error\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("pgshim_pending_column_missing{schema=\"public\",table=\"projects\",column=\"archived_at\","
                      "migration=\"\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("pgshim_pending_column_state{schema=\"public\",table=\"we\\\"ird\",column=\"col\\\\umn\","
                      "migration=\"m1\",state=\"unknown\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("pgshim_pending_column_state{schema=\"public\",table=\"environments\",column=\"last_error\","
                      "migration=\"20240115103000_add_last_error\",state=\"present\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("pgshim_pending_column_state_since_seconds{schema=\"public\",table=\"environments\","
                      "column=\"last_error\",migration=\"20240115103000_add_last_error\"} 1700000000\n"),
            std::string::npos);
  EXPECT_NE(text.find("pgshim_schema_watcher_up 1\n"), std::string::npos);
  EXPECT_NE(text.find("pgshim_schema_snapshot_version 7\n"), std::string::npos);
  // A new snapshot without a column drops its series.
  auto next = std::make_shared<schema::Snapshot>();
  next->version = 8;
  m->set_snapshot(next);
  const std::string after = r.render();
  EXPECT_EQ(after.find("pgshim_pending_column_missing{"), std::string::npos);
  EXPECT_NE(after.find("pgshim_schema_watcher_up 0\n"), std::string::npos);
}

// Connection and byte metrics are read from the app's sources at render time.
TEST(PgshimMetricsTest, ConnectionSourcesAndNames) {
  Registry r;
  std::unique_ptr<PgshimMetrics> m;
  const std::string text = populated(r, m);
  for (const char* line : {
           "pgshim_client_connections 3\n",
           "pgshim_client_connections_total 10\n",
           "pgshim_client_connections_refused_total 1\n",
           "pgshim_upstream_connect_failures_total 2\n",
           "pgshim_relayed_bytes_total{direction=\"client_to_server\"} 1000\n",
           "pgshim_relayed_bytes_total{direction=\"server_to_client\"} 5000\n",
           "pgshim_rewrites_total{table=\"environments\",column=\"last_error\",kind=\"select\"} 5\n",
           "pgshim_intercepted_errors_total{table=\"environments\",column=\"last_error\",action=\"replayed\"} 1\n",
           "pgshim_replays_total{outcome=\"succeeded\"} 1\n",
           "pgshim_dropped_writes_total{table=\"environments\",column=\"last_error\"} 2\n",
           "pgshim_statements_passthrough_total{reason=\"no_pending_reference\"} 100\n",
           "pgshim_rewrite_cache_hits_total 6\n",
           "pgshim_rewrite_cache_misses_total 1\n",
           "pgshim_rewrite_duration_seconds_bucket{le=\"0.0005\"} 1\n",
           "pgshim_rewrite_duration_seconds_count 1\n",
           "pgshim_schema_watcher_poll_failures_total 1\n",
           "pgshim_alert_deliveries_total{receiver=\"alertmanager\",outcome=\"ok\"} 1\n",
           "pgshim_alert_deliveries_total{receiver=\"webhook\",outcome=\"failed\"} 1\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing line: " << line;
  }
  // Without sources the values render 0 rather than failing.
  Registry r2;
  PgshimMetrics bare(r2);
  EXPECT_NE(r2.render().find("pgshim_client_connections 0\n"), std::string::npos);
}

}  // namespace
}  // namespace pgshim::metrics
