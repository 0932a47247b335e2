// The schema watcher against a real PostgreSQL 15: first check, polling, a
// missing table, lost connections, the reactive path, and a wrong password.
// The binary creates its own database (schema_<pid>) with a copy of the
// incident's schema, so tests that ALTER it never disturb other binaries.
#include "pgshim/schema/watcher.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/harness.hpp"

namespace pgshim::schema {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kShortInterval = 200ms;
constexpr auto kEventually = 10s;  // generous: two cores shared with other builds

std::string database_name() { return "schema_" + std::to_string(::getpid()); }

// Superuser key=value conninfo (test::connect appends connect_timeout).
std::string admin_conninfo(const std::string& database) {
  const auto& sb = test::Sandbox::get();
  return "host=" + sb.host + " port=" + std::to_string(sb.port) + " dbname=" + database +
         " user=pgshim_scram password=scram-pass sslmode=prefer";
}

// What the proxy would give the watcher: a URL with credentials.
std::string monitor_url(const std::string& password = "scram-pass", int port = 0) {
  const auto& sb = test::Sandbox::get();
  return "postgres://pgshim_scram:" + password + "@" + sb.host + ":" + std::to_string(port ? port : sb.port) + "/" +
         database_name() + "?sslmode=prefer";
}

void exec_ok(PGconn* conn, const std::string& sql) {
  test::Result r(PQexec(conn, sql.c_str()));
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error(sql.substr(0, 60) + ": " + PQresultErrorMessage(r.get()));
  }
}

// Creates the binary's database with the incident's schema once, drops it at the end.
class SchemaDatabase : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* source = std::getenv("PGSHIM_SOURCE_DIR");
    ASSERT_NE(source, nullptr) << "run through ctest";
    std::ifstream in(std::string(source) + "/config/incident-schema.sql");
    ASSERT_TRUE(in) << "cannot read config/incident-schema.sql";
    std::stringstream schema;
    schema << in.rdbuf();

    auto admin = test::connect(admin_conninfo(test::Sandbox::get().database));
    ASSERT_EQ(PQstatus(admin.get()), CONNECTION_OK) << PQerrorMessage(admin.get());
    exec_ok(admin.get(), "DROP DATABASE IF EXISTS " + database_name() + " WITH (FORCE)");
    exec_ok(admin.get(), "CREATE DATABASE " + database_name());
    auto db = test::connect(admin_conninfo(database_name()));
    ASSERT_EQ(PQstatus(db.get()), CONNECTION_OK) << PQerrorMessage(db.get());
    exec_ok(db.get(), schema.str());
  }
  void TearDown() override {
    auto admin = test::connect(admin_conninfo(test::Sandbox::get().database));
    if (PQstatus(admin.get()) == CONNECTION_OK) {
      exec_ok(admin.get(), "DROP DATABASE IF EXISTS " + database_name() + " WITH (FORCE)");
    }
  }
};
[[maybe_unused]] const auto* const kDatabase = ::testing::AddGlobalTestEnvironment(new SchemaDatabase);

sql::PendingColumn pending(std::string table, std::string column) {
  sql::PendingColumn c;
  c.table = std::move(table);
  c.column = std::move(column);
  c.type = "text";
  c.migration = "20250804020810_add_last_error_to_environments";
  return c;
}

// Records every on_change call (copies of both snapshots).
struct Recorder {
  std::mutex mutex;
  std::vector<std::pair<Snapshot, Snapshot>> calls;

  OnChange callback() {
    return [this](const Snapshot& previous, const Snapshot& next) {
      std::lock_guard lock(mutex);
      calls.emplace_back(previous, next);
    };
  }
  // The calls in which some column's state changed.
  std::vector<std::pair<Snapshot, Snapshot>> state_changes() {
    std::lock_guard lock(mutex);
    std::vector<std::pair<Snapshot, Snapshot>> out;
    for (const auto& [previous, next] : calls) {
      for (std::size_t i = 0; i < next.columns.size(); ++i) {
        if (previous.columns[i].state != next.columns[i].state) {
          out.emplace_back(previous, next);
          break;
        }
      }
    }
    return out;
  }
};

WatcherOptions options(std::vector<sql::PendingColumn> columns, std::string conninfo = monitor_url(),
                       std::chrono::milliseconds interval = kShortInterval) {
  WatcherOptions o;
  o.conninfo = std::move(conninfo);
  o.columns = std::move(columns);
  o.poll_interval = interval;
  o.connect_timeout = 5s;
  o.statement_timeout = 5000ms;
  o.min_backoff = 100ms;
  return o;
}

