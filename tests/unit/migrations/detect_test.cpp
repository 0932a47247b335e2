// resolve_tool and detect_tools: each fixture directory is recognised as its
// tool, and ambiguous and unknown layouts are errors that say why.
#include "pgshim/migrations/detect.hpp"

#include <gtest/gtest.h>

#include "source_test_support.hpp"

namespace pgshim::migrations {
namespace {

using testing::fixture;
using testing::TempDir;

[[nodiscard]] std::string resolve_error(const std::string& dir, std::string_view requested = {}) {
  try {
    (void)resolve_tool(dir, requested);
  } catch (const MigrationError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Detect, EachFixtureIsItsOwnTool) {
  // Proves every realistic fixture directory matches exactly one tool, the right one.
  const std::vector<std::pair<std::string, Tool>> cases = {
      {"prisma-migrations", Tool::Prisma},   {"flyway-migrations", Tool::Flyway},
      {"golang-migrate-migrations", Tool::GolangMigrate}, {"goose-migrations", Tool::Goose},
      {"dbmate-migrations", Tool::Dbmate},   {"drizzle-migrations", Tool::Drizzle},
      {"liquibase-migrations", Tool::Liquibase}, {"atlas-migrations", Tool::Atlas},
      {"sqitch-migrations", Tool::Sqitch}};
  for (const auto& [dir, tool] : cases) {
    const auto found = detect_tools(fixture(dir));
    ASSERT_EQ(found.size(), 1u) << dir;
    EXPECT_EQ(found[0].tool, tool) << dir;
    EXPECT_EQ(resolve_tool(fixture(dir)), tool) << dir;
  }
}

TEST(Detect, LiquibaseChangelogsInSubdirectoriesAreFound) {
  // Proves a formatted SQL changelog below the directory (includeAll layout) is recognised, its header read loosely.
  TempDir dir;
  dir.write("db.changelog-master.yaml", "databaseChangeLog:\n  - includeAll:\n      path: changes/\n");
  dir.write("changes/001.sql", "--  Liquibase Formatted SQL\n--changeset a:1\nSELECT 1;\n");
  EXPECT_EQ(resolve_tool(dir.str()), Tool::Liquibase);
}

TEST(Detect, PrismaWithoutLockFileIsFoundByItsMigrationDirectories) {
  // Proves a Prisma directory whose migration_lock.toml is missing is still recognised by <name>/migration.sql.
  TempDir dir;
  dir.write("20250101000000_init/migration.sql", "SELECT 1;");
  EXPECT_EQ(resolve_tool(dir.str()), Tool::Prisma);
}

TEST(Detect, AmbiguousDirectoryListsTheCandidates) {
  // Proves a directory matching two tools is an error naming both with their evidence, unless a tool is requested.
  TempDir dir;
  dir.write("V1__init.sql", "SELECT 1;");
  dir.write("1_init.up.sql", "SELECT 1;");
  const std::string error = resolve_error(dir.str());
  EXPECT_NE(error.find("matches several tools: flyway (V1__init.sql), golang-migrate (1_init.up.sql)"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("--migrations-tool"), std::string::npos) << error;
  EXPECT_EQ(resolve_tool(dir.str(), "golang-migrate"), Tool::GolangMigrate);
}

TEST(Detect, NothingRecognisableNamesWhatWasLookedFor) {
  // Proves an empty or foreign directory is an error listing every tool's mark, never "nothing pending".
  TempDir dir;
  dir.write("notes.sql", "SELECT 1;");
  const std::string error = resolve_error(dir.str());
  EXPECT_NE(error.find("matches no supported migration tool"), std::string::npos) << error;
  for (const char* mark :
       {"migration_lock.toml", "V<version>__", ".up.sql", "+goose Up", "migrate:up", "meta/_journal.json",
        "--liquibase formatted sql", "atlas.sum", "sqitch.plan"}) {
    EXPECT_NE(error.find(mark), std::string::npos) << mark;
  }
  EXPECT_NE(resolve_error("/nonexistent/pgshim/migrations").find("does not exist"), std::string::npos);
}

TEST(Detect, AtlasAndSqitchAreFoundByTheirMarkFile) {
  // Proves atlas.sum alone marks an Atlas directory and sqitch.plan alone a sqitch project, and that a file of
  // another tool beside one makes the directory ambiguous, as for every other pair.
  const std::vector<std::pair<std::string, Tool>> cases = {{"atlas.sum", Tool::Atlas}, {"sqitch.plan", Tool::Sqitch}};
  for (const auto& [file, tool] : cases) {
    TempDir dir;
    dir.write(file, "h1:abc=\n");
    dir.write("20250101000000_init.sql", "CREATE TABLE t (id int);\n");
    EXPECT_EQ(resolve_tool(dir.str()), tool) << file;
    dir.write("20250101000000_init.up.sql", "CREATE TABLE t (id int);\n");
    const std::string error = resolve_error(dir.str());
    EXPECT_NE(error.find("golang-migrate (20250101000000_init.up.sql), " + std::string(to_string(tool)) + " (" + file +
                         ")"),
              std::string::npos)
        << error;
  }
}

TEST(Detect, UnknownRequestedToolIsRefused) {
  // Proves a requested name that is no tool is an error listing the supported names.
  EXPECT_NE(resolve_error(fixture("goose-migrations"), "alembic")
                .find("unknown migrations tool \"alembic\" (supported: prisma, flyway, golang-migrate, goose, dbmate, drizzle, "
                      "liquibase, atlas, sqitch)"),
            std::string::npos);
}

}  // namespace
}  // namespace pgshim::migrations
