// `pgshim check` and load_pending_from_migrations against a real PostgreSQL
// holding the incident's schema, with a realistic Prisma migrations directory
// (tests/fixtures/prisma-migrations) and Prisma's own `_prisma_migrations` table.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pgshim/migrations/load.hpp"
#include "pgshim/sql/missing_set.hpp"
#include "check_support.hpp"
#include "support/harness.hpp"

namespace pgshim::migrations {
namespace {

namespace fs = std::filesystem;
using test::IncidentDatabase;
using namespace check_support;

const std::vector<std::string> kApplied = {"20250601090000_init", "20250615120000_add_jobs",
                                           "20250702101500_add_user_name"};
const std::vector<std::string> kPending = {
    "20250804020810_add_last_error_to_environments", "20250806141200_add_environment_retries",
    "20250810093000_add_template_visibility", "20250812110000_add_deployments"};

// Prisma's DDL for its history table (prisma-engines, migration-connector).
constexpr const char* kPrismaMigrationsDdl = R"(CREATE TABLE "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
))";

[[nodiscard]] std::string fixture_dir() {
  const char* source = std::getenv("PGSHIM_SOURCE_DIR");
  return std::string(source != nullptr ? source : ".") + "/tests/fixtures/prisma-migrations";
}

// Records a migration the way `prisma migrate deploy` does (parameterised).
void record(PGconn* conn, const std::string& name, const char* finished_at = "now()",
            const char* rolled_back_at = "NULL") {
  static int id = 0;
  const std::string sql = std::string("INSERT INTO \"_prisma_migrations\" (id, checksum, finished_at, migration_name, "
                                      "rolled_back_at, started_at, applied_steps_count) VALUES ($1, $2, ") +
                          finished_at + ", $3, " + rolled_back_at + ", now(), 1)";
  const std::string uuid = "00000000-0000-4000-8000-" + std::to_string(100000000000 + ++id);
  const std::string checksum(64, 'a');
  const char* params[] = {uuid.c_str(), checksum.c_str(), name.c_str()};
  test::Result r(PQexecParams(conn, sql.c_str(), 3, nullptr, params, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
}

// The incident database with Prisma's history table recording the applied migrations.
class PrismaDatabase : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<IncidentDatabase>("pgshim_mig");
    conn_ = db_->direct();
    ASSERT_EQ(PQstatus(conn_.get()), CONNECTION_OK);
    exec_ok(conn_.get(), kPrismaMigrationsDdl);
    for (const auto& name : kApplied) record(conn_.get(), name);
  }
  [[nodiscard]] std::string url() const { return db_->url_with_credentials(); }

  std::unique_ptr<IncidentDatabase> db_;
  test::Connection conn_;
};

TEST_F(PrismaDatabase, CheckReportsExactlyThePendingSetAndExitsOne) {
  // Proves the text report lists the four unapplied migrations (not the applied ones), what is mitigated and not, and exits 1.
  const Outcome r = pgshim_check({"--migrations", fixture_dir(), "--upstream", url()});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("4 of 7 prisma migrations"), std::string::npos) << r.out;
  for (const auto& name : kPending) EXPECT_NE(r.out.find("\n" + name + "\n"), std::string::npos) << name;
  for (const auto& name : kApplied) EXPECT_EQ(r.out.find(name), std::string::npos) << name;
  EXPECT_NE(r.out.find("mitigated      public.environments.last_error TEXT: reads NULL; writes to it are dropped"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("mitigated      public.environments.retries INTEGER: reads 0;"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mitigated      public.templates.visibility text: reads 'PRIVATE';"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("not mitigated  creates table public.deployments"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not mitigated  creates unique index templates_name_key"), std::string::npos) << r.out;
  // Each change names the statement that lands it, at its file and line, and the tool's command.
  const std::string file = fixture_dir() + "/20250804020810_add_last_error_to_environments/migration.sql";
  EXPECT_NE(r.out.find("at " + file + ":2\n                   ALTER TABLE \"environments\" ADD COLUMN     "
                       "\"last_error\" TEXT;\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nApply with: prisma migrate deploy\nGate (--fail-on pending): fails\n"), std::string::npos)
      << r.out;
}

