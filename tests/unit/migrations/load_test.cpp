// load_pending over a fake database and merge_pending's precedence rule.
#include "pgshim/migrations/load.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pgshim::migrations {
namespace {

sql::PendingColumn column(std::string table, std::string name, std::string type, std::string migration) {
  sql::PendingColumn c;
  c.table = std::move(table);
  c.column = std::move(name);
  c.type = std::move(type);
  c.migration = std::move(migration);
  return c;
}

// A source held in memory, so load_pending is tested without files or PostgreSQL.
class MemorySource final : public MigrationSource {
 public:
  std::vector<Migration> migrations;
  std::map<std::string, MigrationState> states;
  [[nodiscard]] std::string_view tool() const noexcept override { return "memory"; }
  [[nodiscard]] std::vector<Migration> list() const override { return migrations; }
  [[nodiscard]] std::map<std::string, MigrationState> recorded(Database&) const override { return states; }
};

class NoDatabase final : public Database {
 public:
  std::vector<Row> query(const std::string&, const std::vector<std::string>&) override { return {}; }
};

TEST(Merge, ConfiguredColumnsWinOnConflict) {
  // Proves a configured column replaces a derived one of the same name and the others are appended.
  std::vector<sql::PendingColumn> configured = {column("environments", "last_error", "varchar(200)", "by-hand")};
  const std::vector<sql::PendingColumn> derived = {column("environments", "last_error", "TEXT", "m1"),
                                                   column("environments", "retries", "INTEGER", "m2")};
  std::vector<std::string> overridden;
  const auto merged = merge_pending(configured, derived, &overridden);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].type, "varchar(200)");
  EXPECT_EQ(merged[0].migration, "by-hand");
  EXPECT_EQ(merged[1].column, "retries");
  ASSERT_EQ(overridden.size(), 1u);
  EXPECT_EQ(overridden[0], "public.environments.last_error");
}

TEST(Load, DerivesOnlyFromUnappliedMigrations) {
  // Proves applied migrations contribute nothing and unapplied ones (failed included) are derived in order.
  MemorySource source;
  source.migrations = {
      {"1_init", "ALTER TABLE \"users\" ADD COLUMN \"old\" TEXT;", ""},
      {"2_failed", "ALTER TABLE \"users\" ADD COLUMN \"half\" TEXT;", ""},
      {"3_new", "CREATE TABLE \"t\" (\"id\" INT);\nALTER TABLE \"users\" ADD COLUMN \"fresh\" INT;", ""},
  };
  source.states = {{"1_init", MigrationState::Applied}, {"2_failed", MigrationState::Failed}};
  NoDatabase db;
  const auto loaded = load_pending(source, db);
  EXPECT_EQ(loaded.total, 3u);
  ASSERT_EQ(loaded.unapplied.size(), 2u);
  EXPECT_EQ(loaded.unapplied[0].state, MigrationState::Failed);
  ASSERT_EQ(loaded.columns.size(), 2u);
  EXPECT_EQ(loaded.columns[0].column, "half");
  EXPECT_EQ(loaded.columns[1].column, "fresh");
  EXPECT_EQ(loaded.columns[1].migration, "3_new");
  ASSERT_EQ(loaded.not_mitigated.size(), 1u);
  EXPECT_EQ(loaded.not_mitigated[0].migration, "3_new");
}

TEST(Load, ColumnsKeepTheirStatementsAndANonSqlMigrationIsNotMitigated) {
  // Proves column_statements stay in step with columns across migrations, and a pending migration without SQL
  // that is not a .sql file (a goose Go migration) is listed as breaking, while an empty .sql file is nothing.
  MemorySource source;
  source.migrations = {
      {"1_go", "", "db/1_go.go"},
      {"2_empty", "", "db/2_empty.sql"},
      {"3_sql", "\nALTER TABLE \"users\" ADD COLUMN \"a\" TEXT;", "db/3_sql.sql"},
  };
  NoDatabase db;
  const auto loaded = load_pending(source, db);
  ASSERT_EQ(loaded.columns.size(), 1u);
  ASSERT_EQ(loaded.column_statements.size(), 1u);
  EXPECT_EQ(loaded.column_statements[0].line, 2u);
  ASSERT_EQ(loaded.not_mitigated.size(), 1u);
  EXPECT_EQ(loaded.not_mitigated[0].migration, "1_go");
  EXPECT_EQ(loaded.not_mitigated[0].impact, Impact::Breaking);
  EXPECT_NE(loaded.not_mitigated[0].reason.find("not SQL (db/1_go.go)"), std::string::npos);
}

TEST(Load, LogLineIsOneLine) {
  // Proves a multi-line statement is logged on one line with its migration and impact.
  const Unmitigated item{"m1", "CREATE TABLE \"t\" (\n    \"id\" INT\n)", "creates table public.t", Impact::Breaking};
  EXPECT_EQ(log_line(item), "m1: breaking: creates table public.t: CREATE TABLE \"t\" ( \"id\" INT )");
}

}  // namespace
}  // namespace pgshim::migrations
