// The pending-column mission through a real pgshim and PostgreSQL, at the
// protocol level the Prisma query engine uses (libpq's prepare / describe /
// execute): statements mentioning the missing column run, keep their
// parameter count, and pgshim steps aside when the migration lands.
#include <gtest/gtest.h>

#include <array>
#include <csignal>
#include <fstream>
#include <unistd.h>
#include <sstream>
#include <thread>

#include "support/harness.hpp"

namespace pgshim::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPending = "environments.last_error:text:20250804020810_add_last_error_to_environments";

// The fixture's create (8 parameters, one of them for last_error).
constexpr const char* kInsert =
    R"(INSERT INTO "public"."environments" ("id","name","user_id","template_id","status","last_error","created_at","updated_at") VALUES ($1,$2,$3,$4,CAST($5::text AS "public"."EnvironmentStatus"),$6,$7,$8) RETURNING "public"."environments"."id")";
// The fixture's update of the pending column alone (its value is the only SET).
constexpr const char* kUpdateAlone =
    R"(UPDATE "public"."environments" SET "last_error" = $1 WHERE ("public"."environments"."id" = $2 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."status"::text, "public"."environments"."last_error")";

bool wait_for_log(const Pgshim& shim, const std::string& needle, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (shim.log().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Incident {
  explicit Incident(const std::string& name, std::vector<std::string> extra = {}, const std::string& password = "scram-pass")
      : db(name), shim([&] {
          std::vector<std::string> args{"--upstream", db.url_with_credentials(password), "--pending", kPending,
                                        "--schema-poll-interval", "200ms", "--log-level", "debug"};
          args.insert(args.end(), extra.begin(), extra.end());
          return args;
        }(), false) {}

  [[nodiscard]] Connection client() const {
    return connect("host=127.0.0.1 port=" + std::to_string(shim.port()) + " dbname=" + db.name() +
                   " user=pgshim_scram password=scram-pass sslmode=disable");
  }

  IncidentDatabase db;
  Pgshim shim;
};

TEST(Pending, PreparedWithoutTypesKeepsTheClientsParameterCount) {
  // Proves: the Rust engine's protocol (Parse with no types, Describe, Execute)
  // sees the 8 parameters it wrote although the rewrite stops using $6, and the
  // row is created.
  Incident incident("pending_describe");
  ASSERT_TRUE(wait_for_log(incident.shim, "is MISSING")) << incident.shim.log();
  auto conn = incident.client();
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  Result prepared(PQprepare(conn.get(), "s0", kInsert, 0, nullptr));
  ASSERT_EQ(PQresultStatus(prepared.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(prepared.get());
  Result described(PQdescribePrepared(conn.get(), "s0"));
  ASSERT_EQ(PQresultStatus(described.get()), PGRES_COMMAND_OK);
  EXPECT_EQ(PQnparams(described.get()), 8);
  EXPECT_EQ(PQparamtype(described.get(), 5), 25u);  // $6 is still declared text
  const char* values[8] = {"env_new", "fresh", "user_1", "tpl_1", "PENDING", "boom",
                           "2026-01-01 00:00:00+00", "2026-01-01 00:00:00+00"};
  Result executed(PQexecPrepared(conn.get(), "s0", 8, values, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(executed.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(executed.get());
  EXPECT_STREQ(PQgetvalue(executed.get(), 0, 0), "env_new");
  auto direct = incident.db.direct();
  EXPECT_EQ(query_value(direct.get(), "select name from environments where id = 'env_new'"), "fresh");
}

TEST(Pending, UpdateOfOnlyThePendingColumnMatchesTheSameRows) {
  // Proves: an UPDATE whose only SET is the pending column still reports
  // UPDATE 1 with the RETURNING row (last_error NULL), and changes nothing.
  Incident incident("pending_update");
  ASSERT_TRUE(wait_for_log(incident.shim, "is MISSING"));
  auto conn = incident.client();
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  const char* values[2] = {"boom", "env_1"};
  Result r(PQexecParams(conn.get(), kUpdateAlone, 2, nullptr, values, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdTuples(r.get()), "1");
  ASSERT_EQ(PQntuples(r.get()), 1);
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 1), "RUNNING");
  EXPECT_TRUE(PQgetisnull(r.get(), 0, 2));
  EXPECT_STREQ(PQfname(r.get(), 2), "last_error");
  Result none(PQexecParams(conn.get(), kUpdateAlone, 2, nullptr,
                           std::array<const char*, 2>{"boom", "no_such_env"}.data(), nullptr, nullptr, 0));
  EXPECT_STREQ(PQcmdTuples(none.get()), "0");
}

TEST(Pending, DroppedWritesAreJournaled) {
  // Proves: the value a statement meant for the missing column is written to
  // the journal with the row's key, so it can be backfilled after the migration.
  char dir[] = "/tmp/pgshim-journal.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string journal = std::string(dir) + "/dropped.jsonl";
  {
    Incident incident("pending_journal", {"--journal", journal});
    ASSERT_TRUE(wait_for_log(incident.shim, "is MISSING"));
    auto conn = incident.client();
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
    const char* values[2] = {"image pull failed", "env_2"};
    Result r(PQexecParams(conn.get(), kUpdateAlone, 2, nullptr, values, nullptr, nullptr, 0));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  }
  const std::string text = read_text(journal);
  EXPECT_NE(text.find(R"("table":"environments","column":"last_error")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("value":"image pull failed")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("key":{"id":"env_2"})"), std::string::npos) << text;
  std::remove(journal.c_str());
  rmdir(dir);
}

TEST(Pending, StepsAsideWhenTheMigrationLandsEvenForPreparedStatements) {
  // Proves: after ALTER TABLE ... ADD COLUMN, pgshim notices within its poll
  // interval, and a statement prepared (rewritten) before the switch is
  // re-prepared on its next use: the write is stored, no client error.
  Incident incident("pending_switch");
  ASSERT_TRUE(wait_for_log(incident.shim, "is MISSING"));
  auto conn = incident.client();
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  Result prepared(PQprepare(conn.get(), "s_update", kUpdateAlone, 0, nullptr));
  ASSERT_EQ(PQresultStatus(prepared.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(prepared.get());
  const char* before[2] = {"dropped", "env_1"};
  Result first(PQexecPrepared(conn.get(), "s_update", 2, before, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(first.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(first.get());

  auto direct = incident.db.direct();
  EXPECT_EQ(query_value(direct.get(), "alter table environments add column last_error text"), "");
  ASSERT_TRUE(wait_for_log(incident.shim, "is present")) << incident.shim.log();

  const char* after[2] = {"stored", "env_1"};
  Result second(PQexecPrepared(conn.get(), "s_update", 2, after, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(second.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(second.get());
  EXPECT_STREQ(PQgetvalue(second.get(), 0, 2), "stored");
  EXPECT_EQ(query_value(direct.get(), "select last_error from environments where id = 'env_1'"), "stored");
  // The same connection keeps working: the injected Close/Parse answers were not leaked.
  EXPECT_EQ(query_value(conn.get(), "select last_error from environments where id = 'env_1'"), "stored");
}

TEST(Pending, ReactivePathReplaysAFailedStatementOutsideATransaction) {
  // Proves: with the watcher unable to check (wrong monitor password, state
  // Unknown), the first 42703 on the pending column outside a transaction block
  // is hidden and the statement replayed rewritten; the client sees success.
  Incident incident("pending_reactive", {}, "wrong-password");
  auto conn = incident.client();
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  const char* values[2] = {"boom", "env_3"};
  Result r(PQexecParams(conn.get(), kUpdateAlone, 2, nullptr, values, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get()) << incident.shim.log();
  EXPECT_STREQ(PQcmdTuples(r.get()), "1");
  EXPECT_TRUE(wait_for_log(incident.shim, "replayed it rewritten"));
  EXPECT_TRUE(wait_for_log(incident.shim, "is MISSING"));
  // Simple protocol too, now rewritten up front.
  EXPECT_EQ(query_value(conn.get(), "select count(*) from environments where last_error is null"), "3");
}

TEST(Pending, ReactivePathRelaysTheErrorInsideATransactionBlock) {
  // Proves: inside BEGIN ... the first 42703 cannot be replayed (the
  // transaction is already aborted on the server): the client gets it as is.
  Incident incident("pending_reactive_tx", {}, "wrong-password");
  auto conn = incident.client();
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  EXPECT_EQ(query_value(conn.get(), "begin"), "");
  EXPECT_EQ(query_value(conn.get(), "update environments set last_error = 'x' where id = 'env_1'"), "ERROR 42703");
  EXPECT_EQ(query_value(conn.get(), "rollback"), "");
  // Marked missing by that error: the next statement is rewritten.
  ASSERT_TRUE(wait_for_log(incident.shim, "is MISSING"));
  EXPECT_EQ(query_value(conn.get(), "update environments set last_error = 'x' where id = 'env_1'"), "");
}

}  // namespace
}  // namespace pgshim::test

namespace pgshim::test {
namespace {

TEST(Pending, SighupReplacesThePendingColumns) {
  // Proves: the pending set is reloadable: after SIGHUP with a new file the new
  // column is watched and rewritten, and the old one is no longer touched.
  char dir[] = "/tmp/pgshim-pending-reload.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string file = std::string(dir) + "/pgshim.yaml";
  IncidentDatabase db("pending_reload");
  auto write_config = [&](const char* column, const char* type) {
    std::ofstream(file) << "upstream: " << db.url_with_credentials() << "\nschema_poll_interval: 200ms\n"
                        << "pending_columns:\n  - table: environments\n    column: " << column << "\n    type: " << type
                        << "\n    migration: 20250804020810_add_" << column << "\n";
  };
  write_config("last_error", "text");
  Pgshim shim({"--config", file}, false);
  ASSERT_TRUE(wait_for_log(shim, "public.environments.last_error is MISSING")) << shim.log();
  auto conn = connect("host=127.0.0.1 port=" + std::to_string(shim.port()) + " dbname=" + db.name() +
                      " user=pgshim_scram password=scram-pass");
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  EXPECT_EQ(query_value(conn.get(), "select count(last_error) from environments"), "0");

  write_config("retries", "integer");
  shim.signal(SIGHUP);
  ASSERT_TRUE(wait_for_log(shim, "now watching 1 pending column(s)")) << shim.log();
  ASSERT_TRUE(wait_for_log(shim, "public.environments.retries is MISSING")) << shim.log();
  EXPECT_EQ(query_value(conn.get(), "select coalesce(sum(retries), 0) from environments"), "0");
  EXPECT_EQ(query_value(conn.get(), "select count(last_error) from environments"), "ERROR 42703");
  std::remove(file.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace pgshim::test

namespace pgshim::test {
namespace {

void collect_notice(void* arg, const PGresult* result) {
  static_cast<std::vector<std::string>*>(arg)->push_back(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
}

TEST(Pending, NoticeOnRewriteTellsTheClient) {
  // Proves: with --notice-on-rewrite a client whose statement was rewritten
  // gets a NoticeResponse naming the column; without it, none.
  for (const bool enabled : {true, false}) {
    std::vector<std::string> extra;
    if (enabled) extra.push_back("--notice-on-rewrite");
    Incident incident(enabled ? "pending_notice_on" : "pending_notice_off", extra);
    ASSERT_TRUE(wait_for_log(incident.shim, "is MISSING"));
    auto conn = incident.client();
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
    std::vector<std::string> notices;
    PQsetNoticeReceiver(conn.get(), collect_notice, &notices);
    EXPECT_EQ(query_value(conn.get(), "select count(last_error) from environments"), "0");
    EXPECT_EQ(query_value(conn.get(), "select count(*) from environments"), "3");
    if (enabled) {
      ASSERT_EQ(notices.size(), 1u);
      EXPECT_NE(notices[0].find("environments.last_error is pending a migration"), std::string::npos) << notices[0];
    } else {
      EXPECT_TRUE(notices.empty());
    }
  }
}

}  // namespace
}  // namespace pgshim::test
