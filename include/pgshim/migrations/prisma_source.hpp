#pragma once
// Prisma Migrate's layout and history table.
//
// Directory (`prisma/migrations` in a Prisma project):
//   DIR/migration_lock.toml                  provider = "postgresql"
//   DIR/<timestamp>_<name>/migration.sql     one per migration, applied in name order
// Table `_prisma_migrations` in the connection's search_path (Prisma's `schema`
// URL parameter sets it): a migration is applied when a row with its
// `migration_name` has `finished_at IS NOT NULL AND rolled_back_at IS NULL`.
// A row with neither set is a failed migration (P3009); rows with
// `rolled_back_at` set were marked rolled back (`prisma migrate resolve`) and
// count as not applied. Several rows per name are normal after a retry.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"

namespace pgshim::migrations {

class PrismaSource final : public MigrationSource {
 public:
  // `dir` is the migrations directory itself (the one holding migration_lock.toml).
  explicit PrismaSource(std::string dir) : dir_(std::move(dir)) {}

  [[nodiscard]] std::string_view tool() const noexcept override { return "prisma"; }
  // Subdirectories of DIR sorted by name (Prisma's order: the timestamp prefix).
  // A subdirectory without migration.sql is an error (Prisma refuses it too);
  // files at the top level (migration_lock.toml, READMEs) are ignored. A
  // migration_lock.toml naming a provider other than postgresql is an error.
  [[nodiscard]] std::vector<Migration> list() const override;
  [[nodiscard]] std::map<std::string, MigrationState> recorded(Database& db) const override;
  // Max(finished_at) of the rows that finished and were not rolled back.
  [[nodiscard]] std::optional<AppliedTimes> applied_at(Database& db) const override;
  [[nodiscard]] std::map<std::string, std::string> failure_details(Database& db) const override;

  [[nodiscard]] const std::string& dir() const noexcept { return dir_; }

 private:
  std::string dir_;
};

}  // namespace pgshim::migrations
