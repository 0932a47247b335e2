#include "pgshim/metrics/pgshim_metrics.hpp"

#include <utility>

namespace pgshim::metrics {

namespace {

const char* state_label(schema::ColumnState state) noexcept {
  switch (state) {
    case schema::ColumnState::Unknown:
      return "unknown";
    case schema::ColumnState::Missing:
      return "missing";
    case schema::ColumnState::Present:
      return "present";
  }
  return "unknown";
}

}  // namespace

const std::vector<double> PgshimMetrics::kRewriteDurationBuckets = {
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1};

PgshimMetrics::PgshimMetrics(Registry& registry, ConnectionSources sources)
    : rewrites(registry.counter("pgshim_rewrites_total",
                                "Statements rewritten because they reference a pending column that is missing.",
                                {"table", "column", "kind"})),
      intercepted_errors(registry.counter(
          "pgshim_intercepted_errors_total",
          "Upstream errors with SQLSTATE 42703 (undefined_column) naming a pending column.",
          {"table", "column", "action"})),
      replays(registry.counter("pgshim_replays_total",
                               "Statements re-run rewritten after an intercepted 42703 error.", {"outcome"})),
      dropped_writes(registry.counter("pgshim_dropped_writes_total",
                                      "Values written to a missing pending column and dropped by the rewrite.",
                                      {"table", "column"})),
      journal_failures(registry.counter("pgshim_journal_write_failures_total",
                                        "Dropped values that could not be written to the journal (lost for the backfill).")),
      journal_discarded(registry.counter("pgshim_journal_discarded_total",
                                         "Dropped values not journaled: their statement did not take effect "
                                         "(rolled back, no row) or its fate is unknown.",
                                         {"reason"})),
      backfill_rows(registry.counter("pgshim_backfill_rows_total",
                                     "Journaled values by what backfill: auto did with them, counted per run.",
                                     {"result"})),
      backfill_runs(registry.counter("pgshim_backfill_runs_total", "backfill: auto runs, by outcome.",
                                     {"outcome"})),
      passthrough(registry.counter("pgshim_statements_passthrough_total",
                                   "Statements relayed untouched, by reason.", {"reason"})),
      rewrite_cache_hits(registry.counter("pgshim_rewrite_cache_hits_total", "Rewrite cache hits.")),
      rewrite_cache_misses(registry.counter("pgshim_rewrite_cache_misses_total", "Rewrite cache misses.")),
      rewrite_duration(registry.histogram("pgshim_rewrite_duration_seconds",
                                          "Time spent rewriting one statement (cache misses).",
                                          kRewriteDurationBuckets)),
      schema_poll_failures(registry.counter("pgshim_schema_watcher_poll_failures_total",
                                            "Schema watcher polls that failed (upstream down, permission denied).")),
      alert_deliveries(registry.counter("pgshim_alert_deliveries_total",
                                        "Alert notifications delivered to receivers, by outcome.",
                                        {"receiver", "outcome"})) {
  // The pending columns' state, one 0/1 series per state (the "state set"
  // convention) plus the plain `missing` gauge alert rules use.
  const std::vector<std::string> column_labels = {"schema", "table", "column", "migration"};
  registry.collector(MetricType::Gauge, "pgshim_migration_failed",
                     "1 for each migration its tool records as failed (possibly half applied), with --migrations.",
                     {"migration"}, [this] {
                       std::vector<Sample> out;
                       const std::lock_guard lock(snapshot_mutex_);
                       for (const auto& name : failed_migrations_) out.push_back(Sample{{name}, 1.0});
                       return out;
                     });
  registry.collector(MetricType::Gauge, "pgshim_pending_column_missing",
                     "1 while the pending column is known to be missing from the database, else 0.", column_labels,
                     [this] {
                       std::vector<Sample> out;
                       std::shared_ptr<const schema::Snapshot> snap;
                       {
                         const std::lock_guard lock(snapshot_mutex_);
                         snap = snapshot_;
                       }
                       if (!snap) return out;
                       for (const auto& c : snap->columns) {
                         out.push_back(Sample{{c.column.schema, c.column.table, c.column.column, c.column.migration},
                                              c.state == schema::ColumnState::Missing ? 1.0 : 0.0});
                       }
                       return out;
                     });
  registry.collector(
      MetricType::Gauge, "pgshim_pending_column_state",
      "State of each pending column: 1 for the current state (unknown, missing, present), 0 for the others.",
      {"schema", "table", "column", "migration", "state"}, [this] {
        std::vector<Sample> out;
        std::shared_ptr<const schema::Snapshot> snap;
        {
          const std::lock_guard lock(snapshot_mutex_);
          snap = snapshot_;
        }
        if (!snap) return out;
        for (const auto& c : snap->columns) {
          for (const auto s : {schema::ColumnState::Unknown, schema::ColumnState::Missing, schema::ColumnState::Present}) {
            out.push_back(Sample{{c.column.schema, c.column.table, c.column.column, c.column.migration, state_label(s)},
                                 c.state == s ? 1.0 : 0.0});
          }
        }
        return out;
      });
  registry.collector(MetricType::Gauge, "pgshim_pending_column_state_since_seconds",
                     "Unix time at which each pending column entered its current state.", column_labels, [this] {
                       std::vector<Sample> out;
                       std::shared_ptr<const schema::Snapshot> snap;
                       {
                         const std::lock_guard lock(snapshot_mutex_);
                         snap = snapshot_;
                       }
                       if (!snap) return out;
                       for (const auto& c : snap->columns) {
                         const auto since = std::chrono::duration<double>(c.since.time_since_epoch()).count();
                         out.push_back(
                             Sample{{c.column.schema, c.column.table, c.column.column, c.column.migration}, since});
                       }
                       return out;
                     });
  registry.collector(MetricType::Gauge, "pgshim_schema_watcher_up",
                     "1 if the schema watcher's last poll reached the database, else 0.", [this] {
                       const std::lock_guard lock(snapshot_mutex_);
                       return snapshot_ && snapshot_->last_poll_ok ? 1.0 : 0.0;
                     });
  registry.collector(MetricType::Gauge, "pgshim_schema_snapshot_version",
                     "Version of the schema snapshot the sessions currently use.", [this] {
                       const std::lock_guard lock(snapshot_mutex_);
                       return snapshot_ ? static_cast<double>(snapshot_->version) : 0.0;
                     });

  registry.collector(MetricType::Gauge, "pgshim_client_connections", "Client connections currently open.",
                     std::move(sources.clients_current));
  registry.collector(MetricType::Counter, "pgshim_client_connections_total", "Client connections accepted.",
                     std::move(sources.clients_total));
  registry.collector(MetricType::Counter, "pgshim_client_connections_refused_total",
                     "Client connections refused (limits, shutdown, bad start-up).",
                     std::move(sources.clients_refused));
  registry.collector(MetricType::Counter, "pgshim_upstream_connect_failures_total",
                     "Failed connection attempts to the upstream PostgreSQL.",
                     std::move(sources.upstream_connect_failures));
  auto c2s = std::move(sources.bytes_client_to_server);
  auto s2c = std::move(sources.bytes_server_to_client);
  registry.collector(MetricType::Counter, "pgshim_relayed_bytes_total", "Bytes relayed, by direction.",
                     {"direction"}, [c2s = std::move(c2s), s2c = std::move(s2c)] {
                       return std::vector<Sample>{
                           Sample{{"client_to_server"}, c2s ? c2s() : 0.0},
                           Sample{{"server_to_client"}, s2c ? s2c() : 0.0},
                       };
                     });
}

void PgshimMetrics::set_failed_migrations(std::vector<std::string> names) {
  const std::lock_guard lock(snapshot_mutex_);
  failed_migrations_ = std::move(names);
}

void PgshimMetrics::set_snapshot(std::shared_ptr<const schema::Snapshot> snapshot) {
  const std::lock_guard lock(snapshot_mutex_);
  snapshot_ = std::move(snapshot);
}

}  // namespace pgshim::metrics
