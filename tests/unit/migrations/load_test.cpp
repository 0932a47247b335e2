// load_pending over a fake database and merge_pending's precedence rule.
#include "pgshim/migrations/load.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
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

// A source that records apply times, over a database whose clock reads kNow.
constexpr double kNow = 1757000000;

class TimedSource final : public MigrationSource {
 public:
  std::vector<Migration> migrations;
  std::map<std::string, MigrationState> states;
  std::optional<AppliedTimes> times;
  [[nodiscard]] std::string_view tool() const noexcept override { return "timed"; }
  [[nodiscard]] std::vector<Migration> list() const override { return migrations; }
  [[nodiscard]] std::map<std::string, MigrationState> recorded(Database&) const override { return states; }
  [[nodiscard]] std::optional<AppliedTimes> applied_at(Database&) const override { return times; }
};

class ClockDatabase final : public Database {
 public:
  std::vector<Row> query(const std::string& sql, const std::vector<std::string>&) override {
    if (sql.find("database_now") == std::string::npos) return {};
    return {Row{std::to_string(static_cast<long long>(kNow))}};
  }
};

[[nodiscard]] std::chrono::system_clock::time_point hours_ago(int hours) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(static_cast<long long>(kNow))) -
         std::chrono::hours(hours);
}

[[nodiscard]] TimedSource drift_source() {
  TimedSource s;
  s.migrations = {
      {"1_init", "CREATE TABLE environments (id TEXT, title TEXT, legacy_note VARCHAR(200));", "1/migration.sql"},
      {"2_drop", "ALTER TABLE environments DROP COLUMN legacy_note;", "2/migration.sql"},
      {"3_rename", "ALTER TABLE environments RENAME COLUMN title TO name;", "3/migration.sql"},
      {"4_pending", "ALTER TABLE environments ADD COLUMN legacy_note TEXT;", "4/migration.sql"},
  };
  s.states = {{"1_init", MigrationState::Applied}, {"2_drop", MigrationState::Applied},
              {"3_rename", MigrationState::Applied}};
  s.times = MigrationSource::AppliedTimes{
      {"1_init", hours_ago(24 * 30)}, {"2_drop", hours_ago(2)}, {"3_rename", hours_ago(30)}};
  return s;
}

TEST(LoadDrift, OnlyMigrationsAppliedWithinTheWindowProduceDrift) {
  // Proves the 24h default takes the drop applied 2h ago (typed from the month-old CREATE TABLE, with its file and
  // time) and not the rename applied 30h ago, which a 48h window takes too; 0 turns drift off.
  const TimedSource source = drift_source();
  ClockDatabase db;
  const auto loaded = load_pending(source, db);
  EXPECT_EQ(loaded.drift_window, kDefaultDriftWindow);
  EXPECT_FALSE(loaded.drift_unavailable.has_value());
  ASSERT_EQ(loaded.drift.size(), 1u);
  EXPECT_EQ(sql::qualified_name(loaded.drift[0].column), "public.environments.legacy_note");
  EXPECT_EQ(loaded.drift[0].column.type, "VARCHAR(200)");
  EXPECT_EQ(loaded.drift[0].path, "2/migration.sql");
  ASSERT_TRUE(loaded.drift[0].applied_at.has_value());
  EXPECT_EQ(*loaded.drift[0].applied_at, hours_ago(2));
  // The pending migration is not read for drift; its ADD COLUMN stays pending.
  ASSERT_EQ(loaded.columns.size(), 1u);
  EXPECT_EQ(loaded.columns[0].migration, "4_pending");

  const auto wider = load_pending(source, db, std::chrono::hours(48));
  ASSERT_EQ(wider.drift.size(), 2u);
  EXPECT_EQ(wider.drift[1].column.kind, sql::ColumnKind::Renamed);
  EXPECT_EQ(wider.drift[1].column.renamed_to, "name");
  EXPECT_TRUE(load_pending(source, db, std::chrono::milliseconds(0)).drift.empty());
}

TEST(LoadDrift, PendingColumnsWinOverDriftInTheMerge) {
  // Proves merging pending then drift keeps the pending column of the same name (a re-added column) and the
  // configured one over both.
  TimedSource source = drift_source();
  ClockDatabase db;
  const auto loaded = load_pending(source, db);
  std::vector<std::string> overridden;
  auto merged = merge_pending({}, loaded.columns, &overridden);
  merged = merge_pending(merged, drift_columns(loaded.drift), &overridden);
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].kind, sql::ColumnKind::Pending);
  EXPECT_EQ(overridden, std::vector<std::string>{"public.environments.legacy_note"});
}

TEST(LoadDrift, NoTimesOrUnreadableMigrationsAreSaidNotFatal) {
  // Proves a tool without apply times says so, a recent migration that does not parse is noted (the others still
  // derived), and an old one that does not parse costs nothing.
  TimedSource untimed = drift_source();
  untimed.times.reset();
  ClockDatabase db;
  const auto none = load_pending(untimed, db);
  EXPECT_TRUE(none.drift.empty());
  ASSERT_TRUE(none.drift_unavailable.has_value());
  EXPECT_NE(none.drift_unavailable->find("timed records no time of applying a migration"), std::string::npos);

  TimedSource broken = drift_source();
  broken.migrations[0].sql = "CREATE TABLE (;";
  broken.migrations.insert(broken.migrations.begin() + 2, Migration{"2b_broken", "ALTER TABLE x DROP;", "2b.sql"});
  broken.states["2b_broken"] = MigrationState::Applied;
  broken.times->emplace("2b_broken", hours_ago(1));
  const auto loaded = load_pending(broken, db);
  ASSERT_EQ(loaded.drift.size(), 1u);
  EXPECT_EQ(loaded.drift[0].column.type, "text");  // its CREATE TABLE did not parse
  ASSERT_EQ(loaded.drift_notes.size(), 1u);
  EXPECT_NE(loaded.drift_notes[0].find("migration 2b_broken"), std::string::npos) << loaded.drift_notes[0];
}

}  // namespace
}  // namespace pgshim::migrations
