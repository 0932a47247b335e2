// GooseSource without a database: the Up section of annotated files, Go
// migrations, and how goose_db_version rows (canned) become states.
#include "pgshim/migrations/goose_source.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "pgshim/migrations/derive.hpp"
#include "pgshim/migrations/load.hpp"
#include "source_test_support.hpp"

namespace pgshim::migrations {
namespace {

using testing::CannedDatabase;
using testing::fixture;
using testing::names;
using testing::row;
using testing::TempDir;

const std::string kFixture = fixture("goose-migrations");

TEST(GooseSource, ListsSqlAndGoMigrationsInVersionOrder) {
  // Proves .sql and .go migrations are listed by version, the Go one with no SQL (it cannot be read, yet counts).
  const auto list = GooseSource(kFixture).list();
  EXPECT_EQ(names(list),
            (std::vector<std::string>{"20250601090000_init", "20250615120000_add_jobs", "20250702101500_add_user_name",
                                      "20250703000000_backfill_user_names",
                                      "20250804020810_add_last_error_to_environments",
                                      "20250806141200_add_environment_retries", "20250812110000_add_deployments"}));
  EXPECT_TRUE(list[3].sql.empty());
}

TEST(GooseSource, OnlyTheUpSectionCountsAndStatementBlocksStayWhole) {
  // Proves the Down section is dropped, a StatementBegin/End function survives whole, and line numbers still match the file.
  const std::string text =
      "-- +goose Up\n"
      "CREATE TABLE t (id INT);\n"
      "-- +goose StatementBegin\n"
      "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;\n"
      "-- +goose StatementEnd\n"
      "-- +goose Down\n"
      "DROP TABLE t;\n";
  const std::string up = goose_up_sql(text, "x.sql");
  EXPECT_EQ(up.find("DROP TABLE"), std::string::npos);
  EXPECT_NE(up.find("BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;"), std::string::npos);
  EXPECT_EQ(std::count(up.begin(), up.end(), '\n'), std::count(text.begin(), text.end(), '\n'));
  const auto derived = derive_pending("x", up);
  ASSERT_EQ(derived.not_mitigated.size(), 2u);  // the table and the function, never the DROP
  EXPECT_EQ(derived.not_mitigated[1].statement.rfind("CREATE FUNCTION f()", 0), 0u);
  // goose matches its annotations case-insensitively; a file without an Up section is refused.
  EXPECT_NE(goose_up_sql("--  +goose up\nSELECT 1;\n", "y.sql").find("SELECT 1;"), std::string::npos);
  EXPECT_THROW((void)goose_up_sql("SELECT 1;\n", "z.sql"), MigrationError);
}

TEST(GooseSource, FixtureDownSectionsAreNotMigrations) {
  // Proves the fixture's Up SQL never carries its Down statements (DROP COLUMN would read as breaking).
  for (const auto& m : GooseSource(kFixture).list()) {
    EXPECT_EQ(m.sql.find("DROP "), std::string::npos) << m.name;
  }
}

TEST(GooseSource, LatestRowPerVersionDecides) {
  // Proves rows are read newest first: an is_applied=false row after an up rolls it back, version 0 is ignored.
  CannedDatabase db;
  db.history = {row({"20250804020810", "f"}), row({"20250804020810", "t"}), row({"20250703000000", "t"}),
                row({"20250702101500", "t"}),  row({"20250615120000", "t"}), row({"20250601090000", "t"}),
                row({"0", "t"})};
  const auto states = GooseSource(kFixture).recorded(db);
  EXPECT_EQ(states.size(), 4u);
  EXPECT_EQ(states.at("20250703000000_backfill_user_names"), MigrationState::Applied);
  EXPECT_EQ(states.count("20250804020810_add_last_error_to_environments"), 0u);
  EXPECT_NE(db.statements.back().find("ORDER BY id DESC"), std::string::npos);
}

TEST(GooseSource, SequentialVersionsIgnoreZeroPadding) {
  // Proves 00002_x.sql matches version_id 2 and sorts after 00001 but before 00010.
  TempDir dir;
  dir.write("00010_c.sql", "-- +goose Up\nSELECT 10;\n");
  dir.write("00002_b.sql", "-- +goose Up\nSELECT 2;\n");
  dir.write("00001_a.sql", "-- +goose Up\nSELECT 1;\n");
  dir.write("helpers_test.go", "package migrations\n");
  const GooseSource source(dir.str());
  EXPECT_EQ(names(source.list()), (std::vector<std::string>{"00001_a", "00002_b", "00010_c"}));
  CannedDatabase db;
  db.history = {row({"2", "t"}), row({"1", "t"})};
  const auto states = source.recorded(db);
  EXPECT_EQ(states.size(), 2u);
  EXPECT_EQ(states.at("00002_b"), MigrationState::Applied);
}

TEST(GooseSource, PendingMigrationsAreDerived) {
  // Proves the fixture's pending set: last_error, the NOT NULL DEFAULT column and a new table (not mitigated).
  CannedDatabase db;
  db.history = {row({"20250703000000", "t"}), row({"20250702101500", "t"}), row({"20250615120000", "t"}),
                row({"20250601090000", "t"}), row({"0", "t"})};
  const auto loaded = load_pending(GooseSource(kFixture), db);
  EXPECT_EQ(loaded.total, 7u);
  ASSERT_EQ(loaded.unapplied.size(), 3u);
  ASSERT_EQ(loaded.columns.size(), 2u);
  EXPECT_EQ(loaded.columns[0].column, "last_error");
  EXPECT_EQ(loaded.columns[1].column, "retries");
  EXPECT_EQ(loaded.columns[1].default_expr, "0");
  ASSERT_FALSE(loaded.not_mitigated.empty());
  EXPECT_EQ(loaded.not_mitigated[0].reason.rfind("creates table public.deployments", 0), 0u);
}

TEST(GooseSource, AppliedAtIsTheTstampOfTheLatestAppliedRow) {
  // Proves a version's latest row decides: an is_applied row gives its tstamp, a newer down row none.
  CannedDatabase db;
  db.history = {row({"20250804020810", "f", "1754000300"}), row({"20250804020810", "t", "1754000200"}),
                row({"20250702101500", "t", "1754000100"})};
  const auto times = GooseSource(kFixture).applied_at(db);
  ASSERT_TRUE(times.has_value());
  EXPECT_EQ(times->size(), 1u);
  EXPECT_EQ(times->at("20250702101500_add_user_name"), testing::epoch(1754000100));
  EXPECT_NE(db.statements.back().find("(tstamp)::timestamptz"), std::string::npos);
}

}  // namespace
}  // namespace pgshim::migrations
