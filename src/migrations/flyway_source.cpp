// Flyway's versioned migrations and flyway_schema_history (see flyway_source.hpp).
#include "pgshim/migrations/flyway_source.hpp"

#include <algorithm>
#include <filesystem>

#include "files.hpp"

namespace pgshim::migrations {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kVersionedPrefix = "V";
constexpr std::string_view kSeparator = "__";
constexpr std::string_view kSuffix = ".sql";

[[nodiscard]] std::vector<std::string_view> split_parts(std::string_view version) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = version.find('.', start);
    parts.push_back(version.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

struct Versioned {
  std::string version;  // normalized
  fs::path path;
};

// Every V<version>__<desc>.sql under the directory; R__ and U files and
// anything else are not versioned migrations and are skipped.
[[nodiscard]] std::vector<Versioned> versioned_files(const std::string& dir) {
  std::vector<Versioned> out;
  for (const auto& path : detail::regular_files(dir, /*recursive=*/true)) {
    const std::string file = path.filename().string();
    if (file.size() <= kSuffix.size() || file.compare(file.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
      continue;
    }
    if (file.rfind(kVersionedPrefix, 0) != 0) continue;
    const auto separator = file.find(kSeparator);
    if (separator == std::string::npos) continue;  // Flyway ignores it too (no description separator)
    const std::string_view raw =
        std::string_view(file).substr(kVersionedPrefix.size(), separator - kVersionedPrefix.size());
    std::string version = normalize_flyway_version(raw);
    // Flyway refuses such a file rather than skip it; so does pgshim, since a
    // migration silently left out would read as "nothing pending".
    if (version.empty()) throw MigrationError(path.string() + ": invalid Flyway version \"" + std::string(raw) + "\"");
    out.push_back(Versioned{std::move(version), path});
  }
  std::sort(out.begin(), out.end(), [](const Versioned& a, const Versioned& b) {
    return compare_flyway_versions(a.version, b.version) < 0;
  });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (out[i].version == out[i - 1].version) {
      throw MigrationError("two Flyway migrations with version " + out[i].version + ": " + out[i - 1].path.string() +
                           " and " + out[i].path.string());
    }
  }
  return out;
}

[[nodiscard]] std::string migration_name(const fs::path& path) { return path.stem().string(); }

}  // namespace

std::string normalize_flyway_version(std::string_view version) {
  std::string dotted(version);
  std::replace(dotted.begin(), dotted.end(), '_', '.');
  std::vector<std::string> parts;
  for (const auto part : split_parts(dotted)) {
    if (!detail::all_digits(part)) return "";
    parts.push_back(detail::strip_leading_zeros(part));
  }
  while (parts.size() > 1 && parts.back() == "0") parts.pop_back();
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += '.';
    out += part;
  }
  return out;
}

int compare_flyway_versions(std::string_view a, std::string_view b) noexcept {
  const auto pa = split_parts(a);
  const auto pb = split_parts(b);
  for (std::size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    const std::string_view x = i < pa.size() ? pa[i] : "0";
    const std::string_view y = i < pb.size() ? pb[i] : "0";
    if (const int c = detail::compare_numbers(x, y); c != 0) return c;
  }
  return 0;
}

std::vector<Migration> FlywaySource::list() const {
  std::vector<Migration> out;
  for (const auto& v : versioned_files(dir_)) {
    out.push_back(Migration{migration_name(v.path), detail::read_file(v.path), v.path.string()});
  }
  return out;
}

std::map<std::string, MigrationState> FlywaySource::recorded(Database& db) const {
  if (!detail::table_exists(db, table_)) return {};
  const auto files = versioned_files(dir_);
  const auto rows = db.query(
      "SELECT version, type, success FROM " + detail::quote_table(table_) + " ORDER BY installed_rank", {});
  // By normalized version; the latest row for a version overwrites earlier ones.
  std::map<std::string, MigrationState> by_version;
  for (const auto& row : rows) {
    if (row.size() != 3 || !row[0] || !row[1]) continue;
    const std::string version = normalize_flyway_version(*row[0]);
    if (version.empty()) continue;
    const std::string& type = *row[1];
    const bool success = detail::is_true(row[2]);
    if (type.size() >= 8 && type.compare(type.size() - 8, 8, "BASELINE") == 0) {
      // Flyway skips every migration at or below a baseline ("<< Ignored Baseline >>").
      for (const auto& f : files) {
        if (compare_flyway_versions(f.version, version) <= 0) by_version[f.version] = MigrationState::Applied;
      }
    } else if (type == "DELETE") {
      by_version.erase(version);
    } else if (type.rfind("UNDO_", 0) == 0) {
      if (success) by_version.erase(version);
    } else {
      by_version[version] = success ? MigrationState::Applied : MigrationState::Failed;
    }
  }
  std::map<std::string, MigrationState> out;
  for (const auto& f : files) {
    const auto it = by_version.find(f.version);
    if (it != by_version.end()) out[migration_name(f.path)] = it->second;
  }
  return out;
}

std::optional<MigrationSource::AppliedTimes> FlywaySource::applied_at(Database& db) const {
  if (!detail::table_exists(db, table_)) return AppliedTimes{};
  const auto files = versioned_files(dir_);
  const auto rows = db.query("SELECT version, type, success, " + detail::epoch_sql("installed_on") + " FROM " +
                                 detail::quote_table(table_) + " ORDER BY installed_rank",
                             {});
  // recorded()'s walk; only a successful run has a time (a baseline ran nothing).
  std::map<std::string, std::chrono::system_clock::time_point> by_version;
  for (const auto& row : rows) {
    if (row.size() != 4 || !row[0] || !row[1]) continue;
    const std::string version = normalize_flyway_version(*row[0]);
    if (version.empty()) continue;
    const std::string& type = *row[1];
    const bool success = detail::is_true(row[2]);
    const bool baseline = type.size() >= 8 && type.compare(type.size() - 8, 8, "BASELINE") == 0;
    const auto at = detail::epoch_time(row[3]);
    if (type.rfind("UNDO_", 0) == 0) {
      if (success) by_version.erase(version);
    } else if (baseline || type == "DELETE" || !success || !at) {
      by_version.erase(version);
    } else {
      by_version[version] = *at;
    }
  }
  AppliedTimes out;
  for (const auto& f : files) {
    const auto it = by_version.find(f.version);
    if (it != by_version.end()) out[migration_name(f.path)] = it->second;
  }
  return out;
}

}  // namespace pgshim::migrations
