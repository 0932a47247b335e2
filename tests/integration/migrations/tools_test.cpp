// Every migration tool beyond Prisma against a real PostgreSQL: the tool's
// history table is created and written as the tool itself does, then the real
// `pgshim check --migrations DIR` (tool detected from the directory) must
// report exactly the fixture's pending set, and nothing once the pending SQL
// ran and was recorded the tool's way. Failure records (Flyway success=false,
// golang-migrate dirty) must come out as failed and still be mitigated, and the
// proxy started with only `--migrations DIR` must mitigate from them.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "check_support.hpp"
#include "pgshim/migrations/detect.hpp"
#include "pgshim/migrations/migration_source.hpp"
#include "support/harness.hpp"

namespace pgshim::migrations {
namespace {

using namespace check_support;

// Runs `sql` with text parameters; the test fails when it does.
void exec_params(PGconn* conn, const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> p;
  for (const auto& v : params) p.push_back(v.c_str());
  test::Result r(PQexecParams(conn, sql.c_str(), static_cast<int>(p.size()), nullptr, p.data(), nullptr, nullptr, 0));
  ASSERT_TRUE(PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK)
      << PQresultErrorMessage(r.get()) << "\n" << sql;
}

// The digits before the first `_` of a migration name (golang-migrate, goose, dbmate).
[[nodiscard]] std::string leading_version(const std::string& name) { return name.substr(0, name.find('_')); }

// ---- Flyway -------------------------------------------------------------
// The table as Flyway's PostgreSQL dialect creates it (createMetaDataTable.sql).
constexpr const char* kFlywayDdl = R"(CREATE TABLE "flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success");)";

// One row as `flyway migrate` appends it: version "2.1" for V2_1__..., the
// description with spaces, the script relative to the location.
void flyway_row(PGconn* conn, const Migration& m, const std::string& dir, bool success) {
  const std::string stem = m.name.substr(1);
  const auto sep = stem.find("__");
  std::string version = stem.substr(0, sep);
  std::replace(version.begin(), version.end(), '_', '.');
  std::string description = stem.substr(sep + 2);
  std::replace(description.begin(), description.end(), '_', ' ');
  const std::string script = fs::relative(m.path, dir).string();
  exec_params(conn,
              "INSERT INTO \"flyway_schema_history\" (\"installed_rank\", \"version\", \"description\", \"type\", "
              "\"script\", \"checksum\", \"installed_by\", \"execution_time\", \"success\") VALUES ((SELECT "
              "coalesce(max(\"installed_rank\"), 0) + 1 FROM \"flyway_schema_history\"), $1, $2, 'SQL', $3, "
              "1234567, current_user, 12, $4)",
              {version, description, script, success ? "true" : "false"});
}
void flyway_record(PGconn* conn, const Migration& m, const std::string& dir) { flyway_row(conn, m, dir, true); }
void flyway_fail(PGconn* conn, const Migration& m, const std::string& dir) { flyway_row(conn, m, dir, false); }
// `flyway repair` removes failed rows before the migration is retried.
void flyway_repair(PGconn* conn) { exec_ok(conn, "DELETE FROM \"flyway_schema_history\" WHERE NOT \"success\""); }

// ---- golang-migrate -----------------------------------------------------
// The postgres driver's table (ensureVersionTable).
constexpr const char* kGolangMigrateDdl =
    "CREATE TABLE IF NOT EXISTS \"schema_migrations\" (version bigint not null primary key, dirty boolean not null)";

// SetVersion: the one row is replaced inside a transaction.
void golang_migrate_set(PGconn* conn, const std::string& version, bool dirty) {
  exec_ok(conn, "BEGIN");
  exec_ok(conn, "TRUNCATE \"schema_migrations\"");
  exec_params(conn, "INSERT INTO \"schema_migrations\" (version, dirty) VALUES ($1, $2)",
              {version, dirty ? "true" : "false"});
  exec_ok(conn, "COMMIT");
}
// One `migrate up` step: dirty before the migration runs, clean after.
void golang_migrate_record(PGconn* conn, const Migration& m, const std::string&) {
  golang_migrate_set(conn, std::to_string(std::stoll(leading_version(m.name))), true);
  golang_migrate_set(conn, std::to_string(std::stoll(leading_version(m.name))), false);
}
// A step whose SQL failed: the dirty row stays.
void golang_migrate_fail(PGconn* conn, const Migration& m, const std::string&) {
  golang_migrate_set(conn, std::to_string(std::stoll(leading_version(m.name))), true);
}
// `migrate force V-1` after fixing the failure by hand, so the step can be retried.
void golang_migrate_force_previous(PGconn* conn, const Migration& failed) {
  golang_migrate_set(conn, std::to_string(std::stoll(leading_version(failed.name)) - 1), false);
}

// ---- goose --------------------------------------------------------------
// goose's PostgreSQL table and the version-0 row it writes when creating it.
constexpr const char* kGooseDdl = R"(CREATE TABLE goose_db_version (
    id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
    version_id bigint NOT NULL,
    is_applied boolean NOT NULL,
    tstamp timestamp NOT NULL DEFAULT now()
);
INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true);)";

