#pragma once
// `backfill: auto`: when the watcher sees a pending column appear, pgshim runs
// `pgshim backfill` itself on its journal's directory (its own journal, its
// rotations and, when the replicas share the directory, every replica's),
// through the monitor login, on a thread of its own. A grace
// period first lets transactions that dropped a value before the switch
// commit (their records reach the journal at COMMIT); a record journaled
// after a run (a later commit) asks for another run. Idempotent, so a repeat
// only finds its values already there.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "pgshim/journal/backfill_pg.hpp"
#include "pgshim/metrics/pgshim_metrics.hpp"

namespace pgshim::alert {
class JsonWriter;
}

namespace pgshim::app {

class AutoBackfill {
 public:
  struct Options {
    std::string journal_path;
    // `journal: postgres`: the table in this schema is read instead of files.
    std::optional<std::string> journal_schema;
    std::string conninfo;  // the monitor login (it needs UPDATE on the tables)
    std::chrono::milliseconds grace{std::chrono::seconds(2)};
    std::size_t batch_size = 500;
  };
  // `done` is called on the backfill's thread after every run.
  AutoBackfill(Options options, metrics::PgshimMetrics* metrics, std::function<void()> done);
  ~AutoBackfill();
  AutoBackfill(const AutoBackfill&) = delete;
  AutoBackfill& operator=(const AutoBackfill&) = delete;

  // A column appeared, or a record was journaled for a present column: run
  // (again) after the grace period. Any thread; never blocks.
  void request();
  // Whether a run is asked for or running: the alert waits for it.
  [[nodiscard]] bool busy() const;
  // The "backfill" member of /status.
  void write_status(alert::JsonWriter& w) const;
  void stop();

 private:
  void loop();
  void run_once();
  [[nodiscard]] std::vector<std::string> journal_files() const;
  [[nodiscard]] std::string journal_argument() const;  // what `pgshim backfill --journal` takes

  Options options_;
  metrics::PgshimMetrics* metrics_;
  std::function<void()> done_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;
  bool running_ = false;
  bool stopping_ = false;
  std::uint64_t runs_ = 0;
  std::chrono::system_clock::time_point last_run_{};
  std::optional<journal::Summary> last_;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace pgshim::app
