// Integration tests of the Alerter against real receivers: Debian's
// prometheus-alertmanager (fire, then resolve) and a recording webhook
// (fire, re-send each interval, resolve once; bounded retries on failure).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "integration/alert/obs_support.hpp"
#include "pgshim/alert/alerter.hpp"
#include "pgshim/metrics/pgshim_metrics.hpp"

namespace pgshim::alert {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using obs_test::wait_until;

constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";

std::shared_ptr<const schema::Snapshot> snapshot_with(schema::ColumnState state, std::uint64_t version) {
  auto snap = std::make_shared<schema::Snapshot>();
  snap->version = version;
  schema::ColumnStatus s;
  s.column.table = "environments";
  s.column.column = "last_error";
  s.column.type = "text";
  s.column.migration = "20240115103000_add_last_error";
  s.state = state;
  s.since = std::chrono::system_clock::now();
  snap->columns.push_back(s);
  return snap;
}

// Runs an io_context on a thread, and the Alerter on it; records callbacks.
class AlerterRig {
 public:
  AlerterRig(AlertConfig config, std::function<ColumnCounts(const sql::PendingColumn&)> counts = {})
      : metrics_(registry_) {
    AlerterCallbacks cbs;
    cbs.counts = std::move(counts);
    cbs.on_notification = [this](const Notification& n) {
      const std::lock_guard lock(mutex_);
      notifications_.push_back(n);
    };
    cbs.on_delivery = [this](const DeliveryOutcome& d) {
      const std::lock_guard lock(mutex_);
      deliveries_.push_back(d);
    };
    alerter_ = std::make_unique<Alerter>(ioc_, std::move(config), std::move(cbs), &metrics_);
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(ioc_);
      ioc_.run();
    });
  }
  ~AlerterRig() {
    // stop() on the io_context's thread, then end the loop.
    std::promise<void> done;
    boost::asio::post(ioc_, [&] {
      alerter_->stop();
      done.set_value();
    });
    done.get_future().wait_for(5s);
    ioc_.stop();
    thread_.join();
    alerter_.reset();
  }
  Alerter& alerter() { return *alerter_; }
  std::vector<Notification> notifications() {
    const std::lock_guard lock(mutex_);
    return notifications_;
  }
  std::vector<DeliveryOutcome> deliveries() {
    const std::lock_guard lock(mutex_);
    return deliveries_;
  }
  std::string metrics_text() { return registry_.render(); }

 private:
  boost::asio::io_context ioc_;
  metrics::Registry registry_;
  metrics::PgshimMetrics metrics_;
  std::unique_ptr<Alerter> alerter_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Notification> notifications_;
  std::vector<DeliveryOutcome> deliveries_;
};

// Our alert among Alertmanager's current alerts, or null.
std::optional<json::object> find_alert(int port) {
  const auto res = obs_test::http_get(port, "/api/v2/alerts");
  if (res.status != 200) return std::nullopt;
  boost::system::error_code ec;
  const auto doc = json::parse(res.body, ec);
  if (ec || !doc.is_array()) return std::nullopt;
  for (const auto& a : doc.as_array()) {
    const auto& labels = a.at("labels").as_object();
    if (labels.contains("alertname") && labels.at("alertname") == "PgshimPendingColumnMissing") {
      return a.as_object();
    }
  }
  return std::nullopt;
}

