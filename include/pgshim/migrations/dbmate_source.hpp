#pragma once
// dbmate's layout and history table.
//
// Directory (`db/migrations`): `<version>_<name>.sql`, <version> the leading
// digits (a timestamp), applied in file-name order. Each file has a
// `-- migrate:up` section and optionally a `-- migrate:down` one (either may
// carry options, `-- migrate:up transaction:false`); only the up section is
// the migration.
//
// Table `schema_migrations(version varchar(128) primary key)` in the
// search_path: one row per applied version, deleted again by `dbmate
// rollback`. dbmate runs a migration and its row in one transaction and
// records nothing on failure, so there is no failed state.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"

namespace pgshim::migrations {

class DbmateSource final : public MigrationSource {
 public:
  static constexpr std::string_view kDefaultTable = "schema_migrations";

  explicit DbmateSource(std::string dir, std::string table = std::string(kDefaultTable))
      : dir_(std::move(dir)), table_(std::move(table)) {}

  [[nodiscard]] std::string_view tool() const noexcept override { return "dbmate"; }
  // Migrations in file-name order, each named by its file name without `.sql`
  // (20250804020810_add_last_error_to_environments); sql is the up section.
  [[nodiscard]] std::vector<Migration> list() const override;
  [[nodiscard]] std::map<std::string, MigrationState> recorded(Database& db) const override;

 private:
  std::string dir_;
  std::string table_;
};

// The up section of a dbmate file (other lines blanked, see
// detail::up_section). Throws MigrationError without a `-- migrate:up` line.
[[nodiscard]] std::string dbmate_up_sql(const std::string& text, const std::string& path);

}  // namespace pgshim::migrations
