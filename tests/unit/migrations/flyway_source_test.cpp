// FlywaySource without a database: which files are versioned migrations and in
// what order, how versions compare, and how flyway_schema_history rows (fed
// through a canned Database) become states.
#include "pgshim/migrations/flyway_source.hpp"

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

const std::string kFixture = fixture("flyway-migrations");

TEST(FlywaySource, ListsVersionedMigrationsInNumericVersionOrder) {
  // Proves V files from every subdirectory come in numeric version order (2.1 before 9 before 10), R__ and U files left out.
  const auto list = FlywaySource(kFixture).list();
  EXPECT_EQ(names(list),
            (std::vector<std::string>{"V1__init", "V2__add_jobs", "V2_1__add_user_name",
                                      "V9__add_last_error_to_environments", "V10__add_environment_retries",
                                      "V11__add_deployments"}));
  EXPECT_NE(list[3].sql.find("ADD COLUMN last_error TEXT"), std::string::npos);
  EXPECT_NE(list[4].path.find("2025-08/V10__add_environment_retries.sql"), std::string::npos);
}

TEST(FlywaySource, VersionsCompareAsFlywayDoes) {
  // Proves `_` and `.` separate parts, leading zeros and trailing zero parts do not count, and non-numeric versions are refused.
  EXPECT_EQ(normalize_flyway_version("01_2_0"), "1.2");
  EXPECT_EQ(normalize_flyway_version("1.0"), "1");
  EXPECT_EQ(normalize_flyway_version("20250804020810"), "20250804020810");
  EXPECT_EQ(normalize_flyway_version("1a"), "");
  EXPECT_EQ(normalize_flyway_version("1..2"), "");
  EXPECT_EQ(normalize_flyway_version(""), "");
  EXPECT_LT(compare_flyway_versions("2.1", "10"), 0);
  EXPECT_LT(compare_flyway_versions("1.9", "1.10"), 0);
  EXPECT_EQ(compare_flyway_versions("1", "1.0.0"), 0);
  EXPECT_GT(compare_flyway_versions("1.2.1", "1.2"), 0);
}

TEST(FlywaySource, RefusesDuplicateAndInvalidVersions) {
  // Proves two files with one version and a V file with a non-numeric version are errors, never a silently shorter list.
  TempDir twice;
  twice.write("V1__a.sql", "SELECT 1;");
  twice.write("sub/V1.0__b.sql", "SELECT 2;");
  EXPECT_THROW((void)FlywaySource(twice.str()).list(), MigrationError);
  TempDir invalid;
  invalid.write("V1b__a.sql", "SELECT 1;");
  EXPECT_THROW((void)FlywaySource(invalid.str()).list(), MigrationError);
  EXPECT_THROW((void)FlywaySource("/nonexistent/pgshim/flyway").list(), MigrationError);
}

TEST(FlywaySource, HistoryRowsMatchFilesByVersion) {
  // Proves success=true rows are applied, success=false failed, rows are matched by version (2.1 = "2.1", 1 = "1.0"),
  // and rows without a version or without a file are ignored.
  CannedDatabase db;
  db.history = {row({"NULL", "SCHEMA", "t"}),       row({"1.0", "SQL", "t"}), row({"2", "SQL", "t"}),
                row({"2.1", "SQL", "t"}),           row({"9", "SQL", "f"}),   row({"42", "SQL", "t"}),
                row({"NULL", "SQL", "t"})};
  const auto states = FlywaySource(kFixture).recorded(db);
  EXPECT_EQ(states.size(), 4u);
  EXPECT_EQ(states.at("V1__init"), MigrationState::Applied);
  EXPECT_EQ(states.at("V2_1__add_user_name"), MigrationState::Applied);
  EXPECT_EQ(states.at("V9__add_last_error_to_environments"), MigrationState::Failed);
  EXPECT_EQ(states.count("V10__add_environment_retries"), 0u);
  // Rows are read in installed_rank order so the latest decides.
  EXPECT_NE(db.statements.back().find("ORDER BY installed_rank"), std::string::npos);
  EXPECT_EQ(db.params.front(), std::vector<std::string>{"\"flyway_schema_history\""});
}

