// apply_command: each tool's deploy command with the directory and a custom
// history table, and history_table_error / make_source's validation of that table.
#include "pgshim/migrations/apply_command.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "source_test_support.hpp"

namespace pgshim::migrations {
namespace {

using testing::CannedDatabase;
using testing::fixture;

struct CommandCase {
  std::string name;
  Tool tool;
  std::string dir;
  std::string history_table;
  std::string expected;
};

std::ostream& operator<<(std::ostream& out, const CommandCase& c) { return out << c.name; }

const CommandCase kCommands[] = {
    {"Prisma", Tool::Prisma, "prisma/migrations", "", "prisma migrate deploy"},
    {"Flyway", Tool::Flyway, "db/migration", "", "flyway -locations=filesystem:db/migration migrate"},
    {"FlywayTable", Tool::Flyway, "db/migration", "audit.history",
     "flyway -locations=filesystem:db/migration -defaultSchema=audit -table=history migrate"},
    {"GolangMigrate", Tool::GolangMigrate, "migrations", "",
     "migrate -path migrations -database \"$DATABASE_URL\" up"},
    {"GolangMigrateTable", Tool::GolangMigrate, "migrations", "versions",
     "migrate -path migrations -database \"$DATABASE_URL\" up  # with x-migrations-table=versions in the URL"},
    {"GolangMigrateQualified", Tool::GolangMigrate, "migrations", "ops.versions",
     "migrate -path migrations -database \"$DATABASE_URL\" up  # with "
     "x-migrations-table=\"ops\".\"versions\"&x-migrations-table-quoted=1 in the URL"},
    {"Goose", Tool::Goose, "db/migrations", "", "goose -dir db/migrations postgres \"$DATABASE_URL\" up"},
    {"GooseTable", Tool::Goose, "db/migrations", "goose_versions",
     "goose -dir db/migrations -table goose_versions postgres \"$DATABASE_URL\" up"},
    {"Dbmate", Tool::Dbmate, "db/migrations", "", "dbmate --migrations-dir db/migrations up"},
    {"DbmateTable", Tool::Dbmate, "db/migrations", "dbmate_versions",
     "dbmate --migrations-dir db/migrations --migrations-table dbmate_versions up"},
    {"Drizzle", Tool::Drizzle, "drizzle", "", "drizzle-kit migrate"},
    {"Liquibase", Tool::Liquibase, "db/changelog", "", "liquibase update"},
    {"LiquibaseTable", Tool::Liquibase, "db/changelog", "lb.changelog",
     "liquibase update --liquibase-schema-name=lb --database-changelog-table-name=changelog"},
    {"Atlas", Tool::Atlas, "migrations", "",
     "atlas migrate apply --dir file://migrations --url \"$DATABASE_URL\""},
    {"AtlasSchema", Tool::Atlas, "migrations", "revisions",
     "atlas migrate apply --dir file://migrations --url \"$DATABASE_URL\" --revisions-schema revisions"},
    {"Sqitch", Tool::Sqitch, "db", "", "sqitch -C db deploy"},
    {"SqitchRegistry", Tool::Sqitch, "db", "sqitch_app", "sqitch -C db deploy --registry sqitch_app"},
    {"DirectoryWithSpacesIsQuoted", Tool::Goose, "my migrations/it's", "",
     "goose -dir 'my migrations/it'\\''s' postgres \"$DATABASE_URL\" up"},
    {"QuotedWordKeepsItsFlag", Tool::Flyway, "db migration", "",
     "flyway '-locations=filesystem:db migration' migrate"},
};

class ApplyCommand : public ::testing::TestWithParam<CommandCase> {};

TEST_P(ApplyCommand, IsTheToolsDeployCommand) {
  // Proves the command names the tool's deploy verb, the directory read and a non-default history table.
  const CommandCase& c = GetParam();
  EXPECT_EQ(apply_command(c.tool, c.dir, c.history_table), c.expected);
}

INSTANTIATE_TEST_SUITE_P(Tools, ApplyCommand, ::testing::ValuesIn(kCommands),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(HistoryTable, EachToolAcceptsWhatItsOwnSettingCan) {
  // Proves the per-tool rules: Prisma none, Atlas only a schema, sqitch one name, the others [schema.]table.
  for (const Tool t : {Tool::Flyway, Tool::GolangMigrate, Tool::Goose, Tool::Dbmate, Tool::Drizzle, Tool::Liquibase}) {
    EXPECT_EQ(history_table_error(t, "history"), std::nullopt) << to_string(t);
    EXPECT_EQ(history_table_error(t, "ops.History"), std::nullopt) << to_string(t);
  }
  EXPECT_NE(history_table_error(Tool::Prisma, "_prisma_migrations"), std::nullopt);
  EXPECT_EQ(history_table_error(Tool::Atlas, "ops"), std::nullopt);
  EXPECT_EQ(history_table_error(Tool::Atlas, "ops.atlas_schema_revisions"), std::nullopt);
  EXPECT_NE(history_table_error(Tool::Atlas, "ops.revisions"), std::nullopt);
  EXPECT_EQ(history_table_error(Tool::Sqitch, "registry"), std::nullopt);
  EXPECT_NE(history_table_error(Tool::Sqitch, "a.b"), std::nullopt);
}

TEST(HistoryTable, MalformedNamesAreRejectedForEveryTool) {
  // Proves an empty part, two dots, a control character and a name PostgreSQL would truncate are errors.
  const std::vector<std::string> bad = {"", ".t", "s.", "a.b.c", "bad\nname", std::string(64, 'x'),
                                        "s." + std::string(64, 'x')};
  for (const Tool t : kAllTools) {
    for (const auto& name : bad) EXPECT_NE(history_table_error(t, name), std::nullopt) << to_string(t) << " " << name;
  }
  EXPECT_EQ(history_table_error(Tool::Flyway, std::string(63, 'x')), std::nullopt);
}

TEST(HistoryTable, MakeSourceReadsTheConfiguredTable) {
  // Proves the chosen reader probes the configured table (Drizzle's bare name in schema drizzle, Atlas's in the
  // given schema, sqitch's registry) and an invalid one is a MigrationError.
  struct Probe {
    Tool tool;
    std::string fixture;
    std::string table;
    std::string probed;  // the first to_regclass parameter
  };
  const std::vector<Probe> probes = {
      {Tool::Flyway, "flyway-migrations", "ops.history", "\"ops\".\"history\""},
      {Tool::GolangMigrate, "golang-migrate-migrations", "versions", "\"versions\""},
      {Tool::Goose, "goose-migrations", "goose_versions", "\"goose_versions\""},
      {Tool::Dbmate, "dbmate-migrations", "dbmate_versions", "\"dbmate_versions\""},
      {Tool::Drizzle, "drizzle-migrations", "migrations_log", "\"drizzle\".\"migrations_log\""},
      {Tool::Liquibase, "liquibase-migrations", "changelog", "\"changelog\""},
      {Tool::Atlas, "atlas-migrations", "ops", "\"ops\".\"atlas_schema_revisions\""},
      {Tool::Sqitch, "sqitch-migrations", "registry", "\"registry\".\"changes\""},
  };
  for (const auto& p : probes) {
    CannedDatabase db;
    db.table_exists = false;
    EXPECT_TRUE(make_source(p.tool, fixture(p.fixture), p.table)->recorded(db).empty()) << to_string(p.tool);
    ASSERT_FALSE(db.params.empty()) << to_string(p.tool);
    EXPECT_EQ(db.params.front(), std::vector<std::string>{p.probed}) << to_string(p.tool);
  }
  EXPECT_THROW((void)make_source(Tool::Prisma, fixture("prisma-migrations"), "history"), MigrationError);
  EXPECT_THROW((void)make_source(Tool::Flyway, fixture("flyway-migrations"), "a.b.c"), MigrationError);
  CannedDatabase db;
  db.table_exists = false;
  (void)make_source(Tool::Goose, fixture("goose-migrations"))->recorded(db);
  EXPECT_EQ(db.params.front(), std::vector<std::string>{"\"goose_db_version\""});
}

}  // namespace
}  // namespace pgshim::migrations
