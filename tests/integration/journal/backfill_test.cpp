// The whole "nothing lost" workflow with real parts: writes of the missing
// column through two pgshim replicas (the Prisma engine's extended protocol
// and simple-protocol literals), the migration, then `pgshim backfill`: every
// value the migrated database would hold is there, a value the application
// wrote after the migration is kept, a second run changes nothing, and what
// cannot be applied (no key, a torn line, a column still missing) is reported
// with exit status 1.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <regex>

#include "integration/alert/obs_support.hpp"
#include "integration/journal/journal_support.hpp"
#include "integration/migrations/check_support.hpp"
#include "support/harness.hpp"

namespace pgshim::test {
namespace {

namespace fs = std::filesystem;
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
using journal_support::wait_for_log;

// Prisma's native upsert: create and update may give different values; which
// one ran, pgshim learns from the row RETURNING gives back (xmax).
constexpr const char* kUpsertTwoValues =
    R"(INSERT INTO "public"."environments" ("id","name","user_id","last_error") VALUES ($1,$2,$3,$4) ON CONFLICT ("id") DO UPDATE SET "last_error" = $5 RETURNING "public"."environments"."id", "public"."environments"."last_error")";
constexpr const char* kUpsert =
    R"(INSERT INTO "public"."environments" ("id","name","user_id","last_error") VALUES ($1,$2,$3,$4) ON CONFLICT ("id") DO UPDATE SET "last_error" = EXCLUDED."last_error" RETURNING "public"."environments"."id")";

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/pgshim-backfill.XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

// One pgshim replica writing its own journal file.
struct Replica : journal_support::Replica {
  Replica(const IncidentDatabase& db, const std::string& id, const fs::path& journal)
      : journal_support::Replica(db, id, journal.string()) {}
};

Outcome backfill(const IncidentDatabase& db, const fs::path& journals, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"backfill", "--journal", journals.string(), "--upstream", db.url_with_credentials()};
  args.insert(args.end(), extra.begin(), extra.end());
  return journal_support::pgshim_stdout(args);
}

TEST(Backfill, TwoReplicasThenTheMigrationThenEveryValueIsBackOnce) {
  IncidentDatabase db("backfill_replicas");
  TempDir dir;
  {
    Replica a(db, "replica-a", dir.path / "a.jsonl");
    Replica b(db, "replica-b", dir.path / "b.jsonl");
    ASSERT_TRUE(wait_for_log(a.shim, "is MISSING")) << a.shim.log();
    ASSERT_TRUE(wait_for_log(b.shim, "is MISSING")) << b.shim.log();
    auto ca = a.client();
    auto cb = b.client();
    ASSERT_EQ(PQstatus(ca.get()), CONNECTION_OK) << PQerrorMessage(ca.get());
    ASSERT_EQ(PQstatus(cb.get()), CONNECTION_OK) << PQerrorMessage(cb.get());
    // A create with the column, the engine's way.
    exec_params(ca.get(), kInsert,
                {"env_new", "fresh", "user_1", "tpl_1", "PENDING", "insert boom", "2026-01-01 00:00:00+00",
                 "2026-01-01 00:00:00+00"});
    // The same row and column from both replicas: b's is later and wins.
    exec_params(ca.get(), kUpdate, {"a first", "env_1"});
    std::this_thread::sleep_for(5ms);  // distinct milliseconds across replicas
    exec_params(cb.get(), kUpdate, {"b second", "env_1"});
    // A value the application will overwrite after the migration.
    exec_params(cb.get(), kUpdate, {"stale", "env_2"});
    // An upsert that hit the existing row, DO UPDATE taking the insert's value.
    exec_params(ca.get(), kUpsert, {"env_3", "prod", "user_2", "upsert boom"});
    // Simple protocol with literals.
    exec_ok(cb.get(),
            "INSERT INTO environments (id, name, user_id, last_error) VALUES ('env_lit', 'lit', 'user_2', 'it''s literal')");
    // Upserts whose two branches write different values: one updates, one inserts.
    auto direct = db.direct();
    exec_ok(direct.get(), "INSERT INTO environments (id, name, user_id) VALUES ('env_u', 'u', 'user_1')");
    exec_params(cb.get(), kUpsertTwoValues, {"env_u", "u", "user_1", "u create", "u update"});
    {
      // The client sees its own two columns: pgshim's RETURNING columns are stripped.
      const std::array<const char*, 5> v{"env_v", "v", "user_1", "v create", "v update"};
      Result r(PQexecParams(cb.get(), kUpsertTwoValues, 5, nullptr, v.data(), nullptr, nullptr, 0));
      ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
      ASSERT_EQ(PQnfields(r.get()), 2);
      EXPECT_STREQ(PQfname(r.get(), 1), "last_error");
      EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "env_v");
      EXPECT_TRUE(PQgetisnull(r.get(), 0, 1));
      EXPECT_STREQ(PQcmdTuples(r.get()), "1");
    }
    // A row written, then deleted before the migration.
    exec_ok(direct.get(), "INSERT INTO environments (id, name, user_id) VALUES ('env_del', 'del', 'user_1')");
    exec_params(ca.get(), kUpdate, {"gone soon", "env_del"});
    exec_ok(direct.get(), "DELETE FROM environments WHERE id = 'env_del'");
  }
  auto direct = db.direct();