// A Missing column fires an alert Alertmanager shows with our labels; Present resolves it.
TEST(AlerterIntegrationTest, AlertmanagerFiresAndResolves) {
  if (access(kAlertmanager, X_OK) != 0) GTEST_SKIP() << kAlertmanager << " not installed (Debian prometheus-alertmanager)";
  obs_test::TempDir dir;
  dir.write("alertmanager.yml",
            "route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n");
  const int port = obs_test::free_port();
  obs_test::Child am({kAlertmanager, "--config.file=" + dir.path() + "/alertmanager.yml",
                      "--storage.path=" + dir.path() + "/data",
                      "--web.listen-address=127.0.0.1:" + std::to_string(port), "--cluster.listen-address="},
                     dir.path() + "/alertmanager.log");
  ASSERT_TRUE(wait_until([&] { return obs_test::http_get(port, "/-/ready").status == 200; }, 20s))
      << "Alertmanager did not become ready:\n" << am.log();

  AlertConfig config;
  config.alertmanager_urls = {"http://127.0.0.1:" + std::to_string(port)};
  config.interval = 300ms;
  config.extra_labels = {{"env", "test"}};
  AlerterRig rig(config, [](const sql::PendingColumn&) { return ColumnCounts{4, 1}; });

  rig.alerter().update(snapshot_with(schema::ColumnState::Missing, 1));
  std::optional<json::object> alert;
  ASSERT_TRUE(wait_until([&] { return (alert = find_alert(port)).has_value(); }, 10s)) << am.log();
  const auto& labels = alert->at("labels").as_object();
  EXPECT_EQ(labels.at("table"), "environments");
  EXPECT_EQ(labels.at("column"), "last_error");
  EXPECT_EQ(labels.at("schema"), "public");
  EXPECT_EQ(labels.at("migration"), "20240115103000_add_last_error");
  EXPECT_EQ(labels.at("severity"), "critical");
  EXPECT_EQ(labels.at("env"), "test");
  EXPECT_EQ(alert->at("annotations").at("remedy"), "prisma migrate deploy");
  EXPECT_EQ(alert->at("status").at("state"), "active");

  // Re-sent while missing: at least two more deliveries within a few intervals.
  ASSERT_TRUE(wait_until([&] { return rig.deliveries().size() >= 3; }, 5s));
  for (const auto& d : rig.deliveries()) EXPECT_TRUE(d.ok) << d.error;

  rig.alerter().update(snapshot_with(schema::ColumnState::Present, 2));
  // Resolved: Alertmanager drops it from the active list (or shows endsAt in the past).
  ASSERT_TRUE(wait_until(
      [&] {
        const auto a = find_alert(port);
        if (!a) return true;
        return a->at("status").at("state") != "active";
      },
      10s))
      << "alert still active after Present";
  const auto notes = rig.notifications();
  ASSERT_GE(notes.size(), 2U);
  EXPECT_EQ(notes.front().kind, NotificationKind::Missing);
  EXPECT_EQ(notes.back().kind, NotificationKind::Present);
  EXPECT_NE(rig.metrics_text().find("pgshim_alert_deliveries_total{receiver=\"alertmanager\",outcome=\"ok\"}"),
            std::string::npos);
}

// The webhook sees firing, re-sends every interval with the counts since the last, then one resolved.
TEST(AlerterIntegrationTest, WebhookLifecycle) {
  obs_test::Receiver hook;
  AlertConfig config;
  config.webhook_url = "http://127.0.0.1:" + std::to_string(hook.port()) + "/hook";
  config.interval = 200ms;
  std::atomic<std::uint64_t> rewrites{0};
  AlerterRig rig(config, [&](const sql::PendingColumn&) { return ColumnCounts{rewrites.load(), 0}; });

  rig.alerter().update(snapshot_with(schema::ColumnState::Missing, 1));
  ASSERT_TRUE(wait_until([&] { return hook.requests().size() >= 1; }, 5s));
  rewrites = 5;  // activity between the first notification and the next
  ASSERT_TRUE(wait_until([&] { return hook.requests().size() >= 3; }, 5s));
  // A second Missing snapshot does not fire again out of turn.
  rig.alerter().update(snapshot_with(schema::ColumnState::Missing, 2));
  rig.alerter().update(snapshot_with(schema::ColumnState::Present, 3));
  ASSERT_TRUE(wait_until(
      [&] {
        const auto reqs = hook.requests();
        return !reqs.empty() && reqs.back().body.find("\"status\":\"resolved\"") != std::string::npos;
      },
      5s));
  std::this_thread::sleep_for(700ms);  // > 3 intervals: nothing more once resolved
  const auto reqs = hook.requests();

  std::size_t firing = 0;
  std::size_t resolved = 0;
  bool saw_counts = false;
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    EXPECT_EQ(reqs[i].method, "POST");
    EXPECT_EQ(reqs[i].target, "/hook");
    const auto doc = json::parse(reqs[i].body);
    const auto& alert = doc.at("alerts").as_array().at(0);
    EXPECT_EQ(alert.at("labels").at("alertname"), "PgshimPendingColumnMissing");
    EXPECT_EQ(alert.at("labels").at("table"), "environments");
    const std::string description(alert.at("annotations").at("description").as_string());
    if (description.find("Since the last notification: 5 statements rewritten") != std::string::npos) {
      saw_counts = true;
    }
    if (doc.at("status") == "firing") {
      ++firing;
      EXPECT_EQ(resolved, 0U) << "firing after resolved";
      if (i > 0) {
        // Re-sent at the interval, not sooner (a little scheduling slack).
        EXPECT_GE(reqs[i].at - reqs[i - 1].at, 150ms);
      }
    } else {
      EXPECT_EQ(doc.at("status"), "resolved");
      ++resolved;
    }
  }
  EXPECT_GE(firing, 3U);
  EXPECT_EQ(resolved, 1U);
  EXPECT_TRUE(saw_counts) << "no re-send reported the 5 rewrites since the previous notification";
  const auto notes = rig.notifications();
  ASSERT_GE(notes.size(), 4U);
  EXPECT_EQ(notes[0].kind, NotificationKind::Missing);
  EXPECT_EQ(notes[1].kind, NotificationKind::StillMissing);
  EXPECT_EQ(notes.back().kind, NotificationKind::Present);
}

