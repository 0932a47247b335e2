#pragma once
// Shared by the unit tests of the migration sources: a temporary directory, a
// Database answering with canned rows, and the fixtures' location.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"

namespace pgshim::migrations::testing {

// tests/fixtures/<name> in the source tree (PGSHIM_FIXTURES_DIR is set by CMake).
[[nodiscard]] inline std::string fixture(const std::string& name) { return std::string(PGSHIM_FIXTURES_DIR) + "/" + name; }

// A temporary migrations directory, removed on destruction.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("pgshim-src-" + std::to_string(getpid()) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  void write(const std::string& relative, const std::string& text) const {
    const auto p = path_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  [[nodiscard]] std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Answers the table-existence probe (to_regclass) with `table_exists` (false
// as well for the quoted names in `absent`), a query whose text contains the
// key of an entry of `answers` with that entry's rows, and any other query
// with `history`; remembers every statement and parameter.
class CannedDatabase final : public Database {
 public:
  bool table_exists = true;
  std::set<std::string> absent;  // as the probe receives them: "\"sqitch\".\"events\""
  std::vector<Row> history;
  std::vector<std::pair<std::string, std::vector<Row>>> answers;
  std::vector<std::string> statements;
  std::vector<std::vector<std::string>> params;

  std::vector<Row> query(const std::string& sql, const std::vector<std::string>& p) override {
    statements.push_back(sql);
    params.push_back(p);
    if (sql.find("to_regclass") != std::string::npos) {
      const bool exists = table_exists && (p.empty() || absent.count(p[0]) == 0);
      return {Row{std::string(exists ? "t" : "f")}};
    }
    for (const auto& [key, rows] : answers) {
      if (sql.find(key) != std::string::npos) return rows;
    }
    return history;
  }
};

// A text row from literals; "NULL" reads as a NULL field.
[[nodiscard]] inline Row row(std::initializer_list<const char*> fields) {
  Row out;
  for (const char* f : fields) {
    if (std::string(f) == "NULL") {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(std::string(f));
    }
  }
  return out;
}

// The time `seconds` after 1970 (what applied_at reads from extract(epoch ...)).
[[nodiscard]] inline std::chrono::system_clock::time_point epoch(std::int64_t seconds, std::int64_t micros = 0) {
  return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::seconds(seconds) + std::chrono::microseconds(micros)));
}

// The names of `migrations`, in order.
[[nodiscard]] inline std::vector<std::string> names(const std::vector<Migration>& migrations) {
  std::vector<std::string> out;
  for (const auto& m : migrations) out.push_back(m.name);
  return out;
}

}  // namespace pgshim::migrations::testing
