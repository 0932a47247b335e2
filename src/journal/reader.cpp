#include "pgshim/journal/reader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pgshim::journal {
namespace fs = std::filesystem;
namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("journal: cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

}  // namespace

void read_text(std::string_view text, const std::string& file, ReadResult& out) {
  std::uint64_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = text.find('\n');
    const bool terminated = end != std::string_view::npos;
    const std::string_view line = text.substr(0, terminated ? end : text.size());
    text.remove_prefix(terminated ? end + 1 : text.size());
    if (line.empty()) continue;
    ParsedLine parsed = parse_line(line);
    if (parsed.record) {
      out.records.push_back(std::move(*parsed.record));
      out.where.push_back(Location{file, number});
      continue;
    }
    // A crash cuts the last line short; the writer ends it with a newline
    // when it opens the file again, so a torn line may be followed by more.
    out.bad.push_back(BadLine{file, number, !terminated || parsed.truncated, std::move(parsed.error)});
  }
}

ReadResult read_journals(const std::vector<std::string>& paths) {
  ReadResult out;
  for (const auto& p : paths) {
    const fs::path path(p);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.empty() && name[0] != '.' && entry.is_regular_file(ec)) files.push_back(entry.path());
      }
      if (ec) throw std::runtime_error("journal: cannot list " + p + ": " + ec.message());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        out.files.push_back(f.string());
        read_text(read_file(f), f.string(), out);
      }
      continue;
    }
    if (!fs::exists(path, ec)) throw std::runtime_error("journal: " + p + " does not exist");
    out.files.push_back(p);
    read_text(read_file(path), p, out);
  }
  return out;
}

}  // namespace pgshim::journal
