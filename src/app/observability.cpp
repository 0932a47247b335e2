#include "observability.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <algorithm>
#include <future>

#include "auto_backfill.hpp"
#include "mitigation.hpp"
#include "pgshim/admin/admin_server.hpp"
#include "pgshim/alert/alerter.hpp"
#include "pgshim/alert/json_writer.hpp"

namespace pgshim::app {
namespace {

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

Observability::Observability(const config::Config& config, const proxy::Stats& stats)
    : config_(config), stats_(stats) {
  metrics::ConnectionSources sources;
  sources.clients_current = [this] { return static_cast<double>(stats_.clients_current.load()); };
  sources.clients_total = [this] { return static_cast<double>(stats_.clients_total.load()); };
  sources.clients_refused = [this] { return static_cast<double>(stats_.clients_refused.load()); };
  sources.upstream_connect_failures = [this] { return static_cast<double>(stats_.upstream_connect_failures.load()); };
  sources.bytes_client_to_server = [this] { return static_cast<double>(stats_.bytes_client_to_server.load()); };
  sources.bytes_server_to_client = [this] { return static_cast<double>(stats_.bytes_server_to_client.load()); };
  metrics_ = std::make_unique<metrics::PgshimMetrics>(registry_, std::move(sources));
  registry_.collector(metrics::MetricType::Counter, "pgshim_login_failures_total",
                      "Logins refused by pgshim in auth mode proxy, by reason.", {"reason"}, [this] {
                        std::vector<metrics::Sample> samples;
                        for (std::size_t i = 0; i < proxy::kLoginFailureKinds; ++i) {
                          samples.push_back({{proxy::to_string(static_cast<proxy::LoginFailure>(i))},
                                             static_cast<double>(stats_.login_failures[i].load())});
                        }
                        return samples;
                      });
}

Observability::~Observability() { stop(); }

void Observability::start(Mitigation* mitigation) {
  mitigation_ = mitigation;
  if (config_.metrics_listen) {
    admin::Handlers handlers;
    handlers.metrics = [this] { return registry_.render(); };
    handlers.status = [this] { return status_json(); };
    admin_ = std::make_unique<admin::AdminServer>(io_, config_.metrics_listen->host, config_.metrics_listen->port,
                                                  std::move(handlers));
    const auto port = admin_->start();
    spdlog::info("metrics and status on http://{}:{}/metrics (/healthz, /status)", config_.metrics_listen->host, port);
  }
  if (mitigation) {
    alert::AlertConfig alerts;
    alerts.alertmanager_urls = config_.alertmanager_urls;
    alerts.webhook_url = config_.webhook_url;
    alerts.interval = config_.alert_interval;
    alerts.severity = config_.alert_severity;
    alerts.retired_quiet = config_.retired_quiet_period;
    alerts.extra_labels = config_.alert_labels;
    alerts.tls.ca_file = config_.alert_ca_file;
    alert::AlerterCallbacks callbacks;
    callbacks.counts = alert::metrics_counts(*metrics_);
    callbacks.on_notification = [](const alert::Notification& n) {
      auto users = [&n] {
        std::string out;
        for (const auto& u : n.users) out += (out.empty() ? "" : "; ") + u;
        return out;
      };
      switch (n.kind) {
        case alert::NotificationKind::InUse:
        case alert::NotificationKind::StillInUse:
          spdlog::warn("retired column {}.{}.{} is still used by old code ({} statement(s) rewritten, {} write(s) "
                       "dropped since the last reminder): {}",
                       n.column.schema, n.column.table, n.column.column, n.rewrites, n.dropped_writes, users());
          return;
        case alert::NotificationKind::Unused:
          spdlog::info("retired column {}.{}.{} is no longer used: alert resolved", n.column.schema, n.column.table,
                       n.column.column);
          return;
        case alert::NotificationKind::Missing:
        case alert::NotificationKind::Present:
        case alert::NotificationKind::StillMissing:
          break;
      }
      // Missing and Present are logged by the mitigation when they happen;
      // this is the reminder every alert interval.
      if (n.kind != alert::NotificationKind::StillMissing) return;
      spdlog::warn("pending column {}.{}.{} is STILL MISSING (migration {}): {} statement(s) rewritten and {} "
                   "write(s) dropped since the last reminder; remedy: {}",
                   n.column.schema, n.column.table, n.column.column,
                   n.column.migration.empty() ? "unnamed" : n.column.migration, n.rewrites, n.dropped_writes,
                   n.remedy);
    };
    callbacks.on_delivery = [](const alert::DeliveryOutcome& d) {
      if (d.ok) {
        spdlog::info("alert delivered to {} ({}): {} firing, {} resolved", alert::to_string(d.receiver), d.url,
                     d.firing, d.resolved);
      } else {
        spdlog::warn("alert delivery to {} ({}) failed after {} attempt(s): {}", alert::to_string(d.receiver),
                     d.url, d.attempts, d.error);
      }
    };
    alerter_ = std::make_unique<alert::Alerter>(io_, std::move(alerts), std::move(callbacks), metrics_.get());
    update(mitigation->current());
  }
  thread_ = std::thread([this] {
    auto guard = boost::asio::make_work_guard(io_);
    io_.run();
  });
}

void Observability::update(std::shared_ptr<const schema::Snapshot> snapshot) {
  // What the alerts saw missing is followed from the first snapshot on, the
  // ones before the alerts start included (the watcher's first check).
  if (!snapshot) return;
  const bool hold = backfill_ != nullptr && backfill_->busy();
  std::shared_ptr<schema::Snapshot> held;
  {
    std::lock_guard lock(alerted_mutex_);
    std::vector<std::string> missing;
    for (std::size_t i = 0; i < snapshot->columns.size(); ++i) {
      const auto& c = snapshot->columns[i];
      const std::string name = sql::qualified_name(c.column);
      const bool was_missing =
          std::find(alerted_missing_.begin(), alerted_missing_.end(), name) != alerted_missing_.end();
      const bool appeared = c.state == schema::ColumnState::Present && c.column.kind == sql::ColumnKind::Pending;
      if (hold && was_missing && appeared) {
        // Resolved only once its values are back.
        if (!held) held = std::make_shared<schema::Snapshot>(*snapshot);
        held->columns[i].state = schema::ColumnState::Missing;
        missing.push_back(name);
      } else if (c.state == schema::ColumnState::Missing) {
        missing.push_back(name);
      }
    }
    alerted_missing_ = std::move(missing);
  }
  if (alerter_) alerter_->update(held ? std::shared_ptr<const schema::Snapshot>(std::move(held)) : std::move(snapshot));
}

void Observability::retired_used(const sql::PendingColumn& column, const proxy::SessionInfo& who) {
  if (!alerter_) return;
  std::string text = "application_name=" + (who.application_name.empty() ? std::string("-") : who.application_name) +
                     " client=" + who.client_address + " user=" + who.user;
  alerter_->note_use(column, std::move(text));
}

void Observability::stop() {
  if (!thread_.joinable()) return;
  // Stop the endpoint and the alerts on their own thread, then end it.
  std::promise<void> stopped;
  boost::asio::post(io_, [this, &stopped] {
    if (admin_) admin_->stop();
    if (alerter_) alerter_->stop();
    stopped.set_value();
  });
  stopped.get_future().wait_for(std::chrono::seconds(5));
  io_.stop();
  thread_.join();
}

void Observability::set_failed_migrations(std::vector<std::string> names) {
  metrics_->set_failed_migrations(names);
  std::lock_guard lock(not_mitigated_mutex_);
  failed_migrations_ = std::move(names);
}

void Observability::set_not_mitigated(std::vector<std::string> lines) {
  std::lock_guard lock(not_mitigated_mutex_);
  not_mitigated_ = std::move(lines);
}

std::string Observability::status_json() const {
  alert::JsonWriter w;
  w.begin_object();
  w.member("version", PGSHIM_VERSION_STRING);
  w.member("uptime_seconds", unix_seconds(std::chrono::system_clock::now()) - unix_seconds(started_));
  w.key("connections").begin_object();
  w.member("current", static_cast<std::int64_t>(stats_.clients_current.load()));
  w.member("total", static_cast<std::uint64_t>(stats_.clients_total.load()));
  w.member("refused", static_cast<std::uint64_t>(stats_.clients_refused.load()));
  w.member("upstream_connect_failures", static_cast<std::uint64_t>(stats_.upstream_connect_failures.load()));
  w.end_object();
  w.key("upstream").begin_object();
  w.member("url", config_.upstream->display);
  if (mitigation_) {
    const auto snapshot = mitigation_->current();
    w.member("reachable", snapshot->last_poll_ok);
    if (!snapshot->last_poll_error.empty()) w.member("error", snapshot->last_poll_error);
    w.member("last_check_unix", unix_seconds(snapshot->last_poll));
    w.end_object();
    w.key("pending_columns").begin_array();
    for (const auto& c : snapshot->columns) {
      w.begin_object();
      w.member("schema", c.column.schema);
      w.member("table", c.column.table);
      w.member("column", c.column.column);
      w.member("kind", sql::to_string(c.column.kind));
      if (c.column.kind == sql::ColumnKind::Renamed) w.member("renamed_to", c.column.renamed_to);
      w.member("type", c.column.type);
      w.member("migration", c.column.migration);
      w.member("state", schema::to_string(c.state));
      w.member("since_unix", unix_seconds(c.since));
      w.member("detected_reactively", c.detected_reactively);
      if (!c.reason.empty()) w.member("reason", c.reason);
      std::uint64_t rewrites = 0;
      std::uint64_t dropped = 0;
      metrics_->rewrites.for_each([&](const auto& labels, const metrics::Counter& counter) {
        if (labels.size() >= 2 && labels[0] == c.column.table && labels[1] == c.column.column) rewrites += counter.value();
      });
      metrics_->dropped_writes.for_each([&](const auto& labels, const metrics::Counter& counter) {
        if (labels.size() >= 2 && labels[0] == c.column.table && labels[1] == c.column.column) dropped += counter.value();
      });
      w.member("rewrites", rewrites);
      w.member("dropped_writes", dropped);
      w.end_object();
    }
    w.end_array();
  } else {
    w.end_object();
    w.key("pending_columns").begin_array().end_array();
  }
  if (backfill_) backfill_->write_status(w);
  {
    std::lock_guard lock(not_mitigated_mutex_);
    w.key("not_mitigated").begin_array();
    for (const auto& line : not_mitigated_) w.value(line);
    w.end_array();
    w.key("failed_migrations").begin_array();
    for (const auto& name : failed_migrations_) w.value(name);
    w.end_array();
  }
  w.end_object();
  return w.take();
}

}  // namespace pgshim::app
