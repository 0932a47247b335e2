#include "pgshim/alert/alerter.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "pgshim/alert/http_client.hpp"
#include "pgshim/metrics/pgshim_metrics.hpp"

namespace pgshim::alert {

namespace asio = boost::asio;
using std::chrono::steady_clock;
using std::chrono::system_clock;

const char* to_string(NotificationKind kind) noexcept {
  switch (kind) {
    case NotificationKind::Missing:
      return "missing";
    case NotificationKind::StillMissing:
      return "still_missing";
    case NotificationKind::Present:
      return "present";
    case NotificationKind::InUse:
      return "in_use";
    case NotificationKind::StillInUse:
      return "still_in_use";
    case NotificationKind::Unused:
      return "unused";
  }
  return "missing";
}

const char* to_string(Receiver receiver) noexcept {
  switch (receiver) {
    case Receiver::Alertmanager:
      return "alertmanager";
    case Receiver::Webhook:
      return "webhook";
  }
  return "alertmanager";
}

std::function<ColumnCounts(const sql::PendingColumn&)> metrics_counts(metrics::PgshimMetrics& m) {
  return [&m](const sql::PendingColumn& column) {
    ColumnCounts out;
    // Labels: rewrites {table, column, kind}, dropped_writes {table, column}.
    m.rewrites.for_each([&](const metrics::CounterFamily::Values& v, const metrics::Counter& c) {
      if (v.size() >= 2 && v[0] == column.table && v[1] == column.column) out.rewrites += c.value();
    });
    m.dropped_writes.for_each([&](const metrics::CounterFamily::Values& v, const metrics::Counter& c) {
      if (v.size() >= 2 && v[0] == column.table && v[1] == column.column) out.dropped_writes += c.value();
    });
    return out;
  };
}

namespace {

using ColumnKey = std::tuple<std::string, std::string, std::string>;  // schema, table, column

ColumnKey key_of(const sql::PendingColumn& c) { return {c.schema, c.table, c.column}; }

struct Tracked {
  sql::PendingColumn column;
  bool firing = false;
  system_clock::time_point starts_at;
  steady_clock::time_point next_due;
  ColumnCounts last_counts;  // at the previous notification (or when first seen)
  // Retired columns only.
  bool missing = false;
  steady_clock::time_point last_used;
  std::vector<std::string> users;  // the latest few distinct clients
};

constexpr std::size_t kMaxUsers = 5;

}  // namespace

struct Alerter::State : std::enable_shared_from_this<State> {
  asio::io_context& ioc;
  AlertConfig config;
  AlerterCallbacks callbacks;
  metrics::PgshimMetrics* metrics = nullptr;
  HttpClient http;
  std::vector<Url> alertmanagers;
  std::optional<Url> webhook;
  asio::steady_timer timer;
  bool stopped = false;
  std::map<ColumnKey, Tracked> tracked;
  std::map<std::string, int> in_flight;  // per receiver URL

  State(asio::io_context& io, AlertConfig cfg, AlerterCallbacks cbs, metrics::PgshimMetrics* m)
      : ioc(io),
        config(std::move(cfg)),
        callbacks(std::move(cbs)),
        metrics(m),
        http(io, config.tls, config.delivery),
        timer(io) {
    std::string error;
    for (const auto& text : config.alertmanager_urls) {
      Url url;
      if (!parse_url(text, url, error)) throw std::invalid_argument("alertmanager: " + error);
      // The API path is appended to whatever prefix the URL carries.
      if (url.target.ends_with('/')) url.target.pop_back();
      url.target += "/api/v2/alerts";
      alertmanagers.push_back(std::move(url));
    }
    if (!config.webhook_url.empty()) {
      Url url;
      if (!parse_url(config.webhook_url, url, error)) throw std::invalid_argument("webhook: " + error);
      webhook = std::move(url);
    }
    if (config.interval <= std::chrono::milliseconds(0)) throw std::invalid_argument("alert interval must be > 0");
  }

  ColumnCounts counts_of(const sql::PendingColumn& c) const {
    return callbacks.counts ? callbacks.counts(c) : ColumnCounts{};
  }