void goose_record(PGconn* conn, const Migration& m, const std::string&) {
  exec_params(conn, "INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, $2)",
              {std::to_string(std::stoll(leading_version(m.name))), "true"});
}

// ---- dbmate -------------------------------------------------------------
constexpr const char* kDbmateDdl = "create table if not exists schema_migrations (version varchar(128) primary key)";

void dbmate_record(PGconn* conn, const Migration& m, const std::string&) {
  exec_params(conn, "insert into schema_migrations (version) values ($1)", {leading_version(m.name)});
}

// ---- Drizzle ------------------------------------------------------------
// drizzle-orm's PostgreSQL migrator (pg-core dialect.migrate).
constexpr const char* kDrizzleDdl = R"(CREATE SCHEMA IF NOT EXISTS "drizzle";
CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (
    id SERIAL PRIMARY KEY,
    hash text NOT NULL,
    created_at bigint
);)";

// The fixture journal's `when` per tag (tests/fixtures/drizzle-migrations/meta/_journal.json).
[[nodiscard]] std::string drizzle_when(const std::string& tag) {
  static const std::map<std::string, std::string> kWhen = {
      {"0000_init", "1748768400000"},
      {"0001_add_jobs", "1749988800000"},
      {"0002_add_user_name", "1751451300000"},
      {"0003_add_last_error_to_environments", "1754273290000"},
      {"0004_add_environment_retries", "1754489520000"},
      {"0005_add_deployments", "1754996400000"}};
  return kWhen.at(tag);
}

// The migrator's row: the file's sha256 and created_at = the entry's `when`.
void drizzle_record(PGconn* conn, const Migration& m, const std::string&) {
  exec_params(conn,
              "insert into \"drizzle\".\"__drizzle_migrations\" (\"hash\", \"created_at\") "
              "values(encode(sha256(convert_to($1, 'UTF8')), 'hex'), $2)",
              {read_text(m.path), drizzle_when(m.name)});
}

// ---- Liquibase ----------------------------------------------------------
// The table as Liquibase's StandardChangeLogHistoryService creates it on PostgreSQL.
constexpr const char* kLiquibaseDdl = R"(CREATE TABLE public.databasechangelog (
    ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, FILENAME VARCHAR(255) NOT NULL,
    DATEEXECUTED TIMESTAMP WITHOUT TIME ZONE NOT NULL, ORDEREXECUTED INTEGER NOT NULL, EXECTYPE VARCHAR(10) NOT NULL,
    MD5SUM VARCHAR(35), DESCRIPTION VARCHAR(255), COMMENTS VARCHAR(255), TAG VARCHAR(255), LIQUIBASE VARCHAR(20),
    CONTEXTS VARCHAR(255), LABELS VARCHAR(255), DEPLOYMENT_ID VARCHAR(10));
