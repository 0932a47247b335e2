// Each tool's deploy command (see apply_command.hpp).
#include "pgshim/migrations/apply_command.hpp"

#include <algorithm>
#include <string_view>

namespace pgshim::migrations {
namespace {

constexpr std::string_view kDatabaseUrl = "\"$DATABASE_URL\"";

// `word` as one shell word: as is when nothing in it is special to a POSIX
// shell, otherwise single-quoted (a quote inside written '\'').
[[nodiscard]] std::string shell_word(std::string_view word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_./:@%+=-").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(word);
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// {schema, table} of `[schema.]table`; schema empty when unqualified.
[[nodiscard]] std::pair<std::string, std::string> split(const std::string& table) {
  const auto dot = table.find('.');
  if (dot == std::string::npos) return {std::string(), table};
  return {table.substr(0, dot), table.substr(dot + 1)};
}

}  // namespace

std::string apply_command(Tool tool, const std::string& dir, const std::string& history_table) {
  const auto [schema, table] = split(history_table);
  const bool custom = !history_table.empty();
  switch (tool) {
    case Tool::Prisma:
      return "prisma migrate deploy";
    case Tool::Flyway: {
      std::string out = "flyway " + shell_word("-locations=filesystem:" + dir);
      // Flyway puts its table in the default schema; -defaultSchema moves it.
      if (!schema.empty()) out += " " + shell_word("-defaultSchema=" + schema);
      if (custom) out += " " + shell_word("-table=" + table);
      return out + " migrate";
    }
    case Tool::GolangMigrate: {
      std::string out = "migrate -path " + shell_word(dir) + " -database " + std::string(kDatabaseUrl) + " up";
      // The postgres driver takes its table from the URL's query string.
      if (!schema.empty()) {
        out += "  # with x-migrations-table=\"" + schema + "\".\"" + table +
               "\"&x-migrations-table-quoted=1 in the URL";
      } else if (custom) {
        out += "  # with x-migrations-table=" + table + " in the URL";
      }
      return out;
    }
    case Tool::Goose: {
      std::string out = "goose -dir " + shell_word(dir);
      if (custom) out += " -table " + shell_word(history_table);
      return out + " postgres " + std::string(kDatabaseUrl) + " up";
    }
    case Tool::Dbmate: {
      std::string out = "dbmate --migrations-dir " + shell_word(dir);
      if (custom) out += " --migrations-table " + shell_word(history_table);
      return out + " up";
    }
    case Tool::Drizzle:
      return "drizzle-kit migrate";
    case Tool::Liquibase: {
      std::string out = "liquibase update";
      if (!schema.empty()) out += " " + shell_word("--liquibase-schema-name=" + schema);
      if (custom) out += " " + shell_word("--database-changelog-table-name=" + table);
      return out;
    }
    case Tool::Atlas: {
      std::string out =
          "atlas migrate apply --dir " + shell_word("file://" + dir) + " --url " + std::string(kDatabaseUrl);
      // Atlas moves only the schema; a bare name is that schema.
      if (custom) out += " --revisions-schema " + shell_word(schema.empty() ? table : schema);
      return out;
    }
    case Tool::Sqitch: {
      std::string out = "sqitch -C " + shell_word(dir) + " deploy";
      if (custom) out += " --registry " + shell_word(history_table);
      return out;
    }
  }
  return "";
}

}  // namespace pgshim::migrations
