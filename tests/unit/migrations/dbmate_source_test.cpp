// DbmateSource without a database: the up section of its files and how
// schema_migrations rows (canned) become states.
#include "pgshim/migrations/dbmate_source.hpp"

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

const std::string kFixture = fixture("dbmate-migrations");

TEST(DbmateSource, ListsMigrationsWithTheirUpSection) {
  // Proves files are listed in name order with only their up section, an up marker with options included.
  const auto list = DbmateSource(kFixture).list();
  EXPECT_EQ(names(list), (std::vector<std::string>{"20250601090000_init", "20250615120000_add_jobs",
                                                   "20250702101500_add_user_name",
                                                   "20250804020810_add_last_error_to_environments",
                                                   "20250806141200_add_environment_retries",
                                                   "20250812110000_add_deployments"}));
  for (const auto& m : list) EXPECT_EQ(m.sql.find("DROP "), std::string::npos) << m.name;
  EXPECT_NE(list[5].sql.find("CREATE TABLE deployments"), std::string::npos);  // `-- migrate:up transaction:false`
}

TEST(DbmateSource, MarkersNeedTheirExactWord) {
  // Proves `migrate:upgrade` is not an up marker and a file without `-- migrate:up` is refused.
  EXPECT_EQ(dbmate_up_sql("-- migrate:up\nSELECT 1;\n-- migrate:upgrade later\nSELECT 2;\n-- migrate:down\nSELECT 3;\n",
                          "a.sql"),
            "\nSELECT 1;\n-- migrate:upgrade later\nSELECT 2;\n\n\n");
  EXPECT_THROW((void)dbmate_up_sql("SELECT 1;\n", "b.sql"), MigrationError);
  TempDir dir;
  dir.write("20250101000000_broken.sql", "SELECT 1;\n");
  EXPECT_THROW((void)DbmateSource(dir.str()).list(), MigrationError);
}

TEST(DbmateSource, OneRowPerAppliedVersion) {
  // Proves a version row applies exactly that migration (no high-water mark: a gap stays pending).
  CannedDatabase db;
  db.history = {row({"20250601090000"}), row({"20250702101500"}), row({"20250806141200"})};
  const auto states = DbmateSource(kFixture).recorded(db);
  EXPECT_EQ(states.size(), 3u);
  EXPECT_EQ(states.count("20250615120000_add_jobs"), 0u);
  EXPECT_EQ(states.at("20250806141200_add_environment_retries"), MigrationState::Applied);
  CannedDatabase missing;
  missing.table_exists = false;
  EXPECT_TRUE(DbmateSource(kFixture).recorded(missing).empty());
}

TEST(DbmateSource, PendingMigrationsAreDerived) {
  // Proves the fixture's pending set: last_error, the NOT NULL DEFAULT column and a new table (not mitigated).
  CannedDatabase db;
  db.history = {row({"20250601090000"}), row({"20250615120000"}), row({"20250702101500"})};
  const auto loaded = load_pending(DbmateSource(kFixture), db);
  ASSERT_EQ(loaded.unapplied.size(), 3u);
  ASSERT_EQ(loaded.columns.size(), 2u);
  EXPECT_EQ(loaded.columns[0].migration, "20250804020810_add_last_error_to_environments");
  EXPECT_EQ(loaded.columns[1].default_expr, "0");
  ASSERT_FALSE(loaded.not_mitigated.empty());
  EXPECT_EQ(loaded.not_mitigated[0].migration, "20250812110000_add_deployments");
}

TEST(DbmateSource, RecordsNoApplyTimes) {
  // Proves the tool's history has no time of applying, so no drift is derived for it (nullopt, no query).
  CannedDatabase db;
  EXPECT_FALSE(DbmateSource(kFixture).applied_at(db).has_value());
  EXPECT_TRUE(db.statements.empty());
}

}  // namespace
}  // namespace pgshim::migrations
