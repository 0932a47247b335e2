// golang-migrate's up files and its one-row schema_migrations (see golang_migrate_source.hpp).
#include "pgshim/migrations/golang_migrate_source.hpp"

#include <algorithm>
#include <filesystem>

#include "files.hpp"

namespace pgshim::migrations {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kUpSuffix = ".up.sql";

struct UpFile {
  std::string version;  // digits, as in the file name
  std::string name;     // the file name without .up.sql
  fs::path path;
};

// `<digits>_<title>.up.sql` files of the directory (golang-migrate does not
// descend into subdirectories), in version order.
[[nodiscard]] std::vector<UpFile> up_files(const std::string& dir) {
  std::vector<UpFile> out;
  for (const auto& path : detail::regular_files(dir, /*recursive=*/false)) {
    const std::string file = path.filename().string();
    if (file.size() <= kUpSuffix.size() ||
        file.compare(file.size() - kUpSuffix.size(), kUpSuffix.size(), kUpSuffix) != 0) {
      continue;
    }
    const auto underscore = file.find('_');
    if (underscore == std::string::npos) continue;
    std::string version = file.substr(0, underscore);
    if (!detail::all_digits(version)) continue;
    out.push_back(UpFile{std::move(version), file.substr(0, file.size() - kUpSuffix.size()), path});
  }
  std::sort(out.begin(), out.end(),
            [](const UpFile& a, const UpFile& b) { return detail::compare_numbers(a.version, b.version) < 0; });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (detail::compare_numbers(out[i].version, out[i - 1].version) == 0) {
      throw MigrationError("two golang-migrate up migrations with version " + out[i].version + ": " +
                           out[i - 1].path.string() + " and " + out[i].path.string());
    }
  }
  return out;
}

}  // namespace

std::vector<Migration> GolangMigrateSource::list() const {
  std::vector<Migration> out;
  for (const auto& f : up_files(dir_)) out.push_back(Migration{f.name, detail::read_file(f.path), f.path.string()});
  return out;
}

std::map<std::string, MigrationState> GolangMigrateSource::recorded(Database& db) const {
  if (!detail::table_exists(db, table_)) return {};
  // migrate's own read: the first (only) row.
  const auto rows = db.query("SELECT version::text, dirty FROM " + detail::quote_table(table_) + " LIMIT 1", {});
  if (rows.empty() || rows[0].size() != 2 || !rows[0][0]) return {};
  const std::string& mark = *rows[0][0];
  const bool dirty = detail::is_true(rows[0][1]);
  // A negative version (migrate's "nil version") is below every file.
  if (!detail::all_digits(mark)) return {};
  std::map<std::string, MigrationState> out;
  for (const auto& f : up_files(dir_)) {
    const int c = detail::compare_numbers(f.version, mark);
    if (c < 0) {
      out[f.name] = MigrationState::Applied;
    } else if (c == 0) {
      out[f.name] = dirty ? MigrationState::Failed : MigrationState::Applied;
    }
  }
  return out;
}

}  // namespace pgshim::migrations
