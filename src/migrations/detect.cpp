// Telling migration tools apart by their directory layout (see detect.hpp).
#include "pgshim/migrations/detect.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "files.hpp"
#include "pgshim/migrations/liquibase_source.hpp"
#include "pgshim/util/ascii.hpp"

namespace pgshim::migrations {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kLookedFor =
    "migration_lock.toml or <name>/migration.sql (prisma), V<version>__<description>.sql (flyway), "
    "<version>_<title>.up.sql (golang-migrate), a .sql file with `-- +goose Up` (goose), "
    "a .sql file with `-- migrate:up` (dbmate), meta/_journal.json (drizzle), "
    "a .sql file starting `--liquibase formatted sql` (liquibase), atlas.sum (atlas), sqitch.plan (sqitch)";

[[nodiscard]] bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

[[nodiscard]] std::string relative(const fs::path& path, const std::string& dir) {
  std::error_code ec;
  const fs::path r = fs::relative(path, dir, ec);
  return ec ? path.string() : r.string();
}

// V<digits, dots, underscores>__<anything>.sql
[[nodiscard]] bool is_flyway_versioned(std::string_view file) noexcept {
  if (file.size() < 2 || file[0] != 'V' || !ends_with(file, ".sql")) return false;
  const auto separator = file.find("__");
  if (separator == std::string_view::npos || separator == 1) return false;
  const std::string_view version = file.substr(1, separator - 1);
  return std::all_of(version.begin(), version.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '_'; });
}

// <digits>_<title>.up.sql
[[nodiscard]] bool is_golang_migrate_up(std::string_view file) noexcept {
  const auto underscore = file.find('_');
  return ends_with(file, ".up.sql") && underscore != std::string_view::npos &&
         detail::all_digits(file.substr(0, underscore));
}

// Whether a line of `text`, with its `--` and the blanks around it removed,
// starts with `marker` (compared case-insensitively).
[[nodiscard]] bool has_comment_line(const std::string& text, std::string_view marker) {
  for (detail::Lines lines(text); auto line = lines.next();) {
    const auto comment = detail::comment_text(*line);
    if (comment && comment->size() >= marker.size() && util::iequals(comment->substr(0, marker.size()), marker)) {
      return true;
    }
  }
  return false;
}

[[nodiscard]] std::vector<Detected> scan(const std::string& dir) {
  std::vector<Detected> out;
  const auto add = [&](Tool tool, std::string evidence) {
    const bool known = std::any_of(out.begin(), out.end(), [&](const Detected& d) { return d.tool == tool; });
    if (!known) out.push_back(Detected{tool, std::move(evidence)});
  };
  const fs::path root(dir);
  std::error_code ec;
  if (fs::is_regular_file(root / "migration_lock.toml", ec)) add(Tool::Prisma, "migration_lock.toml");
  if (fs::is_regular_file(root / "meta" / "_journal.json", ec)) add(Tool::Drizzle, "meta/_journal.json");
  if (fs::is_regular_file(root / "atlas.sum", ec)) add(Tool::Atlas, "atlas.sum");
  if (fs::is_regular_file(root / "sqitch.plan", ec)) add(Tool::Sqitch, "sqitch.plan");
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (entry.is_directory(ec) && fs::is_regular_file(entry.path() / "migration.sql", ec)) {
      add(Tool::Prisma, relative(entry.path() / "migration.sql", dir));
    }
  }
  for (const auto& path : detail::regular_files(dir, /*recursive=*/true)) {
    const std::string file = path.filename().string();
    if (!ends_with(file, ".sql")) continue;
    // Flyway and Liquibase (includeAll) read subdirectories too.
    if (is_flyway_versioned(file)) add(Tool::Flyway, relative(path, dir));
    const std::string text = detail::read_file(path);
    if (is_liquibase_header(text.substr(0, text.find('\n')))) add(Tool::Liquibase, relative(path, dir));
    // The other tools read only the directory itself.
    if (path.parent_path() != root) continue;
    if (is_golang_migrate_up(file)) add(Tool::GolangMigrate, file);
    if (has_comment_line(text, "+goose up")) add(Tool::Goose, file);
    if (has_comment_line(text, "migrate:up")) add(Tool::Dbmate, file);
  }
  std::sort(out.begin(), out.end(),
            [](const Detected& a, const Detected& b) { return static_cast<int>(a.tool) < static_cast<int>(b.tool); });
  return out;
}

}  // namespace

std::vector<Detected> detect_tools(const std::string& dir) {
  // regular_files (inside scan) reports a missing directory; check first so
  // the other probes cannot mask it.
  (void)detail::regular_files(dir, /*recursive=*/false);
  return scan(dir);
}

Tool resolve_tool(const std::string& dir, std::string_view requested) {
  if (!requested.empty()) {
    const auto tool = parse_tool(requested);
    if (!tool) {
      throw MigrationError("unknown migrations tool \"" + std::string(requested) + "\" (supported: " +
                           supported_tools() + ")");
    }
    return *tool;
  }
  const std::vector<Detected> found = detect_tools(dir);
  if (found.size() == 1) return found.front().tool;
  if (found.size() > 1) {
    std::string candidates;
    for (const auto& d : found) {
      if (!candidates.empty()) candidates += ", ";
      candidates += std::string(to_string(d.tool)) + " (" + d.evidence + ")";
    }
    throw MigrationError("migrations directory " + dir + " matches several tools: " + candidates +
                         "; choose one with --migrations-tool or migrations.tool");
  }
  throw MigrationError("migrations directory " + dir + " matches no supported migration tool; looked for " +
                       std::string(kLookedFor));
}

}  // namespace pgshim::migrations
