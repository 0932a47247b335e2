// AtlasSource without a database: which files are migrations and in what
// order (atlas.sum's, unlisted files merged in, checkpoints left out), and how
// atlas_schema_revisions rows (canned) become states.
#include "pgshim/migrations/atlas_source.hpp"

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

const std::string kFixture = fixture("atlas-migrations");

// A revisions row as the reader selects it: version, applied, total.
[[nodiscard]] Row revision(const char* version, const char* applied, const char* total) {
  return row({version, applied, total});
}

TEST(AtlasSource, ListsFilesInSumOrderWithoutTheCheckpoint) {
  // Proves the fixture's files come in atlas.sum order, named without .sql, the checkpoint file and atlas.sum left out.
  const auto list = AtlasSource(kFixture).list();
  EXPECT_EQ(names(list), (std::vector<std::string>{"20250601090000_init", "20250615120000_add_jobs",
                                                   "20250702101500_add_user_name",
                                                   "20250804020810_add_last_error_to_environments",
                                                   "20250806141200_add_environment_retries",
                                                   "20250812110000_add_deployments"}));
  EXPECT_NE(list[3].sql.find("ADD COLUMN \"last_error\" text NULL"), std::string::npos);
  EXPECT_NE(list[3].path.find("atlas-migrations/20250804020810_add_last_error_to_environments.sql"),
            std::string::npos);
}

TEST(AtlasSource, SumOrderWinsAndUnlistedFilesMergeAtTheirLexicalPlace) {
  // Proves atlas.sum's order is kept even where it is not lexical, a file the sum does not list (not yet hashed) is
  // still a migration in its lexical place, a file without description works, and without atlas.sum the order is
  // lexical.
  TempDir dir;
  dir.write("a_first.sql", "SELECT 1;");
  dir.write("c_third.sql", "SELECT 3;");
  dir.write("b_second.sql", "SELECT 2;");
  dir.write("d.sql", "SELECT 4;");
  dir.write("notes.txt", "not a migration");
  dir.write("atlas.sum", "h1:abc=\nc_third.sql h1:x=\na_first.sql h1:y=\nd.sql h1:z=\n");
  EXPECT_EQ(names(AtlasSource(dir.str()).list()), (std::vector<std::string>{"b_second", "c_third", "a_first", "d"}));
  TempDir plain;
  plain.write("2_b.sql", "SELECT 2;");
  plain.write("10_a.sql", "SELECT 1;");
  EXPECT_EQ(names(AtlasSource(plain.str()).list()), (std::vector<std::string>{"10_a", "2_b"}));  // byte order, as Atlas
}

TEST(AtlasSource, RefusesAMissingListedFileDuplicateVersionsAndABrokenSum) {
  // Proves a file atlas.sum lists but the directory lacks, two files with one version and a malformed atlas.sum are
  // errors, never a silently shorter list.
  TempDir missing;
  missing.write("1_a.sql", "SELECT 1;");
  missing.write("atlas.sum", "h1:abc=\n1_a.sql h1:x=\n2_b.sql h1:y=\n");
  EXPECT_THROW((void)AtlasSource(missing.str()).list(), MigrationError);
  TempDir twice;
  twice.write("1_a.sql", "SELECT 1;");
  twice.write("1_b.sql", "SELECT 2;");
  EXPECT_THROW((void)AtlasSource(twice.str()).list(), MigrationError);
  EXPECT_THROW((void)atlas_sum_files("1_a.sql h1:x=\n", "atlas.sum"), MigrationError);          // no directory sum
  EXPECT_THROW((void)atlas_sum_files("h1:abc=\n1_a.sql\n", "atlas.sum"), MigrationError);       // no hash
  EXPECT_THROW((void)atlas_sum_files("h1:abc=\n h1:x=\n", "atlas.sum"), MigrationError);        // no name
  EXPECT_EQ(atlas_sum_files("h1:abc=\r\n1_a.sql h1:x=\r\n", "atlas.sum"), std::vector<std::string>{"1_a.sql"});
  EXPECT_THROW((void)AtlasSource("/nonexistent/pgshim/atlas").list(), MigrationError);
}

TEST(AtlasSource, CheckpointDirectiveIsReadFromTheFileHeaderOnly) {
  // Proves `atlas:checkpoint` counts only among the leading comment lines followed by a blank line, as Atlas reads
  // file directives, with or without a tag.
  EXPECT_TRUE(is_atlas_checkpoint("-- atlas:checkpoint\n\nCREATE TABLE t (id int);\n"));
  EXPECT_TRUE(is_atlas_checkpoint("-- atlas:txmode none\n-- atlas:checkpoint v2\n\nCREATE TABLE t (id int);\n"));
  EXPECT_FALSE(is_atlas_checkpoint("-- atlas:checkpoint\nCREATE TABLE t (id int);\n"));  // a statement's comment
  EXPECT_FALSE(is_atlas_checkpoint("CREATE TABLE t (id int);\n-- atlas:checkpoint\n\n"));
  EXPECT_FALSE(is_atlas_checkpoint("-- atlas:checkpoints\n\nSELECT 1;\n"));
  EXPECT_FALSE(is_atlas_checkpoint("-- atlas:checkpoint"));
}

