// goose's annotated SQL files and goose_db_version (see goose_source.hpp).
#include "pgshim/migrations/goose_source.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "files.hpp"
#include "pgshim/util/ascii.hpp"

namespace pgshim::migrations {

namespace fs = std::filesystem;

namespace {

struct GooseFile {
  std::string version;  // the digits before the first `_`
  fs::path path;
  bool is_go = false;
};

[[nodiscard]] bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// goose reads the files of the directory itself, `.sql` and `.go`; test files
// of Go migrations are not migrations.
[[nodiscard]] std::vector<GooseFile> goose_files(const std::string& dir) {
  std::vector<GooseFile> out;
  for (const auto& path : detail::regular_files(dir, /*recursive=*/false)) {
    const std::string file = path.filename().string();
    const bool is_sql = ends_with(file, ".sql");
    const bool is_go = ends_with(file, ".go") && !ends_with(file, "_test.go");
    if (!is_sql && !is_go) continue;
    const auto underscore = file.find('_');
    if (underscore == std::string::npos) continue;
    std::string version = file.substr(0, underscore);
    if (!detail::all_digits(version)) continue;
    out.push_back(GooseFile{std::move(version), path, is_go});
  }
  std::sort(out.begin(), out.end(),
            [](const GooseFile& a, const GooseFile& b) { return detail::compare_numbers(a.version, b.version) < 0; });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (detail::compare_numbers(out[i].version, out[i - 1].version) == 0) {
      throw MigrationError("two goose migrations with version " + out[i].version + ": " + out[i - 1].path.string() +
                           " and " + out[i].path.string());
    }
  }
  return out;
}

// `+goose Up` / `+goose Down`, as goose matches them (case-insensitively).
[[nodiscard]] detail::Section goose_marker(std::string_view comment) {
  const std::string lower = util::ascii_lower(comment);
  if (lower.rfind("+goose up", 0) == 0) return detail::Section::Up;
  if (lower.rfind("+goose down", 0) == 0) return detail::Section::Down;
  return detail::Section::None;
}

}  // namespace

std::string goose_up_sql(const std::string& text, const std::string& path) {
  return detail::up_section(text, goose_marker, path, "-- +goose Up");
}

std::vector<Migration> GooseSource::list() const {
  std::vector<Migration> out;
  for (const auto& f : goose_files(dir_)) {
    const std::string path = f.path.string();
    out.push_back(Migration{f.path.stem().string(), f.is_go ? std::string() : goose_up_sql(detail::read_file(f.path), path),
                            path});
  }
  return out;
}

std::map<std::string, MigrationState> GooseSource::recorded(Database& db) const {
  if (!detail::table_exists(db, table_)) return {};
  const auto rows =
      db.query("SELECT version_id::text, is_applied FROM " + detail::quote_table(table_) + " ORDER BY id DESC", {});
  // The first row seen for a version (the latest) decides.
  std::set<std::string> seen;
  std::set<std::string> applied;
  for (const auto& row : rows) {
    if (row.size() != 2 || !row[0] || !detail::all_digits(*row[0])) continue;
    const std::string version = detail::strip_leading_zeros(*row[0]);
    if (!seen.insert(version).second) continue;
    if (detail::is_true(row[1])) applied.insert(version);
  }
  std::map<std::string, MigrationState> out;
  for (const auto& f : goose_files(dir_)) {
    if (applied.count(detail::strip_leading_zeros(f.version)) != 0) out[f.path.stem().string()] = MigrationState::Applied;
  }
  return out;
}

std::optional<MigrationSource::AppliedTimes> GooseSource::applied_at(Database& db) const {
  if (!detail::table_exists(db, table_)) return AppliedTimes{};
  const auto rows = db.query("SELECT version_id::text, is_applied, " + detail::epoch_sql("tstamp") + " FROM " +
                                 detail::quote_table(table_) + " ORDER BY id DESC",
                             {});
  // As recorded(): the latest row for a version decides.
  std::set<std::string> seen;
  std::map<std::string, std::chrono::system_clock::time_point> by_version;
  for (const auto& row : rows) {
    if (row.size() != 3 || !row[0] || !detail::all_digits(*row[0])) continue;
    const std::string version = detail::strip_leading_zeros(*row[0]);
    if (!seen.insert(version).second) continue;
    const auto at = detail::epoch_time(row[2]);
    if (detail::is_true(row[1]) && at) by_version[version] = *at;
  }
  AppliedTimes out;
  for (const auto& f : goose_files(dir_)) {
    const auto it = by_version.find(detail::strip_leading_zeros(f.version));
    if (it != by_version.end()) out[f.path.stem().string()] = it->second;
  }
  return out;
}

}  // namespace pgshim::migrations