TEST(FlywaySource, LatestRowDecidesAndBaselineDeleteUndoCount) {
  // Proves a retry after a failure is applied, a BASELINE covers every older version, DELETE and a successful UNDO
  // make a version pending again.
  CannedDatabase db;
  db.history = {row({"2", "BASELINE", "t"}),  row({"2.1", "SQL", "t"}), row({"2.1", "DELETE", "t"}),
                row({"9", "SQL", "f"}),       row({"9", "SQL", "t"}),   row({"10", "SQL", "t"}),
                row({"10", "UNDO_SQL", "t"})};
  const auto states = FlywaySource(kFixture).recorded(db);
  EXPECT_EQ(states.at("V1__init"), MigrationState::Applied);
  EXPECT_EQ(states.at("V2__add_jobs"), MigrationState::Applied);
  EXPECT_EQ(states.count("V2_1__add_user_name"), 0u);
  EXPECT_EQ(states.at("V9__add_last_error_to_environments"), MigrationState::Applied);
  EXPECT_EQ(states.count("V10__add_environment_retries"), 0u);
}

TEST(FlywaySource, MissingHistoryTableAndConfiguredTable) {
  // Proves a database Flyway never ran on reads as nothing applied, and a configured schema-qualified table is quoted.
  CannedDatabase db;
  db.table_exists = false;
  EXPECT_TRUE(FlywaySource(kFixture, "flyway.history").recorded(db).empty());
  ASSERT_EQ(db.statements.size(), 1u);
  EXPECT_EQ(db.params[0], std::vector<std::string>{"\"flyway\".\"history\""});
}

TEST(FlywaySource, FailedAndPendingMigrationsAreDerived) {
  // Proves the fixture's pending set: a failed V9 still yields last_error, V10 a NOT NULL DEFAULT column, V11 a new table.
  CannedDatabase db;
  db.history = {row({"1", "SQL", "t"}), row({"2", "SQL", "t"}), row({"2.1", "SQL", "t"}), row({"9", "SQL", "f"})};
  const auto loaded = load_pending(FlywaySource(kFixture), db);
  EXPECT_EQ(loaded.total, 6u);
  ASSERT_EQ(loaded.unapplied.size(), 3u);
  EXPECT_EQ(loaded.unapplied[0].migration.name, "V9__add_last_error_to_environments");
  EXPECT_EQ(loaded.unapplied[0].state, MigrationState::Failed);
  ASSERT_EQ(loaded.columns.size(), 2u);
  EXPECT_EQ(sql::qualified_name(loaded.columns[0]), "public.environments.last_error");
  EXPECT_EQ(loaded.columns[0].migration, "V9__add_last_error_to_environments");
  EXPECT_EQ(loaded.columns[1].column, "retries");
  EXPECT_EQ(loaded.columns[1].default_expr, "0");
  ASSERT_FALSE(loaded.not_mitigated.empty());
  EXPECT_EQ(loaded.not_mitigated[0].migration, "V11__add_deployments");
  EXPECT_EQ(loaded.not_mitigated[0].reason.rfind("creates table public.deployments", 0), 0u);
}

TEST(FlywaySource, AppliedAtIsTheLatestSuccessfulInstalledOn) {
  // Proves installed_on of a version's latest successful row is its time (fractions kept), and a failed, deleted,
  // undone or baseline version has none; the query reads installed_on as timestamptz.
  CannedDatabase db;
  db.history = {row({"1", "SQL", "t", "1754000000"}),      row({"2", "BASELINE", "t", "1754000050"}),
                row({"2.1", "SQL", "t", "1754000100.25"}), row({"9", "SQL", "t", "1754000200"}),
                row({"9", "SQL", "f", "1754000300"}),       row({"10", "SQL", "t", "1754000400"}),
                row({"10", "UNDO_SQL", "t", "1754000500"}),  row({"11", "SQL", "t", "NULL"})};
  const auto times = FlywaySource(kFixture).applied_at(db);
  ASSERT_TRUE(times.has_value());
  EXPECT_EQ(times->size(), 2u);
  EXPECT_EQ(times->at("V1__init"), testing::epoch(1754000000));
  EXPECT_EQ(times->at("V2_1__add_user_name"), testing::epoch(1754000100, 250000));
  EXPECT_NE(db.statements.back().find("extract(epoch FROM (installed_on)::timestamptz)"), std::string::npos);
  CannedDatabase missing;
  missing.table_exists = false;
  EXPECT_TRUE(FlywaySource(kFixture).applied_at(missing)->empty());
}

}  // namespace
}  // namespace pgshim::migrations
