#pragma once
// goose's layout and history table.
//
// Directory: `<version>_<name>.sql` (version: a sequence number or a
// timestamp, the digits before the first `_`), applied in version order. Each
// file has `-- +goose Up` and optionally `-- +goose Down` sections; only the Up
// section is the migration. `-- +goose StatementBegin` / `StatementEnd`
// blocks (functions with `;` inside) are kept whole: pgshim's SQL parser splits
// statements itself and the annotations are comments. Go migrations
// (`<version>_<name>.go`) are listed too, with no SQL: pgshim cannot read
// them, but a pending one still counts as pending.
//
// Table `goose_db_version(id, version_id bigint, is_applied boolean, tstamp)`
// in the search_path. goose appends a row per up (is_applied = true); older
// goose appends an is_applied = false row on down, newer goose deletes the
// row. Either way the row with the highest id for a version decides, which is
// how goose reads it (`ORDER BY id DESC`). Version 0 is the row goose writes
// when it creates the table. goose runs each migration in a transaction and
// records nothing on failure, so there is no failed state.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"

namespace pgshim::migrations {

class GooseSource final : public MigrationSource {
 public:
  static constexpr std::string_view kDefaultTable = "goose_db_version";

  explicit GooseSource(std::string dir, std::string table = std::string(kDefaultTable))
      : dir_(std::move(dir)), table_(std::move(table)) {}

  [[nodiscard]] std::string_view tool() const noexcept override { return "goose"; }
  // Migrations in version order, each named by its file name without the
  // extension (00004_add_last_error_to_environments); sql is the Up section.
  [[nodiscard]] std::vector<Migration> list() const override;
  [[nodiscard]] std::map<std::string, MigrationState> recorded(Database& db) const override;
  // Tstamp of the latest row of each version, when it is an is_applied row.
  [[nodiscard]] std::optional<AppliedTimes> applied_at(Database& db) const override;

 private:
  std::string dir_;
  std::string table_;
};

// The Up section of a goose SQL file (see detail::up_section: other lines are
// blanked so line numbers still match the file). Throws MigrationError when
// the file has no `-- +goose Up` line (goose refuses such a file).
[[nodiscard]] std::string goose_up_sql(const std::string& text, const std::string& path);

}  // namespace pgshim::migrations
