// Every migration tool beyond Prisma against a real PostgreSQL: the tool's
// history table is created and written as the tool itself does, then the real
// `pgshim check --migrations DIR` (tool detected from the directory) must
// report exactly the fixture's pending set, and nothing once the pending SQL
// ran and was recorded the tool's way. Failure records (Flyway success=false,
// golang-migrate dirty, an Atlas revision with applied < total, a sqitch
// `fail` event) must come out as failed and still be mitigated, and the proxy
// started with only `--migrations DIR` must mitigate from them.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "check_support.hpp"
#include "pgshim/migrations/detect.hpp"
#include "pgshim/migrations/migration_source.hpp"
#include "pgshim/migrations/sqitch_source.hpp"
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
void flyway_repair(PGconn* conn, const Migration&) {
  exec_ok(conn, "DELETE FROM \"flyway_schema_history\" WHERE NOT \"success\"");
}

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

// ---- Atlas --------------------------------------------------------------
// The revisions table as `atlas migrate apply` creates it in its own schema.
constexpr const char* kAtlasDdl = R"(CREATE SCHEMA IF NOT EXISTS "atlas_schema_revisions";
CREATE TABLE "atlas_schema_revisions"."atlas_schema_revisions" ("version" character varying NOT NULL,
    "description" character varying NOT NULL, "type" bigint NOT NULL DEFAULT 2, "applied" bigint NOT NULL DEFAULT 0,
    "total" bigint NOT NULL DEFAULT 0, "executed_at" timestamptz NOT NULL, "execution_time" bigint NOT NULL,
    "error" text NULL, "error_stmt" text NULL, "hash" character varying NOT NULL, "partial_hashes" jsonb NULL,
    "operator_version" character varying NOT NULL, PRIMARY KEY ("version"));)";

// The fixture files' statements: each ends with `;` at the end of a line.
[[nodiscard]] std::vector<std::string> atlas_statements(const std::string& sql) {
  std::vector<std::string> out;
  std::string current;
  std::istringstream lines(sql);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("--", 0) == 0) continue;
    current += line + "\n";
    if (!line.empty() && line.back() == ';') {
      out.push_back(current);
      current.clear();
    }
  }
  return out;
}

// The file's hash as atlas.sum records it (Atlas copies it into the revision).
[[nodiscard]] std::string atlas_sum_hash(const Migration& m, const std::string& dir) {
  std::istringstream sum(read_text(fs::path(dir) / "atlas.sum"));
  const std::string file = fs::path(m.path).filename().string();
  for (std::string line; std::getline(sum, line);) {
    if (line.rfind(file + " h1:", 0) == 0) return line.substr(file.size() + 4);
  }
  throw std::runtime_error("atlas.sum has no " + file);
}

// Atlas's write of a revision (an upsert by version): before the first
// statement, after each one and at the end. `partial_hashes` stays NULL here:
// pgshim does not read it.
void atlas_revision(PGconn* conn, const Migration& m, const std::string& dir, std::size_t applied,
                    const std::string& error = {}, const std::string& error_stmt = {}) {
  const auto underscore = m.name.find('_');
  exec_params(conn,
              "INSERT INTO \"atlas_schema_revisions\".\"atlas_schema_revisions\" (\"version\", \"description\", "
              "\"type\", \"applied\", \"total\", \"executed_at\", \"execution_time\", \"error\", \"error_stmt\", "
              "\"hash\", \"partial_hashes\", \"operator_version\") VALUES ($1, $2, 2, $3, $4, now(), 1250000, "
              "NULLIF($5, ''), NULLIF($6, ''), $7, NULL, 'Atlas CLI v0.36.0') ON CONFLICT (\"version\") DO UPDATE SET "
              "\"applied\" = EXCLUDED.\"applied\", \"executed_at\" = EXCLUDED.\"executed_at\", "
              "\"execution_time\" = EXCLUDED.\"execution_time\", \"error\" = EXCLUDED.\"error\", "
              "\"error_stmt\" = EXCLUDED.\"error_stmt\"",
              {m.name.substr(0, underscore), m.name.substr(underscore + 1), std::to_string(applied),
               std::to_string(atlas_statements(m.sql).size()), error, error_stmt, atlas_sum_hash(m, dir)});
}
void atlas_record(PGconn* conn, const Migration& m, const std::string& dir) {
  atlas_revision(conn, m, dir, 0);
  atlas_revision(conn, m, dir, atlas_statements(m.sql).size());
}
// The first statement failed: the revision keeps applied = 0 with the error
// and the statement; `atlas migrate apply` resumes there on its next run.
void atlas_fail(PGconn* conn, const Migration& m, const std::string& dir) {
  atlas_revision(conn, m, dir, 0);
  atlas_revision(conn, m, dir, 0, "pq: canceling statement due to lock timeout", atlas_statements(m.sql).front());
}

