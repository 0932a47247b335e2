// Matching a 42703 message against the configured columns (see undefined_column.hpp).
#include "pgshim/schema/undefined_column.hpp"

#include <string>

namespace pgshim::schema {
namespace {

// errmsg texts of PostgreSQL 15 (parse_relation.c errorMissingColumn,
// parse_target.c checkInsertTargets/transformAssignedExpr, parse_func.c
// unknown_attribute), all of the form `column <body> does not exist`.
constexpr std::string_view kPrefix = "column ";
constexpr std::string_view kSuffix = " does not exist";

[[nodiscard]] std::string quoted(std::string_view name) {
  // PostgreSQL pastes the raw name between double quotes, without doubling
  // embedded quotes; render it the same way.
  std::string out = "\"";
  out += name;
  out += '"';
  return out;
}

[[nodiscard]] std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\r')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

std::vector<std::size_t> columns_named_by_undefined_column(std::string_view message,
                                                           std::span<const sql::PendingColumn> columns) {
  std::vector<std::size_t> out;
  message = trim(message);
  if (!message.starts_with(kPrefix) || !message.ends_with(kSuffix)) return out;
  const std::string_view body = message.substr(kPrefix.size(), message.size() - kPrefix.size() - kSuffix.size());
  if (body.empty()) return out;

  // 1. `"C" of relation "T"`: the target table is named, exactly.
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const sql::PendingColumn& c = columns[i];
    if (body == quoted(c.column) + " of relation " + quoted(c.table)) out.push_back(i);
  }
  if (!out.empty()) return out;

  // 2. `"C"`: unqualified; every table with a configured column C is a candidate.
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (body == quoted(columns[i].column)) out.push_back(i);
  }
  if (!out.empty()) return out;

  // 3. `Q.C` (unquoted): Q is a configured table (or schema.table) when no alias
  // was used. Prefer those; otherwise Q is an alias and any table with C may be meant.
  std::vector<std::size_t> by_name;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const sql::PendingColumn& c = columns[i];
    const std::string tail = "." + c.column;
    if (body.size() <= tail.size() || !body.ends_with(tail)) continue;
    const std::string_view qualifier = body.substr(0, body.size() - tail.size());
    by_name.push_back(i);
    if (qualifier == c.table || qualifier == c.schema + "." + c.table) out.push_back(i);
  }
  return out.empty() ? by_name : out;
}

}  // namespace pgshim::schema
