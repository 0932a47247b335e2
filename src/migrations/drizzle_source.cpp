// Drizzle's journal and __drizzle_migrations (see drizzle_source.hpp).
#include "pgshim/migrations/drizzle_source.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cstdint>
#include <filesystem>

#include "files.hpp"

namespace pgshim::migrations {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::string_view kJournal = "meta/_journal.json";
constexpr std::string_view kBreakpoint = "--> statement-breakpoint";

struct JournalEntry {
  std::int64_t idx = 0;
  std::int64_t when = 0;  // ms since the epoch; the migrator's folderMillis
  std::string tag;
};

// An integer member of a journal entry (JSON numbers may arrive as int64,
// uint64 or double depending on their spelling).
[[nodiscard]] std::int64_t integer(const json::object& entry, std::string_view key, const std::string& where) {
  const json::value* v = entry.if_contains(key);
  if (v != nullptr) {
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      return static_cast<std::int64_t>(v->as_uint64());
    }
    if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  }
  throw MigrationError(where + ": a journal entry has no numeric \"" + std::string(key) + "\"");
}

[[nodiscard]] std::vector<JournalEntry> read_journal(const std::string& dir) {
  const fs::path path = fs::path(dir) / kJournal;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw MigrationError("migrations directory " + dir + " does not exist");
  if (!fs::is_regular_file(path, ec)) throw MigrationError("Drizzle journal " + path.string() + " does not exist");
  const std::string where = path.string();
  json::value root;
  try {
    root = json::parse(detail::read_file(path));
  } catch (const std::exception& e) {
    throw MigrationError(where + ": not valid JSON: " + e.what());
  }
  const json::object* top = root.if_object();
  if (top == nullptr) throw MigrationError(where + ": expected a JSON object");
  if (const json::value* dialect = top->if_contains("dialect"); dialect != nullptr) {
    const json::string* name = dialect->if_string();
    // Older drizzle-kit versions wrote "pg".
    if (name == nullptr || (*name != "postgresql" && *name != "pg")) {
      throw MigrationError(where + ": dialect is " + json::serialize(*dialect) + ", pgshim reads postgresql migrations");
    }
  }
  const json::value* entries = top->if_contains("entries");
  if (entries == nullptr || !entries->is_array()) throw MigrationError(where + ": no \"entries\" array");
  std::vector<JournalEntry> out;
  for (const json::value& e : entries->as_array()) {
    const json::object* entry = e.if_object();
    if (entry == nullptr) throw MigrationError(where + ": a journal entry is not an object");
    const json::value* tag = entry->if_contains("tag");
    if (tag == nullptr || !tag->is_string() || tag->as_string().empty()) {
      throw MigrationError(where + ": a journal entry has no \"tag\"");
    }
    out.push_back(JournalEntry{integer(*entry, "idx", where), integer(*entry, "when", where),
                               std::string(tag->as_string())});
  }
  std::stable_sort(out.begin(), out.end(), [](const JournalEntry& a, const JournalEntry& b) { return a.idx < b.idx; });
  return out;
}

}  // namespace

std::string drizzle_statements(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::size_t start = 0;
  while (true) {
    const auto at = text.find(kBreakpoint, start);
    if (at == std::string::npos) {
      out.append(text, start, std::string::npos);
      return out;
    }
    out.append(text, start, at - start);
    out += ';';
    start = at + kBreakpoint.size();
  }
}

std::vector<Migration> DrizzleSource::list() const {
  std::vector<Migration> out;
  for (const auto& entry : read_journal(dir_)) {
    const fs::path file = fs::path(dir_) / (entry.tag + ".sql");
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      throw MigrationError("Drizzle journal entry " + entry.tag + " has no file " + file.string());
    }
    out.push_back(Migration{entry.tag, drizzle_statements(detail::read_file(file)), file.string()});
  }
  return out;
}

std::map<std::string, MigrationState> DrizzleSource::recorded(Database& db) const {
  if (!detail::table_exists(db, table_)) return {};
  // The migrator's own read is the newest row by created_at; max() is the same mark.
  const auto rows = db.query("SELECT max(created_at)::text FROM " + detail::quote_table(table_), {});
  if (rows.empty() || rows[0].empty() || !rows[0][0]) return {};
  const std::string& text = *rows[0][0];
  std::int64_t mark = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mark);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw MigrationError(table_ + ": created_at " + text + " is not a number");
  }
  std::map<std::string, MigrationState> out;
  for (const auto& entry : read_journal(dir_)) {
    if (entry.when <= mark) out[entry.tag] = MigrationState::Applied;
  }
  return out;
}

}  // namespace pgshim::migrations
