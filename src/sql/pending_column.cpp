// The `[schema.]table.column:type[:migration]` spelling (see pending_column.hpp).
#include "pgshim/sql/pending_column.hpp"

#include <vector>

#include "pgshim/util/ascii.hpp"

namespace pgshim::sql {

bool parse_star_mode(std::string_view text, StarMode& out) noexcept {
  if (text == "expand") {
    out = StarMode::Expand;
    return true;
  }
  if (text == "leave") {
    out = StarMode::Leave;
    return true;
  }
  return false;
}

std::string_view to_string(StarMode mode) noexcept {
  switch (mode) {
    case StarMode::Expand:
      return "expand";
    case StarMode::Leave:
      return "leave";
  }
  return "expand";
}

namespace {

[[nodiscard]] bool is_plain_ident_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

[[nodiscard]] std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

[[nodiscard]] bool needs_quotes(std::string_view name) noexcept {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return true;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return true;
  }
  return false;
}

void append_name(std::string& out, std::string_view name) {
  if (!needs_quotes(name)) {
    out += name;
    return;
  }
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

bool parse_pending_spec(std::string_view spec, PendingColumn& out, std::string& error) {
  spec = trim(spec);
  // 1. The dotted name: identifiers separated by '.', ended by the first ':'
  //    outside double quotes.
  std::vector<std::string> names;
  std::size_t i = 0;
  while (true) {
    std::string name;
    if (i < spec.size() && spec[i] == '"') {
      ++i;
      bool closed = false;
      while (i < spec.size()) {
        if (spec[i] == '"') {
          if (i + 1 < spec.size() && spec[i + 1] == '"') {
            name += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        name += spec[i++];
      }
      if (!closed) {
        error = "unterminated quoted identifier in '" + std::string(spec) + "'";
        return false;
      }
    } else {
      while (i < spec.size() && is_plain_ident_char(spec[i])) name += util::ascii_lower(spec[i++]);
    }
    if (name.empty()) {
      error = "expected [schema.]table.column:type[:migration], got '" + std::string(spec) + "'";
      return false;
    }
    names.push_back(std::move(name));
    if (i < spec.size() && spec[i] == '.') {
      ++i;
      continue;
    }
    break;
  }
  if (names.size() < 2 || names.size() > 3) {
    error = "expected table.column or schema.table.column before ':' in '" + std::string(spec) + "'";
    return false;
  }
  if (i >= spec.size() || spec[i] != ':') {
    error = "expected ':' and a type after '" + std::string(spec.substr(0, i)) + "'";
    return false;
  }
  if (i + 1 < spec.size() && spec[i + 1] == ':') {
    error = "use a single ':' between the column and its type (got '::') in '" + std::string(spec) + "'";
    return false;
  }
  ++i;

  // 2. type[:migration]: split on single ':' outside double quotes. A '::' is a
  //    cast operator, never part of a type, and a migration has no ':'.
  std::vector<std::string_view> parts;
  std::size_t part_begin = i;
  bool quoted = false;
  for (std::size_t k = i; k < spec.size(); ++k) {
    const char c = spec[k];
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ':' && !quoted) {
      if (k + 1 < spec.size() && spec[k + 1] == ':') {
        error = "a type cannot contain '::' in '" + std::string(spec) + "'";
        return false;
      }
      parts.push_back(spec.substr(part_begin, k - part_begin));
      part_begin = k + 1;
    }
  }
  if (quoted) {
    error = "unterminated quoted name in the type of '" + std::string(spec) + "'";
    return false;
  }
  parts.push_back(spec.substr(part_begin));
  if (parts.size() > 2) {
    error = "too many ':' in '" + std::string(spec) + "' (a migration name has no ':')";
    return false;
  }
  const std::string_view type = trim(parts[0]);
  if (type.empty()) {
    error = "empty type in '" + std::string(spec) + "'";
    return false;
  }
  int depth = 0;
  for (char c : type) {
    if (c == '(' || c == '[') ++depth;
    if (c == ')' || c == ']') --depth;
    if (depth < 0 || c == ';') break;
  }
  if (depth != 0 || type.find(';') != std::string_view::npos) {
    error = "malformed type '" + std::string(type) + "'";
    return false;
  }
  std::string_view migration;
  if (parts.size() == 2) {
    migration = trim(parts[1]);
    if (migration.empty()) {
      error = "empty migration name after ':' in '" + std::string(spec) + "'";
      return false;
    }
  }

  out = PendingColumn{};
  if (names.size() == 3) out.schema = names[0];
  out.table = names[names.size() - 2];
  out.column = names.back();
  out.type = std::string(type);
  out.migration = std::string(migration);
  return true;
}

bool parse_renamed_spec(std::string_view spec, PendingColumn& out, std::string& error) {
  // The same grammar as a pending column, with the new name where the type goes.
  PendingColumn parsed;
  if (!parse_pending_spec(spec, parsed, error)) {
    if (error.find("type") != std::string::npos) error = "expected [schema.]table.old:new, got '" + std::string(spec) + "'";
    return false;
  }
  if (!parsed.migration.empty()) {
    error = "expected [schema.]table.old:new, got '" + std::string(spec) + "'";
    return false;
  }
  std::string_view name = parsed.type;
  std::string folded;
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (name[i] == '"' && i + 1 < name.size() && name[i + 1] == '"') ++i;
      folded += name[i];
    }
  } else {
    for (char c : name) {
      if (!is_plain_ident_char(c)) {
        error = "new column name '" + std::string(name) + "' is not an identifier (quote it)";
        return false;
      }
      folded += util::ascii_lower(c);
    }
  }
  if (folded.empty() || folded == parsed.column) {
    error = "a renamed column needs a new name different from the old one in '" + std::string(spec) + "'";
    return false;
  }
  out = std::move(parsed);
  out.type.clear();
  out.kind = ColumnKind::Renamed;
  out.renamed_to = std::move(folded);
  return true;
}

std::string_view to_string(ColumnKind kind) noexcept {
  switch (kind) {
    case ColumnKind::Pending:
      return "pending";
    case ColumnKind::Retired:
      return "retired";
    case ColumnKind::Renamed:
      return "renamed";
  }
  return "pending";
}

std::string qualified_name(const PendingColumn& column) {
  std::string out;
  append_name(out, column.schema);
  out += '.';
  append_name(out, column.table);
  out += '.';
  append_name(out, column.column);
  return out;
}

}  // namespace pgshim::sql
