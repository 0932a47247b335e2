// Helpers the migration sources share (see files.hpp).
#include "files.hpp"

#include <charconv>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <system_error>

namespace pgshim::migrations::detail {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw MigrationError("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw MigrationError("cannot read " + path.string());
  return text.str();
}

std::vector<fs::path> regular_files(const std::string& dir, bool recursive) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw MigrationError("migrations directory " + dir + " does not exist");
  std::vector<fs::path> out;
  auto collect = [&](auto&& iterator) {
    if (ec) throw MigrationError("cannot list " + dir + ": " + ec.message());
    for (const auto& entry : iterator) {
      if (entry.is_regular_file(ec)) out.push_back(entry.path());
    }
  };
  if (recursive) {
    collect(fs::recursive_directory_iterator(dir, ec));
  } else {
    collect(fs::directory_iterator(dir, ec));
  }
  return out;
}

bool all_digits(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string strip_leading_zeros(std::string_view digits) {
  const auto first = digits.find_first_not_of('0');
  if (first == std::string_view::npos) return digits.empty() ? "" : "0";
  return std::string(digits.substr(first));
}

int compare_numbers(std::string_view a, std::string_view b) noexcept {
  const auto strip = [](std::string_view s) {
    const auto first = s.find_first_not_of('0');
    return first == std::string_view::npos ? std::string_view{} : s.substr(first);
  };
  a = strip(a);
  b = strip(b);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<std::string_view> comment_text(std::string_view line) noexcept {
  line = trim(line);
  if (line.substr(0, 2) != "--") return std::nullopt;
  return trim(line.substr(2));
}

std::optional<std::string_view> Lines::next() noexcept {
  if (done_ || start_ > text_.size()) return std::nullopt;
  auto end = text_.find('\n', start_);
  if (end == std::string_view::npos) {
    done_ = true;
    end = text_.size();
  }
  const std::string_view line = text_.substr(start_, end - start_);
  start_ = end + 1;
  return line;
}

std::string up_section(const std::string& text, SectionMarker marker, const std::string& path,
                       std::string_view expected_marker) {
  std::string out;
  out.reserve(text.size());
  Section current = Section::None;
  bool saw_up = false;
  for (Lines lines(text); auto line = lines.next();) {
    const auto comment = comment_text(*line);
    const Section starts = comment ? marker(*comment) : Section::None;
    if (starts != Section::None) {
      current = starts;
      saw_up |= starts == Section::Up;
    } else if (current == Section::Up) {
      out += *line;
    }
    if (!lines.last()) out += '\n';
  }
  if (!saw_up) throw MigrationError(path + ": no `" + std::string(expected_marker) + "` line");
  return out;
}

std::string quote_table(std::string_view table) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    const auto dot = table.find('.', start);
    const std::string_view part = table.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!out.empty()) out += '.';
    out += '"';
    for (char c : part) {
      out += c;
      if (c == '"') out += '"';
    }
    out += '"';
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

bool table_exists(Database& db, const std::string& table) {
  const auto rows = db.query("SELECT to_regclass($1) IS NOT NULL", {quote_table(table)});
  return !rows.empty() && !rows[0].empty() && is_true(rows[0][0]);
}

std::optional<std::chrono::system_clock::time_point> epoch_time(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  const std::string_view t(*text);
  const auto dot = t.find('.');
  const std::string_view whole = t.substr(0, dot);
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  if (ec != std::errc() || end != whole.data() + whole.size()) return std::nullopt;
  // The fraction to microseconds (PostgreSQL's resolution); more digits are cut.
  std::int64_t micros = 0;
  if (dot != std::string_view::npos) {
    const std::string_view fraction = t.substr(dot + 1);
    if (fraction.empty() || !all_digits(fraction)) return std::nullopt;
    for (std::size_t i = 0; i < 6; ++i) micros = micros * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    if (seconds < 0 || whole == "-0") micros = -micros;
  }
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds(seconds) +
                                                                      std::chrono::microseconds(micros)));
}

std::string epoch_sql(std::string_view expr) {
  return "extract(epoch FROM (" + std::string(expr) + ")::timestamptz)::text";
}

}  // namespace pgshim::migrations::detail
