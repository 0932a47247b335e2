// SqitchSource without a database: the plan's lines (pragmas, dependencies,
// tags, notes, reworked changes), the deploy scripts each change runs, and how
// sqitch.changes and sqitch.events rows (canned) become states.
#include "pgshim/migrations/sqitch_source.hpp"

#include <gtest/gtest.h>

#include "pgshim/migrations/load.hpp"
#include "source_test_support.hpp"

namespace pgshim::migrations {
namespace {

using testing::CannedDatabase;
using testing::fixture;
using testing::names;
using testing::row;
using testing::TempDir;

const std::string kFixture = fixture("sqitch-migrations");

[[nodiscard]] std::string plan_error(const std::string& text) {
  try {
    (void)parse_sqitch_plan(text, "sqitch.plan");
  } catch (const MigrationError& e) {
    return e.what();
  }
  return "(no error)";
}

// A CannedDatabase answering the registry's two reads.
[[nodiscard]] CannedDatabase registry(std::vector<Row> changes, std::vector<Row> events) {
  CannedDatabase db;
  db.answers = {{"\"sqitch\".\"changes\"", std::move(changes)}, {"\"sqitch\".\"events\"", std::move(events)}};
  return db;
}

TEST(SqitchSource, ListsChangesInPlanOrderWithTheirDeployScripts) {
  // Proves every change line is a migration in plan order, the reworked change's earlier appearance runs its
  // @v1.0 copy under the name environment_summary@v1.0, and the SQL is the deploy script's.
  const auto list = SqitchSource(kFixture).list();
  EXPECT_EQ(names(list), (std::vector<std::string>{"init", "add_jobs", "environment_summary@v1.0", "add_user_name",
                                                   "environment_summary", "add_last_error_to_environments",
                                                   "add_environment_retries", "add_deployments"}));
  EXPECT_NE(list[2].path.find("deploy/environment_summary@v1.0.sql"), std::string::npos);
  EXPECT_NE(list[2].sql.find("GROUP BY user_id"), std::string::npos);
  EXPECT_NE(list[4].sql.find("GROUP BY u.name"), std::string::npos);
  EXPECT_NE(list[5].sql.find("ADD COLUMN last_error TEXT"), std::string::npos);
  EXPECT_NE(list[5].path.find("sqitch-migrations/deploy/add_last_error_to_environments.sql"), std::string::npos);
}

TEST(SqitchSource, PlanLinesAreParsedFieldByField) {
  // Proves pragmas, comments and blank lines, the `+` prefix, dependency lists, timestamps, planners, notes and
  // tags are read, and a change reworked after two tags lists both as rework tags.
  const auto plan = parse_sqitch_plan(
      "%syntax-version=1.0.0\n"
      "%project = flipr\n"
      "\n"
      "# comment\n"
      "appschema 2013-12-30T23:19:24Z Marge N. O'Vera <marge@example.com> # App schema.\n"
      "+users [appschema !old flipr:base@v0] 2013-12-30T23:49:00Z Marge <marge@example.com>\n"
      "@alpha 2013-12-31T00:11:59Z Marge <marge@example.com> # Tag alpha.\n"
      "@beta 2013-12-31T00:12:59Z Marge <marge@example.com>\n"
      "users [users@beta] 2014-01-02T10:00:00Z Marge <marge@example.com> # Rework.\r\n",
      "sqitch.plan");
  EXPECT_EQ(plan.project, "flipr");
  ASSERT_EQ(plan.changes.size(), 3u);
  const SqitchChange& a = plan.changes[0];
  EXPECT_EQ(a.name, "appschema");
  EXPECT_TRUE(a.dependencies.empty());
  EXPECT_EQ(a.planned_at, "2013-12-30T23:19:24Z");
  EXPECT_EQ(a.planner_name, "Marge N. O'Vera");
  EXPECT_EQ(a.planner_email, "marge@example.com");
  EXPECT_EQ(a.note, "App schema.");
  EXPECT_EQ(a.line, 5u);
  const SqitchChange& u = plan.changes[1];
  EXPECT_EQ(u.name, "users");
  EXPECT_EQ(u.dependencies, (std::vector<std::string>{"appschema", "!old", "flipr:base@v0"}));
  EXPECT_EQ(u.note, "");
  EXPECT_EQ(u.tags, (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(u.rework_tags, (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_TRUE(plan.changes[2].rework_tags.empty());
  EXPECT_EQ(plan.changes[2].dependencies, std::vector<std::string>{"users@beta"});
}

TEST(SqitchSource, MalformedPlansAreRefusedWithTheirLine) {
  // Proves the plans sqitch refuses (or pgshim cannot read) are errors naming file and line, not shorter lists.
  const std::string head = "%project=p\n";
  EXPECT_NE(plan_error(head + "a 2025-01-01T00:00:00Z A <a@x>\na 2025-01-02T00:00:00Z A <a@x>\n")
                .find("sqitch.plan:3: change a appears again (line 2) with no tag in between"),
            std::string::npos);
  EXPECT_NE(plan_error(head + "@v1 2025-01-01T00:00:00Z A <a@x>\n").find("sqitch.plan:2: tag @v1 before any change"),
            std::string::npos);
  EXPECT_NE(plan_error(head + "a 2025-01-01 A <a@x>\n").find("sqitch.plan:2: expected a timestamp"), std::string::npos);
  EXPECT_NE(plan_error(head + "a 2025-01-01T00:00:00Z A\n").find("planner"), std::string::npos);
  EXPECT_NE(plan_error(head + "a [b 2025-01-01T00:00:00Z A <a@x>\n").find("`]`"), std::string::npos);
  EXPECT_NE(plan_error(head + "a 2025-01-01T00:00:00Z A <a@x> trailing\n").find("after the planner"),
            std::string::npos);
  EXPECT_NE(plan_error(head + "-a 2025-01-01T00:00:00Z A <a@x>\n").find("not supported"), std::string::npos);
  EXPECT_NE(plan_error("a 2025-01-01T00:00:00Z A <a@x>\n").find("no %project pragma"), std::string::npos);
}

TEST(SqitchSource, ReworkedScriptIsTheFirstReworkTagCopyThatExists) {
  // Proves an earlier appearance runs deploy/<change>@<tag>.sql for the first of its rework tags whose file exists,
  // is named after that tag, and that a missing deploy script is an error.
  TempDir dir;
  dir.write("sqitch.plan",
            "%project=p\n"
            "x 2025-01-01T00:00:00Z A <a@x>\n@alpha 2025-01-01T00:01:00Z A <a@x>\n@beta 2025-01-01T00:02:00Z A <a@x>\n"
            "x [x@beta] 2025-01-02T00:00:00Z A <a@x>\n");
  dir.write("deploy/x@beta.sql", "SELECT 1;");
  dir.write("deploy/x.sql", "SELECT 2;");
  EXPECT_EQ(names(SqitchSource(dir.str()).list()), (std::vector<std::string>{"x@beta", "x"}));
  TempDir missing;
  missing.write("sqitch.plan", "%project=p\nx 2025-01-01T00:00:00Z A <a@x>\n");
  EXPECT_THROW((void)SqitchSource(missing.str()).list(), MigrationError);
  TempDir no_copy;
  no_copy.write("sqitch.plan",
                "%project=p\nx 2025-01-01T00:00:00Z A <a@x>\n@v1 2025-01-01T00:01:00Z A <a@x>\n"
                "x 2025-01-02T00:00:00Z A <a@x>\n");
  no_copy.write("deploy/x.sql", "SELECT 2;");
  EXPECT_THROW((void)SqitchSource(no_copy.str()).list(), MigrationError);
  EXPECT_THROW((void)SqitchSource("/nonexistent/pgshim/sqitch").list(), MigrationError);
}

TEST(SqitchSource, RegistryRowsBecomeStates) {
  // Proves a change with a sqitch.changes row is applied, a reworked change's N rows cover its first N appearances,
  // the appearance after them is failed when the name's latest event is `fail`, and the plan's project filters rows.
  CannedDatabase db = registry({row({"init", "1"}), row({"add_jobs", "1"}), row({"environment_summary", "1"}),
                                row({"add_user_name", "1"})},
                               {row({"environment_summary", "fail"}), row({"add_jobs", "deploy"})});
  const auto states = SqitchSource(kFixture).recorded(db);
  EXPECT_EQ(states.size(), 5u);
  EXPECT_EQ(states.at("init"), MigrationState::Applied);
  EXPECT_EQ(states.at("environment_summary@v1.0"), MigrationState::Applied);
  EXPECT_EQ(states.at("add_user_name"), MigrationState::Applied);
  EXPECT_EQ(states.at("environment_summary"), MigrationState::Failed);
  EXPECT_EQ(states.count("add_last_error_to_environments"), 0u);
  bool filtered = false;
  for (std::size_t i = 0; i < db.statements.size(); ++i) {
    if (db.statements[i].find("\"sqitch\".\"changes\" WHERE project = $1") != std::string::npos) {
      filtered = db.params[i] == std::vector<std::string>{"incident"};
    }
  }
  EXPECT_TRUE(filtered);
}

TEST(SqitchSource, RevertedAfterAFailureIsPendingAndMissingTablesReadAsNothing) {
  // Proves a later revert outweighs an old fail, a missing events table means no failure is known, a missing
  // changes table means nothing applied, and another registry schema is read when configured.
  CannedDatabase reverted = registry({row({"init", "1"})}, {row({"add_jobs", "revert"})});
  EXPECT_EQ(SqitchSource(kFixture).recorded(reverted).count("add_jobs"), 0u);
  CannedDatabase no_events = registry({row({"init", "1"})}, {row({"add_jobs", "fail"})});
  no_events.absent = {"\"sqitch\".\"events\""};
  const auto states = SqitchSource(kFixture).recorded(no_events);
  EXPECT_EQ(states.size(), 1u);
  CannedDatabase none;
  none.table_exists = false;
  EXPECT_TRUE(SqitchSource(kFixture).recorded(none).empty());
  CannedDatabase other;
  other.answers = {{"\"deploy_meta\".\"changes\"", {row({"init", "1"})}}};
  EXPECT_EQ(SqitchSource(kFixture, "deploy_meta").recorded(other).at("init"), MigrationState::Applied);
}

TEST(SqitchSource, FailedAndPendingChangesAreDerived) {
  // Proves the fixture's pending set: the failed last_error change still yields its column, then the NOT NULL
  // DEFAULT column, and the new table is not mitigated; BEGIN/COMMIT around each script change nothing.
  CannedDatabase db = registry({row({"init", "1"}), row({"add_jobs", "1"}), row({"environment_summary", "2"}),
                                row({"add_user_name", "1"})},
                               {row({"add_last_error_to_environments", "fail"})});
  const auto loaded = load_pending(SqitchSource(kFixture), db);
  EXPECT_EQ(loaded.total, 8u);
  ASSERT_EQ(loaded.unapplied.size(), 3u);
  EXPECT_EQ(loaded.unapplied[0].migration.name, "add_last_error_to_environments");
  EXPECT_EQ(loaded.unapplied[0].state, MigrationState::Failed);
  EXPECT_EQ(loaded.unapplied[1].state, MigrationState::Pending);
  ASSERT_EQ(loaded.columns.size(), 2u);
  EXPECT_EQ(sql::qualified_name(loaded.columns[0]), "public.environments.last_error");
  EXPECT_EQ(loaded.columns[0].migration, "add_last_error_to_environments");
  EXPECT_EQ(loaded.columns[1].column, "retries");
  EXPECT_EQ(loaded.columns[1].default_expr, "0");
  ASSERT_FALSE(loaded.not_mitigated.empty());
  EXPECT_EQ(loaded.not_mitigated[0].migration, "add_deployments");
  EXPECT_EQ(loaded.not_mitigated[0].reason.rfind("creates table public.deployments", 0), 0u);
}

TEST(SqitchSource, AppliedAtIsEachAppearancesCommittedAt) {
  // Proves each deployed appearance gets its changes row's committed_at, oldest first for a reworked change, and an
  // appearance without a row none.
  CannedDatabase db = registry({row({"init", "1754000000"}), row({"environment_summary", "1754000100"}),
                                row({"add_user_name", "1754000200"})},
                               {});
  const auto times = SqitchSource(kFixture).applied_at(db);
  ASSERT_TRUE(times.has_value());
  EXPECT_EQ(times->size(), 3u);
  EXPECT_EQ(times->at("init"), testing::epoch(1754000000));
  EXPECT_EQ(times->at("environment_summary@v1.0"), testing::epoch(1754000100));
  EXPECT_EQ(times->count("environment_summary"), 0u);
  EXPECT_EQ(times->at("add_user_name"), testing::epoch(1754000200));
}

}  // namespace
}  // namespace pgshim::migrations
