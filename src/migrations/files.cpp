// Helpers the migration sources share (see files.hpp).
#include "files.hpp"

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

}  // namespace pgshim::migrations::detail
