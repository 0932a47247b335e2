#pragma once
// The observability side of a running pgshim: the metric set (always), the
// HTTP endpoint (/metrics, /healthz, /status; with --metrics-listen) and the
// alert lifecycle (while pending columns are configured). They share one I/O
// thread of their own, away from the sessions' threads.
#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "pgshim/config/config.hpp"
#include "pgshim/metrics/pgshim_metrics.hpp"
#include "pgshim/metrics/registry.hpp"
#include "pgshim/proxy/pending.hpp"
#include "pgshim/proxy/stats.hpp"
#include "pgshim/schema/snapshot.hpp"

namespace pgshim::admin {
class AdminServer;
}
namespace pgshim::alert {
class Alerter;
}

namespace pgshim::app {

class AutoBackfill;
class Mitigation;

class Observability {
 public:
  // `stats` is read by the connection metrics and must outlive this object.
  Observability(const config::Config& config, const proxy::Stats& stats);
  ~Observability();
  Observability(const Observability&) = delete;
  Observability& operator=(const Observability&) = delete;

  [[nodiscard]] metrics::PgshimMetrics& metrics() noexcept { return *metrics_; }
  // Starts the endpoint and, with `mitigation`, the alerts; throws when the
  // metrics address cannot be bound or an alert receiver URL is invalid.
  void start(Mitigation* mitigation);
  // Feeds a new snapshot to the alerts (any thread). While `backfill` (when
  // set) is busy, a pending column that appeared still reads as missing to
  // the alerts: its alert resolves after the backfill, at the next update.
  void update(std::shared_ptr<const schema::Snapshot> snapshot);
  // `backfill: auto`, for the alerts and /status; set before start().
  void set_backfill(const AutoBackfill* backfill) noexcept { backfill_ = backfill; }
  // A statement of `who` used the retired column `column` (any thread).
  void retired_used(const sql::PendingColumn& column, const proxy::SessionInfo& who);
  void stop();
  // What the migrations hold that pgshim does not cover, for /status.
  void set_not_mitigated(std::vector<std::string> lines);
  // Migrations the tool records as failed, for /status and
  // pgshim_migration_failed{migration}.
  void set_failed_migrations(std::vector<std::string> names);

 private:
  [[nodiscard]] std::string status_json() const;

  const config::Config& config_;
  const proxy::Stats& stats_;
  metrics::Registry registry_;
  std::unique_ptr<metrics::PgshimMetrics> metrics_;
  boost::asio::io_context io_;
  std::unique_ptr<admin::AdminServer> admin_;
  std::unique_ptr<alert::Alerter> alerter_;
  Mitigation* mitigation_ = nullptr;
  const AutoBackfill* backfill_ = nullptr;
  // Pending columns the alerts last saw missing (under alerted_mutex_).
  std::mutex alerted_mutex_;
  std::vector<std::string> alerted_missing_;
  std::thread thread_;
  mutable std::mutex not_mitigated_mutex_;
  std::vector<std::string> not_mitigated_;
  std::vector<std::string> failed_migrations_;  // under not_mitigated_mutex_
  std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
};

}  // namespace pgshim::app
