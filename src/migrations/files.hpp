#pragma once
// Helpers the migration sources share (internal to src/migrations): reading a
// directory's files, numeric version strings, a tool's "up" section of a
// file, and whether a history table exists.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"

namespace pgshim::migrations::detail {

// The whole file. Throws MigrationError naming the file when it cannot be read.
[[nodiscard]] std::string read_file(const std::filesystem::path& path);

// The regular files of `dir` (and of its subdirectories when `recursive`), in
// no particular order. Throws MigrationError when `dir` is not a readable
// directory: a missing directory must never read as "nothing pending".
[[nodiscard]] std::vector<std::filesystem::path> regular_files(const std::string& dir, bool recursive);

// `text` is one or more ASCII digits.
[[nodiscard]] bool all_digits(std::string_view text) noexcept;
// Compares two digit strings as (arbitrarily large) numbers: <0, 0, >0.
// Timestamps (20250804020810) and zero-padded sequences (00042) both work.
[[nodiscard]] int compare_numbers(std::string_view a, std::string_view b) noexcept;
// `digits` without its leading zeros ("0" stays "0").
[[nodiscard]] std::string strip_leading_zeros(std::string_view digits);

// Space, tab, or the CR of a CRLF line ending: what surrounds a line's text.
[[nodiscard]] constexpr bool blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\r'; }
// `s` without blanks at either end.
[[nodiscard]] std::string_view trim(std::string_view s) noexcept;
// The text of a comment line (`-- text`, blanks allowed around the dashes),
// trimmed; nullopt when `line` is not a comment line.
[[nodiscard]] std::optional<std::string_view> comment_text(std::string_view line) noexcept;

// The lines of a text in order, each without its '\n'; a text ending with a
// '\n' ends with an empty line, so joining the lines with '\n' gives it back.
//   for (Lines lines(text); auto line = lines.next();) { ... lines.last() ... }
class Lines {
 public:
  explicit Lines(std::string_view text) noexcept : text_(text) {}
  // The next line, or nullopt after the last one.
  [[nodiscard]] std::optional<std::string_view> next() noexcept;
  // Whether the line next() returned is the text's last (no '\n' after it).
  [[nodiscard]] bool last() const noexcept { return done_; }

 private:
  std::string_view text_;
  std::size_t start_ = 0;
  bool done_ = false;
};

// Keeps only the "up" part of a migration file whose sections are marked by
// comment lines. `marker` is given each line with `--` and the blanks around
// it removed, and says which section the line starts (or None). Lines outside
// the up section, and the marker lines themselves, become empty lines, so a
// parse error's line number still points into the file. Throws
// MigrationError naming `path` when no up marker is found.
enum class Section { None, Up, Down };
using SectionMarker = Section (*)(std::string_view comment);
[[nodiscard]] std::string up_section(const std::string& text, SectionMarker marker, const std::string& path,
                                     std::string_view expected_marker);

// Whether a table (optionally schema-qualified, as typed in SQL) exists, the
// way the tools look for it: through the session's search_path.
[[nodiscard]] bool table_exists(Database& db, const std::string& table);

// A table name for SQL text: each dot-separated part double-quoted, so a
// configured `myschema.history` names that schema. Embedded quotes doubled.
[[nodiscard]] std::string quote_table(std::string_view table);

// A point in time from `extract(epoch FROM ...)::text` (seconds since 1970,
// possibly with a fraction); nullopt for NULL or anything else.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> epoch_time(const std::optional<std::string>& text);

// `expr` (a timestamp or timestamptz column) as epoch_time reads it; a
// timestamp without time zone is taken in the session's TimeZone.
[[nodiscard]] std::string epoch_sql(std::string_view expr);

// "t" is PostgreSQL's text form of boolean true.
[[nodiscard]] inline bool is_true(const std::optional<std::string>& value) { return value.value_or("f") == "t"; }

}  // namespace pgshim::migrations::detail