template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds limit = kEventually) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

ColumnState state_of(const SchemaWatcher& watcher, std::size_t i) { return watcher.current()->columns.at(i).state; }

// A port on 127.0.0.1 that nothing listens on (bound, then closed).
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The first check finds environments.last_error Missing, jobs.last_error as a
// fact, and publishes a rewriter-ready MissingSet before wait_first_check returns.
TEST(SchemaWatcher, FirstCheckFindsTheMissingColumnAndFacts) {
  SchemaWatcher watcher(options({pending("environments", "last_error")}), nullptr);
  const auto initial = watcher.current();
  EXPECT_EQ(initial->columns.at(0).state, ColumnState::Unknown);
  EXPECT_FALSE(initial->last_poll_ok);
  watcher.start();
  ASSERT_TRUE(watcher.wait_first_check(kEventually));
  const auto snapshot = watcher.current();
  ASSERT_TRUE(snapshot->last_poll_ok) << snapshot->last_poll_error;
  EXPECT_EQ(snapshot->columns.at(0).state, ColumnState::Missing);
  EXPECT_FALSE(snapshot->columns.at(0).detected_reactively);
  EXPECT_GT(snapshot->version, initial->version);
  ASSERT_NE(snapshot->missing, nullptr);
  EXPECT_NE(snapshot->missing->find("public", "environments", "last_error"), nullptr);
  EXPECT_EQ(snapshot->missing->version(), snapshot->version);
  ASSERT_NE(snapshot->facts, nullptr);
  EXPECT_TRUE(snapshot->facts->has("last_error", "public", "jobs"));
  EXPECT_FALSE(snapshot->facts->has("last_error", "public", "environments"));
}

// A poll that finds nothing new publishes no new version (the version keys the
// rewrite cache); only last_poll moves.
TEST(SchemaWatcher, UnchangedPollsKeepTheVersion) {
  SchemaWatcher watcher(options({pending("environments", "last_error")}), nullptr);
  watcher.start();
  ASSERT_TRUE(watcher.wait_first_check(kEventually));
  const auto first = watcher.current();
  ASSERT_TRUE(eventually([&] { return watcher.current()->last_poll > first->last_poll; }));
  ASSERT_TRUE(eventually([&] { return watcher.current()->last_poll > first->last_poll + 2 * kShortInterval; }));
  EXPECT_EQ(watcher.current()->version, first->version);
  EXPECT_EQ(watcher.current()->missing, first->missing);  // the same set, not rebuilt
}

// Applying the migration turns the column Present within about one poll
// interval, with exactly one on_change Missing -> Present and a new version;
// dropping it again turns it back to Missing.
TEST(SchemaWatcher, MigrationAppliedTurnsPresentWithinOneInterval) {
  Recorder recorder;
  SchemaWatcher watcher(options({pending("environments", "last_error")}), recorder.callback());
  watcher.start();
  ASSERT_TRUE(watcher.wait_first_check(kEventually));
  ASSERT_EQ(state_of(watcher, 0), ColumnState::Missing);
  const auto before = watcher.current();
  const std::size_t changes_before = recorder.state_changes().size();

  auto db = test::connect(admin_conninfo(database_name()));
  ASSERT_EQ(PQstatus(db.get()), CONNECTION_OK);
  exec_ok(db.get(), "ALTER TABLE environments ADD COLUMN last_error text");
  const auto altered = Clock::now();
  ASSERT_TRUE(eventually([&] { return state_of(watcher, 0) == ColumnState::Present; }));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - altered);
  // One interval plus the query's own time; the margin absorbs a loaded machine.
  EXPECT_LE(took, kShortInterval + 800ms) << "took " << took.count() << " ms";

  const auto after = watcher.current();
  EXPECT_GT(after->version, before->version);
  EXPECT_TRUE(after->missing->empty());
  EXPECT_TRUE(after->facts->has("last_error", "public", "environments"));
  const auto changes = recorder.state_changes();
  ASSERT_EQ(changes.size(), changes_before + 1);
  const auto& [previous, next] = changes.back();
  EXPECT_EQ(previous.columns.at(0).state, ColumnState::Missing);
  EXPECT_EQ(next.columns.at(0).state, ColumnState::Present);
  EXPECT_GT(next.version, previous.version);

  exec_ok(db.get(), "ALTER TABLE environments DROP COLUMN last_error");
  ASSERT_TRUE(eventually([&] { return state_of(watcher, 0) == ColumnState::Missing; }));
  EXPECT_EQ(recorder.state_changes().size(), changes_before + 2);
}