CREATE TABLE public.databasechangeloglock (ID INTEGER NOT NULL, LOCKED BOOLEAN NOT NULL, LOCKGRANTED TIMESTAMP WITHOUT
    TIME ZONE, LOCKEDBY VARCHAR(255), CONSTRAINT databasechangeloglock_pkey PRIMARY KEY (ID));)";

// `liquibase update` with db/changelog/db.changelog-master.yaml (includeAll):
// FILENAME is the path as the master changelog reaches the file.
void liquibase_record(PGconn* conn, const Migration& m, const std::string& dir) {
  const auto colon = m.name.find(':');
  exec_params(conn,
              "INSERT INTO public.databasechangelog (ID, AUTHOR, FILENAME, DATEEXECUTED, ORDEREXECUTED, MD5SUM, "
              "DESCRIPTION, COMMENTS, EXECTYPE, CONTEXTS, LABELS, LIQUIBASE, DEPLOYMENT_ID) VALUES ($1, $2, $3, NOW(), "
              "(SELECT coalesce(max(ORDEREXECUTED), 0) + 1 FROM public.databasechangelog), "
              "'9:0123456789abcdef0123456789abcdef', 'sql', '', 'EXECUTED', NULL, NULL, '4.29.2', '4802214610')",
              {m.name.substr(colon + 1), m.name.substr(0, colon), "db/changelog/" + fs::relative(m.path, dir).string()});
}

struct ToolCase {
  std::string tool;     // as detected and reported
  std::string fixture;  // tests/fixtures/<fixture>
  std::vector<std::string> pending;
  const char* history_ddl;
  void (*record)(PGconn*, const Migration&, const std::string&);
  // The derived columns as `check --format json` reports them (types as the files spell them).
  std::string columns = "public.environments.last_error TEXT None|public.environments.retries INTEGER 0";
};

std::ostream& operator<<(std::ostream& out, const ToolCase& c) { return out << c.tool; }

const ToolCase kCases[] = {
    {"flyway", "flyway-migrations",
     {"V9__add_last_error_to_environments", "V10__add_environment_retries", "V11__add_deployments"}, kFlywayDdl,
     flyway_record},
    {"golang-migrate", "golang-migrate-migrations",
     {"000004_add_last_error_to_environments", "000005_add_environment_retries", "000006_add_deployments"},
     kGolangMigrateDdl, golang_migrate_record},
    {"goose", "goose-migrations",
     {"20250804020810_add_last_error_to_environments", "20250806141200_add_environment_retries",
      "20250812110000_add_deployments"},
     kGooseDdl, goose_record},
    {"dbmate", "dbmate-migrations",
     {"20250804020810_add_last_error_to_environments", "20250806141200_add_environment_retries",
      "20250812110000_add_deployments"},
     kDbmateDdl, dbmate_record},
    {"drizzle", "drizzle-migrations",
     {"0003_add_last_error_to_environments", "0004_add_environment_retries", "0005_add_deployments"}, kDrizzleDdl,
     drizzle_record, "public.environments.last_error text None|public.environments.retries integer 0"},
    {"liquibase", "liquibase-migrations",
     {"ada:add-last-error-to-environments", "ada:add-environment-retries", "Grace Hopper:add-deployments"},
     kLiquibaseDdl, liquibase_record},
};

