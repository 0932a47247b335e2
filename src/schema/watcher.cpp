// The schema watcher's thread, its libpq connection and its publications (see
// watcher.hpp). libpq is driven through its asynchronous API (PQconnectStartParams
// / PQconnectPoll, PQsendQueryParams / PQconsumeInput) over poll(2), so that
// every wait has a deadline and notices stop() within one slice, instead of the
// blocking calls, which can hang on a dead network for as long as TCP lets them.
#include "pgshim/schema/watcher.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <optional>
#include <stdexcept>

#include "pgshim/schema/redact.hpp"

namespace pgshim::schema {
namespace {

using Clock = std::chrono::steady_clock;

// How often a wait on the socket or the sleep between polls looks at the stop
// flag: the bound of stop()'s latency.
constexpr std::chrono::milliseconds kWaitSlice{100};
// Extra time after statement_timeout before the watcher stops waiting for the
// server's answer (which should be the cancellation) and drops the connection.
constexpr std::chrono::milliseconds kQueryGrace{1'000};
constexpr const char* kApplicationName = "pgshim-watcher";
constexpr const char* kNotCheckedYet = "not checked yet";

struct PGconnDeleter {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
struct PGresultDeleter {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using ConnHandle = std::unique_ptr<PGconn, PGconnDeleter>;
using ResultHandle = std::unique_ptr<PGresult, PGresultDeleter>;

// libpq's messages end with a newline (sometimes several lines); one line reads
// better in a log line and a JSON field.
[[nodiscard]] std::string one_line(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    if (ch == '\n' || ch == '\r') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += ch;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

enum class WaitResult { Ready, TimedOut, Stopped, Failed };

// Waits until `conn`'s socket is readable (or writable), the deadline passes or
// a stop is requested, in slices of kWaitSlice.
[[nodiscard]] WaitResult wait_socket(PGconn* conn, bool for_write, Clock::time_point deadline,
                                     const std::atomic<bool>& stopping) {
  for (;;) {
    if (stopping.load(std::memory_order_relaxed)) return WaitResult::Stopped;
    const auto now = Clock::now();
    if (now >= deadline) return WaitResult::TimedOut;
    const int fd = PQsocket(conn);
    if (fd < 0) return WaitResult::Failed;
    pollfd pfd{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    const auto slice = std::min<Clock::duration>(deadline - now, kWaitSlice);
    const int timeout_ms =
        static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(slice).count());
    const int ready = ::poll(&pfd, 1, timeout_ms);
    if (ready > 0) return WaitResult::Ready;  // including POLLERR/POLLHUP: libpq reports them
    if (ready < 0 && errno != EINTR) return WaitResult::Failed;
  }
}

[[nodiscard]] std::string wait_failure(WaitResult result, std::string_view what) {
  switch (result) {
    case WaitResult::TimedOut:
      return std::string(what) + " timed out";
    case WaitResult::Stopped:
      return std::string(what) + " abandoned: the watcher is stopping";
    case WaitResult::Failed:
      return std::string(what) + " failed: cannot wait on the socket";
    case WaitResult::Ready:
      break;
  }
  return std::string(what) + " failed";
}

// The outcome of one statement: a result, or an error and whether the
// connection survived it.
struct ExecOutcome {
  ResultHandle result;
  std::string error;
  bool connection_lost = false;
};

// Sends `sql` with text parameters and collects its (single) result within the
// deadline. Any result but `expected` is an error, reported with its SQLSTATE.
[[nodiscard]] ExecOutcome exec(PGconn* conn, const char* sql, const std::vector<const char*>& params,
                               ExecStatusType expected, Clock::time_point deadline,
                               const std::atomic<bool>& stopping) {
  ExecOutcome out;
  if (!PQsendQueryParams(conn, sql, static_cast<int>(params.size()), nullptr, params.data(), nullptr, nullptr,
                         0)) {
    out.error = one_line(PQerrorMessage(conn));
    out.connection_lost = PQstatus(conn) != CONNECTION_OK;
    return out;
  }
  for (;;) {
    while (PQisBusy(conn)) {
      const WaitResult waited = wait_socket(conn, false, deadline, stopping);
      if (waited != WaitResult::Ready) {
        // The connection is mid-statement: it cannot be reused.
        out.error = wait_failure(waited, "the catalog query");
        out.connection_lost = true;
        out.result.reset();
        return out;
      }
      if (!PQconsumeInput(conn)) {
        out.error = one_line(PQerrorMessage(conn));
        out.connection_lost = true;
        out.result.reset();
        return out;
      }
    }
    ResultHandle next(PQgetResult(conn));
    if (!next) break;
    if (!out.result) out.result = std::move(next);
  }
  if (!out.result) {
    out.error = one_line(PQerrorMessage(conn));
    out.connection_lost = PQstatus(conn) != CONNECTION_OK;
    return out;
  }
  if (PQresultStatus(out.result.get()) != expected) {
    std::string message = one_line(PQresultErrorMessage(out.result.get()));
    if (message.empty()) message = PQresStatus(PQresultStatus(out.result.get()));
    const char* sqlstate = PQresultErrorField(out.result.get(), PG_DIAG_SQLSTATE);
    if (sqlstate) message += std::string(" (SQLSTATE ") + sqlstate + ")";
    out.error = std::move(message);
    out.connection_lost = PQstatus(conn) != CONNECTION_OK;
    out.result.reset();
  }
  return out;
}

}  // namespace

struct SchemaWatcher::Connection {
  ConnHandle conn;
};

SchemaWatcher::SchemaWatcher(WatcherOptions options, OnChange on_change)
    : options_(std::move(options)), on_change_(std::move(on_change)) {
  secrets_ = conninfo_secrets(options_.conninfo);
  // Bad configuration fails here, at start-up, not later on the watcher thread.
  {
    char* error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(options_.conninfo.c_str(), &error);
    if (!parsed) {
      std::string message = error ? one_line(error) : std::string("out of memory");
      if (error) PQfreemem(error);
      throw std::invalid_argument("monitor connection: " + redacted(std::move(message)));
    }
    PQconninfoFree(parsed);
  }
  if (options_.poll_interval <= std::chrono::milliseconds::zero()) {
    throw std::invalid_argument("schema poll interval must be positive");
  }
  const sql::MissingSet all(options_.columns, 0);  // throws std::invalid_argument
  (void)all;
  query_params_ = catalog_query_params(options_.columns);

  auto initial = std::make_shared<Snapshot>();
  initial->version = 1;
  const auto now = std::chrono::system_clock::now();
  for (const sql::PendingColumn& column : options_.columns) {
    ColumnStatus status;
    status.column = column;
    status.state = ColumnState::Unknown;
    status.since = now;
    status.reason = kNotCheckedYet;
    initial->columns.push_back(std::move(status));
  }
  initial->missing = build_missing_set(initial->columns, initial->version);
  initial->last_poll_ok = false;
  initial->last_poll_error = kNotCheckedYet;
  snapshot_.store(std::move(initial));
}

SchemaWatcher::~SchemaWatcher() { stop(); }

void SchemaWatcher::start() {
  std::lock_guard lock(wake_mutex_);
  if (thread_.joinable() || stopping_.load()) return;
  thread_ = std::thread([this] { run(); });
}

bool SchemaWatcher::wait_first_check(std::chrono::milliseconds limit) {
  std::unique_lock lock(wake_mutex_);
  wake_cv_.wait_for(lock, limit, [this] { return first_check_done_ || stopping_.load(); });
  return first_check_done_;
}

void SchemaWatcher::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_.store(true);
  }
  wake_cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void SchemaWatcher::poll_now() {
  {
    std::lock_guard lock(wake_mutex_);
    poll_requested_ = true;
  }
  wake_cv_.notify_all();
}

std::shared_ptr<const Snapshot> SchemaWatcher::current() const noexcept {
  return snapshot_.load(std::memory_order_acquire);
}

void SchemaWatcher::run() {
  while (!stopping_.load()) {
    const bool ok = check_once();
    failures_ = ok ? 0 : failures_ + 1;
    std::chrono::milliseconds delay = options_.poll_interval;
    if (!ok) {
      // Back off from min_backoff, doubling, up to the poll interval: a restart
      // of the server is noticed quickly, a long outage costs one attempt per
      // interval.
      auto backoff = options_.min_backoff;
      for (unsigned i = 1; i < failures_ && backoff < options_.poll_interval; ++i) backoff *= 2;
      delay = std::min(backoff, options_.poll_interval);
    }
    std::unique_lock lock(wake_mutex_);
    if (!first_check_done_) {
      first_check_done_ = true;
      wake_cv_.notify_all();
    }
    wake_cv_.wait_for(lock, delay, [this] { return stopping_.load() || poll_requested_; });
    poll_requested_ = false;
  }
  connection_.reset();
}

bool SchemaWatcher::check_once() {
  try {
    const auto started = std::chrono::system_clock::now();
    if (!connection_) {
      const std::string timeout = std::to_string(std::max<long long>(options_.connect_timeout.count(), 1));
      // expand_dbname: the first `dbname` is the whole conninfo (URL or
      // key=value); the keywords after it override what it says.
      const char* keywords[] = {"dbname", "application_name", "connect_timeout", nullptr};
      const char* values[] = {options_.conninfo.c_str(), kApplicationName, timeout.c_str(), nullptr};
      ConnHandle conn(PQconnectStartParams(keywords, values, 1));
      if (!conn) {
        publish_failure("cannot connect to the database: out of memory");
        return false;
      }
      // libpq does not apply connect_timeout to PQconnectPoll: the deadline is ours.
      // (Host name resolution inside libpq is still a blocking getaddrinfo,
      // bounded by the resolver's own timeouts; give an address to avoid it.)
      const auto deadline = Clock::now() + options_.connect_timeout;
      std::string error;
      if (PQstatus(conn.get()) == CONNECTION_BAD) error = one_line(PQerrorMessage(conn.get()));
      PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
      while (error.empty()) {
        bool done = false;
        WaitResult waited = WaitResult::Ready;
        switch (polling) {
          case PGRES_POLLING_OK:
            done = true;
            break;
          case PGRES_POLLING_FAILED:
            error = one_line(PQerrorMessage(conn.get()));
            if (error.empty()) error = "connection failed";
            break;
          case PGRES_POLLING_READING:
            waited = wait_socket(conn.get(), false, deadline, stopping_);
            break;
          case PGRES_POLLING_WRITING:
          case PGRES_POLLING_ACTIVE:  // obsolete; treated as "call again"
            waited = wait_socket(conn.get(), true, deadline, stopping_);
            break;
        }
        if (done || !error.empty()) break;
        if (waited != WaitResult::Ready) {
          error = wait_failure(waited, "connecting");
          break;
        }
        polling = PQconnectPoll(conn.get());
      }
      if (!error.empty()) {
        publish_failure("cannot connect to the database: " + error);
        return false;
      }
      // Session settings, as parameters: a bound on every catalog query, and
      // read-only so the monitor connection can never write, whatever its role.
      const std::string statement_timeout = std::to_string(options_.statement_timeout.count()) + "ms";
      const std::vector<const char*> params = {statement_timeout.c_str()};
      ExecOutcome setup = exec(conn.get(),
                               "SELECT pg_catalog.set_config('statement_timeout', $1, false), "
                               "pg_catalog.set_config('default_transaction_read_only', 'on', false)",
                               params, PGRES_TUPLES_OK, Clock::now() + options_.statement_timeout + kQueryGrace,
                               stopping_);
      if (!setup.result) {
        publish_failure("cannot set up the monitor connection: " + setup.error);
        return false;
      }
      connection_ = std::make_unique<Connection>();
      connection_->conn = std::move(conn);
    }

    std::vector<const char*> params;
    for (const std::string& param : query_params_) params.push_back(param.c_str());
    ExecOutcome outcome = exec(connection_->conn.get(), kCatalogQuery, params, PGRES_TUPLES_OK,
                               Clock::now() + options_.statement_timeout + kQueryGrace, stopping_);
    if (!outcome.result) {
      // A lost connection is reopened on the next attempt; after an SQL error
      // (permission denied, statement timeout) the connection is still usable.
      if (outcome.connection_lost) connection_.reset();
      publish_failure("catalog query failed: " + outcome.error);
      return false;
    }
    PGresult* result = outcome.result.get();
    if (PQnfields(result) != kCatalogRowFields) {
      publish_failure("catalog query returned " + std::to_string(PQnfields(result)) + " columns, expected " +
                      std::to_string(kCatalogRowFields));
      return false;
    }
    std::vector<CatalogRow> rows(static_cast<std::size_t>(PQntuples(result)));
    for (int r = 0; r < PQntuples(result); ++r) {
      const auto cell = [&](int field) -> std::optional<std::string> {
        if (PQgetisnull(result, r, field)) return std::nullopt;
        return std::string(PQgetvalue(result, r, field), static_cast<std::size_t>(PQgetlength(result, r, field)));
      };
      rows[static_cast<std::size_t>(r)] = CatalogRow{cell(0), cell(1), cell(2), cell(3), cell(4), cell(5), cell(6)};
    }
    std::string error;
    const std::optional<CatalogReading> reading = read_catalog(options_.columns, rows, error);
    if (!reading) {
      publish_failure("unexpected catalog answer: " + error);
      return false;
    }
    publish_reading(*reading, started);
    return true;
  } catch (const std::exception& e) {
    // Never let anything escape the thread; the states stay as they were.
    try {
      publish_failure(std::string("internal error: ") + e.what());
    } catch (...) {
    }
    return false;
  } catch (...) {
    return false;
  }
}

void SchemaWatcher::publish_reading(const CatalogReading& reading, std::chrono::system_clock::time_point started) {
  std::lock_guard lock(publish_mutex_);
  const std::shared_ptr<const Snapshot> previous = snapshot_.load(std::memory_order_acquire);
  auto next = std::make_shared<Snapshot>(*previous);
  const auto now = std::chrono::system_clock::now();
  bool states_changed = false;
  bool reasons_changed = false;
  for (std::size_t i = 0; i < next->columns.size(); ++i) {
    ColumnStatus& status = next->columns[i];
    const ColumnState observed = reading.states[i];
    if (status.state == observed) {
      // Same state: keep `since` and how it was detected (a poll confirming a
      // reactive Missing does not make it less reactive).
      if (observed == ColumnState::Unknown && status.reason != reading.reasons[i]) {
        status.reason = reading.reasons[i];
        reasons_changed = true;
      }
      continue;
    }
    // A 42703 that marked the column Missing after this poll's query began is
    // newer evidence than the query's answer: keep it until the next poll.
    if (status.state == ColumnState::Missing && status.detected_reactively && status.since >= started) continue;
    status.state = observed;
    status.since = now;
    status.detected_reactively = false;
    status.reason = reading.reasons[i];
    states_changed = true;
  }
  const bool facts_changed = !have_facts_ || reading.facts != facts_;
  if (facts_changed) {
    facts_ = reading.facts;
    have_facts_ = true;
  }
  if (states_changed || facts_changed) {
    // The version keys the rewrite cache together with the set's and the
    // facts' own versions: stamp both with it so no old entry can match.
    next->version = previous->version + 1;
    next->missing = build_missing_set(next->columns, next->version);
    next->facts = build_catalog_facts(facts_, next->version);
  }
  next->last_poll_ok = true;
  next->last_poll_error.clear();
  next->last_poll = now;
  const bool health_changed = !previous->last_poll_ok || !previous->last_poll_error.empty();
  publish_locked(previous, std::move(next), states_changed || facts_changed || reasons_changed || health_changed);
}

void SchemaWatcher::publish_failure(std::string error) {
  std::lock_guard lock(publish_mutex_);
  const std::shared_ptr<const Snapshot> previous = snapshot_.load(std::memory_order_acquire);
  auto next = std::make_shared<Snapshot>(*previous);
  // The columns keep their states. A column known Missing stays Missing while
  // the database is unreachable: its table did lack the column at the last
  // look, and falling back to Unknown would stop the rewriting, so every
  // statement naming the column would fail with 42703 the moment the database
  // answers again (and sessions usually reach it while the watcher cannot, e.g.
  // when only the monitor login broke). The next successful poll corrects any
  // state that went stale, within one interval.
  next->last_poll_ok = false;
  next->last_poll_error = redacted(std::move(error));
  next->last_poll = std::chrono::system_clock::now();
  const bool health_changed = previous->last_poll_ok || previous->last_poll_error != next->last_poll_error;
  publish_locked(previous, std::move(next), health_changed);
}

bool SchemaWatcher::mark_missing(std::string_view schema, std::string_view table, std::string_view column,
                                 std::string_view reason) {
  std::lock_guard lock(publish_mutex_);
  const std::shared_ptr<const Snapshot> previous = snapshot_.load(std::memory_order_acquire);
  const ColumnStatus* known = previous->find(schema, table, column);
  if (!known || known->state == ColumnState::Missing) return false;
  auto next = std::make_shared<Snapshot>(*previous);
  ColumnStatus& status = next->columns[static_cast<std::size_t>(known - previous->columns.data())];
  status.state = ColumnState::Missing;
  status.since = std::chrono::system_clock::now();
  status.detected_reactively = true;
  status.reason = std::string(reason);
  next->version = previous->version + 1;
  next->missing = build_missing_set(next->columns, next->version);
  if (have_facts_) {
    // The facts said this table has the column (it was Present); it does not.
    std::erase(facts_, CatalogFact{std::string(column), std::string(schema), std::string(table)});
    next->facts = build_catalog_facts(facts_, next->version);
  }
  publish_locked(previous, std::move(next), true);
  return true;
}

void SchemaWatcher::publish_locked(std::shared_ptr<const Snapshot> previous, std::shared_ptr<const Snapshot> next,
                                   bool notify) {
  snapshot_.store(next, std::memory_order_release);
  if (!notify || !on_change_) return;
  try {
    on_change_(*previous, *next);
  } catch (...) {
    // The snapshot is published; a failing observer must not undo or stop that.
  }
}

std::string SchemaWatcher::redacted(std::string text) const { return redact(std::move(text), secrets_); }

}  // namespace pgshim::schema
