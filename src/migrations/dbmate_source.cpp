// dbmate's sectioned SQL files and schema_migrations (see dbmate_source.hpp).
#include "pgshim/migrations/dbmate_source.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "files.hpp"

namespace pgshim::migrations {

namespace fs = std::filesystem;

namespace {

struct DbmateFile {
  std::string version;  // the leading digits, compared as text with the table's rows
  fs::path path;
};

// `<digits>_<name>.sql` files of the directory, in file-name order (dbmate's).
[[nodiscard]] std::vector<DbmateFile> dbmate_files(const std::string& dir) {
  std::vector<DbmateFile> out;
  for (const auto& path : detail::regular_files(dir, /*recursive=*/false)) {
    if (path.extension() != ".sql") continue;
    const std::string file = path.filename().string();
    const auto underscore = file.find('_');
    if (underscore == std::string::npos) continue;
    std::string version = file.substr(0, underscore);
    if (!detail::all_digits(version)) continue;
    out.push_back(DbmateFile{std::move(version), path});
  }
  std::sort(out.begin(), out.end(), [](const DbmateFile& a, const DbmateFile& b) {
    return a.path.filename().string() < b.path.filename().string();
  });
  return out;
}

// `migrate:up` / `migrate:down`, optionally followed by options.
[[nodiscard]] detail::Section dbmate_marker(std::string_view comment) {
  const auto is = [&](std::string_view word) {
    return comment.rfind(word, 0) == 0 &&
           (comment.size() == word.size() || comment[word.size()] == ' ' || comment[word.size()] == '\t');
  };
  if (is("migrate:up")) return detail::Section::Up;
  if (is("migrate:down")) return detail::Section::Down;
  return detail::Section::None;
}

}  // namespace

std::string dbmate_up_sql(const std::string& text, const std::string& path) {
  return detail::up_section(text, dbmate_marker, path, "-- migrate:up");
}

std::vector<Migration> DbmateSource::list() const {
  std::vector<Migration> out;
  for (const auto& f : dbmate_files(dir_)) {
    const std::string path = f.path.string();
    out.push_back(Migration{f.path.stem().string(), dbmate_up_sql(detail::read_file(f.path), path), path});
  }
  return out;
}

std::map<std::string, MigrationState> DbmateSource::recorded(Database& db) const {
  if (!detail::table_exists(db, table_)) return {};
  const auto rows = db.query("SELECT version::text FROM " + detail::quote_table(table_), {});
  std::set<std::string> applied;
  for (const auto& row : rows) {
    if (!row.empty() && row[0]) applied.insert(*row[0]);
  }
  std::map<std::string, MigrationState> out;
  for (const auto& f : dbmate_files(dir_)) {
    if (applied.count(f.version) != 0) out[f.path.stem().string()] = MigrationState::Applied;
  }
  return out;
}

}  // namespace pgshim::migrations