// The incident database with the tool's history table recording every
// migration before the pending ones (which the incident schema already holds).
class ToolDatabase : public ::testing::TestWithParam<ToolCase> {
 protected:
  void SetUp() override {
    dir_ = fixture_path(GetParam().fixture);
    db_ = std::make_unique<test::IncidentDatabase>("pgshim_tool");
    conn_ = db_->direct();
    ASSERT_EQ(PQstatus(conn_.get()), CONNECTION_OK);
    exec_ok(conn_.get(), GetParam().history_ddl);
    all_ = make_source(resolve_tool(dir_), dir_)->list();
    for (const auto& m : all_) {
      if (m.name == GetParam().pending.front()) break;
      GetParam().record(conn_.get(), m, dir_);
    }
  }
  [[nodiscard]] const Migration& migration(const std::string& name) const {
    for (const auto& m : all_) {
      if (m.name == name) return m;
    }
    throw std::runtime_error("no migration " + name);
  }
  // Runs the pending migrations' SQL and records each as the tool would.
  void apply_pending() {
    for (const auto& name : GetParam().pending) {
      exec_ok(conn_.get(), migration(name).sql);
      GetParam().record(conn_.get(), migration(name), dir_);
    }
  }
  [[nodiscard]] Outcome check_json() const {
    return pgshim_check({"--migrations", dir_, "--upstream", db_->url_with_credentials(), "--format", "json"});
  }

  std::string dir_;
  std::unique_ptr<test::IncidentDatabase> db_;
  test::Connection conn_;
  std::vector<Migration> all_;
};

[[nodiscard]] std::string pending_states(const Outcome& r) {
  return python_on_json(r.out, "print(d['tool'], ' '.join(m['name'] + ':' + m['state'] for m in d['pending']))").out;
}

[[nodiscard]] std::string expected_states(const ToolCase& c, const std::string& first_state = "pending") {
  std::string out = c.tool;
  for (std::size_t i = 0; i < c.pending.size(); ++i) out += " " + c.pending[i] + ":" + (i == 0 ? first_state : "pending");
  return out + "\n";
}

TEST_P(ToolDatabase, CheckReportsThePendingSetThenNothingOnceApplied) {
  // Proves the detected tool's history table yields exactly the fixture's pending set with its columns and the
  // unmitigable new table, and that after the tool's own apply (SQL + history rows) nothing is pending.
  const Outcome r = check_json();
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_EQ(pending_states(r), expected_states(GetParam())) << r.out;
  const Outcome columns = python_on_json(
      r.out, "print('|'.join('%s.%s.%s %s %s' % (c['schema'], c['table'], c['column'], c['type'], c['default']) "
             "for m in d['pending'] for c in m['mitigated']))");
  EXPECT_EQ(columns.out, GetParam().columns + "\n") << r.out;
  const Outcome breaking = python_on_json(
      r.out, "print(' '.join(m['name'] for m in d['pending'] for n in m['not_mitigated'] "
             "if n['impact'] == 'breaking' and n['reason'].startswith('creates table public.deployments')))");
  EXPECT_EQ(breaking.out, GetParam().pending.back() + "\n") << r.out;

  apply_pending();
  const Outcome after = check_json();
  EXPECT_EQ(after.status, 0) << after.out;
  EXPECT_EQ(python_on_json(after.out, "print(d['pending_count'], d['total'])").out,
            "0 " + std::to_string(all_.size()) + "\n")
      << after.out;
}

