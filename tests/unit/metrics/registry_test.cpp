// Unit tests of the Prometheus registry: exact exposition text, escaping,
// histogram buckets, collectors, registration checks and the child bound.
#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "pgshim/metrics/registry.hpp"

namespace pgshim::metrics {
namespace {

// A counter family, a gauge and an unlabelled counter render as exact 0.0.4 text.
TEST(RegistryTest, RendersCountersAndGaugesGolden) {
  Registry r;
  auto& rewrites = r.counter("pgshim_rewrites_total", "Statements rewritten.", {"table", "column", "kind"});
  auto& up = r.gauge("pgshim_up", "Whether it is up.");
  auto& plain = r.counter("pgshim_plain_total", "No labels.");
  rewrites.with({"environments", "last_error", "select"}).inc(3);
  rewrites.with({"environments", "last_error", "insert"}).inc();
  up.get().set(1);
  plain.get().inc(42);
  EXPECT_EQ(r.render(),
            "# HELP pgshim_rewrites_total Statements rewritten.\n"
            "# TYPE pgshim_rewrites_total counter\n"
            "pgshim_rewrites_total{table=\"environments\",column=\"last_error\",kind=\"insert\"} 1\n"
            "pgshim_rewrites_total{table=\"environments\",column=\"last_error\",kind=\"select\"} 3\n"
            "# HELP pgshim_up Whether it is up.\n"
            "# TYPE pgshim_up gauge\n"
            "pgshim_up 1\n"
            "# HELP pgshim_plain_total No labels.\n"
            "# TYPE pgshim_plain_total counter\n"
            "pgshim_plain_total 42\n");
}

// An unlabelled family renders 0 before any update; a labelled one only its header.
TEST(RegistryTest, UntouchedFamilies) {
  Registry r;
  (void)r.counter("a_total", "A.");
  (void)r.counter("b_total", "B.", {"x"});
  EXPECT_EQ(r.render(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n"
            "# HELP b_total B.\n# TYPE b_total counter\n");
}

// Label values escape backslash, quote and newline; HELP escapes backslash and newline only.
TEST(RegistryTest, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escape_label_value("plain ümlaut"), "plain ümlaut");
  EXPECT_EQ(escape_help("x\\y\n\"z\""), "x\\\\y\\n\"z\"");
  Registry r;
  auto& f = r.gauge("g", "Help with \\ and\nnewline.", {"table"});
  f.with({"we\"ird\\ta\nble"}).set(-2.5);
  EXPECT_EQ(r.render(),
            "# HELP g Help with \\\\ and\\nnewline.\n"
            "# TYPE g gauge\n"
            "g{table=\"we\\\"ird\\\\ta\\nble\"} -2.5\n");
}

// Values print shortest round-trip, with Prometheus spellings of the specials.
TEST(RegistryTest, FormatsValues) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(1e-05), "1e-05");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1234567), "1234567");
  EXPECT_EQ(format_value(1700000000), "1700000000");
  EXPECT_EQ(format_value(0.0005), "0.0005");
  EXPECT_EQ(format_value(-0.5), "-0.5");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

// Buckets are cumulative, `le` is inclusive, +Inf equals _count, _sum adds up.
TEST(RegistryTest, HistogramBucketsGolden) {
  Registry r;
  auto& h = r.histogram("pgshim_rewrite_duration_seconds", "Rewrite time.", {0.25, 0.5, 1});
  auto& child = h.get();
  child.observe(0.125);  // <= 0.25 (binary fractions: the sum is exact)
  child.observe(0.25);   // le is inclusive: still the first bucket
  child.observe(0.75);   // <= 1
  child.observe(4);      // +Inf only
  EXPECT_EQ(r.render(),
            "# HELP pgshim_rewrite_duration_seconds Rewrite time.\n"
            "# TYPE pgshim_rewrite_duration_seconds histogram\n"
            "pgshim_rewrite_duration_seconds_bucket{le=\"0.25\"} 2\n"
            "pgshim_rewrite_duration_seconds_bucket{le=\"0.5\"} 2\n"
            "pgshim_rewrite_duration_seconds_bucket{le=\"1\"} 3\n"
            "pgshim_rewrite_duration_seconds_bucket{le=\"+Inf\"} 4\n"
            "pgshim_rewrite_duration_seconds_sum 5.125\n"
            "pgshim_rewrite_duration_seconds_count 4\n");
}

