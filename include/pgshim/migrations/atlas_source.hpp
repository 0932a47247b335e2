#pragma once
// Atlas's versioned migration directory and its revisions table.
//
// Directory (`migrations/` by default): `<version>_<description>.sql` (or
// `<version>.sql`), read without subdirectories. The version is the text
// before the first `_` and Atlas compares versions as strings (byte order),
// which is why generated versions are fixed-width timestamps. `atlas.sum`,
// the directory's integrity file, lists every file in the order Atlas runs
// them (`h1:<sum>` first, then `<file> h1:<hash>` lines); pgshim takes that
// order, and a .sql file the sum does not list (one added without `atlas
// migrate hash`, which Atlas refuses to run until it is hashed) is merged in at
// its lexical place. A file the sum lists but the directory lacks is an
// error; without atlas.sum the order is lexical. Two files with one version
// are an error. Checkpoint files (an `-- atlas:checkpoint` file directive) are
// left out: Atlas skips them on a database that has revisions, and they only
// restate what the files before them did. The txtar format (`-- atlas:txtar`,
// Atlas Pro) is not read.
//
// Table `atlas_schema_revisions.atlas_schema_revisions` (Atlas's own schema;
// when its URL is bound to one schema, Atlas keeps the table there instead,
// so pgshim falls back to `atlas_schema_revisions` in the search_path). One
// row per version with `applied` and `total` statement counts and `error` /
// `error_stmt` for the statement that failed; its `type` (1 baseline, 2
// executed, 4 set by `migrate set`) does not matter here, since Atlas decides
// what is pending from the counts alone. Atlas writes the row before the first
// statement and after each one, so a file is:
//   a row with applied >= total            applied (a baseline row has 0/0)
//   a row with applied < total             failed: stopped at a statement
//                                          (error_stmt) or still running; Atlas
//                                          resumes it at the next statement
//   no row, version below the first row's  applied: Atlas never runs a file
//                                          below its first revision (baseline)
//   no row otherwise                       pending (one between revisions was
//                                          added out of order: Atlas refuses
//                                          it, or runs it with non-linear order)
// The `.atlas_cloud_identifier` row Atlas keeps there is not a migration.
// pgshim reports a failed file's state only; its error and statement stay in
// the table (`atlas migrate status` shows them).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"

namespace pgshim::migrations {

class AtlasSource final : public MigrationSource {
 public:
  static constexpr std::string_view kDefaultTable = "atlas_schema_revisions.atlas_schema_revisions";
  // Where a schema-bound Atlas URL puts the table (searched through the search_path).
  static constexpr std::string_view kSchemaBoundTable = "atlas_schema_revisions";

  // `table` may be schema-qualified; with the default, kSchemaBoundTable is
  // read when the default table does not exist.
  explicit AtlasSource(std::string dir, std::string table = std::string(kDefaultTable))
      : dir_(std::move(dir)), table_(std::move(table)) {}

  [[nodiscard]] std::string_view tool() const noexcept override { return "atlas"; }
  // The migration files in atlas.sum order, each named by its file name
  // without `.sql` (20250804020810_add_last_error_to_environments).
  [[nodiscard]] std::vector<Migration> list() const override;
  [[nodiscard]] std::map<std::string, MigrationState> recorded(Database& db) const override;
  // Executed_at of each finished revision (versions below the first revision: none).
  [[nodiscard]] std::optional<AppliedTimes> applied_at(Database& db) const override;
  [[nodiscard]] std::map<std::string, std::string> failure_details(Database& db) const override;

 private:
  std::string dir_;
  std::string table_;
};

// The file names atlas.sum lists, in its order (`path` for messages). Throws
// MigrationError when the first line is not `h1:<sum>` or a later line is not
// `<file> h1:<hash>`. The hashes are not checked: Atlas does that before it
// runs anything, and pgshim only needs the order.
[[nodiscard]] std::vector<std::string> atlas_sum_files(const std::string& text, const std::string& path);

// Whether a migration file's header (its leading comment lines, ended by a
// blank line) holds the `atlas:checkpoint` directive.
[[nodiscard]] bool is_atlas_checkpoint(const std::string& text);

}  // namespace pgshim::migrations
