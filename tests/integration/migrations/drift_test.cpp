// Drift derived from applied migrations against a real PostgreSQL: a directory
// whose applied migrations dropped `environments.legacy_note` and renamed
// `environments.title` to `name` (the incident database is in that state).
// Recorded applied an hour ago, `pgshim check` lists both and the proxy
// started with only `--upstream URL --migrations DIR` serves an old client's
// reads and writes of the old columns; recorded three days ago (outside the
// 24h window), neither lists nor serves anything. Prisma and Flyway, each
// writing its history table as the tool does.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "check_support.hpp"
#include "support/harness.hpp"

namespace pgshim::migrations {
namespace {

using namespace check_support;

constexpr const char* kInitSql = R"(-- CreateTable
CREATE TABLE "environments" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "legacy_note" VARCHAR(200),
    CONSTRAINT "environments_pkey" PRIMARY KEY ("id")
);
)";
constexpr const char* kDropSql = "-- AlterTable\nALTER TABLE \"environments\" DROP COLUMN \"legacy_note\";\n";
constexpr const char* kRenameSql = "-- AlterTable\nALTER TABLE \"environments\" RENAME COLUMN \"title\" TO \"name\";\n";

// A migrations directory of the tool's layout and its history table's writer.
struct DriftTool {
  std::string tool;
  // Writes the three migrations (init, drop, rename) into the directory; their names in order.
  std::function<std::vector<std::string>(const fs::path&)> write;
  std::string history_ddl;
  // Records migration `name` (the i-th) applied `ago` (an SQL interval) before now().
  std::function<void(PGconn*, const std::string& name, std::size_t i, const std::string& ago)> record;
};

std::ostream& operator<<(std::ostream& out, const DriftTool& t) { return out << t.tool; }

void exec_params(PGconn* conn, const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> p;
  for (const auto& v : params) p.push_back(v.c_str());
  test::Result r(PQexecParams(conn, sql.c_str(), static_cast<int>(p.size()), nullptr, p.data(), nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get()) << "\n" << sql;
}

const DriftTool kPrisma{
    "prisma",
    [](const fs::path& dir) {
      const std::vector<std::pair<std::string, const char*>> files = {{"20250601090000_init", kInitSql},
                                                                      {"20250901000000_drop_legacy_note", kDropSql},
                                                                      {"20250902000000_rename_title", kRenameSql}};
      std::ofstream(dir / "migration_lock.toml") << "provider = \"postgresql\"\n";
      std::vector<std::string> names;
      for (const auto& [name, sql] : files) {
        fs::create_directories(dir / name);
        std::ofstream(dir / name / "migration.sql") << sql;
        names.push_back(name);
      }
      return names;
    },
    // prisma-engines' DDL for its history table.
    R"(CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0))",
    [](PGconn* conn, const std::string& name, std::size_t i, const std::string& ago) {
      exec_params(conn,
                  "INSERT INTO \"_prisma_migrations\" (id, checksum, finished_at, migration_name, started_at, "
                  "applied_steps_count) VALUES ($1, $2, now() - $3::interval, $4, now() - $3::interval, 1)",
                  {"00000000-0000-4000-8000-00000000000" + std::to_string(i), std::string(64, 'a'), ago, name});
    }};

const DriftTool kFlyway{
    "flyway",
    [](const fs::path& dir) {
      std::ofstream(dir / "V1__init.sql") << kInitSql;
      std::ofstream(dir / "V2__drop_legacy_note.sql") << kDropSql;
      std::ofstream(dir / "V3__rename_title.sql") << kRenameSql;
      return std::vector<std::string>{"V1__init", "V2__drop_legacy_note", "V3__rename_title"};
    },
    // Flyway's PostgreSQL createMetaDataTable.sql (installed_on is a timestamp without time zone).
    R"(CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL))",
    [](PGconn* conn, const std::string& name, std::size_t i, const std::string& ago) {
      const std::string description = name.substr(name.find("__") + 2);
      exec_params(conn,
                  "INSERT INTO \"flyway_schema_history\" (\"installed_rank\", \"version\", \"description\", \"type\", "
                  "\"script\", \"checksum\", \"installed_by\", \"installed_on\", \"execution_time\", \"success\") "
                  "VALUES ($1::int, $1, $2, 'SQL', $3, 1234567, current_user, now() - $4::interval, 12, true)",
                  {std::to_string(i + 1), description, name + ".sql", ago});
    }};

// The incident database (already without legacy_note, with `name`), the
// directory and the history recording init a month ago and the drop and the
// rename `ago`.
class AppliedDrift : public ::testing::TestWithParam<DriftTool> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pgshim-drift-" + GetParam().tool + "-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    names_ = GetParam().write(dir_);
    db_ = std::make_unique<test::IncidentDatabase>("pgshim_drift");
    conn_ = db_->direct();
    ASSERT_EQ(PQstatus(conn_.get()), CONNECTION_OK);
    exec_ok(conn_.get(), GetParam().history_ddl);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void record(const std::string& ago) {
    GetParam().record(conn_.get(), names_[0], 0, "30 days");
    GetParam().record(conn_.get(), names_[1], 1, ago);
    GetParam().record(conn_.get(), names_[2], 2, ago);
  }
  [[nodiscard]] Outcome check(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"--migrations", dir_.string(), "--upstream", db_->url_with_credentials()};
    args.insert(args.end(), extra.begin(), extra.end());
    return pgshim_check(args);
  }
  [[nodiscard]] test::Connection old_client(const test::Pgshim& shim) const {
    return test::connect("host=127.0.0.1 port=" + std::to_string(shim.port()) + " dbname=" + db_->name() +
                         " user=pgshim_scram password=scram-pass application_name=old-pod");
  }

  fs::path dir_;
  std::vector<std::string> names_;
  std::unique_ptr<test::IncidentDatabase> db_;
  test::Connection conn_;
};