// A configured table that does not exist is Unknown with a reason (the
// rewriter cannot help), while the poll itself succeeded.
TEST(SchemaWatcher, MissingTableIsUnknownWithAReason) {
  SchemaWatcher watcher(options({pending("environments", "last_error"), pending("nope", "last_error")}), nullptr);
  watcher.start();
  ASSERT_TRUE(watcher.wait_first_check(kEventually));
  const auto snapshot = watcher.current();
  ASSERT_TRUE(snapshot->last_poll_ok) << snapshot->last_poll_error;
  EXPECT_EQ(snapshot->columns.at(0).state, ColumnState::Missing);
  EXPECT_EQ(snapshot->columns.at(1).state, ColumnState::Unknown);
  EXPECT_EQ(snapshot->columns.at(1).reason, "table public.nope does not exist");
  EXPECT_EQ(snapshot->missing->find("public", "nope", "last_error"), nullptr);
}

// Killing the watcher's backend makes the next poll fail (last_poll_ok false,
// the Missing state and the version kept), and the poll after reconnects.
TEST(SchemaWatcher, LostConnectionKeepsStatesAndRecovers) {
  Recorder recorder;
  SchemaWatcher watcher(options({pending("environments", "last_error")}), recorder.callback());
  watcher.start();
  ASSERT_TRUE(watcher.wait_first_check(kEventually));
  ASSERT_EQ(state_of(watcher, 0), ColumnState::Missing);
  const auto version = watcher.current()->version;
  const std::size_t changes_before = recorder.state_changes().size();  // the first check's
  std::size_t calls_before = 0;
  {
    std::lock_guard lock(recorder.mutex);
    calls_before = recorder.calls.size();
  }

  auto db = test::connect(admin_conninfo(database_name()));
  ASSERT_EQ(PQstatus(db.get()), CONNECTION_OK);
  const std::string kill =
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
      "WHERE application_name = 'pgshim-watcher' AND datname = '" + database_name() + "'";
  EXPECT_EQ(test::query_value(db.get(), kill), "1");
  ASSERT_TRUE(eventually([&] { return !watcher.current()->last_poll_ok; }));
  const auto failed = watcher.current();
  EXPECT_FALSE(failed->last_poll_error.empty());
  EXPECT_EQ(failed->columns.at(0).state, ColumnState::Missing);
  EXPECT_EQ(failed->version, version);
  EXPECT_NE(failed->missing->find("public", "environments", "last_error"), nullptr);

  ASSERT_TRUE(eventually([&] { return watcher.current()->last_poll_ok; }));
  EXPECT_EQ(state_of(watcher, 0), ColumnState::Missing);
  EXPECT_EQ(watcher.current()->version, version);
  // on_change reported the outage and the recovery, but no state change.
  EXPECT_EQ(recorder.state_changes().size(), changes_before);
  std::lock_guard lock(recorder.mutex);
  ASSERT_GE(recorder.calls.size(), calls_before + 2);  // the failure, the recovery
  EXPECT_TRUE(recorder.calls[calls_before].first.last_poll_ok);
  EXPECT_FALSE(recorder.calls[calls_before].second.last_poll_ok);
  EXPECT_TRUE(recorder.calls.back().second.last_poll_ok);
}

// Nothing listening: the first check finishes (failed), states stay Unknown,
// and the watcher keeps retrying without throwing.
TEST(SchemaWatcher, ClosedPortFailsWithoutThrowing) {
  SchemaWatcher watcher(options({pending("environments", "last_error")}, monitor_url("scram-pass", closed_port())),
                        nullptr);
  watcher.start();
  ASSERT_TRUE(watcher.wait_first_check(kEventually));
  const auto snapshot = watcher.current();
  EXPECT_FALSE(snapshot->last_poll_ok);
  EXPECT_NE(snapshot->last_poll_error.find("cannot connect"), std::string::npos) << snapshot->last_poll_error;
  EXPECT_EQ(snapshot->columns.at(0).state, ColumnState::Unknown);
  ASSERT_TRUE(eventually([&] { return watcher.current()->last_poll > snapshot->last_poll; }));
}

