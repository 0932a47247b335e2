#pragma once
// Shared by the migrations integration tests: running the real `pgshim check`,
// reading its JSON with Python's json module, and executing SQL that must work.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/harness.hpp"

namespace pgshim::migrations::check_support {

namespace fs = std::filesystem;

[[nodiscard]] inline std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

[[nodiscard]] inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct Outcome {
  int status = -1;
  std::string out;
};

// Runs a shell command line; its exit status and standard output.
[[nodiscard]] inline Outcome run_shell(const std::string& command) {
  Outcome r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// `pgshim check ARGS...` (the real binary), stderr dropped.
[[nodiscard]] inline Outcome pgshim_check(const std::vector<std::string>& args) {
  const char* bin = std::getenv("PGSHIM_BIN");
  std::string command = shell_quote(bin != nullptr ? bin : "pgshim") + " check";
  for (const auto& a : args) command += " " + shell_quote(a);
  return run_shell(command + " 2>/dev/null");
}

// The real binary with ARGS, stderr merged into the output (for error messages).
[[nodiscard]] inline Outcome pgshim_merged(const std::vector<std::string>& args) {
  const char* bin = std::getenv("PGSHIM_BIN");
  std::string command = shell_quote(bin != nullptr ? bin : "pgshim");
  for (const auto& a : args) command += " " + shell_quote(a);
  return run_shell(command + " 2>&1");
}

// Feeds `json` to a Python program (json.load must succeed); its output.
[[nodiscard]] inline Outcome python_on_json(const std::string& json, const std::string& program) {
  const fs::path file = fs::temp_directory_path() / ("pgshim-check-" + std::to_string(getpid()) + ".json");
  std::ofstream(file) << json;
  Outcome r = run_shell("/usr/bin/python3 -c " + shell_quote("import json,sys\nd=json.load(sys.stdin)\n" + program) +
                    " < " + shell_quote(file.string()));
  fs::remove(file);
  return r;
}

inline void exec_ok(PGconn* conn, const std::string& sql) {
  test::Result r(PQexec(conn, sql.c_str()));
  ASSERT_TRUE(PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK)
      << PQresultErrorMessage(r.get()) << "\n" << sql;
}

// tests/fixtures/<name> in the source tree.
[[nodiscard]] inline std::string fixture_path(const std::string& name) {
  const char* source = std::getenv("PGSHIM_SOURCE_DIR");
  return std::string(source != nullptr ? source : ".") + "/tests/fixtures/" + name;
}

}  // namespace pgshim::migrations::check_support