// Waits up to 10 s for `needle` in the proxy's log.
[[nodiscard]] bool logged(const test::Pgshim& shim, const std::string& needle) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (shim.log().find(needle) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST_P(AppliedDrift, RecentDropAndRenameAreListedAndServedToOldCode) {
  // Proves migrations applied an hour ago give a retired legacy_note typed VARCHAR(200) from the init migration and
  // a renamed title -> name, in check's text and JSON (nothing pending: the gate passes, --drift-window 0 lists
  // none), and that the proxy with only --migrations serves an old client: legacy_note reads NULL and its write is
  // dropped, title reads and writes `name`.
  record("1 hour");
  const Outcome text = check();
  EXPECT_EQ(text.status, 0) << text.out;
  EXPECT_NE(text.out.find("Drift: columns dropped or renamed by migrations applied within 24h"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("  retired        public.environments.legacy_note VARCHAR(200) (type from " + names_[0] +
                          "): old code reads NULL; its writes to it are dropped\n"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("  renamed        public.environments.title -> name: old code's references are rewritten "
                          "to name"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("ALTER TABLE \"environments\" DROP COLUMN \"legacy_note\";"), std::string::npos) << text.out;

  const Outcome json = check({"--format", "json"});
  EXPECT_EQ(json.status, 0) << json.out;
  EXPECT_EQ(python_on_json(json.out, "print(d['drift_window_seconds'], d['drift_unavailable'], '|'.join("
                                     "'%s %s.%s.%s %s %s %s %d %s' % (c['kind'], c['schema'], c['table'], c['column'], "
                                     "c['type'], c['renamed_to'], c['migration'], c['line'], c['path'].endswith('.sql')"
                                     ") for c in d['drift']))")
                .out,
            "86400 None retired public.environments.legacy_note VARCHAR(200) None " + names_[1] +
                " 2 True|renamed public.environments.title None name " + names_[2] + " 2 True\n")
      << json.out;
  // applied_at is the history's time, an hour before the database's now.
  EXPECT_EQ(python_on_json(json.out, "import datetime\n"
                                     "t = datetime.datetime.strptime(d['drift'][0]['applied_at'], '%Y-%m-%dT%H:%M:%SZ')\n"
                                     "age = datetime.datetime.utcnow() - t\n"
                                     "print(3000 < age.total_seconds() < 4200)")
                .out,
            "True\n")
      << json.out;
  EXPECT_EQ(python_on_json(check({"--format", "json", "--drift-window", "0"}).out,
                           "print(d['drift_window_seconds'], len(d['drift']))")
                .out,
            "0 0\n");

  test::Pgshim shim({"--upstream", db_->url_with_credentials(), "--migrations", dir_.string()}, false);
  ASSERT_TRUE(logged(shim, "retired column public.environments.legacy_note is gone from the database")) << shim.log();
  ASSERT_TRUE(logged(shim, "renamed column public.environments.title is now")) << shim.log();
  auto client = old_client(shim);
  ASSERT_EQ(PQstatus(client.get()), CONNECTION_OK) << PQerrorMessage(client.get());
  EXPECT_EQ(test::query_value(client.get(), "SELECT coalesce(legacy_note, '(null)') || ':' || title FROM environments "
                                            "WHERE id = 'env_1'"),
            "(null):staging");
  EXPECT_EQ(test::query_value(client.get(), "INSERT INTO environments (id, title, user_id, legacy_note) VALUES "
                                            "('env_old', 'written by old code', 'user_1', 'dropped') RETURNING title"),
            "written by old code");
  EXPECT_EQ(test::query_value(client.get(), "UPDATE environments SET legacy_note = 'x', title = 'renamed ok' "
                                            "WHERE id = 'env_2' RETURNING id"),
            "env_2");
  EXPECT_EQ(test::query_value(conn_.get(), "SELECT string_agg(id || '=' || name, ',' ORDER BY id) FROM environments"),
            "env_1=staging,env_2=renamed ok,env_3=prod,env_old=written by old code");
}

TEST_P(AppliedDrift, OutsideTheWindowNothingIsListedOrServed) {
  // Proves the same migrations applied three days ago (beyond the 24h default) list no drift and the proxy rewrites
  // nothing: the old client's legacy_note and title fail as the database says (42703); a 4-day window lists both.
  record("3 days");
  const Outcome json = check({"--format", "json"});
  EXPECT_EQ(json.status, 0) << json.out;
  EXPECT_EQ(python_on_json(json.out, "print(len(d['drift']), d['drift_unavailable'])").out, "0 None\n") << json.out;
  EXPECT_NE(check().out.find("Drift: no column dropped or renamed by a migration applied within 24h\n"),
            std::string::npos);
  EXPECT_EQ(python_on_json(check({"--format", "json", "--drift-window", "96h"}).out, "print(len(d['drift']))").out,
            "2\n");

  test::Pgshim shim({"--upstream", db_->url_with_credentials(), "--migrations", dir_.string()}, false);
  ASSERT_TRUE(logged(shim, "migrations " + dir_.string() + ": 0 of 3 not applied")) << shim.log();
  auto client = old_client(shim);
  ASSERT_EQ(PQstatus(client.get()), CONNECTION_OK) << PQerrorMessage(client.get());
  EXPECT_EQ(test::query_value(client.get(), "SELECT legacy_note FROM environments WHERE id = 'env_1'"), "ERROR 42703");
  EXPECT_EQ(test::query_value(client.get(), "SELECT title FROM environments WHERE id = 'env_1'"), "ERROR 42703");
  EXPECT_EQ(shim.log().find("retired column"), std::string::npos) << shim.log();
}

INSTANTIATE_TEST_SUITE_P(Tools, AppliedDrift, ::testing::Values(kPrisma, kFlyway),
                         [](const auto& param_info) { return param_info.param.tool; });

}  // namespace
}  // namespace pgshim::migrations
