#pragma once
// pgshim's metric set, defined in one place: every name, help text, label set
// and histogram bucket layout that /metrics exposes. Sessions, the schema
// watcher and the alerter update the families here; values owned elsewhere
// (the proxy's connection counters, the current schema snapshot) are read by
// collectors at render time.
//
// Naming follows the Prometheus conventions: `pgshim_` prefix, base units
// (seconds, bytes), `_total` on counters; state as a 0/1 gauge per state.
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "pgshim/metrics/registry.hpp"
#include "pgshim/schema/snapshot.hpp"

namespace pgshim::metrics {

// Values the proxy owns (its `proxy::Stats` atomics), read at render time. An
// unset function renders 0. Each must be thread-safe (a relaxed atomic load).
struct ConnectionSources {
  std::function<double()> clients_current;
  std::function<double()> clients_total;
  std::function<double()> clients_refused;
  std::function<double()> upstream_connect_failures;
  std::function<double()> bytes_client_to_server;
  std::function<double()> bytes_server_to_client;
};

class PgshimMetrics {
 public:
  // Registers every family in `registry`, which must outlive this object.
  explicit PgshimMetrics(Registry& registry, ConnectionSources sources = {});
  PgshimMetrics(const PgshimMetrics&) = delete;
  PgshimMetrics& operator=(const PgshimMetrics&) = delete;

  // The snapshot the pending-column gauges are rendered from; called by the app
  // whenever the watcher publishes one. Columns that left the configuration
  // disappear from /metrics with the snapshot that dropped them.
  void set_snapshot(std::shared_ptr<const schema::Snapshot> snapshot);
  // Migrations their tool records as failed (`--migrations`), exported as
  // pgshim_migration_failed{migration} 1. Any thread.
  void set_failed_migrations(std::vector<std::string> names);

  // Statements rewritten because they mention a missing column.
  // Labels: table, column, kind (the statement kind or edit the rewriter made).
  CounterFamily& rewrites;
  // Upstream errors with SQLSTATE 42703 naming a configured column, intercepted.
  // Labels: table, column, action ("replayed" = hidden and re-run rewritten,
  // "relayed" = passed to the client, e.g. inside a transaction block).
  CounterFamily& intercepted_errors;
  // Replays of a failed statement, rewritten. Label: outcome ("succeeded", "failed").
  CounterFamily& replays;
  // Values written to a missing column and therefore dropped. Labels: table, column.
  CounterFamily& dropped_writes;
  // Dropped values the journal could not write (disk full, permissions): those
  // values are lost for the backfill.
  CounterFamily& journal_failures;
  // Dropped values not journaled because their statement did not take effect
  // (or its fate is unknown). Label: reason (rolled_back, no_row, savepoint,
  // prepared_transaction, unfinished).
  CounterFamily& journal_discarded;
  // `backfill: auto`: journaled values by what each run did with them. Label:
  // result (applied, already, superseded, newer, gone, unrecoverable, error).
  CounterFamily& backfill_rows;
  // `backfill: auto` runs. Label: outcome (ok, failed: it could not run at all).
  CounterFamily& backfill_runs;
  // Statements relayed untouched. Label: reason (e.g. "no_pending_reference",
  // "column_present", "parse_error", "unsupported").
  CounterFamily& passthrough;
  CounterFamily& rewrite_cache_hits;
  CounterFamily& rewrite_cache_misses;
  // Wall time of one rewrite (cache misses only), seconds.
  HistogramFamily& rewrite_duration;
  // Schema watcher polls that failed to reach or query the database.
  CounterFamily& schema_poll_failures;
  // Alert deliveries. Labels: receiver ("alertmanager", "webhook"), outcome ("ok", "failed").
  CounterFamily& alert_deliveries;

  // The finite buckets of rewrite_duration, seconds: 10 µs .. 100 ms.
  static const std::vector<double> kRewriteDurationBuckets;

 private:
  std::mutex snapshot_mutex_;
  std::shared_ptr<const schema::Snapshot> snapshot_;
  std::vector<std::string> failed_migrations_;  // under snapshot_mutex_
};

}  // namespace pgshim::metrics
