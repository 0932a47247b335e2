#pragma once
// Flyway's layout and history table.
//
// Directory (a Flyway location, `db/migration` by default), searched
// recursively as Flyway does:
//   V<version>__<description>.sql   versioned: applied once, in version order
//   R__<description>.sql            repeatable: ignored (never adds a column
//                                   the application waits for by version)
//   U<version>__<description>.sql   undo (Teams): ignored
// <version> is digits separated by `.` or `_` (V1_2__x.sql is version 1.2),
// compared part by part as numbers; 1.0 and 1 are the same version (Flyway
// drops trailing zero parts), and two files with one version are an error.
//
// Table `flyway_schema_history` (or the configured name) in the connection's
// search_path (Flyway's default schema). Flyway matches rows to files by
// version, and so does pgshim, taking the rows in `installed_rank` order so the
// latest row for a version decides:
//   type SQL/JDBC/... success = true   applied
//   type SQL/JDBC/... success = false  failed (Flyway records this when a
//                                      migration that runs outside a
//                                      transaction fails; `flyway repair`
//                                      removes the row)
//   type BASELINE                      this version and every older one applied
//   type DELETE                        the version's earlier rows no longer count
//   type UNDO_SQL, success = true      the version was undone: pending again
// Rows without a version (repeatables, the SCHEMA marker) are skipped.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"

namespace pgshim::migrations {

class FlywaySource final : public MigrationSource {
 public:
  static constexpr std::string_view kDefaultTable = "flyway_schema_history";

  // `table` may be schema-qualified (`flyway.flyway_schema_history`).
  explicit FlywaySource(std::string dir, std::string table = std::string(kDefaultTable))
      : dir_(std::move(dir)), table_(std::move(table)) {}

  [[nodiscard]] std::string_view tool() const noexcept override { return "flyway"; }
  // Versioned migrations in version order, each named by its file name
  // without `.sql` (V4__add_last_error_to_environments).
  [[nodiscard]] std::vector<Migration> list() const override;
  [[nodiscard]] std::map<std::string, MigrationState> recorded(Database& db) const override;
  // Installed_on of the latest successful row of each version (a baseline has none).
  [[nodiscard]] std::optional<AppliedTimes> applied_at(Database& db) const override;

 private:
  std::string dir_;
  std::string table_;
};

// A Flyway version as Flyway compares it: the numeric parts without leading
// zeros and without trailing zero parts, joined by `.` ("01_2_0" -> "1.2").
// Empty when `version` is not digits separated by `.` or `_`.
[[nodiscard]] std::string normalize_flyway_version(std::string_view version);
// Compares two normalized versions part by part as numbers: <0, 0, >0.
[[nodiscard]] int compare_flyway_versions(std::string_view a, std::string_view b) noexcept;

}  // namespace pgshim::migrations