// ---- sqitch -------------------------------------------------------------
// The registry as `sqitch deploy` creates it on PostgreSQL (registry 1.1).
constexpr const char* kSqitchDdl = R"(CREATE SCHEMA IF NOT EXISTS sqitch;
CREATE TABLE sqitch.releases (version REAL PRIMARY KEY, installed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    installer_name TEXT NOT NULL, installer_email TEXT NOT NULL);
CREATE TABLE sqitch.projects (project TEXT PRIMARY KEY, uri TEXT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), creator_name TEXT NOT NULL, creator_email TEXT NOT NULL);
CREATE TABLE sqitch.changes (change_id TEXT PRIMARY KEY, script_hash TEXT NULL, change TEXT NOT NULL,
    project TEXT NOT NULL REFERENCES sqitch.projects(project) ON UPDATE CASCADE, note TEXT NOT NULL DEFAULT '',
    committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), committer_name TEXT NOT NULL,
    committer_email TEXT NOT NULL, planned_at TIMESTAMPTZ NOT NULL, planner_name TEXT NOT NULL,
    planner_email TEXT NOT NULL, UNIQUE(project, script_hash));
CREATE TABLE sqitch.tags (tag_id TEXT PRIMARY KEY, tag TEXT NOT NULL,
    project TEXT NOT NULL REFERENCES sqitch.projects(project) ON UPDATE CASCADE,
    change_id TEXT NOT NULL REFERENCES sqitch.changes(change_id) ON UPDATE CASCADE, note TEXT NOT NULL DEFAULT '',
    committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), committer_name TEXT NOT NULL,
    committer_email TEXT NOT NULL, planned_at TIMESTAMPTZ NOT NULL, planner_name TEXT NOT NULL,
    planner_email TEXT NOT NULL, UNIQUE(project, tag));
CREATE TABLE sqitch.dependencies (
    change_id TEXT NOT NULL REFERENCES sqitch.changes(change_id) ON UPDATE CASCADE ON DELETE CASCADE,
    type TEXT NOT NULL, dependency TEXT NOT NULL,
    dependency_id TEXT NULL REFERENCES sqitch.changes(change_id) ON UPDATE CASCADE CONSTRAINT dependencies_check CHECK (
        (type = 'require' AND dependency_id IS NOT NULL) OR (type = 'conflict' AND dependency_id IS NULL)),
    PRIMARY KEY (change_id, dependency));
CREATE TABLE sqitch.events (
    event TEXT NOT NULL CONSTRAINT events_event_check CHECK (event IN ('deploy', 'revert', 'fail', 'merge')),
    change_id TEXT NOT NULL, change TEXT NOT NULL,
    project TEXT NOT NULL REFERENCES sqitch.projects(project) ON UPDATE CASCADE, note TEXT NOT NULL DEFAULT '',
    requires TEXT[] NOT NULL DEFAULT '{}', conflicts TEXT[] NOT NULL DEFAULT '{}', tags TEXT[] NOT NULL DEFAULT '{}',
    committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), committer_name TEXT NOT NULL,
    committer_email TEXT NOT NULL, planned_at TIMESTAMPTZ NOT NULL, planner_name TEXT NOT NULL,
    planner_email TEXT NOT NULL, PRIMARY KEY (change_id, committed_at));
