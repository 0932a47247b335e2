// LiquibaseSource without a database: changesets of formatted SQL files (author
// and id forms, rollback lines, dbms filters) and how databasechangelog rows
// (canned) match them.
#include "pgshim/migrations/liquibase_source.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "pgshim/migrations/load.hpp"
#include "source_test_support.hpp"

namespace pgshim::migrations {
namespace {

using testing::CannedDatabase;
using testing::fixture;
using testing::names;
using testing::row;
using testing::TempDir;

const std::string kFixture = fixture("liquibase-migrations");

TEST(LiquibaseSource, EachChangesetIsAMigrationInFileOrder) {
  // Proves changesets are listed file by file in path order, named author:id (quoted authors included), the mysql-only
  // one skipped and the YAML master changelog ignored.
  const auto list = LiquibaseSource(kFixture).list();
  EXPECT_EQ(names(list), (std::vector<std::string>{"ada:1", "ada:2", "grace:add-user-name",
                                                   "ada:add-last-error-to-environments", "ada:add-environment-retries",
                                                   "Grace Hopper:add-deployments"}));
  for (const auto& m : list) EXPECT_EQ(m.sql.find("DROP "), std::string::npos) << m.name;  // rollbacks left out
  EXPECT_EQ(list[2].sql.find("VARCHAR(255)"), std::string::npos);
}

TEST(LiquibaseSource, ChangesetSqlKeepsTheFilesLineNumbers) {
  // Proves a changeset's SQL holds only its own lines, each on the line it has in the file.
  const std::string text =
      "--liquibase formatted sql\n"
      "--changeset a:1\n"
      "CREATE TABLE t (id INT);\n"
      "--rollback DROP TABLE t;\n"
      "-- changeset b:\"two words\" splitStatements:false\n"
      "ALTER TABLE t ADD COLUMN c TEXT;\n";
  const auto sets = liquibase_changesets(text, "f.sql");
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(sets[0].sql, "\n\nCREATE TABLE t (id INT);\n\n\n\n");
  EXPECT_EQ(sets[1].author, "b");
  EXPECT_EQ(sets[1].id, "two words");
  EXPECT_EQ(sets[1].sql, "\n\n\n\n\nALTER TABLE t ADD COLUMN c TEXT;\n");
  EXPECT_THROW((void)liquibase_changesets("--liquibase formatted sql\n--changeset nobody\nSELECT 1;\n", "g.sql"),
               MigrationError);
}

TEST(LiquibaseSource, DbmsAttributeDecidesWhetherItRunsHere) {
  // Proves dbms:postgresql and dbms:all run, dbms:mysql and dbms:!postgresql do not, dbms:!mysql does.
  const std::string text =
      "--liquibase formatted sql\n"
      "--changeset a:pg dbms:postgresql,h2\nSELECT 1;\n"
      "--changeset a:all dbms:all\nSELECT 2;\n"
      "--changeset a:mysql dbms:mysql\nSELECT 3;\n"
      "--changeset a:notpg dbms:!postgresql\nSELECT 4;\n"
      "--changeset a:notmysql dbms:!mysql\nSELECT 5;\n";
  std::vector<std::string> ids;
  for (const auto& c : liquibase_changesets(text, "d.sql")) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"pg", "all", "notmysql"}));
}

TEST(LiquibaseSource, RowsMatchByAuthorIdAndFileName) {
  // Proves a row applies its changeset whatever directory prefix its filename has, but not one of another file, and
  // MARK_RAN counts as applied.
  CannedDatabase db;
  db.history = {row({"1", "ada", "db/changelog/changelog/001-init.sql", "EXECUTED"}),
                row({"2", "ada", "classpath:/db/changelog/changelog/001-init.sql", "EXECUTED"}),
                row({"add-user-name", "grace", "changelog/002-user-name.sql", "MARK_RAN"}),
                row({"add-last-error-to-environments", "ada", "elsewhere/999-other.sql", "EXECUTED"})};
  const auto states = LiquibaseSource(kFixture).recorded(db);
  EXPECT_EQ(states.size(), 3u);
  EXPECT_EQ(states.at("ada:2"), MigrationState::Applied);
  EXPECT_EQ(states.at("grace:add-user-name"), MigrationState::Applied);
  EXPECT_EQ(states.count("ada:add-last-error-to-environments"), 0u);
  CannedDatabase missing;
  missing.table_exists = false;
  EXPECT_TRUE(LiquibaseSource(kFixture).recorded(missing).empty());
}

TEST(LiquibaseSource, DuplicateChangesetIsAnError) {
  // Proves two changesets with one author:id are refused instead of one hiding the other.
  TempDir dir;
  dir.write("a.sql", "--liquibase formatted sql\n--changeset x:1\nSELECT 1;\n");
  dir.write("b.sql", "--liquibase formatted sql\n--changeset x:1\nSELECT 2;\n");
  dir.write("plain.sql", "SELECT 3;\n");  // not a changelog: ignored
  EXPECT_THROW((void)LiquibaseSource(dir.str()).list(), MigrationError);
}

TEST(LiquibaseSource, PendingChangesetsAreDerived) {
  // Proves the fixture's pending set: last_error, the NOT NULL DEFAULT column and a new table (not mitigated).
  CannedDatabase db;
  db.history = {row({"1", "ada", "changelog/001-init.sql", "EXECUTED"}),
                row({"2", "ada", "changelog/001-init.sql", "EXECUTED"}),
                row({"add-user-name", "grace", "changelog/002-user-name.sql", "EXECUTED"})};
  const auto loaded = load_pending(LiquibaseSource(kFixture), db);
  ASSERT_EQ(loaded.unapplied.size(), 3u);
  ASSERT_EQ(loaded.columns.size(), 2u);
  EXPECT_EQ(loaded.columns[0].migration, "ada:add-last-error-to-environments");
  EXPECT_EQ(loaded.columns[1].default_expr, "0");
  ASSERT_FALSE(loaded.not_mitigated.empty());
  EXPECT_EQ(loaded.not_mitigated[0].migration, "Grace Hopper:add-deployments");
}

TEST(LiquibaseSource, AppliedAtIsTheDateExecutedOfTheLatestRow) {
  // Proves a changeset's latest row gives its dateexecuted (MARK_RAN too), FAILED none, another file's row none.
  CannedDatabase db;
  db.history = {row({"1", "ada", "db/changelog/changelog/001-init.sql", "EXECUTED", "1754000000"}),
                row({"add-user-name", "grace", "changelog/002-user-name.sql", "MARK_RAN", "1754000100"}),
                row({"2", "ada", "changelog/001-init.sql", "EXECUTED", "1754000200"}),
                row({"2", "ada", "changelog/001-init.sql", "FAILED", "1754000300"}),
                row({"add-last-error-to-environments", "ada", "elsewhere/999-other.sql", "EXECUTED", "1754000400"})};
  const auto times = LiquibaseSource(kFixture).applied_at(db);
  ASSERT_TRUE(times.has_value());
  EXPECT_EQ(times->size(), 2u);
  EXPECT_EQ(times->at("ada:1"), testing::epoch(1754000000));
  EXPECT_EQ(times->at("grace:add-user-name"), testing::epoch(1754000100));
  EXPECT_NE(db.statements.back().find("(dateexecuted)::timestamptz"), std::string::npos);
}

}  // namespace
}  // namespace pgshim::migrations