TEST_P(ToolDatabase, ProxyDetectsTheToolAndMitigatesTheIncidentColumn) {
  // Proves `pgshim --migrations DIR` with nothing else reads this tool's history and serves the incident's INSERT.
  test::Pgshim shim({"--upstream", db_->url_with_credentials(), "--migrations", dir_}, false);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (shim.log().find("public.environments.last_error is MISSING") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(shim.log().find("public.environments.last_error is MISSING"), std::string::npos) << shim.log();
  auto client = test::connect("host=127.0.0.1 port=" + std::to_string(shim.port()) + " dbname=" + db_->name() +
                              " user=pgshim_scram password=scram-pass");
  ASSERT_EQ(PQstatus(client.get()), CONNECTION_OK) << PQerrorMessage(client.get());
  EXPECT_EQ(test::query_value(client.get(),
                              "INSERT INTO environments (id, name, user_id, last_error, retries) "
                              "VALUES ('env_t', 't', 'user_1', 'boom', 3) RETURNING coalesce(last_error, '-') || ':' || retries"),
            "-:0");
}

INSTANTIATE_TEST_SUITE_P(Tools, ToolDatabase, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) {
                           std::string name = param_info.param.tool;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

class FailedRecords : public ToolDatabase {};

TEST_P(FailedRecords, FailedMigrationIsReportedFailedAndStillMitigated) {
  // Proves the tool's failure record marks the first pending migration failed, its ADD COLUMN still derived, and
  // that after the tool's recovery (repair / force) and a successful retry nothing is pending.
  const ToolCase& c = GetParam();
  const Migration& first = migration(c.pending.front());
  if (c.tool == "flyway") {
    flyway_fail(conn_.get(), first, dir_);
  } else {
    golang_migrate_fail(conn_.get(), first, dir_);
  }
  const Outcome r = check_json();
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_EQ(pending_states(r), expected_states(c, "failed")) << r.out;
  EXPECT_EQ(python_on_json(r.out, "print(' '.join(c['column'] for c in d['pending'][0]['mitigated']))").out,
            "last_error\n");

  if (c.tool == "flyway") {
    flyway_repair(conn_.get());
  } else {
    golang_migrate_force_previous(conn_.get(), first);
  }
  apply_pending();
  EXPECT_EQ(check_json().status, 0);
}

INSTANTIATE_TEST_SUITE_P(Tools, FailedRecords, ::testing::Values(kCases[0], kCases[1]),
                         [](const auto& param_info) {
                           std::string name = param_info.param.tool;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(GooseDown, AnIsAppliedFalseRowMakesTheMigrationPendingAgain) {
  // Proves goose's down record (a newer row with is_applied=false) outweighs the older up row.
  const std::string dir = fixture_path("goose-migrations");
  test::IncidentDatabase db("pgshim_goose_down");
  auto conn = db.direct();
  exec_ok(conn.get(), kGooseDdl);
  for (const auto& m : make_source(Tool::Goose, dir)->list()) goose_record(conn.get(), m, dir);
  exec_ok(conn.get(), "INSERT INTO goose_db_version (version_id, is_applied) VALUES (20250812110000, false)");
  const Outcome r = pgshim_check({"--migrations", dir, "--upstream", db.url_with_credentials(), "--format", "json"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_EQ(pending_states(r), "goose 20250812110000_add_deployments:pending\n") << r.out;
}

TEST(Detection, AmbiguousDirectoryIsAConfigurationErrorUnlessAToolIsNamed) {
  // Proves an ambiguous directory stops pgshim with exit 2 naming both candidates, and --migrations-tool settles it.
  const fs::path dir = fs::temp_directory_path() / ("pgshim-ambiguous-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "V1__init.sql") << "ALTER TABLE environments ADD COLUMN last_error TEXT;\n";
  std::ofstream(dir / "1_init.up.sql") << "ALTER TABLE environments ADD COLUMN last_error TEXT;\n";
  test::IncidentDatabase db("pgshim_ambiguous");
  const Outcome proxy = pgshim_merged({"--upstream", db.url_with_credentials(), "--migrations", dir.string(),
                                       "--check-config"});
  EXPECT_EQ(proxy.status, 2) << proxy.out;
  EXPECT_NE(proxy.out.find("flyway (V1__init.sql), golang-migrate (1_init.up.sql)"), std::string::npos) << proxy.out;
  EXPECT_EQ(pgshim_merged({"--upstream", db.url_with_credentials(), "--migrations", dir.string(), "--migrations-tool",
                           "flyway", "--check-config"})
                .status,
            0);
  const Outcome check = pgshim_check({"--migrations", dir.string(), "--upstream", db.url_with_credentials()});
  EXPECT_EQ(check.status, 2);
  const Outcome named = pgshim_check({"--migrations", dir.string(), "--upstream", db.url_with_credentials(),
                                      "--migrations-tool", "golang-migrate", "--format", "json"});
  EXPECT_EQ(named.status, 1) << named.out;
  EXPECT_EQ(pending_states(named), "golang-migrate 1_init:pending\n");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pgshim::migrations
