#pragma once
// The seams between the proxy's sessions and the rest of pgshim's mission:
// where the pending-column state comes from (the schema watcher) and where
// sessions report what they did (logs, metrics, the journal of dropped writes).
// The app implements both; tests can too.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pgshim/journal/record.hpp"
#include "pgshim/schema/snapshot.hpp"
#include "pgshim/sql/missing_set.hpp"
#include "pgshim/sql/prefilter.hpp"
#include "pgshim/sql/rewriter.hpp"

namespace pgshim::proxy {

class PendingSource {
 public:
  virtual ~PendingSource() = default;
  // The current snapshot. Called per statement on every session thread: must be
  // cheap and never block.
  [[nodiscard]] virtual std::shared_ptr<const schema::Snapshot> current() const noexcept = 0;
  // A statement failed with SQLSTATE 42703 and this message: if it names a
  // configured column not yet known missing, mark it missing now (and alert).
  // Returns true when the snapshot changed. May be called from any session thread.
  virtual bool report_undefined_column(std::string_view message) = 0;
  // Every configured pending column name, missing or not: statements that can
  // be replayed after a 42703 are recognized with it.
  [[nodiscard]] virtual const sql::Prefilter& configured_names() const noexcept = 0;
  // Resolves a type name from the rewriter (e.g. "text", "pg_catalog.int4",
  // "\"public\".\"EnvironmentStatus\"") to its OID; 0 when unknown.
  [[nodiscard]] virtual std::uint32_t type_oid(std::string_view type_name) const noexcept = 0;

  // Pending columns that appeared a short while ago (`--journal-observe`):
  // writes of them are journaled as observed, as written, so that backfill
  // knows the application wrote the row since. nullptr: none.
  struct Observed {
    sql::MissingSet columns;  // the appeared columns, as if still missing (analysis only)
    std::chrono::steady_clock::time_point until;
  };
  [[nodiscard]] virtual std::shared_ptr<const Observed> observed() const noexcept { return nullptr; }
};

// A value pgshim kept from being written, with what the statement said about
// its row, ready for the journal (pgshim/journal/record.hpp has the forms).
struct DroppedWrite {
  const sql::DroppedValue* what = nullptr;
  journal::Value value;
  std::vector<std::pair<std::string, journal::Value>> key;
  // One execution of the statement (unique within the process): an upsert's
  // insert and DO UPDATE values share it.
  std::uint64_t execution = 0;
  bool observed = false;  // PendingSource::Observed: written, not dropped
};

// Who a session is, as its start-up said: for alerts that must name the
// client still using a retired column (never for anything secret).
struct SessionInfo {
  std::string client_address;    // HOST:PORT
  std::string user;
  std::string application_name;  // from the StartupMessage; may be empty
};

class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  // A Query or Parse of session `who` was sent rewritten.
  virtual void on_rewritten(const sql::RewriteResult& result, bool cache_hit, std::chrono::nanoseconds took,
                            const SessionInfo& who) = 0;
  // A statement that mentions a pending column name was relayed untouched.
  virtual void on_untouched(sql::UntouchedReason reason, std::string_view detail) = 0;
  // A statement that dropped this value took effect: its transaction
  // committed and it changed a row. Called at the ReadyForQuery that says so.
  virtual void on_dropped_write(const DroppedWrite& write) = 0;
  // `count` values were dropped by statements that did not take effect, so
  // they are not journaled. `why`: "rolled_back" (an error or ROLLBACK),
  // "no_row" (the statement changed no row), "savepoint" (ROLLBACK TO
  // SAVEPOINT: which of the transaction's writes survived is not known),
  // "prepared_transaction" (PREPARE TRANSACTION: decided elsewhere) or
  // "unfinished" (the session ended first).
  virtual void on_discarded_writes(std::size_t count, std::string_view why) = 0;
  // A transaction dropped more than `held` values: from then on its oldest
  // are journaled before it ends (whether it commits is not waited for).
  // Called once per session.
  virtual void on_written_early(std::size_t held) = 0;
  // A 42703 naming a configured column reached pgshim; `replayed` says whether
  // pgshim hid it and replayed the statement rewritten.
  virtual void on_intercepted_error(bool replayed, std::string_view why_not) = 0;
  // The rewrite cache, for its hit/miss metrics.
  virtual void on_cache(bool hit) = 0;
};

}  // namespace pgshim::proxy
