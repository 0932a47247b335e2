// `journal: postgres` with real parts: the journal table exists only after
// `pgshim journal init` (idempotent; a proxy without it says so and serves
// clients, and what it queued is written once the table is there), two pgshim
// replicas journal into the one table, `pgshim backfill --journal postgres:`
// applies it after the migration (a second run changes nothing), auto backfill
// reads it, and a table that refuses or disappears never fails a client's
// statement: the failure is logged and counted.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <regex>
#include <thread>

#include "integration/alert/obs_support.hpp"
#include "integration/journal/journal_support.hpp"
#include "integration/migrations/check_support.hpp"
#include "support/harness.hpp"

namespace pgshim::test {
namespace {

using namespace std::chrono_literals;
using migrations::check_support::Outcome;
using migrations::check_support::exec_ok;
using migrations::check_support::pgshim_merged;
using migrations::check_support::python_on_json;
using migrations::check_support::run_shell;
using migrations::check_support::shell_quote;

using journal_support::counts;
using journal_support::exec_params;
using journal_support::kInsert;
using journal_support::kPending;
using journal_support::kUpdate;
using journal_support::metrics_port;
using journal_support::pgshim_stdout;
using journal_support::wait_for_log;

bool wait_for_value(PGconn* conn, const std::string& sql, const std::string& want,
                    std::chrono::milliseconds limit = 10s) {
  return obs_test::wait_until([&] { return query_value(conn, sql) == want; }, limit);
}

// One pgshim replica journaling into the upstream's table.
struct Replica : journal_support::Replica {
  Replica(const IncidentDatabase& db, const std::string& id, std::vector<std::string> extra = {})
      : journal_support::Replica(db, id, "postgres:", std::move(extra)) {}
};

Outcome journal_init(const IncidentDatabase& db) {
  return pgshim_merged({"journal", "init", "--upstream", db.url_with_credentials()});
}

// The value of an unlabelled counter in /metrics; -1 when absent.
long counter(int port, const std::string& name) {
  const std::string body = obs_test::http_get(port, "/metrics").body;
  const std::regex line("\n" + name + " ([0-9]+)");
  std::smatch m;
  return std::regex_search(body, m, line) ? std::stol(m[1]) : -1;
}

TEST(PgJournal, InitIsExplicitAndIdempotentAndTheProxyServesWithoutTheTable) {
  IncidentDatabase db("pgjournal_init");
  auto direct = db.direct();
  Replica a(db, "solo");
  ASSERT_TRUE(wait_for_log(a.shim, "is MISSING")) << a.shim.log();
  // Said at start-up, before any value was dropped.
  ASSERT_TRUE(wait_for_log(a.shim, "does not exist: run `pgshim journal init`")) << a.shim.log();
  auto conn = a.client();
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  exec_params(conn.get(), kUpdate, {"queued before init", "env_1"});
  EXPECT_EQ(query_value(conn.get(), "SELECT 1"), "1");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(query_value(direct.get(), "SELECT to_regnamespace('pgshim') IS NULL"), "t") << "nothing created implicitly";

  const Outcome first = journal_init(db);
  EXPECT_EQ(first.status, 0) << first.out;
  EXPECT_NE(first.out.find(R"(schema pgshim created; table "pgshim".journal created)"), std::string::npos) << first.out;
  const Outcome second = journal_init(db);
  EXPECT_EQ(second.status, 0) << second.out;
  EXPECT_NE(second.out.find(R"(schema pgshim already there; table "pgshim".journal already there)"), std::string::npos)
      << second.out;
  EXPECT_EQ(query_value(direct.get(), "SELECT string_agg(a.attname, ',' ORDER BY i) FROM pg_index x, "
                                      "unnest(x.indkey) WITH ORDINALITY u(k, i) JOIN pg_attribute a ON a.attnum = k "
                                      "AND a.attrelid = 'pgshim.journal'::regclass "
                                      "WHERE x.indrelid = 'pgshim.journal'::regclass AND x.indisprimary"),
            "replica,boot,seq");

  // The value queued while the table was missing is written once it exists.
  ASSERT_TRUE(wait_for_value(direct.get(), "SELECT count(*) FROM pgshim.journal", "1")) << a.shim.log();
  EXPECT_TRUE(wait_for_log(a.shim, "writing again")) << a.shim.log();
  EXPECT_EQ(query_value(direct.get(),
                        "SELECT concat_ws('|', replica, seq, table_schema, table_name, column_name, kind, value_form, "
                        "value_text, value_bytes IS NULL, key::text, observed) FROM pgshim.journal"),
            R"(solo|1|public|environments|last_error|update-assignment|text|queued before init|t|[["id", "env_1", "text"]]|f)");
  const Outcome show = pgshim_merged({"journal", "show", "--upstream", db.url_with_credentials()});
  EXPECT_EQ(show.status, 0) << show.out;
  EXPECT_NE(show.out.find("1 record(s) from 1 replica(s)"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("column public.environments.last_error: 1 record(s)"), std::string::npos) << show.out;
}

TEST(PgJournal, TwoReplicasShareTheTableThenTheMigrationThenBackfillAppliesItOnce) {
  IncidentDatabase db("pgjournal_replicas");
  auto direct = db.direct();
  ASSERT_EQ(journal_init(db).status, 0);
  {
    Replica a(db, "replica-a");
    Replica b(db, "replica-b");
    ASSERT_TRUE(wait_for_log(a.shim, "is MISSING")) << a.shim.log();
    ASSERT_TRUE(wait_for_log(b.shim, "is MISSING")) << b.shim.log();
    auto ca = a.client();
    auto cb = b.client();
    ASSERT_EQ(PQstatus(ca.get()), CONNECTION_OK) << PQerrorMessage(ca.get());
    ASSERT_EQ(PQstatus(cb.get()), CONNECTION_OK) << PQerrorMessage(cb.get());
    exec_params(ca.get(), kInsert,
                {"env_new", "fresh", "user_1", "tpl_1", "PENDING", "insert boom", "2026-01-01 00:00:00+00",
                 "2026-01-01 00:00:00+00"});
    exec_params(ca.get(), kUpdate, {"a first", "env_1"});
    std::this_thread::sleep_for(5ms);  // distinct milliseconds across replicas
    exec_params(cb.get(), kUpdate, {"b second", "env_1"});
    exec_params(cb.get(), kUpdate, {"stale", "env_2"});
    // A binary parameter: the client's bytes go to a bytea column as they are.
    exec_params(ca.get(), kUpdate, {"binary value", "env_3"}, {1, 0});
    ASSERT_TRUE(wait_for_value(direct.get(), "SELECT count(*) FROM pgshim.journal", "5"))
        << a.shim.log() << b.shim.log();
  }
  EXPECT_EQ(query_value(direct.get(), "SELECT string_agg(replica || ':' || n, ',' ORDER BY replica) FROM "
                                      "(SELECT replica, count(*) n FROM pgshim.journal GROUP BY replica) s"),
            "replica-a:3,replica-b:2");
  EXPECT_EQ(query_value(direct.get(), "SELECT value_form || ':' || convert_from(value_bytes, 'UTF8') FROM "
                                      "pgshim.journal WHERE value_bytes IS NOT NULL"),
            "binary:binary value");

  const std::vector<std::string> backfill{"backfill", "--journal", "postgres:", "--upstream", db.url_with_credentials()};
  const Outcome early = pgshim_stdout(backfill);
  EXPECT_EQ(early.status, 1) << early.out;
  EXPECT_NE(early.out.find("does not exist yet"), std::string::npos) << early.out;

  exec_ok(direct.get(), "ALTER TABLE environments ADD COLUMN last_error TEXT");
  exec_ok(direct.get(), "UPDATE environments SET last_error = 'app wrote after' WHERE id = 'env_2'");
  auto json = backfill;
  json.insert(json.end(), {"--format", "json"});
  const Outcome first = pgshim_stdout(json);
  EXPECT_EQ(first.status, 0) << first.out;
  EXPECT_EQ(counts(first), "applied=3 already=0 superseded=1 newer=1 gone=0 unrecoverable=0 torn=0 invalid=0 errors=0")
      << first.out;
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_new'"), "insert boom");
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_1'"), "b second");
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_2'"), "app wrote after");
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_3'"), "binary value");
  const Outcome second = pgshim_stdout(json);
  EXPECT_EQ(second.status, 0) << second.out;
  EXPECT_EQ(counts(second), "applied=0 already=3 superseded=1 newer=1 gone=0 unrecoverable=0 torn=0 invalid=0 errors=0")
      << second.out;
}

TEST(PgJournal, AJournalTableThatRefusesOrDisappearsNeverFailsAClient) {
  IncidentDatabase db("pgjournal_unwritable");
  auto direct = db.direct();
  ASSERT_EQ(journal_init(db).status, 0);
  Replica a(db, "solo", {"--metrics-listen", "127.0.0.1:0"});
  ASSERT_TRUE(wait_for_log(a.shim, "is MISSING")) << a.shim.log();
  const int port = metrics_port(a.shim);
  ASSERT_NE(port, 0) << a.shim.log();
  auto conn = a.client();
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  exec_params(conn.get(), kUpdate, {"written", "env_1"});
  ASSERT_TRUE(wait_for_value(direct.get(), "SELECT count(*) FROM pgshim.journal", "1")) << a.shim.log();
  EXPECT_EQ(counter(port, "pgshim_journal_write_failures_total"), 0);

  // The table refuses every row (a superuser ignores REVOKE; a constraint does not).
  exec_ok(direct.get(), "ALTER TABLE pgshim.journal ADD CONSTRAINT refuse CHECK (false) NOT VALID");
  exec_params(conn.get(), kUpdate, {"refused, then written", "env_2"});
  ASSERT_TRUE(wait_for_log(a.shim, "cannot write")) << a.shim.log();
  EXPECT_NE(a.shim.log().find("violates check constraint"), std::string::npos) << a.shim.log();
  EXPECT_TRUE(obs_test::wait_until([&] { return counter(port, "pgshim_journal_write_failures_total") >= 1; }, 5s));
  EXPECT_EQ(query_value(conn.get(), "SELECT count(*) FROM environments"), query_value(direct.get(), "SELECT count(*) FROM environments"));
  // Kept queued: written once the table takes it again.
  exec_ok(direct.get(), "ALTER TABLE pgshim.journal DROP CONSTRAINT refuse");
  ASSERT_TRUE(wait_for_value(direct.get(), "SELECT count(*) FROM pgshim.journal", "2")) << a.shim.log();
  EXPECT_TRUE(wait_for_log(a.shim, "writing again")) << a.shim.log();

  // Gone altogether: clients still see nothing of it.
  exec_ok(direct.get(), "DROP TABLE pgshim.journal");
  const long before = counter(port, "pgshim_journal_write_failures_total");
  exec_params(conn.get(), kUpdate, {"no table", "env_3"});
  ASSERT_TRUE(wait_for_log(a.shim, R"(relation "pgshim.journal" does not exist (1 value(s) kept queued)")) << a.shim.log();
  EXPECT_TRUE(obs_test::wait_until([&] { return counter(port, "pgshim_journal_write_failures_total") > before; }, 5s));
  exec_params(conn.get(), kUpdate, {"still served", "env_4"});
  EXPECT_EQ(query_value(conn.get(), "SELECT 1"), "1");
  // The server's DETAIL ("Failing row contains ...") holds the values: never logged.
  EXPECT_EQ(a.shim.log().find("refused, then written"), std::string::npos) << a.shim.log();
}

TEST(PgJournal, AutoBackfillReadsTheTable) {
  IncidentDatabase db("pgjournal_auto");
  auto direct = db.direct();
  ASSERT_EQ(journal_init(db).status, 0);
  Replica a(db, "solo", {"--auto-backfill"});
  ASSERT_TRUE(wait_for_log(a.shim, "is MISSING")) << a.shim.log();
  auto conn = a.client();
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  exec_params(conn.get(), kUpdate, {"auto one", "env_1"});
  exec_params(conn.get(), kUpdate, {"auto two", "env_2"});
  ASSERT_TRUE(wait_for_value(direct.get(), "SELECT count(*) FROM pgshim.journal", "2")) << a.shim.log();
  exec_ok(direct.get(), "ALTER TABLE environments ADD COLUMN last_error TEXT");
  ASSERT_TRUE(wait_for_log(a.shim, "backfill: 2 applied")) << a.shim.log();
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_1'"), "auto one");
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_2'"), "auto two");
}

TEST(PgJournal, UsageErrors) {
  EXPECT_EQ(pgshim_merged({"journal"}).status, 2);
  EXPECT_EQ(pgshim_merged({"journal", "init"}).status, 2);
  EXPECT_EQ(pgshim_merged({"journal", "drop", "--upstream", "postgres://x@127.0.0.1:1/x"}).status, 2);
  const Outcome unreachable =
      pgshim_merged({"journal", "init", "--upstream", "postgresql://x@127.0.0.1:1/x?connect_timeout=2"});
  EXPECT_EQ(unreachable.status, 2) << unreachable.out;
  EXPECT_NE(unreachable.out.find("cannot connect"), std::string::npos) << unreachable.out;
}

}  // namespace
}  // namespace pgshim::test