TEST_F(PrismaDatabase, JsonParsesAndHoldsTheSameSet) {
  // Proves --format json is valid JSON carrying the exact pending names, columns and not-mitigated impacts.
  const Outcome r = pgshim_check({"--migrations", fixture_dir(), "--upstream", url(), "--format", "json"});
  EXPECT_EQ(r.status, 1) << r.out;
  const Outcome names = python_on_json(r.out, "print(d['pending_count'], ' '.join(m['name'] + ':' + m['state'] for m in d['pending']))");
  ASSERT_EQ(names.status, 0) << r.out;
  EXPECT_EQ(names.out,
            "4 20250804020810_add_last_error_to_environments:pending 20250806141200_add_environment_retries:pending "
            "20250810093000_add_template_visibility:pending 20250812110000_add_deployments:pending\n");
  const Outcome columns = python_on_json(
      r.out, "print('|'.join('%s.%s.%s %s %s' % (c['schema'], c['table'], c['column'], c['type'], c['default']) "
             "for m in d['pending'] for c in m['mitigated']))");
  EXPECT_EQ(columns.out,
            "public.environments.last_error TEXT None|public.environments.retries INTEGER 0|"
            "public.environments.tags TEXT[] ARRAY[]::TEXT[]|public.templates.visibility text 'PRIVATE'\n");
  const Outcome impacts = python_on_json(
      r.out, "print(' '.join(n['impact'] for m in d['pending'] for n in m['not_mitigated']))");
  // CREATE TYPE; then CREATE TABLE, its index, the unique index, its foreign key.
  EXPECT_EQ(impacts.out, "harmless breaking harmless breaking harmless\n");
  // The fields added for deploy gates: where each change is, the command, the gate's verdict.
  const Outcome lines = python_on_json(
      r.out, "print(d['apply_command'], d['fail_on'], d['fails'], d['unmitigated_count'], d['failed_count'], "
             "d['history_table'], d['pending'][0]['path'].endswith('/migration.sql'), "
             "' '.join('%s:%d' % (c['column'], c['line']) for m in d['pending'] for c in m['mitigated']), "
             "' '.join(str(n['line']) for m in d['pending'] for n in m['not_mitigated']), "
             "' '.join(str(m['blocking']) for m in d['pending']), d['pending'][0]['mitigated'][0]['statement'])");
  EXPECT_EQ(lines.out,
            "prisma migrate deploy pending True 2 0 None True last_error:2 retries:2 tags:2 visibility:5 "
            "2 8 18 21 24 False False False True ALTER TABLE \"environments\" ADD COLUMN     \"last_error\" TEXT\n")
      << r.out;
}

TEST_F(PrismaDatabase, FailOnUnmitigatedPassesWhileOnlyMitigatedChangesArePending) {
  // Proves --fail-on unmitigated exits 1 while a breaking change is pending, 0 once only mitigated ones are, and
  // that the default (pending) still exits 1 then.
  const std::vector<std::string> base = {"--migrations", fixture_dir(), "--upstream", url()};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  EXPECT_EQ(pgshim_check(with({"--fail-on", "unmitigated"})).status, 1);
  // Land the migration with the breaking changes (the new table, the unique index) as Prisma would.
  exec_ok(conn_.get(), read_text(fs::path(fixture_dir()) / kPending[3] / "migration.sql"));
  record(conn_.get(), kPending[3]);
  const Outcome r = pgshim_check(with({"--fail-on", "unmitigated"}));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("Gate (--fail-on unmitigated): passes"), std::string::npos) << r.out;
  EXPECT_EQ(pgshim_check(base).status, 1);
  EXPECT_EQ(pgshim_check(with({"--fail-on", "everything"})).status, 2);
  EXPECT_EQ(pgshim_check(with({"--format", "yaml"})).status, 2);
  EXPECT_EQ(pgshim_check(with({"--history-table", "my_history"})).status, 2);  // Prisma's table is fixed
}

TEST_F(PrismaDatabase, DerivedColumnsAreUsableWhileTheMigrationsArePending) {
  // Proves every derived type and default evaluates on the pending database (the new enum's stand-in included).
  const auto loaded = load_pending_from_migrations(fixture_dir(), url());
  ASSERT_EQ(loaded.columns.size(), 4u);
  EXPECT_NO_THROW(sql::MissingSet(loaded.columns, 1));
  for (const auto& c : loaded.columns) {
    const std::string expr = c.default_expr.empty() ? "NULL" : c.default_expr;
    EXPECT_NE(test::query_value(conn_.get(), "SELECT (" + expr + ")::" + c.type + " IS NULL").rfind("ERROR", 0), 0u)
        << sql::qualified_name(c) << " " << c.type;
  }
  // The declared enum type itself is not usable yet: the stand-in was needed.
  EXPECT_EQ(test::query_value(conn_.get(), "SELECT NULL::\"public\".\"TemplateVisibility\"").rfind("ERROR", 0), 0u);
}

TEST_F(PrismaDatabase, AfterTheMigrationsAreAppliedCheckExitsZero) {
  // Proves that once the pending SQL ran and was recorded, nothing is pending and the exit status is 0.
  for (const auto& name : kPending) {
    exec_ok(conn_.get(), read_text(fs::path(fixture_dir()) / name / "migration.sql"));
    record(conn_.get(), name);
  }
  const Outcome r = pgshim_check({"--migrations", fixture_dir(), "--upstream", url()});
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("all 7 prisma migrations"), std::string::npos) << r.out;
  const Outcome json = pgshim_check({"--migrations", fixture_dir(), "--upstream", url(), "--format", "json"});
  EXPECT_EQ(json.status, 0);
  EXPECT_EQ(python_on_json(json.out, "print(d['pending_count'], len(d['pending']))").out, "0 0\n");
}