  // Backfill before the migration: nothing to do yet, and it says so.
  const Outcome early = backfill(db, dir.path);
  EXPECT_EQ(early.status, 1) << early.out;
  EXPECT_NE(early.out.find("does not exist yet"), std::string::npos) << early.out;

  exec_ok(direct.get(), "ALTER TABLE environments ADD COLUMN last_error TEXT");
  exec_ok(direct.get(), "UPDATE environments SET last_error = 'app wrote after' WHERE id = 'env_2'");

  const Outcome dry = backfill(db, dir.path, {"--dry-run"});
  EXPECT_EQ(dry.status, 0) << dry.out;
  EXPECT_NE(dry.out.find("would apply  public.environments.last_error = (8 bytes) where id = 'env_1'"),
            std::string::npos)
      << dry.out;
  EXPECT_EQ(dry.out.find("b second"), std::string::npos) << "values are not shown without --show-values";
  EXPECT_EQ(query_value(direct.get(), "SELECT count(*) FROM environments WHERE last_error IS NOT NULL"), "1")
      << "a dry run changes nothing";

  const Outcome first = backfill(db, dir.path, {"--format", "json"});
  EXPECT_EQ(first.status, 0) << first.out;
  EXPECT_EQ(counts(first), "applied=6 already=0 superseded=1 newer=1 gone=1 unrecoverable=0 torn=0 invalid=0 errors=0")
      << first.out;
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_new'"), "insert boom");
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_1'"), "b second");
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_2'"), "app wrote after");
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_3'"), "upsert boom");
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_lit'"), "it's literal");
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_u'"), "u update");
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_v'"), "v create");

  const Outcome second = backfill(db, dir.path, {"--format", "json"});
  EXPECT_EQ(second.status, 0) << second.out;
  EXPECT_EQ(counts(second), "applied=0 already=6 superseded=1 newer=1 gone=1 unrecoverable=0 torn=0 invalid=0 errors=0")
      << second.out;
}