// A retired column is missing by design: no alert until old code uses it; then
// PgshimRetiredColumnInUse fires naming the clients, re-fires while they keep
// using it, and resolves after the quiet period without use.
TEST(AlerterIntegrationTest, RetiredColumnFollowsUse) {
  obs_test::Receiver hook;
  AlertConfig config;
  config.webhook_url = "http://127.0.0.1:" + std::to_string(hook.port()) + "/hook";
  config.interval = 200ms;
  config.retired_quiet = 600ms;
  AlerterRig rig(config);
  auto retired = snapshot_with(schema::ColumnState::Missing, 1);
  auto snap = std::make_shared<schema::Snapshot>(*retired);
  snap->columns[0].column.kind = sql::ColumnKind::Retired;
  snap->columns[0].column.migration = "20250901000000_drop_legacy";
  rig.alerter().update(snap);
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(hook.requests().empty()) << "a retired column alerted without being used";

  const auto& column = snap->columns[0].column;
  rig.alerter().note_use(column, "application_name=old-api client=127.0.0.1:5555 user=app");
  ASSERT_TRUE(wait_until([&] { return hook.requests().size() >= 1; }, 5s));
  {
    const auto doc = json::parse(hook.requests().front().body);
    EXPECT_EQ(doc.at("status"), "firing");
    const auto& alert = doc.at("alerts").as_array().at(0);
    EXPECT_EQ(alert.at("labels").at("alertname"), "PgshimRetiredColumnInUse");
    const std::string summary(alert.at("annotations").at("summary").as_string());
    EXPECT_NE(summary.find("Old code still uses dropped column public.environments.last_error"), std::string::npos)
        << summary;
    EXPECT_NE(summary.find("application_name=old-api client=127.0.0.1:5555"), std::string::npos) << summary;
  }
  // Used again within the quiet period: still firing after it would have expired.
  std::this_thread::sleep_for(300ms);
  rig.alerter().note_use(column, "application_name=old-worker client=127.0.0.1:6666 user=app");
  std::this_thread::sleep_for(400ms);
  for (const auto& r : hook.requests()) EXPECT_EQ(json::parse(r.body).at("status"), "firing");
  // Then quiet: resolved once.
  ASSERT_TRUE(wait_until(
      [&] {
        const auto reqs = hook.requests();
        return !reqs.empty() && json::parse(reqs.back().body).at("status") == "resolved";
      },
      5s));
  const auto notes = rig.notifications();
  ASSERT_GE(notes.size(), 3U);
  EXPECT_EQ(notes.front().kind, NotificationKind::InUse);
  EXPECT_EQ(notes.back().kind, NotificationKind::Unused);
  EXPECT_EQ(notes.back().users.size(), 2U);
}

// A failing receiver is retried a bounded number of times, and the failure is reported and counted.
TEST(AlerterIntegrationTest, WebhookFailureRetriedThenReported) {
  obs_test::Receiver hook;
  hook.set_status(503);
  AlertConfig config;
  config.webhook_url = "http://127.0.0.1:" + std::to_string(hook.port()) + "/hook";
  config.interval = std::chrono::minutes(5);
  config.delivery.max_attempts = 3;
  config.delivery.initial_backoff = 50ms;
  AlerterRig rig(config);
  rig.alerter().update(snapshot_with(schema::ColumnState::Missing, 1));
  ASSERT_TRUE(wait_until([&] { return !rig.deliveries().empty(); }, 10s));
  const auto d = rig.deliveries().front();
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.receiver, Receiver::Webhook);
  EXPECT_EQ(d.http_status, 503U);
  EXPECT_EQ(d.attempts, 3);
  EXPECT_EQ(hook.requests().size(), 3U);
  EXPECT_NE(rig.metrics_text().find("pgshim_alert_deliveries_total{receiver=\"webhook\",outcome=\"failed\"} 1"),
            std::string::npos);
}

// A receiver that is not listening fails within the bounded retries (connection refused).
TEST(AlerterIntegrationTest, UnreachableReceiverFailsBounded) {
  AlertConfig config;
  config.alertmanager_urls = {"http://127.0.0.1:" + std::to_string(obs_test::free_port())};
  config.delivery.max_attempts = 2;
  config.delivery.initial_backoff = 20ms;
  config.delivery.request_timeout = 1s;
  AlerterRig rig(config);
  rig.alerter().update(snapshot_with(schema::ColumnState::Missing, 1));
  ASSERT_TRUE(wait_until([&] { return !rig.deliveries().empty(); }, 5s));
  const auto d = rig.deliveries().front();
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.attempts, 2);
  EXPECT_NE(d.error.find("connect"), std::string::npos) << d.error;
}

}  // namespace
}  // namespace pgshim::alert