TEST_F(PrismaDatabase, ProxyMitigatesFromTheMigrationsAloneAndStepsAside) {
  // Proves `pgshim --upstream URL --migrations DIR` with no other configuration
  // serves the incident's statements (a NOT NULL DEFAULT column reads as its
  // default), says what it cannot cover, and steps aside on its own once the
  // migrations are applied and recorded.
  test::Pgshim shim({"--upstream", url(), "--migrations", fixture_dir(), "--schema-poll-interval", "200ms"}, false);
  const auto deadline_for = [](std::chrono::seconds s) { return std::chrono::steady_clock::now() + s; };
  auto wait_log = [&](const std::string& needle) {
    const auto deadline = deadline_for(std::chrono::seconds(10));
    while (shim.log().find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return shim.log().find(needle) != std::string::npos;
  };
  ASSERT_TRUE(wait_log("public.environments.last_error is MISSING")) << shim.log();
  EXPECT_NE(shim.log().find("NOT mitigated"), std::string::npos) << shim.log();
  auto client = test::connect("host=127.0.0.1 port=" + std::to_string(shim.port()) + " dbname=" + db_->name() +
                              " user=pgshim_scram password=scram-pass");
  ASSERT_EQ(PQstatus(client.get()), CONNECTION_OK) << PQerrorMessage(client.get());
  const char* values[3] = {"env_m", "boom", "3"};
  test::Result inserted(PQexecParams(
      client.get(),
      R"(INSERT INTO "public"."environments" ("id","name","user_id","last_error","retries") VALUES ($1,'m','user_1',$2,$3::int) RETURNING "id", "last_error", "retries")",
      3, nullptr, values, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(inserted.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(inserted.get()) << shim.log();
  EXPECT_TRUE(PQgetisnull(inserted.get(), 0, 1));
  EXPECT_STREQ(PQgetvalue(inserted.get(), 0, 2), "0");  // NOT NULL DEFAULT 0 reads as 0, never NULL

  for (const auto& name : kPending) {
    exec_ok(conn_.get(), read_text(fs::path(fixture_dir()) / name / "migration.sql"));
    record(conn_.get(), name);
  }
  ASSERT_TRUE(wait_log("now watching 0 pending column(s)")) << shim.log();
  EXPECT_EQ(test::query_value(client.get(), "UPDATE environments SET last_error = 'kept', retries = 2 WHERE id = 'env_m' "
                                            "RETURNING last_error || ':' || retries"),
            "kept:2");
}

TEST_F(PrismaDatabase, RolledBackAndUnfinishedRowsAreNotApplied) {
  // Proves a rolled-back row leaves a migration pending and an unfinished one reports it as failed.
  record(conn_.get(), kPending[0], "now()", "now()");
  record(conn_.get(), kPending[1], "NULL", "NULL");
  const Outcome r = pgshim_check({"--migrations", fixture_dir(), "--upstream", url(), "--format", "json"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(python_on_json(r.out, "print(' '.join(m['state'] for m in d['pending']))").out,
            "pending failed pending pending\n");
}

TEST(Check, MissingHistoryTableMeansEverythingIsPending) {
  // Proves a database without _prisma_migrations reads as no migration applied (exit 1), not an error.
  IncidentDatabase db("pgshim_mig_nohist");
  const Outcome r = pgshim_check({"--migrations", fixture_dir(), "--upstream", db.url_with_credentials(), "--format", "json"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_EQ(python_on_json(r.out, "print(d['pending_count'])").out, "7\n");
}

TEST(Check, UnreachableDatabaseExitsTwo) {
  // Proves a database that cannot be reached is an error (2), with a JSON error document under --format json.
  const std::string url = "postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=3";
  EXPECT_EQ(pgshim_check({"--migrations", fixture_dir(), "--upstream", url}).status, 2);
  const Outcome json = pgshim_check({"--migrations", fixture_dir(), "--upstream", url, "--format", "json"});
  EXPECT_EQ(json.status, 2);
  const Outcome err = python_on_json(json.out, "print('error' in d)");
  EXPECT_EQ(err.out, "True\n");
  EXPECT_EQ(json.out.find("secret"), std::string::npos) << json.out;
}

TEST(Check, BadDirectoryAndUnparsableMigrationExitTwo) {
  // Proves a missing directory and a migration whose SQL does not parse are errors (2), not "nothing pending".
  IncidentDatabase db("pgshim_mig_bad");
  EXPECT_EQ(pgshim_check({"--migrations", "/nonexistent/migrations", "--upstream", db.url_with_credentials()}).status,
            2);
  const fs::path dir = fs::temp_directory_path() / ("pgshim-mig-broken-" + std::to_string(getpid()));
  fs::create_directories(dir / "20250101000000_broken");
  std::ofstream(dir / "20250101000000_broken" / "migration.sql") << "-- AlterTable\nALTER TABLE \"x\" ADD COLUMN;\n";
  EXPECT_EQ(pgshim_check({"--migrations", dir.string(), "--upstream", db.url_with_credentials()}).status, 2);
  EXPECT_EQ(pgshim_check({"--upstream", db.url_with_credentials()}).status, 2);  // usage
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pgshim::migrations
