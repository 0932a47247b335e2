#pragma once
// Which migration tool wrote a directory, from its layout alone, so that
// `--migrations DIR` needs no other setting.
//
// Each tool leaves a mark no other one does:
//   prisma          migration_lock.toml, or <dir>/<name>/migration.sql
//   flyway          V<version>__<description>.sql (in any subdirectory)
//   golang-migrate  <version>_<title>.up.sql
//   goose           a .sql file with a `-- +goose Up` line
//   dbmate          a .sql file with a `-- migrate:up` line
//   drizzle         meta/_journal.json
//   liquibase       a .sql file whose first line is `--liquibase formatted sql`
//   atlas           atlas.sum
//   sqitch          sqitch.plan
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/migrations/migration_source.hpp"

namespace pgshim::migrations {

// One tool whose mark was found, with the file that shows it (for messages).
struct Detected {
  Tool tool;
  std::string evidence;  // a path relative to the directory
};

// Every supported tool whose mark `dir` holds, in kAllTools order. Throws
// MigrationError when `dir` is not a readable directory.
[[nodiscard]] std::vector<Detected> detect_tools(const std::string& dir);

// The tool to read `dir` with: `requested` when it is not empty (an unknown
// name is an error listing the supported ones), otherwise the one tool
// detect_tools finds. Throws MigrationError when several tools match (naming
// each with its evidence and the option that chooses) or none does (naming
// what was looked for).
[[nodiscard]] Tool resolve_tool(const std::string& dir, std::string_view requested = {});

}  // namespace pgshim::migrations