TEST(AtlasSource, RevisionRowsBecomeStates) {
  // Proves a finished row is applied, a partial one (applied < total) failed, a file below the first revision applied
  // (baseline), a file without a row between or after revisions pending, and that the identifier row is excluded.
  CannedDatabase db;
  db.history = {revision("20250615120000", "0", "0"),  // a baseline row
                revision("20250702101500", "1", "1"),
                revision("20250806141200", "0", "1")};
  const auto states = AtlasSource(kFixture).recorded(db);
  EXPECT_EQ(states.size(), 4u);
  EXPECT_EQ(states.at("20250601090000_init"), MigrationState::Applied);
  EXPECT_EQ(states.at("20250615120000_add_jobs"), MigrationState::Applied);
  EXPECT_EQ(states.at("20250702101500_add_user_name"), MigrationState::Applied);
  EXPECT_EQ(states.count("20250804020810_add_last_error_to_environments"), 0u);  // out of order: pending
  EXPECT_EQ(states.at("20250806141200_add_environment_retries"), MigrationState::Failed);
  EXPECT_EQ(states.count("20250812110000_add_deployments"), 0u);
  EXPECT_EQ(db.params.front(), std::vector<std::string>{"\"atlas_schema_revisions\".\"atlas_schema_revisions\""});
  EXPECT_NE(db.statements.back().find("WHERE version <> $1"), std::string::npos);
  EXPECT_EQ(db.params.back(), std::vector<std::string>{".atlas_cloud_identifier"});
}

TEST(AtlasSource, SchemaBoundTableAndNoTable) {
  // Proves the table in the search_path is read when Atlas's own schema has none, a configured table is not
  // replaced by it, and no table or no rows means nothing applied.
  CannedDatabase bound;
  bound.absent = {"\"atlas_schema_revisions\".\"atlas_schema_revisions\""};
  bound.history = {revision("20250601090000", "4", "4")};
  EXPECT_EQ(AtlasSource(kFixture).recorded(bound).at("20250601090000_init"), MigrationState::Applied);
  EXPECT_NE(bound.statements.back().find("FROM \"atlas_schema_revisions\" WHERE"), std::string::npos);
  CannedDatabase configured;
  configured.absent = {"\"ops\".\"revisions\""};
  configured.history = bound.history;
  EXPECT_TRUE(AtlasSource(kFixture, "ops.revisions").recorded(configured).empty());
  CannedDatabase none;
  none.table_exists = false;
  EXPECT_TRUE(AtlasSource(kFixture).recorded(none).empty());
  CannedDatabase empty;
  EXPECT_TRUE(AtlasSource(kFixture).recorded(empty).empty());
  CannedDatabase broken;
  broken.history = {revision("20250601090000", "NULL", "4")};
  EXPECT_THROW((void)AtlasSource(kFixture).recorded(broken), MigrationError);
}

TEST(AtlasSource, FailedAndPendingMigrationsAreDerived) {
  // Proves the fixture's pending set: the failed last_error revision still yields its column, the NOT NULL DEFAULT
  // column follows, and the new table is not mitigated.
  CannedDatabase db;
  db.history = {revision("20250601090000", "5", "5"), revision("20250615120000", "1", "1"),
                revision("20250702101500", "1", "1"), revision("20250804020810", "0", "1")};
  const auto loaded = load_pending(AtlasSource(kFixture), db);
  EXPECT_EQ(loaded.total, 6u);
  ASSERT_EQ(loaded.unapplied.size(), 3u);
  EXPECT_EQ(loaded.unapplied[0].migration.name, "20250804020810_add_last_error_to_environments");
  EXPECT_EQ(loaded.unapplied[0].state, MigrationState::Failed);
  EXPECT_EQ(loaded.unapplied[1].state, MigrationState::Pending);
  ASSERT_EQ(loaded.columns.size(), 2u);
  EXPECT_EQ(sql::qualified_name(loaded.columns[0]), "public.environments.last_error");
  EXPECT_EQ(loaded.columns[0].migration, "20250804020810_add_last_error_to_environments");
  EXPECT_EQ(loaded.columns[1].column, "retries");
  EXPECT_EQ(loaded.columns[1].default_expr, "0");
  ASSERT_FALSE(loaded.not_mitigated.empty());
  EXPECT_EQ(loaded.not_mitigated[0].migration, "20250812110000_add_deployments");
  EXPECT_EQ(loaded.not_mitigated[0].reason.rfind("creates table public.deployments", 0), 0u);
}

TEST(AtlasSource, AppliedAtIsExecutedAtOfFinishedRevisions) {
  // Proves a finished revision gives its executed_at, an unfinished one (applied < total) none.
  CannedDatabase db;
  db.history = {row({"20250601090000", "5", "5", "1754000000"}), row({"20250615120000", "0", "1", "1754000100"})};
  const auto times = AtlasSource(kFixture).applied_at(db);
  ASSERT_TRUE(times.has_value());
  EXPECT_EQ(times->size(), 1u);
  EXPECT_EQ(times->at("20250601090000_init"), testing::epoch(1754000000));
  EXPECT_NE(db.statements.back().find("(executed_at)::timestamptz"), std::string::npos);
}

}  // namespace
}  // namespace pgshim::migrations
