#pragma once
// The alert lifecycle of pending columns. Fed with schema snapshots, the
// Alerter tells people a column is missing until its migration lands:
//
//   Unknown/Present/new -> Missing : notify Missing, fire (Alertmanager + webhook)
//   still Missing, each interval   : notify StillMissing, re-fire with the counts
//                                    of rewrites and dropped writes since the last
//   Missing -> Present / removed   : notify Present, resolve once (endsAt = now)
//   Missing -> Unknown             : nothing: the watcher lost the database, the
//                                    column is most likely still missing, so the
//                                    alert keeps firing until it is seen Present.
//
// Retired columns (dropped by a migration) are missing by design: their alert
// is about old code still using them, so it follows use, not the catalog:
//   first use while missing        : notify InUse, fire (naming the clients)
//   used within the interval       : notify StillInUse, re-fire
//   no use for the quiet period    : notify Unused, resolve
//   the column exists again        : resolve.
// Renamed columns raise no alert (nothing is lost; the log says it).
//
// It does not log: `on_notification` hands the app what to log (WARN for
// Missing/StillMissing, INFO for Present) and `on_delivery` each delivery's
// outcome. Everything runs on the io_context given at construction.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "pgshim/alert/alert_config.hpp"
#include "pgshim/alert/payload.hpp"
#include "pgshim/schema/snapshot.hpp"
#include "pgshim/sql/pending_column.hpp"

namespace pgshim::metrics {
class PgshimMetrics;
}

namespace pgshim::alert {

// Cumulative activity of one column (totals since start; the Alerter diffs them).
struct ColumnCounts {
  std::uint64_t rewrites = 0;
  std::uint64_t dropped_writes = 0;
};

enum class NotificationKind {
  Missing,       // just became missing
  StillMissing,  // the interval passed and it is still missing
  Present,       // it was missing and now exists (or left the configuration)
  InUse,         // retired: a statement used it
  StillInUse,    // retired: used again within the interval
  Unused,        // retired: no statement used it for the quiet period
};

[[nodiscard]] const char* to_string(NotificationKind kind) noexcept;

struct Notification {
  NotificationKind kind = NotificationKind::Missing;
  sql::PendingColumn column;
  std::chrono::system_clock::time_point missing_since;
  // Since the previous notification of this column.
  std::uint64_t rewrites = 0;
  std::uint64_t dropped_writes = 0;
  std::string remedy;
  std::vector<std::string> users;  // retired: the clients that used it lately
};

enum class Receiver { Alertmanager, Webhook };

[[nodiscard]] const char* to_string(Receiver receiver) noexcept;

struct DeliveryOutcome {
  Receiver receiver = Receiver::Alertmanager;
  std::string url;
  std::size_t firing = 0;    // firing alerts in the payload
  std::size_t resolved = 0;  // resolved alerts in the payload
  bool ok = false;
  unsigned http_status = 0;  // 0 if no response arrived
  int attempts = 0;
  std::string error;  // empty when ok
};

struct AlerterCallbacks {
  // Cumulative counts for a column; optional (counts are then 0). Called on the
  // io_context's thread. `metrics_counts` builds one from the metric set.
  std::function<ColumnCounts(const sql::PendingColumn&)> counts;
  std::function<void(const Notification&)> on_notification;
  std::function<void(const DeliveryOutcome&)> on_delivery;
};

// Reads a column's totals from `pgshim_rewrites_total` (summed over kinds) and
// `pgshim_dropped_writes_total`. `metrics` must outlive the returned function.
[[nodiscard]] std::function<ColumnCounts(const sql::PendingColumn&)> metrics_counts(metrics::PgshimMetrics& metrics);

class Alerter {
 public:
  // Parses the receiver URLs and loads the TLS trust store: throws
  // std::invalid_argument / std::runtime_error on bad configuration.
  // `metrics` (optional) counts deliveries in pgshim_alert_deliveries_total and
  // must outlive the Alerter's last callback (see stop()).
  Alerter(boost::asio::io_context& ioc, AlertConfig config, AlerterCallbacks callbacks,
          metrics::PgshimMetrics* metrics = nullptr);
  ~Alerter();
  Alerter(const Alerter&) = delete;
  Alerter& operator=(const Alerter&) = delete;

  // A new snapshot from the schema watcher. Thread-safe: the work is posted to
  // the io_context, in order.
  void update(std::shared_ptr<const schema::Snapshot> snapshot);

  // A statement of client `who` ("application_name=... client=...") used the
  // retired column `column`. Thread-safe (posted to the io_context); cheap.
  void note_use(const sql::PendingColumn& column, std::string who);

  // Stops re-sending and silences every callback and metric update, including
  // those of deliveries still in flight (they finish within their timeouts).
  // Call on the io_context's thread, or while it is not running; the destructor
  // calls it.
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace pgshim::alert
