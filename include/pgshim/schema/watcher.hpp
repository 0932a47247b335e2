#pragma once
// The schema watcher: its own thread and its own libpq connection, checking the
// catalog for every configured pending column at start and then every poll
// interval, and publishing what it found as one immutable Snapshot that every
// session reads without locks or waits. See issue 4, "Detecting".
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "pgshim/schema/catalog.hpp"
#include "pgshim/schema/snapshot.hpp"
#include "pgshim/sql/pending_column.hpp"

namespace pgshim::schema {

inline constexpr std::chrono::milliseconds kDefaultPollInterval{10'000};

struct WatcherOptions {
  // libpq URL or key=value conninfo of the monitor connection, credentials
  // included. application_name=pgshim-watcher and connect_timeout are set on
  // top of it (overriding the conninfo's own); the password never appears in
  // anything the watcher reports.
  std::string conninfo;
  // The configured pending columns (folded names), in configuration order:
  // Snapshot::columns follows this order.
  std::vector<sql::PendingColumn> columns;
  std::chrono::milliseconds poll_interval = kDefaultPollInterval;
  // Bounds of one connection attempt and of one catalog query: the server
  // cancels the query at statement_timeout, and the watcher gives up on the
  // connection if no answer came a second after that (a dead network).
  std::chrono::seconds connect_timeout{5};
  std::chrono::milliseconds statement_timeout{5'000};
  // After a failed poll the next attempt comes after min_backoff, doubling with
  // each further failure, but never later than poll_interval.
  std::chrono::milliseconds min_backoff{500};
};

// Called on the thread that published `next` (the watcher's, or the session's
// that called mark_missing), after publishing, whenever a column's state, the
// facts (hence the version), or the watcher's health (last_poll_ok /
// last_poll_error) changed; not for polls that changed nothing. Calls are
// serialised and in publication order: `previous` is always the snapshot
// `next` replaced. Must not call mark_missing (it runs under the publication
// lock); may call current(). Keep it short (log, enqueue an alert): a session
// calling mark_missing meanwhile waits for it. Exceptions it throws are swallowed.
using OnChange = std::function<void(const Snapshot& previous, const Snapshot& next)>;

class SchemaWatcher {
 public:
  // Validates the configuration: builds the MissingSet of all configured
  // columns once (throws std::invalid_argument for a bad type, default or
  // duplicate) and parses the conninfo (throws std::invalid_argument, with the
  // password redacted). Does not connect; publishes an initial snapshot
  // (version 1, every column Unknown, no facts, last_poll_ok false).
  SchemaWatcher(WatcherOptions options, OnChange on_change);
  // Stops and joins the thread.
  ~SchemaWatcher();
  SchemaWatcher(const SchemaWatcher&) = delete;
  SchemaWatcher& operator=(const SchemaWatcher&) = delete;

  // Starts the watcher thread, which checks at once and then every interval.
  // A second call does nothing.
  void start();
  // Waits until the first check finished (successfully or not) or `limit`
  // passed; true when it finished. The proxy starts accepting after this, so
  // states are known before the first client statement whenever possible.
  [[nodiscard]] bool wait_first_check(std::chrono::milliseconds limit);
  // Stops the thread and joins it. Bounded: every wait of the thread (sleep,
  // connect, query) is sliced and checks the stop flag at least every 100 ms.
  // Idempotent; the last snapshot stays readable.
  void stop();
  // Wakes the thread for an immediate check (e.g. after SIGHUP or an alert).
  void poll_now();

  // The current snapshot; never null. Callable from any thread; sessions load
  // it once per statement and keep the pointer for the statement's duration.
  [[nodiscard]] std::shared_ptr<const Snapshot> current() const noexcept;

  // The reactive path: a session got SQLSTATE 42703 naming the configured
  // column `schema.table.column`. Marks it Missing at once (a new snapshot,
  // published synchronously on the calling thread, with detected_reactively
  // set and `reason` as given), then calls on_change. Returns true when it
  // changed anything; false when the column is not configured or already
  // Missing. Thread-safe: concurrent calls for one column change it once.
  bool mark_missing(std::string_view schema, std::string_view table, std::string_view column,
                    std::string_view reason = "the database reported it missing (SQLSTATE 42703)");

  [[nodiscard]] const std::vector<sql::PendingColumn>& columns() const noexcept { return options_.columns; }

 private:
  struct Connection;  // the libpq connection, private to watcher.cpp

  void run();
  // One poll: connect if needed, query, publish. True when it reached the
  // database. Never throws.
  bool check_once();
  void publish_reading(const CatalogReading& reading, std::chrono::system_clock::time_point started);
  void publish_failure(std::string error);
  // Publishes `next` (under publish_mutex_) and calls on_change if `notify`.
  void publish_locked(std::shared_ptr<const Snapshot> previous, std::shared_ptr<const Snapshot> next, bool notify);
  [[nodiscard]] std::string redacted(std::string text) const;

  const WatcherOptions options_;
  const OnChange on_change_;
  std::vector<std::string> secrets_;
  std::array<std::string, kCatalogQueryParams> query_params_;

  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
  // Serialises publishers (the poll and mark_missing) and on_change calls.
  std::mutex publish_mutex_;
  std::vector<CatalogFact> facts_;  // the facts behind snapshot_->facts; under publish_mutex_
  bool have_facts_ = false;         // under publish_mutex_

  // The thread's wake-ups: stop, poll_now, and the first check's completion.
  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  bool poll_requested_ = false;    // under wake_mutex_
  bool first_check_done_ = false;  // under wake_mutex_
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::unique_ptr<Connection> connection_;  // used by the watcher thread only
  unsigned failures_ = 0;                   // consecutive failed polls; watcher thread only
};

}  // namespace pgshim::schema
