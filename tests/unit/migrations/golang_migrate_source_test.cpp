// GolangMigrateSource without a database: its up files, and how the one-row
// schema_migrations high-water mark (through a canned Database) becomes states.
#include "pgshim/migrations/golang_migrate_source.hpp"

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

const std::string kFixture = fixture("golang-migrate-migrations");

TEST(GolangMigrateSource, ListsUpFilesInVersionOrder) {
  // Proves only .up.sql files are migrations, named without the suffix, with the up file's SQL.
  const auto list = GolangMigrateSource(kFixture).list();
  EXPECT_EQ(names(list), (std::vector<std::string>{"000001_init", "000002_add_jobs", "000003_add_user_name",
                                                   "000004_add_last_error_to_environments",
                                                   "000005_add_environment_retries", "000006_add_deployments"}));
  EXPECT_EQ(list[3].sql.find("DROP COLUMN"), std::string::npos);
  EXPECT_NE(list[3].sql.find("ADD COLUMN last_error TEXT"), std::string::npos);
}

TEST(GolangMigrateSource, VersionsAreNumbersNotText) {
  // Proves 9 sorts before 10 without zero padding, and two up files with one version are an error.
  TempDir dir;
  dir.write("10_b.up.sql", "SELECT 10;");
  dir.write("9_a.up.sql", "SELECT 9;");
  dir.write("9_a.down.sql", "SELECT -9;");
  dir.write("README.md", "notes");
  EXPECT_EQ(names(GolangMigrateSource(dir.str()).list()), (std::vector<std::string>{"9_a", "10_b"}));
  dir.write("010_c.up.sql", "SELECT 10;");
  EXPECT_THROW((void)GolangMigrateSource(dir.str()).list(), MigrationError);
}

TEST(GolangMigrateSource, CleanRowIsAHighWaterMark) {
  // Proves every migration at or below a clean row's version is applied and the ones above are not.
  CannedDatabase db;
  db.history = {row({"3", "f"})};
  const auto states = GolangMigrateSource(kFixture).recorded(db);
  EXPECT_EQ(states.size(), 3u);
  EXPECT_EQ(states.at("000003_add_user_name"), MigrationState::Applied);
  EXPECT_EQ(states.count("000004_add_last_error_to_environments"), 0u);
  EXPECT_NE(db.statements.back().find("LIMIT 1"), std::string::npos);
}

TEST(GolangMigrateSource, DirtyRowFailsTheMigrationAtItsVersion) {
  // Proves dirty=true makes the migration AT the version failed while the older ones stay applied.
  CannedDatabase db;
  db.history = {row({"4", "t"})};
  const auto states = GolangMigrateSource(kFixture).recorded(db);
  EXPECT_EQ(states.at("000003_add_user_name"), MigrationState::Applied);
  EXPECT_EQ(states.at("000004_add_last_error_to_environments"), MigrationState::Failed);
  EXPECT_EQ(states.count("000005_add_environment_retries"), 0u);
}

TEST(GolangMigrateSource, EmptyMissingOrNilVersionMeansNothingApplied) {
  // Proves an empty table, a missing one and migrate's -1 "nil version" all read as nothing applied.
  CannedDatabase empty;
  EXPECT_TRUE(GolangMigrateSource(kFixture).recorded(empty).empty());
  CannedDatabase missing;
  missing.table_exists = false;
  EXPECT_TRUE(GolangMigrateSource(kFixture).recorded(missing).empty());
  EXPECT_EQ(missing.statements.size(), 1u);
  CannedDatabase nil;
  nil.history = {row({"-1", "t"})};
  EXPECT_TRUE(GolangMigrateSource(kFixture).recorded(nil).empty());
}

TEST(GolangMigrateSource, FailedAndPendingMigrationsAreDerived) {
  // Proves a dirty 4 still yields last_error and the pending ones their column and new table.
  CannedDatabase db;
  db.history = {row({"4", "t"})};
  const auto loaded = load_pending(GolangMigrateSource(kFixture), db);
  ASSERT_EQ(loaded.unapplied.size(), 3u);
  EXPECT_EQ(loaded.unapplied[0].state, MigrationState::Failed);
  ASSERT_EQ(loaded.columns.size(), 2u);
  EXPECT_EQ(loaded.columns[0].column, "last_error");
  EXPECT_EQ(loaded.columns[1].default_expr, "0");
  ASSERT_FALSE(loaded.not_mitigated.empty());
  EXPECT_EQ(loaded.not_mitigated[0].migration, "000006_add_deployments");
}

TEST(GolangMigrateSource, RecordsNoApplyTimes) {
  // Proves the tool's history has no time of applying, so no drift is derived for it (nullopt, no query).
  CannedDatabase db;
  EXPECT_FALSE(GolangMigrateSource(kFixture).applied_at(db).has_value());
  EXPECT_TRUE(db.statements.empty());
}

}  // namespace
}  // namespace pgshim::migrations
