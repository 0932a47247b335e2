// The migrations options of the config module beyond the directory and tool:
// `migrations.history_table` / `--migrations-history-table`, checked for its
// form where the file says it (file:line) and against the tool in validate().
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "pgshim/config/config.hpp"
#include "temp_dir.hpp"

namespace pgshim::config {
namespace {

using ::testing::HasSubstr;
using testing::ScopedEnv;
using testing::TempDir;

[[nodiscard]] std::string fixture(const std::string& name) { return std::string(PGSHIM_FIXTURES_DIR) + "/" + name; }

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return {};
}

class MigrationsOptions : public ::testing::Test {
 protected:
  ScopedEnv no_env_upstream_{"PGSHIM_UPSTREAM", std::nullopt};
  TempDir dir_;
};

TEST_F(MigrationsOptions, HistoryTableFromTheFileAndTheCommandLine) {
  // Proves the YAML key and the flag both set the table (the flag wins) and a valid one passes validate().
  const std::string file = dir_.write("m.yaml", "upstream: host=db\nmigrations:\n  dir: " +
                                                    fixture("flyway-migrations") + "\n  history_table: ops.history\n");
  Config c = parse_command_line({"--config", file}).config;
  EXPECT_EQ(c.migrations_history_table, "ops.history");
  EXPECT_NO_THROW(validate(c));
  c = parse_command_line({"--config", file, "--migrations-history-table", "deploy_history"}).config;
  EXPECT_EQ(c.migrations_history_table, "deploy_history");
}

TEST_F(MigrationsOptions, MalformedHistoryTableNamesFileAndLine) {
  // Proves a name that is not [schema.]table is reported at its line with the option's name.
  const std::string file = dir_.write("bad.yaml", "upstream: host=db\nmigrations:\n  dir: " +
                                                      fixture("flyway-migrations") + "\n  history_table: a.b.c\n");
  const std::string error = error_of([&] { (void)parse_command_line({"--config", file}); });
  EXPECT_THAT(error, HasSubstr(file + ":4: migrations.history_table: ")) << error;
}

TEST_F(MigrationsOptions, HistoryTableTheToolCannotHaveIsAConfigurationError) {
  // Proves validate() applies the detected tool's rule (Prisma's table is fixed, sqitch's registry has no dot) and
  // refuses a history table without a migrations directory.
  Config c = parse_command_line({"--upstream", "host=db", "--migrations", fixture("prisma-migrations"),
                                 "--migrations-history-table", "history"})
                 .config;
  EXPECT_THAT(error_of([&] { validate(c); }), HasSubstr("migrations.history_table: prisma's history table"));
  c = parse_command_line({"--upstream", "host=db", "--migrations", fixture("sqitch-migrations"),
                          "--migrations-history-table", "a.b"})
          .config;
  EXPECT_THAT(error_of([&] { validate(c); }), HasSubstr("sqitch's registry"));
  c = parse_command_line({"--upstream", "host=db", "--migrations-history-table", "history"}).config;
  EXPECT_THAT(error_of([&] { validate(c); }), HasSubstr("needs a migrations directory"));
}

TEST_F(MigrationsOptions, DriftWindowFromTheFileAndTheCommandLine) {
  // Proves the drift window defaults to 24h, the YAML key and the flag set it (the flag wins, 0 turns it off), and a
  // value that is not a duration is refused at its line or as the flag.
  EXPECT_EQ(parse_command_line({"--upstream", "host=db"}).config.migrations_drift_window, std::chrono::hours(24));
  const std::string file = dir_.write("w.yaml", "upstream: host=db\nmigrations:\n  dir: " +
                                                    fixture("flyway-migrations") + "\n  drift_window: 90m\n");
  Config c = parse_command_line({"--config", file}).config;
  EXPECT_EQ(c.migrations_drift_window, std::chrono::minutes(90));
  c = parse_command_line({"--config", file, "--migrations-drift-window", "0"}).config;
  EXPECT_EQ(c.migrations_drift_window.count(), 0);
  const std::string bad = dir_.write("wb.yaml", "upstream: host=db\nmigrations:\n  drift_window: soon\n");
  EXPECT_THAT(error_of([&] { (void)parse_command_line({"--config", bad}); }),
              HasSubstr(bad + ":3: migrations.drift_window: "));
  EXPECT_THAT(error_of([&] { (void)parse_command_line({"--upstream", "host=db", "--migrations-drift-window", "x"}); }),
              HasSubstr("--migrations-drift-window"));
}

TEST(MigrationsUsage, DocumentsTheHistoryTableFlag) {
  // Proves --help lists the flags.
  EXPECT_THAT(usage(), HasSubstr("--migrations-history-table NAME"));
  EXPECT_THAT(usage(), HasSubstr("--migrations-drift-window DUR"));
}

}  // namespace
}  // namespace pgshim::config