TEST(Backfill, AGeneratedKeyIsLearnedFromReturning) {
  // The INSERT does not state the row's key (an identity column): pgshim asks
  // RETURNING for the written row, strips it from the client's answer, and
  // the journal names the row by the key the database generated. Text and
  // binary results, simple and extended protocol.
  IncidentDatabase db("backfill_generated");
  auto direct = db.direct();
  exec_ok(direct.get(), "CREATE TABLE tickets (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text)");
  TempDir dir;
  {
    Pgshim shim({"--upstream", db.url_with_credentials(), "--pending", "tickets.last_error:text",
                 "--schema-poll-interval", "200ms", "--journal", (dir.path / "j.jsonl").string()},
                false);
    ASSERT_TRUE(wait_for_log(shim, "is MISSING")) << shim.log();
    auto conn = connect("host=127.0.0.1 port=" + std::to_string(shim.port()) + " dbname=" + db.name() +
                        " user=pgshim_scram password=scram-pass sslmode=disable");
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
    const char* insert = "INSERT INTO tickets (title, last_error) VALUES ($1, $2) RETURNING id, title";
    const std::array<const char*, 2> text{"text result", "fi\"r\\st"};  // quotes and backslashes survive
    Result a(PQexecParams(conn.get(), insert, 2, nullptr, text.data(), nullptr, nullptr, 0));
    ASSERT_EQ(PQresultStatus(a.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(a.get());
    ASSERT_EQ(PQnfields(a.get()), 2);
    EXPECT_STREQ(PQgetvalue(a.get(), 0, 0), "1");
    const std::array<const char*, 2> binary{"binary result", "second"};
    Result b(PQexecParams(conn.get(), insert, 2, nullptr, binary.data(), nullptr, nullptr, 1));
    ASSERT_EQ(PQresultStatus(b.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(b.get());
    ASSERT_EQ(PQnfields(b.get()), 2);
    EXPECT_EQ(PQgetlength(b.get(), 0, 0), 8) << "id in binary, as asked";
    Result c(PQexec(conn.get(), "INSERT INTO tickets (title, last_error) VALUES ('simple', 'third') RETURNING id"));
    ASSERT_EQ(PQresultStatus(c.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(c.get());
    ASSERT_EQ(PQnfields(c.get()), 1);
    EXPECT_STREQ(PQgetvalue(c.get(), 0, 0), "3");
    // No RETURNING of the client's: pgshim's own is answered and removed
    // whole: the client gets a command status, no rows, and NoData on Describe.
    Result d(PQexec(conn.get(), "INSERT INTO tickets (title, last_error) VALUES ('no returning', 'fourth')"));
    ASSERT_EQ(PQresultStatus(d.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(d.get());
    EXPECT_STREQ(PQcmdTuples(d.get()), "1");
    Result prepared(PQprepare(conn.get(), "ins", "INSERT INTO tickets (title, last_error) VALUES ($1, $2)", 0, nullptr));
    ASSERT_EQ(PQresultStatus(prepared.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(prepared.get());
    Result described(PQdescribePrepared(conn.get(), "ins"));
    ASSERT_EQ(PQresultStatus(described.get()), PGRES_COMMAND_OK);
    EXPECT_EQ(PQnfields(described.get()), 0) << "NoData, as without pgshim";
    const std::array<const char*, 2> fifth{"prepared", "fifth"};
    Result e(PQexecPrepared(conn.get(), "ins", 2, fifth.data(), nullptr, nullptr, 0));
    ASSERT_EQ(PQresultStatus(e.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(e.get());
    EXPECT_EQ(PQntuples(e.get()), 0);
    EXPECT_STREQ(PQcmdTuples(e.get()), "1");
  }
  exec_ok(direct.get(), "ALTER TABLE tickets ADD COLUMN last_error TEXT");
  const Outcome run = backfill(db, dir.path, {"--format", "json"});
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(counts(run), "applied=5 already=0 superseded=0 newer=0 gone=0 unrecoverable=0 torn=0 invalid=0 errors=0")
      << run.out;
  EXPECT_EQ(query_value(direct.get(), "SELECT string_agg(id || '=' || last_error, ',' ORDER BY id) FROM tickets"),
            "1=fi\"r\\st,2=second,3=third,4=fourth,5=fifth");
}

TEST(Backfill, WhatCannotBeAppliedIsReportedAndTheRestApplied) {
  IncidentDatabase db("backfill_report");
  TempDir dir;
  const fs::path journal = dir.path / "j.jsonl";
  {
    Replica a(db, "solo", journal);
    ASSERT_TRUE(wait_for_log(a.shim, "is MISSING")) << a.shim.log();
    auto conn = a.client();
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
    exec_params(conn.get(), kUpdate, {"keyed", "env_1"});
    // No key in the statement: which rows it changed is not known.
    exec_ok(conn.get(), "UPDATE environments SET last_error = 'bulk' WHERE status = 'RUNNING'");
  }
  {
    // A crash in the middle of a record.
    std::ofstream out(journal, std::ios::app);
    out << R"({"v":2,"replica":"solo","boot":1,"seq":99,"time_un)";
  }
  auto direct = db.direct();
  exec_ok(direct.get(), "ALTER TABLE environments ADD COLUMN last_error TEXT");
  const Outcome text = backfill(db, dir.path);
  EXPECT_EQ(text.status, 1) << text.out;
  EXPECT_NE(text.out.find("torn  " + journal.string() + ":3"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("no unique key of public.environments (it stated: status)"), std::string::npos) << text.out;
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_1'"), "keyed");
  EXPECT_EQ(query_value(direct.get(), "SELECT count(*) FROM environments WHERE last_error = 'bulk'"), "0")
      << "never guessed";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Backfill, OnlyWritesThatTookEffectAreJournaled) {
  // A value is journaled when its statement changed a row and its transaction
  // committed; a rollback, a failed batch, UPDATE 0, INSERT ... DO NOTHING
  // that hit a conflict, and a write ROLLBACK TO SAVEPOINT undid leave nothing
  // to backfill, while the writes before that savepoint stay.
  IncidentDatabase db("backfill_effect");
  TempDir dir;
  const fs::path journal = dir.path / "j.jsonl";
  {
    Replica a(db, "solo", journal);
    ASSERT_TRUE(wait_for_log(a.shim, "is MISSING")) << a.shim.log();
    auto conn = a.client();
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
    exec_ok(conn.get(), "BEGIN");
    exec_params(conn.get(), kUpdate, {"rolled back", "env_1"});
    exec_ok(conn.get(), "ROLLBACK");
    // An implicit transaction that fails after the write.
    Result failed(PQexec(conn.get(), "UPDATE environments SET last_error = 'failed batch' WHERE id = 'env_1'; SELECT 1/0"));
    EXPECT_EQ(PQresultStatus(failed.get()), PGRES_FATAL_ERROR);
    exec_params(conn.get(), kUpdate, {"no such row", "env_none"});
    exec_ok(conn.get(),
            "INSERT INTO environments (id, name, user_id, last_error) VALUES ('env_1', 'x', 'user_1', 'conflict') "
            "ON CONFLICT DO NOTHING");
    exec_ok(conn.get(), "BEGIN");
    exec_params(conn.get(), kUpdate, {"before savepoint", "env_2"});
    exec_ok(conn.get(), "SAVEPOINT s");
    exec_params(conn.get(), kUpdate, {"after savepoint", "env_2"});
    exec_ok(conn.get(), "ROLLBACK TO SAVEPOINT s");
    exec_ok(conn.get(), "COMMIT");
    // Committed, in an explicit transaction and in a pipelined-free batch.
    exec_ok(conn.get(), "BEGIN");
    exec_params(conn.get(), kUpdate, {"committed", "env_3"});
    std::string text = slurp(journal);
    EXPECT_EQ(text.find("committed"), std::string::npos) << "held until COMMIT: " << text;
    exec_ok(conn.get(), "COMMIT");
    exec_params(conn.get(), kUpdate, {"autocommit", "env_1"});
    text = slurp(journal);
    for (const char* never : {"rolled back", "failed batch", "no such row", "conflict", "after savepoint"}) {
      EXPECT_EQ(text.find(never), std::string::npos) << never << " was journaled: " << text;
    }
    EXPECT_NE(text.find(R"("value":"before savepoint")"), std::string::npos) << "kept by the COMMIT: " << text;
    EXPECT_NE(text.find(R"("value":"committed")"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("value":"autocommit")"), std::string::npos) << text;
  }
}

TEST(Backfill, AutoBackfillAppliesTheJournalWhenTheColumnAppearsBeforeTheAlertResolves) {
  // `--auto-backfill`: pgshim itself applies its journal once the watcher sees
  // the column, through the monitor login; the column's alert resolves only
  // after that (when the resolved notification arrives the values are there),
  // and /status and /metrics say what the run did.
  obs_test::Receiver hook;
  IncidentDatabase db("backfill_auto");
  TempDir dir;
  Pgshim shim({"--upstream", db.url_with_credentials(), "--pending", kPending, "--schema-poll-interval", "200ms",
               "--journal", (dir.path / "j.jsonl").string(), "--auto-backfill", "--metrics-listen", "127.0.0.1:0",
               "--webhook", "http://127.0.0.1:" + std::to_string(hook.port()) + "/hook", "--alert-interval", "200ms"},
              false);
  ASSERT_TRUE(wait_for_log(shim, "is MISSING")) << shim.log();
  auto conn = connect("host=127.0.0.1 port=" + std::to_string(shim.port()) + " dbname=" + db.name() +
                      " user=pgshim_scram password=scram-pass sslmode=disable");
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  exec_params(conn.get(), kUpdate, {"auto one", "env_1"});
  exec_params(conn.get(), kUpdate, {"auto two", "env_2"});
  ASSERT_TRUE(obs_test::wait_until([&] { return !hook.requests().empty(); }, 5s)) << shim.log();

  auto direct = db.direct();
  exec_ok(direct.get(), "ALTER TABLE environments ADD COLUMN last_error TEXT");
  const auto resolved = [&] {
    for (const auto& r : hook.requests()) {
      if (r.body.find(R"("status":"resolved")") != std::string::npos) return true;
    }
    return false;
  };
  ASSERT_TRUE(obs_test::wait_until(resolved, 10s)) << shim.log();
  // The moment the alert resolved, the values were already back.
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_1'"), "auto one");
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM environments WHERE id = 'env_2'"), "auto two");
  ASSERT_TRUE(wait_for_log(shim, "backfill: 2 applied")) << shim.log();
  const std::string log = shim.log();
  EXPECT_LT(log.find("is present"), log.find("backfill: 2 applied")) << log;

  const int port = metrics_port(shim);
  ASSERT_NE(port, 0) << log;
  const auto status = boost::json::parse(obs_test::http_get(port, "/status").body);
  const auto& backfill = status.at("backfill");
  EXPECT_EQ(backfill.at("mode"), "auto");
  EXPECT_EQ(backfill.at("runs"), 1);
  EXPECT_EQ(backfill.at("last").at("applied"), 2);
  const std::string metrics = obs_test::http_get(port, "/metrics").body;
  EXPECT_NE(metrics.find(R"(pgshim_backfill_rows_total{result="applied"} 2)"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(pgshim_backfill_runs_total{outcome="ok"} 1)"), std::string::npos) << metrics;
  // Through pgshim, now a plain proxy, the values read back.
  EXPECT_EQ(query_value(conn.get(), "SELECT last_error FROM environments WHERE id = 'env_2'"), "auto two");
}

TEST(Backfill, AutoBackfillWithoutAJournalIsAConfigurationError) {
  const Outcome o = pgshim_merged({"--upstream", "postgres://x@127.0.0.1:1/x", "--auto-backfill", "--check-config"});
  EXPECT_EQ(o.status, 2) << o.out;
  EXPECT_NE(o.out.find("backfill: auto needs the journal"), std::string::npos) << o.out;
}

TEST(Backfill, UsageAndUnreachableDatabaseAreErrors) {
  TempDir dir;
  EXPECT_EQ(pgshim_merged({"backfill", "--upstream", "postgres://x@127.0.0.1:1/x"}).status, 2);
  const Outcome missing = pgshim_merged({"backfill", "--journal", (dir.path / "none.jsonl").string(), "--upstream",
                                         "postgres://x@127.0.0.1:1/x"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.out.find("does not exist"), std::string::npos) << missing.out;
  std::ofstream(dir.path / "j.jsonl") << "";
  const Outcome unreachable = pgshim_merged(
      {"backfill", "--journal", (dir.path / "j.jsonl").string(), "--upstream", "postgresql://x@127.0.0.1:1/x?connect_timeout=2"});
  EXPECT_EQ(unreachable.status, 2) << unreachable.out;
  EXPECT_NE(unreachable.out.find("cannot connect"), std::string::npos) << unreachable.out;
}

}  // namespace
}  // namespace pgshim::test