INSERT INTO sqitch.releases (version, installer_name, installer_email) VALUES (1.1, 'Deploy Bot', 'deploy@example.com');
INSERT INTO sqitch.projects (project, uri, creator_name, creator_email)
    VALUES ('incident', 'https://example.com/incident/', 'Deploy Bot', 'deploy@example.com');)";

// The plan line a migration comes from (reworked appearances are change@tag).
[[nodiscard]] SqitchChange sqitch_change(const Migration& m, const std::string& dir) {
  const auto plan = parse_sqitch_plan(read_text(fs::path(dir) / "sqitch.plan"), "sqitch.plan");
  for (const auto& c : plan.changes) {
    const std::string name = c.rework_tags.empty() ? c.name : c.name + "@" + c.rework_tags.front();
    if (name == m.name) return c;
  }
  throw std::runtime_error("sqitch.plan has no " + m.name);
}

// `{a,b}` for a TEXT[] parameter (the fixture's names need no quoting).
[[nodiscard]] std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& i : items) out += (out.size() > 1 ? "," : "") + i;
  return out + "}";
}

// sqitch's log of one change: an `event` row, and for a deploy the changes,
// dependencies and tags rows. change_id and script_hash are SHA-1s in sqitch
// (of the change's plan entry and of its script); stand-ins of the same shape
// here, which pgshim does not read.
void sqitch_log(PGconn* conn, const Migration& m, const std::string& dir, const std::string& event) {
  const SqitchChange c = sqitch_change(m, dir);
  // The fixture's names need no quoting.
  const std::string change_id = test::query_value(
      conn, "SELECT left(encode(sha256(convert_to('incident:" + m.name + "', 'UTF8')), 'hex'), 40)");
  std::vector<std::string> requires_list;
  std::vector<std::string> conflicts;
  for (const auto& d : c.dependencies) (d.front() == '!' ? conflicts : requires_list).push_back(d);
  exec_ok(conn, "BEGIN");
  if (event == "deploy") {
    exec_params(conn,
                "INSERT INTO sqitch.changes (change_id, script_hash, change, project, note, committer_name, "
                "committer_email, planned_at, planner_name, planner_email) VALUES ($1, "
                "left(encode(sha256(convert_to($2, 'UTF8')), 'hex'), 40), $3, 'incident', $4, 'Deploy Bot', "
                "'deploy@example.com', $5, $6, $7)",
                {change_id, m.sql, c.name, c.note, c.planned_at, c.planner_name, c.planner_email});
    for (const auto& r : requires_list) {
      // A plain name requires its latest deployed appearance, name@tag the one before the tag.
      const auto at = r.find('@');
      exec_params(conn,
                  "INSERT INTO sqitch.dependencies (change_id, type, dependency, dependency_id) VALUES ($1, "
                  "'require', $2, (SELECT change_id FROM sqitch.changes WHERE project = 'incident' AND change = $3 "
                  "ORDER BY committed_at " + std::string(at == std::string::npos ? "DESC" : "ASC") + " LIMIT 1))",
                  {change_id, r, r.substr(0, at)});
    }
    for (const auto& tag : c.tags) {
      exec_params(conn,
                  "INSERT INTO sqitch.tags (tag_id, tag, project, change_id, note, committer_name, committer_email, "
                  "planned_at, planner_name, planner_email) VALUES (left(encode(sha256(convert_to('incident:' || $1, "
                  "'UTF8')), 'hex'), 40), $1, 'incident', $2, '', 'Deploy Bot', 'deploy@example.com', $3, $4, $5)",
                  {"@" + tag, change_id, c.planned_at, c.planner_name, c.planner_email});
    }
  }
  std::vector<std::string> tags;
  for (const auto& t : c.tags) tags.push_back("@" + t);
  exec_params(conn,
              "INSERT INTO sqitch.events (event, change_id, change, project, note, requires, conflicts, tags, "
              "committer_name, committer_email, planned_at, planner_name, planner_email) VALUES ($1, $2, $3, "
              "'incident', $4, $5, $6, $7, 'Deploy Bot', 'deploy@example.com', $8, $9, $10)",
              {event, change_id, c.name, c.note, text_array(requires_list), text_array(conflicts), text_array(tags),
               c.planned_at, c.planner_name, c.planner_email});
  exec_ok(conn, "COMMIT");
}
void sqitch_record(PGconn* conn, const Migration& m, const std::string& dir) { sqitch_log(conn, m, dir, "deploy"); }
// The deploy script died: sqitch logs a `fail` event and no changes row; the
// next `sqitch deploy` tries the change again.
void sqitch_fail(PGconn* conn, const Migration& m, const std::string& dir) { sqitch_log(conn, m, dir, "fail"); }

