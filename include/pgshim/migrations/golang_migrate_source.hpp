#pragma once
// golang-migrate's layout and history table.
//
// Directory: `<version>_<title>.up.sql` (and `.down.sql`, ignored), <version>
// an unsigned number (sequence or timestamp); migrations apply in version
// order and two up files with one version are an error.
//
// Table `schema_migrations(version bigint, dirty boolean)` in the search_path
// (the postgres driver's default `x-migrations-table`). It is a high-water
// mark with ONE row, which migrate TRUNCATEs and rewrites around each step:
// `dirty = true` is written before a migration runs and `false` after it
// succeeded. So a migration with version below the row's is applied; the one
// AT the row's version is applied when clean and failed (possibly half
// applied; `migrate force` clears it) when dirty. An empty table (everything
// migrated down) means nothing is applied.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"

namespace pgshim::migrations {

class GolangMigrateSource final : public MigrationSource {
 public:
  static constexpr std::string_view kDefaultTable = "schema_migrations";

  explicit GolangMigrateSource(std::string dir, std::string table = std::string(kDefaultTable))
      : dir_(std::move(dir)), table_(std::move(table)) {}

  [[nodiscard]] std::string_view tool() const noexcept override { return "golang-migrate"; }
  // The up migrations in version order, each named by its file name without
  // `.up.sql` (20250804020810_add_last_error_to_environments).
  [[nodiscard]] std::vector<Migration> list() const override;
  [[nodiscard]] std::map<std::string, MigrationState> recorded(Database& db) const override;

 private:
  std::string dir_;
  std::string table_;
};

}  // namespace pgshim::migrations
