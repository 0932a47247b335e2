#pragma once
// Drizzle's layout and history table (drizzle-kit generate + drizzle-orm's
// PostgreSQL migrator).
//
// Directory (drizzle-kit's `out`, `drizzle/` by default):
//   DIR/meta/_journal.json   {"dialect": "postgresql", "entries": [{"idx": 0,
//                            "when": <ms since the epoch>, "tag": "0000_init", ...}]}
//   DIR/<tag>.sql            one per journal entry
// Only the journal says what the migrations are and in what order (`idx`); a
// .sql file it does not name is not a migration, and an entry without its
// file is an error (the migrator refuses it too). Statements are separated by
// `--> statement-breakpoint` lines, which the migrator splits on.
//
// Table `drizzle.__drizzle_migrations(id serial, hash text, created_at bigint)`
// (migrationsSchema / migrationsTable configurable). The migrator treats it as
// a high-water mark: it reads the row with the greatest created_at and runs
// every entry whose `when` is greater, recording `created_at = when`. So an
// entry is applied when its `when` <= max(created_at). The whole run is one
// transaction and nothing is recorded on failure: there is no failed state.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"

namespace pgshim::migrations {

class DrizzleSource final : public MigrationSource {
 public:
  static constexpr std::string_view kDefaultTable = "drizzle.__drizzle_migrations";

  explicit DrizzleSource(std::string dir, std::string table = std::string(kDefaultTable))
      : dir_(std::move(dir)), table_(std::move(table)) {}

  [[nodiscard]] std::string_view tool() const noexcept override { return "drizzle"; }
  // The journal's entries in `idx` order, each named by its tag. Throws
  // MigrationError for a journal that is missing, not JSON, of another
  // dialect, or names a file that does not exist.
  [[nodiscard]] std::vector<Migration> list() const override;
  [[nodiscard]] std::map<std::string, MigrationState> recorded(Database& db) const override;

 private:
  std::string dir_;
  std::string table_;
};

// A Drizzle migration's SQL with each `--> statement-breakpoint` replaced by a
// `;` in place (line numbers unchanged), so a chunk the migrator would send on
// its own cannot run into the next one even without a final semicolon.
[[nodiscard]] std::string drizzle_statements(const std::string& text);

}  // namespace pgshim::migrations
