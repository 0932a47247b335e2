// Atlas's migration directory, atlas.sum and atlas_schema_revisions (see atlas_source.hpp).
#include "pgshim/migrations/atlas_source.hpp"

#include <cctype>
#include <filesystem>
#include <set>

#include "files.hpp"

namespace pgshim::migrations {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSuffix = ".sql";
constexpr std::string_view kSumFile = "atlas.sum";
constexpr std::string_view kHashPrefix = "h1:";
constexpr std::string_view kCheckpointDirective = "atlas:checkpoint";
// The row Atlas keeps in its revisions table to identify the table itself.
constexpr std::string_view kCloudIdentifier = ".atlas_cloud_identifier";

struct AtlasFile {
  std::string name;     // the file name, as atlas.sum lists it
  std::string version;  // the text before the first `_` (or before `.sql`)
  fs::path path;
  std::string text;
};

[[nodiscard]] std::string stem(const std::string& name) { return name.substr(0, name.size() - kSuffix.size()); }

[[nodiscard]] std::string version_of(const std::string& name) {
  const std::string s = stem(name);
  return s.substr(0, s.find('_'));
}

// The directory's migration files in Atlas's order, checkpoints left out.
[[nodiscard]] std::vector<AtlasFile> atlas_files(const std::string& dir) {
  // By name, so sorted lexically (byte order, as Atlas sorts).
  std::map<std::string, fs::path> on_disk;
  for (const auto& path : detail::regular_files(dir, /*recursive=*/false)) {
    const std::string name = path.filename().string();
    if (name.size() > kSuffix.size() && name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
      on_disk.emplace(name, path);
    }
  }
  std::vector<std::string> listed;
  const fs::path sum = fs::path(dir) / kSumFile;
  std::error_code ec;
  if (fs::is_regular_file(sum, ec)) {
    listed = atlas_sum_files(detail::read_file(sum), sum.string());
    for (const auto& name : listed) {
      if (on_disk.count(name) == 0) {
        throw MigrationError(sum.string() + " lists " + name + ", which is not in " + dir);
      }
    }
  }
  // Merge the unlisted files into the sum's order at their lexical place.
  const std::set<std::string> listed_set(listed.begin(), listed.end());
  std::vector<std::string> unlisted;
  for (const auto& [name, path] : on_disk) {
    if (listed_set.count(name) == 0) unlisted.push_back(name);
  }
  std::vector<std::string> order;
  order.reserve(on_disk.size());
  auto a = listed.begin();
  auto b = unlisted.begin();
  while (a != listed.end() || b != unlisted.end()) {
    if (b == unlisted.end() || (a != listed.end() && *a < *b)) {
      order.push_back(*a++);
    } else {
      order.push_back(*b++);
    }
  }
  std::vector<AtlasFile> out;
  std::map<std::string, std::string> versions;  // version -> file name
  for (const auto& name : order) {
    const fs::path& path = on_disk.at(name);
    std::string text = detail::read_file(path);
    if (is_atlas_checkpoint(text)) continue;
    std::string version = version_of(name);
    const auto [it, inserted] = versions.emplace(version, name);
    if (!inserted) {
      throw MigrationError("two Atlas migrations with version " + version + ": " + it->second + " and " + name);
    }
    out.push_back(AtlasFile{name, std::move(version), path, std::move(text)});
  }
  return out;
}

// A non-negative count from the revisions table.
[[nodiscard]] const std::string& count(const std::optional<std::string>& value, const std::string& table) {
  if (!value || !detail::all_digits(*value)) {
    throw MigrationError(table + ": applied/total " + value.value_or("NULL") + " is not a statement count");
  }
  return *value;
}

}  // namespace

std::vector<std::string> atlas_sum_files(const std::string& text, const std::string& path) {
  std::vector<std::string> out;
  std::size_t line_no = 0;
  for (detail::Lines lines(text); auto next = lines.next();) {
    ++line_no;
    const std::string_view line = detail::trim(*next);
    if (line_no == 1) {
      if (line.substr(0, kHashPrefix.size()) != kHashPrefix) {
        throw MigrationError(path + ":1: expected the directory sum (h1:...)");
      }
      continue;
    }
    if (line.empty()) continue;
    const auto hash = line.find(kHashPrefix);
    const std::string_view name = detail::trim(line.substr(0, hash));
    if (hash == std::string_view::npos || name.empty()) {
      throw MigrationError(path + ":" + std::to_string(line_no) + ": expected `<file> h1:<hash>`");
    }
    out.emplace_back(name);
  }
  if (line_no == 0) throw MigrationError(path + ": empty");
  return out;
}

