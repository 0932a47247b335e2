#pragma once
// The pending-column mission, assembled: the schema watcher's state offered
// to sessions (PendingSource), what sessions report turned into logs, metrics
// and the journal (SessionObserver), and the watcher's changes turned into the
// WARN/INFO lines and alerts an on-call engineer sees.
#include <atomic>
#include <functional>
#include <cstdio>
#include <vector>
#include <memory>
#include <mutex>
#include <string>

#include "pgshim/config/config.hpp"
#include "pgshim/journal/sink.hpp"
#include "pgshim/metrics/pgshim_metrics.hpp"
#include "pgshim/proxy/pending.hpp"
#include "pgshim/schema/watcher.hpp"

namespace pgshim::app {

class Mitigation final : public proxy::PendingSource, public proxy::SessionObserver {
 public:
  // Throws std::invalid_argument / std::runtime_error on bad configuration.
  Mitigation(const config::Config& config, metrics::PgshimMetrics* metrics);
  ~Mitigation() override;

  // Starts the watcher and waits (bounded) for its first check.
  void start(std::chrono::milliseconds first_check_wait);
  void stop();
  // SIGHUP: when the pending columns, the monitor login or the poll interval
  // changed, a new watcher takes over (its first check runs in the background;
  // until it is done the new columns' state is unknown). Throws on bad input,
  // keeping the running watcher.
  void reconfigure(const config::Config& config);
  // Called with every change of column states (the alerter hooks in here).
  void set_on_change(schema::OnChange callback);

  // proxy::PendingSource
  [[nodiscard]] std::shared_ptr<const schema::Snapshot> current() const noexcept override;
  bool report_undefined_column(std::string_view message) override;
  [[nodiscard]] const sql::Prefilter& configured_names() const noexcept override { return generation().names; }
  [[nodiscard]] std::uint32_t type_oid(std::string_view type_name) const noexcept override;
  // Per statement on every session: the flag spares the shared_ptr's lock
  // while nothing is observed (almost always).
  [[nodiscard]] std::shared_ptr<const Observed> observed() const noexcept override {
    return observing_.load(std::memory_order_acquire) ? observed_.load() : nullptr;
  }

  // proxy::SessionObserver
  void on_rewritten(const sql::RewriteResult& result, bool cache_hit, std::chrono::nanoseconds took,
                    const proxy::SessionInfo& who) override;
  // Called (on a session's thread) for each statement that used a retired
  // column, with who sent it: the alert names them. Set it before sessions run.
  using RetiredUse = std::function<void(const sql::PendingColumn&, const proxy::SessionInfo&)>;
  void set_on_retired_use(RetiredUse callback);
  // Called (on a session's thread) after each value is journaled: `backfill:
  // auto` learns of a late commit. Set it before sessions run.
  using Journaled = std::function<void(const sql::DroppedValue&)>;
  void set_on_journaled(Journaled callback) { on_journaled_ = std::move(callback); }
  void on_untouched(sql::UntouchedReason reason, std::string_view detail) override;
  void on_dropped_write(const proxy::DroppedWrite& write) override;
  void on_discarded_writes(std::size_t count, std::string_view why) override;
  void on_written_early(std::size_t held) override;
  void on_intercepted_error(bool replayed, std::string_view why_not) override;
  void on_cache(bool hit) override;

 private:
  void changed(const void* generation, const schema::Snapshot& previous, const schema::Snapshot& next);
  void note_appeared(const schema::Snapshot& previous, const schema::Snapshot& next);

  // What one configuration of the pending columns needs. Generations are
  // immutable and never freed while pgshim runs (reloads are rare): sessions
  // may hold references into an old one at any moment.
  struct Generation {
    std::unique_ptr<schema::SchemaWatcher> watcher;
    sql::Prefilter names;
    std::string monitor_conninfo;
    std::chrono::milliseconds poll_interval{};
  };
  [[nodiscard]] std::unique_ptr<Generation> make_generation(const config::Config& config);
  [[nodiscard]] const Generation& generation() const noexcept { return *current_.load(std::memory_order_acquire); }

  metrics::PgshimMetrics* metrics_;
  std::unique_ptr<journal::Sink> journal_;  // the file (journal::Writer) or the table (journal::PgWriter)
  std::atomic<bool> journal_failing_{false};
  // Pending columns that appeared while pgshim ran, journaled as observed
  // for journal_observe_ after (PendingSource::Observed); appeared_ only on
  // the watcher's thread (changed()).
  std::chrono::milliseconds journal_observe_{};
  std::vector<sql::PendingColumn> appeared_;
  std::atomic<std::shared_ptr<const Observed>> observed_;
  std::atomic<bool> observing_{false};
  std::mutex generations_mutex_;
  std::vector<std::unique_ptr<Generation>> generations_;  // under generations_mutex_
  std::atomic<const Generation*> current_{nullptr};
  std::mutex on_change_mutex_;
  schema::OnChange on_change_;
  RetiredUse on_retired_use_;
  Journaled on_journaled_;
};

// `--migrations DIR`: adds the unapplied migrations' columns to
// `config.pending_columns` (configured ones win) and returns one line per
// statement pgshim cannot mitigate (also logged). On failure (database
// unreachable, unreadable directory) logs why and leaves the config as it was.
struct MigrationsReport {
  std::vector<std::string> not_mitigated;      // one line per statement pgshim cannot mitigate
  std::vector<std::string> failed_migrations;  // recorded by the tool as failed (possibly half applied)
};
[[nodiscard]] MigrationsReport apply_migrations(config::Config& config);

// Whether a column went from anything to Present between two snapshots.
[[nodiscard]] bool some_column_appeared(const schema::Snapshot& previous, const schema::Snapshot& next);

// The OID of a built-in type named as the rewriter names types ("text",
// "pg_catalog.int4", "timestamp(3) with time zone", "text[]"); 0 when unknown.
[[nodiscard]] std::uint32_t builtin_type_oid(std::string_view type_name) noexcept;

}  // namespace pgshim::app
