// DrizzleSource without a database: the journal decides the migrations and
// their order, breakpoints separate statements, and max(created_at) of
// __drizzle_migrations (canned) is the high-water mark.
#include "pgshim/migrations/drizzle_source.hpp"

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

const std::string kFixture = fixture("drizzle-migrations");

TEST(DrizzleSource, ListsJournalEntriesInIdxOrder) {
  // Proves the migrations are the journal's tags in idx order with their files' SQL.
  const auto list = DrizzleSource(kFixture).list();
  EXPECT_EQ(names(list), (std::vector<std::string>{"0000_init", "0001_add_jobs", "0002_add_user_name",
                                                   "0003_add_last_error_to_environments",
                                                   "0004_add_environment_retries", "0005_add_deployments"}));
  EXPECT_NE(list[3].sql.find("ADD COLUMN \"last_error\" text"), std::string::npos);
  EXPECT_EQ(list[0].sql.find("statement-breakpoint"), std::string::npos);
}

TEST(DrizzleSource, BreakpointsBecomeStatementEnds) {
  // Proves a chunk without its own semicolon still ends where the breakpoint is, on the same line.
  EXPECT_EQ(drizzle_statements("CREATE TABLE a (id int)\n--> statement-breakpoint\nCREATE TABLE b (id int);\n"),
            "CREATE TABLE a (id int)\n;\nCREATE TABLE b (id int);\n");
}

TEST(DrizzleSource, TheJournalNotTheFilesDecides) {
  // Proves a .sql file the journal does not name is ignored, entries sort by idx, and a missing file is an error.
  TempDir dir;
  dir.write("meta/_journal.json",
            R"({"version":"7","dialect":"postgresql","entries":[)"
            R"({"idx":1,"version":"7","when":1754273290000,"tag":"0001_b","breakpoints":true},)"
            R"({"idx":0,"version":"7","when":1748768400000,"tag":"0000_a","breakpoints":true}]})");
  dir.write("0000_a.sql", "SELECT 1;");
  dir.write("0001_b.sql", "SELECT 2;");
  dir.write("seed.sql", "SELECT 3;");
  EXPECT_EQ(names(DrizzleSource(dir.str()).list()), (std::vector<std::string>{"0000_a", "0001_b"}));
  std::filesystem::remove(std::filesystem::path(dir.str()) / "0001_b.sql");
  EXPECT_THROW((void)DrizzleSource(dir.str()).list(), MigrationError);
}

TEST(DrizzleSource, RefusesBadJournals) {
  // Proves a missing journal, invalid JSON, another dialect and an entry without a tag are errors.
  TempDir none;
  EXPECT_THROW((void)DrizzleSource(none.str()).list(), MigrationError);
  TempDir broken;
  broken.write("meta/_journal.json", "{\"entries\": [");
  EXPECT_THROW((void)DrizzleSource(broken.str()).list(), MigrationError);
  TempDir sqlite;
  sqlite.write("meta/_journal.json", R"({"dialect":"sqlite","entries":[]})");
  EXPECT_THROW((void)DrizzleSource(sqlite.str()).list(), MigrationError);
  TempDir untagged;
  untagged.write("meta/_journal.json", R"({"dialect":"postgresql","entries":[{"idx":0,"when":1}]})");
  EXPECT_THROW((void)DrizzleSource(untagged.str()).list(), MigrationError);
}

TEST(DrizzleSource, MaxCreatedAtIsAHighWaterMark) {
  // Proves entries whose `when` is at or below max(created_at) are applied, later ones not, an empty table nothing.
  CannedDatabase db;
  db.history = {row({"1751451300000"})};  // 0002_add_user_name's `when`
  const auto states = DrizzleSource(kFixture).recorded(db);
  EXPECT_EQ(states.size(), 3u);
  EXPECT_EQ(states.at("0002_add_user_name"), MigrationState::Applied);
  EXPECT_EQ(states.count("0003_add_last_error_to_environments"), 0u);
  EXPECT_EQ(db.params.front(), std::vector<std::string>{"\"drizzle\".\"__drizzle_migrations\""});
  CannedDatabase empty;
  empty.history = {row({"NULL"})};
  EXPECT_TRUE(DrizzleSource(kFixture).recorded(empty).empty());
  CannedDatabase missing;
  missing.table_exists = false;
  EXPECT_TRUE(DrizzleSource(kFixture).recorded(missing).empty());
}

TEST(DrizzleSource, PendingMigrationsAreDerived) {
  // Proves the fixture's pending set: last_error, the NOT NULL DEFAULT column and a new table (not mitigated).
  CannedDatabase db;
  db.history = {row({"1751451300000"})};
  const auto loaded = load_pending(DrizzleSource(kFixture), db);
  ASSERT_EQ(loaded.unapplied.size(), 3u);
  ASSERT_EQ(loaded.columns.size(), 2u);
  EXPECT_EQ(loaded.columns[0].column, "last_error");
  EXPECT_EQ(loaded.columns[0].type, "text");
  EXPECT_EQ(loaded.columns[1].default_expr, "0");
  ASSERT_FALSE(loaded.not_mitigated.empty());
  EXPECT_EQ(loaded.not_mitigated[0].reason.rfind("creates table public.deployments", 0), 0u);
}

TEST(DrizzleSource, RecordsNoApplyTimes) {
  // Proves the tool's history has no time of applying, so no drift is derived for it (nullopt, no query).
  CannedDatabase db;
  EXPECT_FALSE(DrizzleSource(kFixture).applied_at(db).has_value());
  EXPECT_TRUE(db.statements.empty());
}

}  // namespace
}  // namespace pgshim::migrations