// The derived columns of the fixtures whose files spell types in upper case.
constexpr const char* kUpperCaseColumns =
    "public.environments.last_error TEXT None|public.environments.retries INTEGER 0";

struct ToolCase {
  std::string tool;     // as detected and reported
  std::string fixture;  // tests/fixtures/<fixture>
  std::vector<std::string> pending;
  const char* history_ddl;
  void (*record)(PGconn*, const Migration&, const std::string&);
  // The derived columns as `check --format json` reports them (types as the files spell them).
  std::string columns = kUpperCaseColumns;
  // The tool's record of a run that failed in `m`, for tools that keep one.
  void (*fail)(PGconn*, const Migration& m, const std::string& dir) = nullptr;
  // What the operator runs after fixing the failure, before the retry (none: the tool retries on its own).
  void (*recover)(PGconn*, const Migration& failed) = nullptr;
};

std::ostream& operator<<(std::ostream& out, const ToolCase& c) { return out << c.tool; }

const ToolCase kCases[] = {
    {"flyway", "flyway-migrations",
     {"V9__add_last_error_to_environments", "V10__add_environment_retries", "V11__add_deployments"}, kFlywayDdl,
     flyway_record, kUpperCaseColumns, flyway_fail, flyway_repair},
    {"golang-migrate", "golang-migrate-migrations",
     {"000004_add_last_error_to_environments", "000005_add_environment_retries", "000006_add_deployments"},
     kGolangMigrateDdl, golang_migrate_record, kUpperCaseColumns, golang_migrate_fail, golang_migrate_force_previous},
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
    {"atlas", "atlas-migrations",
     {"20250804020810_add_last_error_to_environments", "20250806141200_add_environment_retries",
      "20250812110000_add_deployments"},
     kAtlasDdl, atlas_record, "public.environments.last_error text None|public.environments.retries integer 0",
     atlas_fail},
    {"sqitch", "sqitch-migrations",
     {"add_last_error_to_environments", "add_environment_retries", "add_deployments"}, kSqitchDdl, sqitch_record,
     kUpperCaseColumns, sqitch_fail},
};

// The cases whose tool records failures.
[[nodiscard]] std::vector<ToolCase> failing_cases() {
  std::vector<ToolCase> out;
  for (const auto& c : kCases) {
    if (c.fail != nullptr) out.push_back(c);
  }
  return out;
}

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

// tests/integration/migrations/golden/<tool>.txt: `pgshim check`'s text report of
// the fixture's pending set, the fixture directory written `$DIR`. With
// PGSHIM_UPDATE_GOLDEN=1 in the environment the file is rewritten instead
// (review the diff before committing it).
TEST_P(ToolDatabase, TextReportMatchesTheGolden) {
  // Proves the text report word for word: each change's verdict, reason, file:line and statement, the summary,
  // the tool's own apply command and the gate's verdict.
  const Outcome r = pgshim_check({"--migrations", dir_, "--upstream", db_->url_with_credentials()});
  EXPECT_EQ(r.status, 1) << r.out;
  std::string text = r.out;
  for (std::size_t at = text.find(dir_); at != std::string::npos; at = text.find(dir_, at)) {
    text.replace(at, dir_.size(), "$DIR");
  }
  const char* source = std::getenv("PGSHIM_SOURCE_DIR");
  const fs::path golden = fs::path(source != nullptr ? source : ".") / "tests/integration/migrations/golden" /
                          (GetParam().tool + ".txt");
  const char* update = std::getenv("PGSHIM_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(golden) << text;
    GTEST_SKIP() << "rewrote " << golden;
  }
  EXPECT_EQ(text, read_text(golden)) << "golden: " << golden;
}