// A labelled histogram puts `le` after the family's labels.
TEST(RegistryTest, LabelledHistogram) {
  Registry r;
  auto& h = r.histogram("h_seconds", "H.", {1}, {"kind"});
  h.with({"q"}).observe(0.5);
  EXPECT_EQ(r.render(),
            "# HELP h_seconds H.\n# TYPE h_seconds histogram\n"
            "h_seconds_bucket{kind=\"q\",le=\"1\"} 1\n"
            "h_seconds_bucket{kind=\"q\",le=\"+Inf\"} 1\n"
            "h_seconds_sum{kind=\"q\"} 0.5\n"
            "h_seconds_count{kind=\"q\"} 1\n");
}

// Collectors run at render time and their samples are sorted by labels.
TEST(RegistryTest, CollectorsEvaluatedAtRender) {
  Registry r;
  std::atomic<int> current{2};
  r.collector(MetricType::Gauge, "pgshim_client_connections", "Open.", [&] { return double(current.load()); });
  r.collector(MetricType::Counter, "pgshim_relayed_bytes_total", "Bytes.", {"direction"}, [] {
    return std::vector<Sample>{{{"server_to_client"}, 20}, {{"client_to_server"}, 10}};
  });
  current = 7;
  EXPECT_EQ(r.render(),
            "# HELP pgshim_client_connections Open.\n# TYPE pgshim_client_connections gauge\n"
            "pgshim_client_connections 7\n"
            "# HELP pgshim_relayed_bytes_total Bytes.\n# TYPE pgshim_relayed_bytes_total counter\n"
            "pgshim_relayed_bytes_total{direction=\"client_to_server\"} 10\n"
            "pgshim_relayed_bytes_total{direction=\"server_to_client\"} 20\n");
}

// Bad names, duplicate metrics, reserved labels and bad buckets are refused at registration.
TEST(RegistryTest, RejectsInvalidRegistrations) {
  Registry r;
  (void)r.counter("ok_total", "Ok.");
  EXPECT_THROW((void)r.counter("ok_total", "Again."), std::invalid_argument);
  EXPECT_THROW((void)r.counter("1bad", "Bad."), std::invalid_argument);
  EXPECT_THROW((void)r.counter("bad-name", "Bad."), std::invalid_argument);
  EXPECT_THROW((void)r.gauge("g", "G.", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW((void)r.gauge("g2", "G.", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW((void)r.histogram("h", "H.", {1, 1}), std::invalid_argument);
  EXPECT_THROW((void)r.histogram("h2", "H.", {1}, {"le"}), std::invalid_argument);
  EXPECT_TRUE(valid_metric_name("a:b_c1"));
  EXPECT_FALSE(valid_label_name("a:b"));
}

// Children are created once and keep their address; updates from threads all count.
TEST(RegistryTest, ChildrenStableAndConcurrentIncrements) {
  Registry r;
  auto& f = r.counter("c_total", "C.", {"k"});
  Counter& a = f.with({"x"});
  EXPECT_EQ(&a, &f.with({"x"}));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) f.with({"x"}).inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(a.value(), 40000U);
}

// Past kMaxChildren a family hands out an unrendered sink instead of growing.
TEST(RegistryTest, ChildCountIsBounded) {
  Registry r;
  auto& f = r.counter("c_total", "C.", {"k"});
  for (std::size_t i = 0; i < CounterFamily::kMaxChildren; ++i) f.with({std::to_string(i)}).inc();
  Counter& extra = f.with({"one-too-many"});
  extra.inc();
  const auto text = r.render();
  EXPECT_EQ(text.find("one-too-many"), std::string::npos);
  EXPECT_NE(text.find("c_total{k=\"4095\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace pgshim::metrics
