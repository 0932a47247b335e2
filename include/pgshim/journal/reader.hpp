#pragma once
// Reads journal files (record.hpp) for `pgshim backfill`: every record that
// parses, and every line that does not, with where it is. A torn line (the
// writer crashed mid-record: the JSON ends early, or the file does not end in
// a newline) is told apart from a line that is not a record at all.
#include <cstdint>
#include <string>
#include <vector>

#include "pgshim/journal/record.hpp"

namespace pgshim::journal {

struct BadLine {
  std::string file;
  std::uint64_t line = 0;  // 1-based
  bool torn = false;       // cut short by a crash (else: not a record at all)
  std::string error;
};

struct Location {
  std::string file;
  std::uint64_t line = 0;  // 1-based
};

struct ReadResult {
  std::vector<Record> records;
  std::vector<Location> where;  // where[i]: the line records[i] was read from
  std::vector<BadLine> bad;
  std::vector<std::string> files;  // in the order read
};

// Reads each path: a file, or a directory whose regular, non-hidden files are
// all read (not recursively), in name order. Throws std::runtime_error when a
// path does not exist or cannot be read.
[[nodiscard]] ReadResult read_journals(const std::vector<std::string>& paths);

// The records and bad lines of one file's text (for tests and read_journals).
void read_text(std::string_view text, const std::string& file, ReadResult& out);

}  // namespace pgshim::journal