bool is_atlas_checkpoint(const std::string& text) {
  // Atlas's file directives: the comment lines at the very top, separated from
  // the statements by a blank line (a comment right above a statement is the
  // statement's, not the file's).
  bool found = false;
  for (detail::Lines lines(text); auto next = lines.next();) {
    const std::string_view line = *next;
    if (line.substr(0, 1) == "#" || line.substr(0, 2) == "--") {
      const auto at = line.find(kCheckpointDirective);
      if (at != std::string_view::npos) {
        const std::string_view after = line.substr(at + kCheckpointDirective.size());
        const bool word_ends = after.empty() || !(std::isalnum(static_cast<unsigned char>(after.front())) != 0 ||
                                                  after.front() == '_');
        found |= word_ends;
      }
      continue;
    }
    return found && detail::trim(line).empty() && !lines.last();
  }
  return false;
}

std::vector<Migration> AtlasSource::list() const {
  std::vector<Migration> out;
  for (auto& f : atlas_files(dir_)) out.push_back(Migration{stem(f.name), std::move(f.text), f.path.string()});
  return out;
}

std::map<std::string, MigrationState> AtlasSource::recorded(Database& db) const {
  std::string table = table_;
  if (!detail::table_exists(db, table)) {
    if (table_ != kDefaultTable || !detail::table_exists(db, std::string(kSchemaBoundTable))) return {};
    table = kSchemaBoundTable;
  }
  const auto rows = db.query("SELECT version, applied::text, total::text FROM " + detail::quote_table(table) +
                                 " WHERE version <> $1",
                             {std::string(kCloudIdentifier)});
  // version -> finished; and the lowest version (byte order, as Atlas compares).
  std::map<std::string, bool> finished;
  for (const auto& row : rows) {
    if (row.size() != 3 || !row[0]) continue;
    finished[*row[0]] = detail::compare_numbers(count(row[1], table), count(row[2], table)) >= 0;
  }
  if (finished.empty()) return {};
  const std::string& first = finished.begin()->first;
  std::map<std::string, MigrationState> out;
  for (const auto& f : atlas_files(dir_)) {
    const auto it = finished.find(f.version);
    if (it != finished.end()) {
      out[stem(f.name)] = it->second ? MigrationState::Applied : MigrationState::Failed;
    } else if (f.version < first) {
      out[stem(f.name)] = MigrationState::Applied;
    }
  }
  return out;
}

std::optional<MigrationSource::AppliedTimes> AtlasSource::applied_at(Database& db) const {
  std::string table = table_;
  if (!detail::table_exists(db, table)) {
    if (table_ != kDefaultTable || !detail::table_exists(db, std::string(kSchemaBoundTable))) return AppliedTimes{};
    table = kSchemaBoundTable;
  }
  const auto rows = db.query("SELECT version, applied::text, total::text, " + detail::epoch_sql("executed_at") +
                                 " FROM " + detail::quote_table(table) + " WHERE version <> $1",
                             {std::string(kCloudIdentifier)});
  std::map<std::string, std::chrono::system_clock::time_point> finished;
  for (const auto& row : rows) {
    if (row.size() != 4 || !row[0]) continue;
    const auto at = detail::epoch_time(row[3]);
    if (at && detail::compare_numbers(count(row[1], table), count(row[2], table)) >= 0) finished[*row[0]] = *at;
  }
  AppliedTimes out;
  for (const auto& f : atlas_files(dir_)) {
    const auto it = finished.find(f.version);
    if (it != finished.end()) out[stem(f.name)] = it->second;
  }
  return out;
}

std::map<std::string, std::string> AtlasSource::failure_details(Database& db) const {
  std::string table = table_;
  if (!detail::table_exists(db, table)) {
    if (table_ != kDefaultTable || !detail::table_exists(db, std::string(kSchemaBoundTable))) return {};
    table = kSchemaBoundTable;
  }
  // Atlas keeps the error and the statement that failed on the partial revision.
  const auto rows = db.query("SELECT version, error, error_stmt FROM " + detail::quote_table(table) +
                                 " WHERE version <> $1 AND (coalesce(error, '') <> '' OR coalesce(error_stmt, '') <> '')",
                             {std::string(kCloudIdentifier)});
  std::map<std::string, std::string> by_version;
  for (const auto& row : rows) {
    if (row.size() != 3 || !row[0]) continue;
    std::string text;
    if (row[1] && !row[1]->empty()) text = "error: " + *row[1];
    if (row[2] && !row[2]->empty()) text += (text.empty() ? "" : "; ") + std::string("statement: ") + *row[2];
    by_version[*row[0]] = std::move(text);
  }
  std::map<std::string, std::string> out;
  for (const auto& f : atlas_files(dir_)) {
    const auto it = by_version.find(f.version);
    if (it != by_version.end()) out[stem(f.name)] = it->second;
  }
  return out;
}

}  // namespace pgshim::migrations