TEST_P(ToolDatabase, GithubAnnotationsPointAtTheStatements) {
  // Proves --format github writes one workflow command per change: ::error for the unmitigable new table and
  // ::warning for the mitigated column, each at its migration file and line, escaped as GitHub requires.
  const Outcome r = pgshim_check(
      {"--migrations", dir_, "--upstream", db_->url_with_credentials(), "--format", "github"});
  EXPECT_EQ(r.status, 1) << r.out;
  const Migration& first = migration(GetParam().pending.front());
  const Migration& last = migration(GetParam().pending.back());
  EXPECT_NE(r.out.find("::warning file=" + first.path + ",line="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(",title=pgshim check%3A pending%2C mitigated::" + first.name +
                       ": mitigated: public.environments.last_error "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("::error file=" + last.path + ",line="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(",title=pgshim check%3A pending%2C not mitigated::" + last.name +
                       ": not mitigated: creates table public.deployments"),
            std::string::npos)
      << r.out;
  // Every annotation is one line: statements' newlines are %0A.
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.rfind("::", 0) == 0 || line.rfind("pgshim check: ", 0) == 0) << line;
  }
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
  // that after the tool's recovery (repair / force, or none) and a successful retry nothing is pending.
  const ToolCase& c = GetParam();
  const Migration& first = migration(c.pending.front());
  c.fail(conn_.get(), first, dir_);
  const Outcome r = check_json();
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_EQ(pending_states(r), expected_states(c, "failed")) << r.out;
  EXPECT_EQ(python_on_json(r.out, "print(' '.join(c['column'] for c in d['pending'][0]['mitigated']))").out,
            "last_error\n");
  // Where the tool records why (Atlas: error and error_stmt), check says it.
  if (c.tool == std::string("atlas")) {
    EXPECT_EQ(python_on_json(r.out, "print(d['pending'][0]['failure'].startswith('error: pq: canceling statement due to "
                                    "lock timeout; statement: '))")
                  .out,
              "True\n")
        << r.out;
  }
  // Only mitigated columns in it, yet it blocks --fail-on unmitigated: it may be half applied.
  EXPECT_EQ(python_on_json(r.out, "print(d['failed_count'], d['pending'][0]['blocking'], d['pending'][1]['blocking'])")
                .out,
            "1 True False\n");
  // The failure is an ::error at the migration's file; run from the fixtures' directory, the path is relative.
  const fs::path fixtures = fs::path(dir_).parent_path();
  const char* bin = std::getenv("PGSHIM_BIN");
  const Outcome gh = run_shell("cd " + shell_quote(fixtures.string()) + " && " +
                               shell_quote(bin != nullptr ? bin : "pgshim") + " check --migrations " +
                               shell_quote(dir_) + " --upstream " + shell_quote(db_->url_with_credentials()) +
                               " --format github --fail-on unmitigated");
  EXPECT_EQ(gh.status, 1) << gh.out;
  const std::string relative = fs::path(first.path).lexically_relative(fixtures).string();
  EXPECT_NE(gh.out.find("::error file=" + relative + ",line="), std::string::npos) << gh.out;
  EXPECT_NE(gh.out.find(",title=pgshim check%3A migration failed::" + first.name + " is recorded as failed"),
            std::string::npos)
      << gh.out;

  // The proxy says so too: an error naming the migration, and the incident's
  // INSERT still served.
  {
    test::Pgshim shim({"--upstream", db_->url_with_credentials(), "--migrations", dir_}, false);
    const std::string said = "migration " + first.name + " is recorded as FAILED";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (shim.log().find(said) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_NE(shim.log().find(said), std::string::npos) << shim.log();
  }

  if (c.recover != nullptr) c.recover(conn_.get(), first);
  apply_pending();
  EXPECT_EQ(check_json().status, 0);
}

INSTANTIATE_TEST_SUITE_P(Tools, FailedRecords, ::testing::ValuesIn(failing_cases()),
                         [](const auto& param_info) {
                           std::string name = param_info.param.tool;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// The tools whose history table is a plain table the operator can rename, with its default name.
[[nodiscard]] std::string default_history_table(const std::string& tool) {
  static const std::map<std::string, std::string> kDefault = {{"flyway", "flyway_schema_history"},
                                                              {"golang-migrate", "schema_migrations"},
                                                              {"goose", "goose_db_version"},
                                                              {"dbmate", "schema_migrations"},
                                                              {"liquibase", "databasechangelog"}};
  const auto it = kDefault.find(tool);
  return it == kDefault.end() ? std::string() : it->second;
}

[[nodiscard]] std::vector<ToolCase> renamable_cases() {
  std::vector<ToolCase> out;
  for (const auto& c : kCases) {
    if (!default_history_table(c.tool).empty()) out.push_back(c);
  }
  return out;
}

class CustomHistoryTable : public ToolDatabase {};

TEST_P(CustomHistoryTable, TheReaderHonoursTheConfiguredTable) {
  // Proves --history-table makes the chosen reader read the tool's table where the tool was told to keep it (here
  // ops.deploy_history): without it nothing reads as applied, with it exactly the fixture's pending set, and the
  // apply command carries the table; a malformed name is a usage error (2).
  exec_ok(conn_.get(), "CREATE SCHEMA ops; ALTER TABLE public." + default_history_table(GetParam().tool) +
                           " SET SCHEMA ops; ALTER TABLE ops." + default_history_table(GetParam().tool) +
                           " RENAME TO deploy_history");
  const Outcome plain = check_json();
  EXPECT_EQ(python_on_json(plain.out, "print(d['pending_count'] == d['total'])").out, "True\n") << plain.out;
  const Outcome r = pgshim_check({"--migrations", dir_, "--upstream", db_->url_with_credentials(), "--format", "json",
                                  "--history-table", "ops.deploy_history"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_EQ(pending_states(r), expected_states(GetParam())) << r.out;
  EXPECT_EQ(python_on_json(r.out, "print(d['history_table'], 'deploy_history' in d['apply_command'])").out,
            "ops.deploy_history True\n")
      << r.out;
  EXPECT_EQ(pgshim_check({"--migrations", dir_, "--upstream", db_->url_with_credentials(), "--history-table",
                          "a.b.c"})
                .status,
            2);
}

TEST_P(CustomHistoryTable, TheProxyHonoursMigrationsHistoryTable) {
  // Proves `pgshim --migrations DIR --migrations-history-table T` reads the moved table: the pending column is
  // mitigated from it (with the applied migrations' tables unread, it would not start cleanly with them pending).
  exec_ok(conn_.get(), "CREATE SCHEMA ops; ALTER TABLE public." + default_history_table(GetParam().tool) +
                           " SET SCHEMA ops; ALTER TABLE ops." + default_history_table(GetParam().tool) +
                           " RENAME TO deploy_history");
  test::Pgshim shim({"--upstream", db_->url_with_credentials(), "--migrations", dir_, "--migrations-history-table",
                     "ops.deploy_history"},
                    false);
  const std::string expected = "migrations " + dir_ + ": " + std::to_string(GetParam().pending.size()) + " of " +
                               std::to_string(all_.size()) + " not applied";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (shim.log().find(expected) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(shim.log().find(expected), std::string::npos) << shim.log();
}

INSTANTIATE_TEST_SUITE_P(Tools, CustomHistoryTable, ::testing::ValuesIn(renamable_cases()),
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
