// Liquibase formatted SQL and databasechangelog (see liquibase_source.hpp).
#include "pgshim/migrations/liquibase_source.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "files.hpp"
#include "pgshim/util/ascii.hpp"

namespace pgshim::migrations {

namespace fs = std::filesystem;

namespace {

using detail::blank;
using detail::trim;

// The text after `--` and `keyword` (case-insensitive, blanks allowed after
// the dashes) when `line` is such a comment and the keyword ends there;
// nullopt otherwise. `--changesetX` is not a changeset line.
[[nodiscard]] std::optional<std::string_view> directive(std::string_view line, std::string_view keyword) {
  const auto comment = detail::comment_text(line);
  if (!comment) return std::nullopt;
  line = *comment;
  if (line.size() < keyword.size() || !util::iequals(line.substr(0, keyword.size()), keyword)) return std::nullopt;
  const std::string_view rest = line.substr(keyword.size());
  if (!rest.empty() && !blank(rest.front()) && rest.front() != ':') return std::nullopt;
  return rest;
}

// Splits `--changeset` arguments into author and id: `author:id`, where the
// author may be double-quoted (and then hold spaces or colons) and the id may
// be double-quoted; the attributes after it are returned in `attributes`.
[[nodiscard]] bool split_author_id(std::string_view args, std::string& author, std::string& id,
                                   std::string_view& attributes) {
  args = trim(args);
  std::size_t colon = 0;
  if (!args.empty() && args.front() == '"') {
    const auto close = args.find('"', 1);
    if (close == std::string_view::npos || close + 1 >= args.size() || args[close + 1] != ':') return false;
    author = std::string(args.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = args.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    author = std::string(args.substr(0, colon));
    if (author.find_first_of(" \t") != std::string::npos) return false;
  }
  std::string_view rest = args.substr(colon + 1);
  if (!rest.empty() && rest.front() == '"') {
    const auto close = rest.find('"', 1);
    if (close == std::string_view::npos) return false;
    id = std::string(rest.substr(1, close - 1));
    attributes = rest.substr(close + 1);
  } else {
    const auto end = std::min(rest.find_first_of(" \t"), rest.size());
    id = std::string(rest.substr(0, end));
    attributes = rest.substr(end);
  }
  return !id.empty();
}

// Whether a changeset's attributes let it run on PostgreSQL: no `dbms:`
// attribute, or one listing postgresql (or `all`) and not `!postgresql`.
[[nodiscard]] bool runs_on_postgresql(std::string_view attributes) {
  const std::string lower = util::ascii_lower(attributes);
  const auto at = lower.find("dbms:");
  if (at == std::string::npos || (at > 0 && !blank(lower[at - 1]))) return true;
  const auto end = std::min(lower.find_first_of(" \t", at), lower.size());
  const std::string list = lower.substr(at + 5, end - at - 5);
  bool listed = false;
  bool only_exclusions = true;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = std::min(list.find(',', start), list.size());
    const std::string item(trim(std::string_view(list).substr(start, comma - start)));
    if (item == "!postgresql") return false;
    if (!item.empty() && item.front() != '!') only_exclusions = false;
    if (item == "postgresql" || item == "all") listed = true;
    start = comma + 1;
  }
  return listed || only_exclusions;
}

struct ChangesetFile {
  fs::path path;
  std::vector<Changeset> changesets;
};

[[nodiscard]] std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// Every formatted-SQL file under the directory, in path order, with its changesets.
[[nodiscard]] std::vector<ChangesetFile> changelog_files(const std::string& dir) {
  std::vector<fs::path> paths;
  for (const auto& path : detail::regular_files(dir, /*recursive=*/true)) {
    if (path.extension() == ".sql") paths.push_back(path);
  }
  std::sort(paths.begin(), paths.end());
  std::vector<ChangesetFile> out;
  std::set<std::string> names;
  for (const auto& path : paths) {
    const std::string text = detail::read_file(path);
    if (!is_liquibase_header(first_line(text))) continue;
    ChangesetFile file{path, liquibase_changesets(text, path.string())};
    for (const auto& c : file.changesets) {
      if (!names.insert(c.author + ":" + c.id).second) {
        throw MigrationError(path.string() + ": changeset " + c.author + ":" + c.id + " is defined twice");
      }
    }
    out.push_back(std::move(file));
  }
  return out;
}

}  // namespace

bool is_liquibase_header(std::string_view line) {
  std::string squeezed;
  for (char c : line) {
    if (!blank(c)) squeezed += util::ascii_lower(c);
  }
  return squeezed.rfind("--liquibaseformattedsql", 0) == 0;
}

std::vector<Changeset> liquibase_changesets(const std::string& text, const std::string& path) {
  std::vector<Changeset> out;
  // Lines are appended to every changeset so far: its own lines as they are,
  // other lines blank, so each changeset's SQL keeps the file's line numbers.
  bool keep = false;  // the current changeset runs on PostgreSQL
  std::size_t line_no = 0;
  for (detail::Lines lines(text); auto next = lines.next();) {
    const std::string_view line = *next;
    const bool last = lines.last();
    ++line_no;
    bool own_line = false;
    if (const auto args = directive(line, "changeset")) {
      Changeset c;
      std::string_view attributes;
      if (!split_author_id(*args, c.author, c.id, attributes)) {
        throw MigrationError(path + ":" + std::to_string(line_no) + ": --changeset needs author:id");
      }
      keep = runs_on_postgresql(attributes);
      if (keep) {
        c.sql.assign(line_no - 1, '\n');  // the lines before it, blank
        out.push_back(std::move(c));
      }
    } else if (!keep || directive(line, "rollback") || line_no == 1) {
      // Outside a changeset, a skipped changeset, a rollback line, the header.
    } else {
      own_line = true;
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (own_line && i + 1 == out.size()) out[i].sql += line;
      if (!last) out[i].sql += '\n';
    }
  }
  return out;
}

std::vector<Migration> LiquibaseSource::list() const {
  std::vector<Migration> out;
  for (auto& file : changelog_files(dir_)) {
    for (auto& c : file.changesets) {
      out.push_back(Migration{c.author + ":" + c.id, std::move(c.sql), file.path.string()});
    }
  }
  return out;
}

std::map<std::string, MigrationState> LiquibaseSource::recorded(Database& db) const {
  if (!detail::table_exists(db, table_)) return {};
  const auto rows =
      db.query("SELECT id, author, filename, exectype FROM " + detail::quote_table(table_) + " ORDER BY orderexecuted", {});
  // (author:id, file name) -> state of the latest row.
  std::map<std::pair<std::string, std::string>, MigrationState> by_key;
  for (const auto& row : rows) {
    if (row.size() != 4 || !row[0] || !row[1] || !row[2]) continue;
    const std::string exectype = row[3].value_or("EXECUTED");
    const auto key = std::make_pair(*row[1] + ":" + *row[0], fs::path(*row[2]).filename().string());
    if (exectype == "FAILED") {
      by_key[key] = MigrationState::Failed;
    } else if (exectype == "SKIPPED") {
      by_key.erase(key);
    } else {
      by_key[key] = MigrationState::Applied;
    }
  }
  std::map<std::string, MigrationState> out;
  for (const auto& file : changelog_files(dir_)) {
    for (const auto& c : file.changesets) {
      const std::string name = c.author + ":" + c.id;
      const auto it = by_key.find({name, file.path.filename().string()});
      if (it != by_key.end()) out[name] = it->second;
    }
  }
  return out;
}

std::optional<MigrationSource::AppliedTimes> LiquibaseSource::applied_at(Database& db) const {
  if (!detail::table_exists(db, table_)) return AppliedTimes{};
  const auto rows = db.query("SELECT id, author, filename, exectype, " + detail::epoch_sql("dateexecuted") +
                                 " FROM " + detail::quote_table(table_) + " ORDER BY orderexecuted",
                             {});
  // As recorded(): the latest row of a changeset decides.
  std::map<std::pair<std::string, std::string>, std::chrono::system_clock::time_point> by_key;
  for (const auto& row : rows) {
    if (row.size() != 5 || !row[0] || !row[1] || !row[2]) continue;
    const std::string exectype = row[3].value_or("EXECUTED");
    const auto key = std::make_pair(*row[1] + ":" + *row[0], fs::path(*row[2]).filename().string());
    const auto at = detail::epoch_time(row[4]);
    if (exectype == "FAILED" || exectype == "SKIPPED" || !at) {
      by_key.erase(key);
    } else {
      by_key[key] = *at;
    }
  }
  AppliedTimes out;
  for (const auto& file : changelog_files(dir_)) {
    for (const auto& c : file.changesets) {
      const std::string name = c.author + ":" + c.id;
      const auto it = by_key.find({name, file.path.filename().string()});
      if (it != by_key.end()) out[name] = it->second;
    }
  }
  return out;
}

}  // namespace pgshim::migrations
