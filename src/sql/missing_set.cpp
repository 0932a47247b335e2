// MissingSet and CatalogFacts (see missing_set.hpp).
#include "pgshim/sql/missing_set.hpp"

#include <algorithm>
#include <stdexcept>

#include "pg_query_handles.hpp"

namespace pgshim::sql {
namespace {

// Whether `sql` parses as exactly one statement. Used to validate configured type
// and default texts before they are ever pasted into a client's statement.
[[nodiscard]] bool parses_as_one_statement(const std::string& sql) {
  detail::ParseTree tree(sql.c_str());
  return tree.ok() && tree.tree()->n_stmts == 1;
}

}  // namespace

MissingSet::MissingSet(std::vector<PendingColumn> columns, std::uint64_t version)
    : columns_(std::move(columns)), version_(version) {
  for (const PendingColumn& c : columns_) {
    const std::string name = qualified_name(c);
    if (c.schema.empty() || c.table.empty() || c.column.empty()) {
      throw std::invalid_argument("pending column '" + name + "': schema, table and column must be non-empty");
    }
    if (c.kind == ColumnKind::Renamed) {
      if (c.renamed_to.empty() || c.renamed_to == c.column) {
        throw std::invalid_argument("renamed column '" + name + "': needs a new name different from the old one");
      }
      for (const PendingColumn& other : columns_) {
        if (&other == &c) break;
        if (other.schema == c.schema && other.table == c.table && other.column == c.column) {
          throw std::invalid_argument("column '" + name + "' is listed twice");
        }
      }
      if (std::find(names_.begin(), names_.end(), c.column) == names_.end()) names_.push_back(c.column);
      continue;  // no type: references are renamed, never replaced by a value
    }
    if (c.type.empty()) throw std::invalid_argument("pending column '" + name + "': type is empty");
    // A type or default that smuggles a ';' or a comment would change the
    // statement the client sent: both must parse as the expression we build.
    if (c.type.find_first_of(";") != std::string::npos || c.type.find("--") != std::string::npos ||
        c.type.find("/*") != std::string::npos || !parses_as_one_statement("SELECT NULL::" + c.type)) {
      throw std::invalid_argument("pending column '" + name + "': type '" + c.type + "' does not parse");
    }
    if (!c.default_expr.empty() &&
        (c.default_expr.find(';') != std::string::npos || c.default_expr.find("--") != std::string::npos ||
         c.default_expr.find("/*") != std::string::npos ||
         !parses_as_one_statement("SELECT (" + c.default_expr + ")::" + c.type))) {
      throw std::invalid_argument("pending column '" + name + "': default '" + c.default_expr +
                                  "' does not parse as an expression");
    }
    for (const PendingColumn& other : columns_) {
      if (&other == &c) break;
      if (other.schema == c.schema && other.table == c.table && other.column == c.column) {
        throw std::invalid_argument("pending column '" + name + "' is listed twice");
      }
    }
    if (std::find(names_.begin(), names_.end(), c.column) == names_.end()) names_.push_back(c.column);
  }
  std::vector<std::string> star_tables;
  for (const PendingColumn& c : columns_) {
    if (c.replaced_by_value() && c.star == StarMode::Expand && std::find(star_tables.begin(), star_tables.end(), c.table) == star_tables.end()) {
      star_tables.push_back(c.table);
    }
  }
  prefilter_ = Prefilter(names_, std::move(star_tables));
}

const PendingColumn* MissingSet::find(std::string_view schema, std::string_view table,
                                      std::string_view column) const noexcept {
  for (const PendingColumn& c : columns_) {
    if (c.column == column && c.table == table && c.schema == schema) return &c;
  }
  return nullptr;
}

bool MissingSet::is_pending_name(std::string_view column) const noexcept {
  return std::find(names_.begin(), names_.end(), column) != names_.end();
}

void CatalogFacts::add(std::string column, std::string schema, std::string table) {
  if (has(column, schema, table)) return;
  facts_.push_back(Fact{std::move(column), std::move(schema), std::move(table)});
}

bool CatalogFacts::has(std::string_view column, std::string_view schema, std::string_view table) const noexcept {
  return std::any_of(facts_.begin(), facts_.end(), [&](const Fact& f) {
    return f.column == column && f.table == table && f.schema == schema;
  });
}

void CatalogFacts::add_relation(std::string schema, std::string table) {
  if (has_relation(schema, table)) return;
  relations_.emplace_back(std::move(schema), std::move(table));
}

bool CatalogFacts::has_relation(std::string_view schema, std::string_view table) const noexcept {
  return std::any_of(relations_.begin(), relations_.end(),
                     [&](const auto& r) { return r.first == schema && r.second == table; }) ||
         std::any_of(facts_.begin(), facts_.end(), [&](const Fact& f) { return f.table == table && f.schema == schema; });
}

std::optional<SearchPath> SearchPath::parse(std::string_view value, std::string_view user) {
  // The value as SHOW prints it: names separated by commas, each plain (folded
  // to lower case) or double-quoted (exact, "" for a quote), spaces around.
  SearchPath out;
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t' || value[i] == '\n')) ++i;
  };
  skip_space();
  if (i == value.size()) return out;  // empty: nothing is searched (but pg_catalog)
  while (true) {
    skip_space();
    std::string name;
    bool quoted = false;
    if (i < value.size() && value[i] == '"') {
      quoted = true;
      ++i;
      bool closed = false;
      while (i < value.size()) {
        if (value[i] == '"') {
          if (i + 1 < value.size() && value[i + 1] == '"') {
            name += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        name += value[i++];
      }
      if (!closed) return std::nullopt;
    } else {
      while (i < value.size() && value[i] != ',' && value[i] != ' ' && value[i] != '\t') {
        const char c = value[i++];
        name += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      }
    }
    if (name.empty()) return std::nullopt;
    if (name == "$user") {
      // PostgreSQL's own rule: the session user's schema, if it exists (a
      // missing schema is simply skipped, as here: no relation is known in it).
      name = std::string(user);
    } else if (!quoted && name.find_first_of("\"'();") != std::string::npos) {
      return std::nullopt;
    }
    out.key += std::to_string(name.size()) + ":" + name;  // unambiguous whatever the names hold
    out.schemas.push_back(std::move(name));
    skip_space();
    if (i == value.size()) break;
    if (value[i] != ',') return std::nullopt;
    ++i;
  }
  return out;
}

}  // namespace pgshim::sql