  // Notifies the app and builds the event for this column, advancing its
  // counts baseline.
  AlertEvent notify(Tracked& t, NotificationKind kind, system_clock::time_point now) {
    const ColumnCounts current = counts_of(t.column);
    Notification n;
    n.kind = kind;
    n.column = t.column;
    n.missing_since = t.starts_at;
    // Counters only grow; a smaller value means the source was reset, count from 0.
    n.rewrites = current.rewrites >= t.last_counts.rewrites ? current.rewrites - t.last_counts.rewrites
                                                            : current.rewrites;
    n.dropped_writes = current.dropped_writes >= t.last_counts.dropped_writes
                           ? current.dropped_writes - t.last_counts.dropped_writes
                           : current.dropped_writes;
    n.remedy = remedy(t.column);
    n.users = t.users;
    t.last_counts = current;

    AlertEvent e;
    e.column = t.column;
    e.starts_at = t.starts_at;
    e.rewrites = n.rewrites;
    e.dropped_writes = n.dropped_writes;
    e.users = t.users;
    e.quiet = config.retired_quiet;
    switch (kind) {
      case NotificationKind::Missing:
      case NotificationKind::StillMissing:
      case NotificationKind::InUse:
      case NotificationKind::StillInUse: {
        e.status = AlertStatus::Firing;
        // Valid until well after the next re-send: Alertmanager keeps the alert
        // active between re-sends, and resolves it by itself if pgshim dies.
        const auto validity = std::max<std::chrono::milliseconds>(4 * config.interval, std::chrono::minutes(1));
        e.ends_at = now + validity;
        break;
      }
      case NotificationKind::Present:
      case NotificationKind::Unused:
        e.status = AlertStatus::Resolved;
        e.ends_at = now;
        break;
    }
    if (callbacks.on_notification) callbacks.on_notification(n);
    return e;
  }

  void on_snapshot(const std::shared_ptr<const schema::Snapshot>& snapshot) {
    if (stopped || !snapshot) return;
    const auto now = system_clock::now();
    const auto steady_now = steady_clock::now();
    std::vector<AlertEvent> events;
    std::map<ColumnKey, bool> seen;
    for (const auto& status : snapshot->columns) {
      if (status.column.kind == sql::ColumnKind::Renamed) continue;  // no alert: nothing is lost
      const auto key = key_of(status.column);
      seen[key] = true;
      auto [it, inserted] = tracked.try_emplace(key);
      Tracked& t = it->second;
      t.column = status.column;  // type or migration may have changed on reload
      if (inserted) t.last_counts = counts_of(t.column);
      if (t.column.kind == sql::ColumnKind::Retired) {
        // Missing is the retired column's normal state: its alert follows use.
        t.missing = status.state == schema::ColumnState::Missing;
        if (status.state == schema::ColumnState::Present && t.firing) {
          t.firing = false;
          events.push_back(notify(t, NotificationKind::Present, now));
          t.users.clear();
        }
        continue;
      }
      switch (status.state) {
        case schema::ColumnState::Missing:
          if (!t.firing) {
            t.firing = true;
            t.starts_at = status.since.time_since_epoch().count() != 0 ? status.since : now;
            t.next_due = steady_now + config.interval;
            events.push_back(notify(t, NotificationKind::Missing, now));
          }
          break;
        case schema::ColumnState::Present:
          if (t.firing) {
            t.firing = false;
            events.push_back(notify(t, NotificationKind::Present, now));
          }
          break;
        case schema::ColumnState::Unknown:
          break;
      }
    }
    // Columns that left the configuration: their alert must not linger.
    for (auto it = tracked.begin(); it != tracked.end();) {
      if (seen.contains(it->first)) {
        ++it;
        continue;
      }
      if (it->second.firing) events.push_back(notify(it->second, NotificationKind::Present, now));
      it = tracked.erase(it);
    }
    deliver(events);
    reschedule();
  }

  void on_use(const sql::PendingColumn& column, std::string who) {
    if (stopped) return;
    const auto it = tracked.find(key_of(column));
    if (it == tracked.end() || it->second.column.kind != sql::ColumnKind::Retired) return;
    Tracked& t = it->second;
    const auto steady_now = steady_clock::now();
    t.last_used = steady_now;
    if (std::find(t.users.begin(), t.users.end(), who) == t.users.end()) {
      if (t.users.size() == kMaxUsers) t.users.erase(t.users.begin());
      t.users.push_back(std::move(who));
    }
    if (t.firing) return;  // the next tick re-fires with the counts and clients
    t.firing = true;
    t.starts_at = system_clock::now();
    t.next_due = steady_now + config.interval;
    std::vector<AlertEvent> events{notify(t, NotificationKind::InUse, t.starts_at)};
    deliver(events);
    reschedule();
  }