// A wrong monitor password is reported as an authentication failure, and the
// password itself appears nowhere in the snapshot.
TEST(SchemaWatcher, WrongPasswordIsReportedWithoutThePassword) {
  const std::string password = "wrong-Secret-4711";
  SchemaWatcher watcher(options({pending("environments", "last_error")}, monitor_url(password)), nullptr);
  watcher.start();
  ASSERT_TRUE(watcher.wait_first_check(kEventually));
  const auto snapshot = watcher.current();
  EXPECT_FALSE(snapshot->last_poll_ok);
  EXPECT_NE(snapshot->last_poll_error.find("password authentication failed"), std::string::npos)
      << snapshot->last_poll_error;
  EXPECT_EQ(snapshot->last_poll_error.find(password), std::string::npos) << snapshot->last_poll_error;
  for (const auto& status : snapshot->columns) EXPECT_EQ(status.reason.find(password), std::string::npos);
}

// A conninfo libpq cannot parse fails at construction, without the password.
TEST(SchemaWatcher, MalformedConninfoFailsAtConstructionWithoutThePassword) {
  try {
    SchemaWatcher watcher(options({pending("environments", "last_error")}, "postgres://u:pa%zzword@h/db"), nullptr);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("pa%zzword"), std::string::npos) << e.what();
  }
}

// A configured type PostgreSQL cannot parse fails at construction, not on the thread.
TEST(SchemaWatcher, BadTypeFailsAtConstruction) {
  auto column = pending("environments", "last_error");
  column.type = "text; DROP TABLE environments";
  EXPECT_THROW({ SchemaWatcher watcher(options({column}), nullptr); }, std::invalid_argument);
}

// Two sessions reporting the same 42703 at once change the state once, with
// one on_change; the next poll, newer evidence, restores the catalog's truth.
TEST(SchemaWatcher, ConcurrentMarkMissingChangesOnce) {
  Recorder recorder;
  // jobs.last_error exists, so the poll says Present and the mark is the only
  // way it becomes Missing.
  SchemaWatcher watcher(options({pending("jobs", "last_error")}, monitor_url(), 10s), recorder.callback());
  watcher.start();
  ASSERT_TRUE(watcher.wait_first_check(kEventually));
  ASSERT_EQ(state_of(watcher, 0), ColumnState::Present);
  const auto before = watcher.current();
  const std::size_t changes_before = recorder.state_changes().size();

  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<int> changed{0};
  auto session = [&] {
    ready.fetch_add(1);
    while (!go.load()) std::this_thread::yield();
    if (watcher.mark_missing("public", "jobs", "last_error")) changed.fetch_add(1);
  };
  std::thread a(session);
  std::thread b(session);
  while (ready.load() < 2) std::this_thread::yield();
  go.store(true);
  a.join();
  b.join();

  EXPECT_EQ(changed.load(), 1);
  const auto after = watcher.current();
  EXPECT_EQ(after->columns.at(0).state, ColumnState::Missing);
  EXPECT_TRUE(after->columns.at(0).detected_reactively);
  EXPECT_EQ(after->version, before->version + 1);
  EXPECT_NE(after->missing->find("public", "jobs", "last_error"), nullptr);
  EXPECT_FALSE(after->facts->has("last_error", "public", "jobs"));
  EXPECT_EQ(recorder.state_changes().size(), changes_before + 1);
  EXPECT_FALSE(watcher.mark_missing("public", "jobs", "last_error"));  // already Missing
  EXPECT_FALSE(watcher.mark_missing("public", "jobs", "other"));       // not configured

  // poll_now wakes the thread long before the 10 s interval.
  watcher.poll_now();
  ASSERT_TRUE(eventually([&] { return state_of(watcher, 0) == ColumnState::Present; }, 3s));
  EXPECT_FALSE(watcher.current()->columns.at(0).detected_reactively);
  EXPECT_EQ(recorder.state_changes().size(), changes_before + 2);
}

// stop() interrupts the sleep between polls: it returns promptly even with a
// 10 s interval, and the last snapshot stays readable.
TEST(SchemaWatcher, StopIsPrompt) {
  SchemaWatcher watcher(options({pending("environments", "last_error")}, monitor_url(), 10s), nullptr);
  watcher.start();
  ASSERT_TRUE(watcher.wait_first_check(kEventually));
  const auto started = Clock::now();
  watcher.stop();
  EXPECT_LT(Clock::now() - started, 1s);
  EXPECT_EQ(state_of(watcher, 0), ColumnState::Missing);
  watcher.stop();  // idempotent
}

}  // namespace
}  // namespace pgshim::schema
