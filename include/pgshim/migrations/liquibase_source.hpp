#pragma once
// Liquibase formatted SQL changelogs and Liquibase's DATABASECHANGELOG table.
//
// Directory: every `.sql` file (subdirectories included) whose first line is
// `--liquibase formatted sql`, in path order (what `includeAll` does; a
// master changelog that orders them differently is not read). Each file is a
// run of changesets:
//   --changeset author:id [runOnChange:true] [dbms:postgresql] ...
//   <SQL>
//   --rollback <SQL>          ignored (only for `liquibase rollback`)
// Each changeset is one Migration named `author:id`. A changeset whose `dbms:`
// attribute excludes postgresql is skipped, as Liquibase skips it here. Two
// changesets with one `author:id` are an error (pgshim could not tell them
// apart in its report).
//
// Table `databasechangelog` (Liquibase creates it unquoted, so lower case in
// PostgreSQL) in the search_path: one row per changeset that ran, identified by
// (id, author, filename). `filename` is the path as the changelog named it
// (`db/changelog/changes/001.sql`, `classpath:...`), which pgshim cannot
// reproduce, so a row matches a changeset when id and author are equal and
// the last component of `filename` is the changeset's file name. EXECTYPE
// EXECUTED, RERAN and MARK_RAN are applied. Liquibase writes no row for a
// changeset that failed or was skipped (its history service ignores the
// FAILED and SKIPPED exec types), so there is normally no failed state; a
// FAILED row written by other means reads as failed, a SKIPPED one as pending.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"

namespace pgshim::migrations {

class LiquibaseSource final : public MigrationSource {
 public:
  static constexpr std::string_view kDefaultTable = "databasechangelog";

  explicit LiquibaseSource(std::string dir, std::string table = std::string(kDefaultTable))
      : dir_(std::move(dir)), table_(std::move(table)) {}

  [[nodiscard]] std::string_view tool() const noexcept override { return "liquibase"; }
  // The changesets of every formatted-SQL file, in file then changeset order.
  [[nodiscard]] std::vector<Migration> list() const override;
  [[nodiscard]] std::map<std::string, MigrationState> recorded(Database& db) const override;
  // Dateexecuted of the latest row of each changeset that ran.
  [[nodiscard]] std::optional<AppliedTimes> applied_at(Database& db) const override;

 private:
  std::string dir_;
  std::string table_;
};

// Whether `first_line` is Liquibase's formatted-SQL header
// (`--liquibase formatted sql`, blanks and case free).
[[nodiscard]] bool is_liquibase_header(std::string_view first_line);

// One changeset of a formatted SQL file.
struct Changeset {
  std::string author;
  std::string id;
  std::string sql;  // the changeset's lines; every other line of the file blank
};

// The changesets of one formatted SQL file (`path` for messages), skipping
// those whose dbms attribute excludes postgresql. Throws MigrationError for a
// `--changeset` line without `author:id`.
[[nodiscard]] std::vector<Changeset> liquibase_changesets(const std::string& text, const std::string& path);

}  // namespace pgshim::migrations