  void on_tick() {
    if (stopped) return;
    const auto now = system_clock::now();
    const auto steady_now = steady_clock::now();
    std::vector<AlertEvent> events;
    for (auto& [key, t] : tracked) {
      if (t.firing && t.column.kind == sql::ColumnKind::Retired) {
        if (steady_now - t.last_used >= config.retired_quiet) {
          t.firing = false;
          events.push_back(notify(t, NotificationKind::Unused, now));
          t.users.clear();
        } else if (t.next_due <= steady_now) {
          t.next_due = steady_now + config.interval;
          events.push_back(notify(t, NotificationKind::StillInUse, now));
        }
        continue;
      }
      if (!t.firing || t.next_due > steady_now) continue;
      // From now, not from the due time: a stalled loop must not burst.
      t.next_due = steady_now + config.interval;
      events.push_back(notify(t, NotificationKind::StillMissing, now));
    }
    deliver(events);
    reschedule();
  }

  void reschedule() {
    std::optional<steady_clock::time_point> earliest;
    for (const auto& [key, t] : tracked) {
      if (!t.firing) continue;
      if (!earliest || t.next_due < *earliest) earliest = t.next_due;
      if (t.column.kind == sql::ColumnKind::Retired) {
        const auto quiet_end = t.last_used + std::chrono::duration_cast<steady_clock::duration>(config.retired_quiet);
        if (quiet_end < *earliest) earliest = quiet_end;
      }
    }
    if (!earliest) {
      timer.cancel();
      return;
    }
    timer.expires_at(*earliest);  // cancels the previous wait (its handler sees operation_aborted)
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->on_tick();
    });
  }

  void deliver(const std::vector<AlertEvent>& events) {
    if (events.empty()) return;
    std::vector<AlertEvent> firing;
    std::vector<AlertEvent> resolved;
    for (const auto& e : events) (e.status == AlertStatus::Firing ? firing : resolved).push_back(e);
    for (const auto& url : alertmanagers) {
      // Alertmanager takes firing and resolved alerts in one array.
      send(Receiver::Alertmanager, url, alertmanager_payload(events, config), firing.size(), resolved.size());
    }
    if (webhook) {
      if (!firing.empty()) {
        send(Receiver::Webhook, *webhook, webhook_payload(AlertStatus::Firing, firing, config), firing.size(), 0);
      }
      if (!resolved.empty()) {
        send(Receiver::Webhook, *webhook, webhook_payload(AlertStatus::Resolved, resolved, config), 0,
             resolved.size());
      }
    }
  }

  void report(DeliveryOutcome outcome) {
    if (stopped) return;
    if (metrics) metrics->alert_deliveries.with({to_string(outcome.receiver), outcome.ok ? "ok" : "failed"}).inc();
    if (callbacks.on_delivery) callbacks.on_delivery(outcome);
  }

  void send(Receiver receiver, const Url& url, std::string body, std::size_t firing, std::size_t resolved) {
    DeliveryOutcome outcome;
    outcome.receiver = receiver;
    outcome.url = (url.tls ? "https://" : "http://") + url.host + ":" + url.port + url.target;
    outcome.firing = firing;
    outcome.resolved = resolved;
    int& flying = in_flight[outcome.url];
    if (flying >= std::max(1, config.delivery.max_in_flight)) {
      outcome.error = "too many deliveries in flight to this receiver";
      report(std::move(outcome));
      return;
    }
    ++flying;
    http.post(url, std::move(body), "application/json",
              [self = shared_from_this(), outcome = std::move(outcome)](HttpResult r) mutable {
                --self->in_flight[outcome.url];
                outcome.ok = r.ok;
                outcome.http_status = r.status;
                outcome.attempts = r.attempts;
                outcome.error = std::move(r.error);
                self->report(std::move(outcome));
              });
  }
};

Alerter::Alerter(asio::io_context& ioc, AlertConfig config, AlerterCallbacks callbacks,
                 metrics::PgshimMetrics* metrics)
    : state_(std::make_shared<State>(ioc, std::move(config), std::move(callbacks), metrics)) {}

Alerter::~Alerter() { stop(); }

void Alerter::update(std::shared_ptr<const schema::Snapshot> snapshot) {
  asio::post(state_->ioc, [state = state_, snapshot = std::move(snapshot)] { state->on_snapshot(snapshot); });
}

void Alerter::note_use(const sql::PendingColumn& column, std::string who) {
  asio::post(state_->ioc, [state = state_, column, who = std::move(who)]() mutable { state->on_use(column, std::move(who)); });
}

void Alerter::stop() {
  state_->stopped = true;
  state_->timer.cancel();
}

}  // namespace pgshim::alert
