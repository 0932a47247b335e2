// Pending columns from unapplied migrations' SQL (see derive.hpp).
//
// The parse tree says what each statement is; the text of a column's type and
// DEFAULT comes from the statement itself. A node's location is where its text
// starts; where it ends is found with libpg_query's scanner: the tokens from
// the start up to the next thing the grammar puts after it (the next column
// constraint or COLLATE, whose locations the tree has, or a `,` `;` `)` outside
// brackets, which end an ALTER TABLE subcommand).
#include "pgshim/migrations/derive.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>

#include "pg_query_raii.hpp"

namespace pgshim::migrations {

std::string_view to_string(Impact impact) noexcept {
  switch (impact) {
    case Impact::Harmless:
      return "harmless";
    case Impact::Partial:
      return "partial";
    case Impact::Breaking:
      return "breaking";
  }
  return "breaking";
}

namespace {

constexpr std::string_view kDefaultSchema = "public";
constexpr std::size_t kNoBound = std::numeric_limits<std::size_t>::max();

[[nodiscard]] std::string_view sv(const char* s) noexcept { return s != nullptr ? std::string_view(s) : std::string_view(); }

[[nodiscard]] bool is(const PgQuery__Node* n, PgQuery__Node__NodeCase c) noexcept {
  return n != nullptr && n->node_case == c;
}

[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// An identifier as it would have to be written to read back as itself.
[[nodiscard]] std::string quote_ident(std::string_view name) {
  bool plain = !name.empty() && (std::islower(static_cast<unsigned char>(name[0])) != 0 || name[0] == '_');
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) != 0 || std::isdigit(static_cast<unsigned char>(c)) != 0 ||
          c == '_')) {
      plain = false;
    }
  }
  if (plain) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

[[nodiscard]] std::string qualified(std::string_view schema, std::string_view name) {
  return quote_ident(schema) + "." + quote_ident(name);
}

// The strings of a list of String nodes (a qualified name): `a.b` -> {a, b}.
[[nodiscard]] std::vector<std::string> name_list(PgQuery__Node* const* nodes, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    if (is(nodes[i], PG_QUERY__NODE__NODE_STRING) && nodes[i]->string != nullptr) {
      out.emplace_back(sv(nodes[i]->string->sval));
    }
  }
  return out;
}

// {schema, name} of a possibly qualified name list; unqualified -> public.
[[nodiscard]] std::pair<std::string, std::string> split_name(const std::vector<std::string>& names) {
  if (names.empty()) return {std::string(kDefaultSchema), std::string()};
  if (names.size() == 1) return {std::string(kDefaultSchema), names[0]};
  return {names[names.size() - 2], names.back()};
}

[[nodiscard]] std::pair<std::string, std::string> range_var_name(const PgQuery__RangeVar* rv) {
  if (rv == nullptr) return {std::string(kDefaultSchema), std::string()};
  std::string schema(sv(rv->schemaname));
  if (schema.empty()) schema = kDefaultSchema;
  return {schema, std::string(sv(rv->relname))};
}

// The protobuf-c field name of a node's case (`create_function_stmt`), for
// statements this module does not interpret.
[[nodiscard]] std::string node_kind(const PgQuery__Node* n) {
  if (n == nullptr) return "empty statement";
  const ProtobufCFieldDescriptor* f =
      protobuf_c_message_descriptor_get_field(&pg_query__node__descriptor, static_cast<unsigned>(n->node_case));
  return f != nullptr ? std::string(f->name) : std::string("unknown statement");
}

[[nodiscard]] std::string alter_kind(PgQuery__AlterTableType t) {
  const ProtobufCEnumValue* v = protobuf_c_enum_descriptor_get_value(&pg_query__alter_table_type__descriptor, t);
  return v != nullptr ? std::string(v->name) : std::string("unknown subcommand");
}

// The migration's text with its scanner tokens, and the extents built on them.
class Tokens {
 public:
  Tokens(std::string_view sql, const PgQuery__ScanResult& scan) : sql_(sql) {
    for (std::size_t i = 0; i < scan.n_tokens; ++i) tokens_.push_back(scan.tokens[i]);
  }

  [[nodiscard]] std::size_t size() const noexcept { return tokens_.size(); }
  [[nodiscard]] std::string_view text(std::size_t i) const {
    const auto* t = tokens_[i];
    return sql_.substr(static_cast<std::size_t>(t->start), static_cast<std::size_t>(t->end - t->start));
  }
  [[nodiscard]] std::size_t start(std::size_t i) const noexcept { return static_cast<std::size_t>(tokens_[i]->start); }
  [[nodiscard]] std::size_t end(std::size_t i) const noexcept { return static_cast<std::size_t>(tokens_[i]->end); }
  [[nodiscard]] bool comment(std::size_t i) const noexcept {
    return tokens_[i]->token == PG_QUERY__TOKEN__SQL_COMMENT || tokens_[i]->token == PG_QUERY__TOKEN__C_COMMENT;
  }

  // The first token starting at or after `offset` (size() when none).
  [[nodiscard]] std::size_t at(std::size_t offset) const {
    const auto it = std::lower_bound(tokens_.begin(), tokens_.end(), offset,
                                     [](const PgQuery__ScanToken* t, std::size_t o) {
                                       return static_cast<std::size_t>(t->start) < o;
                                     });
    return static_cast<std::size_t>(it - tokens_.begin());
  }

  // The text of tokens [first, last], comments dropped and any gap between
  // two tokens written as one space: `TIMESTAMP(3)` stays, `DECIMAL(65, 30)`
  // keeps its one space, a comment inside never reaches a client's statement.
  [[nodiscard]] std::string join(std::size_t first, std::size_t last) const {
    std::string out;
    std::size_t prev_end = 0;
    bool any = false;
    for (std::size_t i = first; i <= last && i < tokens_.size(); ++i) {
      if (comment(i)) continue;
      if (any && start(i) > prev_end) out += ' ';
      out += text(i);
      prev_end = end(i);
      any = true;
    }
    return out;
  }

  // Tokens from `first` that form one operand of a column definition: stops
  // before `bound` (a byte offset), before a `,` `;` `)` outside brackets, and
  // (after the first token) before any keyword in `stops`. Returns the joined
  // text, or nullopt when there is no token at all.
  [[nodiscard]] std::optional<std::string> operand(std::size_t first, std::size_t bound,
                                                   std::initializer_list<std::string_view> stops) const {
    while (first < tokens_.size() && comment(first)) ++first;
    int depth = 0;
    std::optional<std::size_t> last;
    for (std::size_t i = first; i < tokens_.size(); ++i) {
      if (start(i) >= bound) break;
      if (comment(i)) continue;
      const std::string_view t = text(i);
      if (depth == 0 && (t == "," || t == ";" || t == ")")) break;
      if (depth == 0 && i > first &&
          std::any_of(stops.begin(), stops.end(), [&](std::string_view k) { return iequals(t, k); })) {
        break;
      }
      if (t == "(" || t == "[") ++depth;
      if ((t == ")" || t == "]") && depth > 0) --depth;
      last = i;
    }
    if (!last) return std::nullopt;
    return join(first, *last);
  }

  // The statement at [location, location+len) without leading and trailing
  // comments and blanks (len 0: to the end, as libpg_query reports the last
  // one), and the byte offset its text starts at.
  [[nodiscard]] std::pair<std::string, std::size_t> statement(std::size_t location, std::size_t len) const {
    const std::size_t stop = len == 0 ? sql_.size() : location + len;
    std::optional<std::size_t> first;
    std::optional<std::size_t> last;
    for (std::size_t i = at(location); i < tokens_.size() && end(i) <= stop; ++i) {
      if (comment(i)) continue;
      if (!first) first = i;
      last = i;
    }
    if (!first) return {std::string(), location};
    return {std::string(sql_.substr(start(*first), end(*last) - start(*first))), start(*first)};
  }

 private:
  std::string_view sql_;
  std::vector<const PgQuery__ScanToken*> tokens_;
};

// 1-based line and column of a 1-based byte offset.
[[nodiscard]] std::string line_col(std::string_view sql, int cursor) {
  if (cursor <= 0) return "";
  const std::size_t pos = std::min(static_cast<std::size_t>(cursor - 1), sql.size());
  std::size_t line = 1;
  std::size_t col = 1;
  for (std::size_t i = 0; i < pos; ++i) {
    if (sql[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return " (line " + std::to_string(line) + ", column " + std::to_string(col) + ")";
}

// One migration's SQL parsed and scanned, and its statements in text order
// with the line each starts on. Shared by the pending and the drift walks.
// Not copyable or movable: the tokens point into the owned text and results.
class ParsedSql {
 public:
  struct Statement {
    const PgQuery__Node* node = nullptr;
    std::string text;
    std::size_t line = 0;
  };

  // Throws MigrationParseError naming the migration (and the line and column).
  ParsedSql(std::string_view migration_name, std::string_view sql_text)
      : sql_(sql_text), parsed_(sql_.c_str()), scanned_(sql_.c_str()) {
    if (!parsed_.ok()) {
      throw MigrationParseError("migration " + std::string(migration_name) + ": " + parsed_.message() +
                                line_col(sql_, parsed_.cursor()));
    }
    if (!scanned_.ok()) throw MigrationParseError("migration " + std::string(migration_name) + ": cannot scan its SQL");
    tokens_.emplace(sql_, *scanned_.tokens());
  }
  ParsedSql(const ParsedSql&) = delete;
  ParsedSql& operator=(const ParsedSql&) = delete;

  [[nodiscard]] const Tokens& tokens() const noexcept { return *tokens_; }

  [[nodiscard]] std::vector<Statement> statements() const {
    std::vector<Statement> out;
    const PgQuery__ParseResult& tree = *parsed_.tree();
    // Statements come in text order, so their lines are counted in one pass.
    std::size_t counted_to = 0;
    std::size_t line = 1;
    for (std::size_t i = 0; i < tree.n_stmts; ++i) {
      const PgQuery__RawStmt* raw = tree.stmts[i];
      if (raw == nullptr) continue;
      auto [text, begin] = tokens_->statement(static_cast<std::size_t>(std::max(0, raw->stmt_location)),
                                              static_cast<std::size_t>(std::max(0, raw->stmt_len)));
      begin = std::min(std::max(begin, counted_to), sql_.size());
      line += static_cast<std::size_t>(std::count(sql_.begin() + static_cast<std::ptrdiff_t>(counted_to),
                                                  sql_.begin() + static_cast<std::ptrdiff_t>(begin), '\n'));
      counted_to = begin;
      out.push_back(Statement{raw->stmt, std::move(text), line});
    }
    return out;
  }

 private:
  std::string sql_;  // libpg_query reads a NUL-terminated string
  detail::ParseResult parsed_;
  detail::ScanResult scanned_;
  std::optional<Tokens> tokens_;
};

// The first byte after a column definition's type that cannot be part of it:
// its first constraint or COLLATE (kNoBound when it has neither).
[[nodiscard]] std::size_t type_bound(const PgQuery__ColumnDef& def) {
  std::size_t bound = kNoBound;
  const std::size_t type_at =
      def.type_name != nullptr ? static_cast<std::size_t>(std::max(0, def.type_name->location)) : 0;
  auto bound_by = [&](int location) {
    if (location >= 0 && static_cast<std::size_t>(location) > type_at) {
      bound = std::min(bound, static_cast<std::size_t>(location));
    }
  };
  if (def.coll_clause != nullptr) bound_by(def.coll_clause->location);
  for (std::size_t i = 0; i < def.n_constraints; ++i) {
    if (is(def.constraints[i], PG_QUERY__NODE__NODE_CONSTRAINT)) bound_by(def.constraints[i]->constraint->location);
  }
  return bound;
}

// The declared text of a type name; `bound` is the first byte that cannot be
// part of it. COMPRESSION and OPTIONS may follow a column's type unannounced,
// USING an ALTER COLUMN ... TYPE.
[[nodiscard]] std::optional<std::string> declared_type(const Tokens& tokens, const PgQuery__TypeName* type,
                                                       std::size_t bound) {
  if (type == nullptr || type->location < 0) return std::nullopt;
  return tokens.operand(tokens.at(static_cast<std::size_t>(type->location)), bound,
                        {"COMPRESSION", "OPTIONS", "USING"});
}

}  // namespace

// The work of one PendingDeriver::add: one migration's tree and tokens, and the
// deriver's accumulated knowledge. A friend so the deriver's state stays private.
struct DeriveState {
  PendingDeriver& d;
  Derived& out;  // this migration's results, merged into d on success
  std::string migration;
  const Tokens& tokens;
  std::string stmt_text;    // the statement being looked at
  std::size_t stmt_line = 0;  // the line it starts on

  void note(std::string reason, Impact impact) {
    out.not_mitigated.push_back(Unmitigated{migration, stmt_text, std::move(reason), impact, stmt_line});
  }

  // The pending migration that creates table `schema.name`, if any.
  [[nodiscard]] const PendingDeriver::CreatedTable* created_table(std::string_view schema,
                                                                  std::string_view name) const {
    for (const auto& t : d.tables_) {
      if (t.schema == schema && t.name == name) return &t;
    }
    return nullptr;
  }
  [[nodiscard]] const PendingDeriver::CreatedType* created_type(const std::vector<std::string>& names) const {
    if (names.empty() || names.size() > 2) return nullptr;
    const auto [schema, name] = split_name(names);
    for (const auto& t : d.types_) {
      if (t.schema == schema && t.name == name) return &t;
    }
    return nullptr;
  }
  void add_type(const std::vector<std::string>& names, std::string stand_in) {
    const auto [schema, name] = split_name(names);
    d.types_.push_back(PendingDeriver::CreatedType{schema, name, migration, std::move(stand_in)});
  }

  // Whether the statement targets a table a pending migration creates; if so it
  // is noted as part of that table (harmless on its own) and true is returned.
  [[nodiscard]] bool part_of_new_table(const std::pair<std::string, std::string>& table) {
    const auto* created = created_table(table.first, table.second);
    if (created == nullptr) return false;
    note("belongs to table " + qualified(table.first, table.second) + ", which pending migration " +
             created->migration + " creates (listed there)",
         Impact::Harmless);
    return true;
  }

  // The declared text of a type name; `bound` is the first byte that cannot be
  // part of it. COMPRESSION and OPTIONS may follow a column's type unannounced.
  [[nodiscard]] std::optional<std::string> type_text(const PgQuery__TypeName* type, std::size_t bound) const {
    return declared_type(tokens, type, bound);
  }

  // The type to use in `NULL::<type>`: the declared text, or the stand-in for a
  // type that a pending migration creates ("" when it has none).
  [[nodiscard]] std::optional<std::string> usable_type(const PgQuery__TypeName* type, std::size_t bound,
                                                       std::string& why_not) const {
    const auto declared = type_text(type, bound);
    if (!declared) {
      why_not = "its type's text could not be located in the statement";
      return std::nullopt;
    }
    const auto* created = created_type(name_list(type->names, type->n_names));
    if (created == nullptr) return declared;
    if (created->stand_in.empty()) {
      why_not = "its type " + qualified(created->schema, created->name) + " is created by pending migration " +
                created->migration + " and has no stand-in type";
      return std::nullopt;
    }
    std::string stand_in = created->stand_in;
    for (std::size_t i = 0; i < type->n_array_bounds; ++i) stand_in += "[]";
    return stand_in;
  }

  void alter_table(const PgQuery__AlterTableStmt& stmt);
  void add_column(const std::pair<std::string, std::string>& table, const PgQuery__AlterTableCmd& cmd,
                  const PgQuery__ColumnDef& def);
  void statement(const PgQuery__Node* node);
};

void DeriveState::add_column(const std::pair<std::string, std::string>& table, const PgQuery__AlterTableCmd& cmd,
                             const PgQuery__ColumnDef& def) {
  const std::string name = qualified(table.first, table.second) + "." + quote_ident(sv(def.colname));
  if (const auto* created = created_table(table.first, table.second)) {
    note("adds column " + name + " to a table that pending migration " + created->migration +
             " creates: a column of a missing table cannot be mitigated",
         Impact::Breaking);
    return;
  }

  sql::PendingColumn column;
  column.schema = table.first;
  column.table = table.second;
  column.column = std::string(sv(def.colname));
  column.migration = migration;
  bool not_null = false;
  std::vector<std::pair<std::string, Impact>> constraint_notes;
  std::string fatal;  // why the column cannot be mitigated at all

  for (std::size_t i = 0; i < def.n_constraints; ++i) {
    if (!is(def.constraints[i], PG_QUERY__NODE__NODE_CONSTRAINT)) continue;
    const PgQuery__Constraint& c = *def.constraints[i]->constraint;
    // The next constraint (or COLLATE) after this one ends a DEFAULT expression.
    std::size_t next = kNoBound;
    const auto here = static_cast<std::size_t>(std::max(0, c.location));
    if (def.coll_clause != nullptr && def.coll_clause->location > c.location) {
      next = static_cast<std::size_t>(def.coll_clause->location);
    }
    for (std::size_t j = 0; j < def.n_constraints; ++j) {
      if (!is(def.constraints[j], PG_QUERY__NODE__NODE_CONSTRAINT)) continue;
      const int loc = def.constraints[j]->constraint->location;
      if (loc >= 0 && static_cast<std::size_t>(loc) > here) next = std::min(next, static_cast<std::size_t>(loc));
    }
    const PgQuery__ConstrType t = c.contype;
    if (t == PG_QUERY__CONSTR_TYPE__CONSTR_NULL || t == PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_DEFERRABLE ||
        t == PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_NOT_DEFERRABLE || t == PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_DEFERRED ||
        t == PG_QUERY__CONSTR_TYPE__CONSTR_ATTR_IMMEDIATE) {
      continue;
    } else if (t == PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL) {
      not_null = true;
    } else if (t == PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT) {
      // DEFAULT NULL is no default at all.
      const bool null_default = is(c.raw_expr, PG_QUERY__NODE__NODE_A_CONST) && c.raw_expr->a_const->isnull;
      const std::size_t keyword = tokens.at(here);
      const auto text = tokens.operand(keyword + 1, next, {});
      if (!text) {
        fatal = "its DEFAULT expression could not be located in the statement";
      } else if (!null_default) {
        column.default_expr = *text;
      }
    } else if (t == PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY) {
      fatal = "it is an identity column: its values come from a sequence the database does not have yet";
    } else if (t == PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED) {
      fatal = "it is a generated column: its values are computed by the database";
    } else if (t == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK || t == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) {
      constraint_notes.emplace_back(
          "the column's " + std::string(t == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK ? "CHECK" : "REFERENCES") +
              " constraint is not in force until the migration runs (writes of it are dropped meanwhile)",
          Impact::Harmless);
    } else if (t == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY || t == PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE ||
               t == PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION) {
      constraint_notes.emplace_back(
          "the column's unique/primary key/exclusion constraint does not exist until the migration runs: "
          "INSERT ... ON CONFLICT naming it fails (42P10)",
          Impact::Breaking);
    } else {
      fatal = "it has a constraint pgshim does not interpret";
    }
  }

  std::string why_not;
  const auto type = usable_type(def.type_name, type_bound(def), why_not);
  if (!type && fatal.empty()) fatal = why_not;
  if (!fatal.empty()) {
    note("adds column " + name + ", which pgshim cannot mitigate: " + fatal, Impact::Breaking);
    return;
  }
  column.type = *type;

  // A column added twice (a later migration re-adds it, or the same one says
  // IF NOT EXISTS twice) is pending once, from its first migration.
  for (const auto* list : {&d.derived_.columns, &out.columns}) {
    for (const auto& c : *list) {
      if (c.schema == column.schema && c.table == column.table && c.column == column.column) {
        if (!cmd.missing_ok) {
          note("adds column " + name + " again; it is already pending from migration " + c.migration,
               Impact::Harmless);
        }
        return;
      }
    }
  }
  out.columns.push_back(column);
  out.column_statements.push_back(ColumnStatement{stmt_text, stmt_line});
  if (not_null && column.default_expr.empty()) {
    note("adds column " + name +
             " NOT NULL without a DEFAULT: pgshim reads it as NULL while it is missing, which an ORM that checks "
             "required fields rejects (Prisma Client P2032)",
         Impact::Partial);
  }
  for (auto& [reason, impact] : constraint_notes) note("adds column " + name + ": " + reason, impact);
}

void DeriveState::alter_table(const PgQuery__AlterTableStmt& stmt) {
  const auto table = range_var_name(stmt.relation);
  const std::string table_name = qualified(table.first, table.second);
  if (stmt.objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
    note("ALTER of something other than a table (" + table_name + "): pgshim does not interpret it",
         Impact::Breaking);
    return;
  }
  for (std::size_t i = 0; i < stmt.n_cmds; ++i) {
    if (!is(stmt.cmds[i], PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)) continue;
    const PgQuery__AlterTableCmd& cmd = *stmt.cmds[i]->alter_table_cmd;
    const PgQuery__AlterTableType t = cmd.subtype;
    const std::string column = table_name + "." + quote_ident(sv(cmd.name));
    if (t == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn) {
      if (is(cmd.def, PG_QUERY__NODE__NODE_COLUMN_DEF)) {
        add_column(table, cmd, *cmd.def->column_def);
      } else {
        note("ADD COLUMN without a column definition", Impact::Breaking);
      }
      continue;
    }
    // Constraints, indexes and the like on a table that is itself pending are
    // part of that table's entry.
    if (created_table(table.first, table.second) != nullptr) {
      (void)part_of_new_table(table);
      continue;
    }
    if (t == PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn) {
      note("drops column " + column +
               ": it stays until the migration runs; INSERTs that omit it fail if it is NOT NULL without a default",
           Impact::Breaking);
    } else if (t == PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType) {
      note("changes the type of column " + column + ": reads and writes see the old type until the migration runs",
           Impact::Breaking);
    } else if (t == PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull) {
      note("sets NOT NULL on " + column + ": the database still accepts NULLs until the migration runs",
           Impact::Harmless);
    } else if (t == PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull) {
      note("drops NOT NULL on " + column + ": writes of NULL fail (23502) until the migration runs",
           Impact::Breaking);
    } else if (t == PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault) {
      if (cmd.def != nullptr) {
        note("sets the default of " + column +
                 ": INSERTs that omit the column get the old default (or fail if it is NOT NULL without one)",
             Impact::Breaking);
      } else {
        note("drops the default of " + column + ": INSERTs that omit the column still get the old default",
             Impact::Harmless);
      }
    } else if (t == PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint) {
      const PgQuery__Constraint* c = is(cmd.def, PG_QUERY__NODE__NODE_CONSTRAINT) ? cmd.def->constraint : nullptr;
      const std::string cname = c != nullptr && !sv(c->conname).empty() ? quote_ident(sv(c->conname)) + " " : "";
      if (c != nullptr && (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN ||
                           c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK)) {
        note("adds constraint " + cname + "on " + table_name + ": not enforced until the migration runs",
             Impact::Harmless);
      } else if (c != nullptr && (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY ||
                                  c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE ||
                                  c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION)) {
        note("adds unique/primary key constraint " + cname + "on " + table_name +
                 ": INSERT ... ON CONFLICT naming its columns fails (42P10) until the migration runs",
             Impact::Breaking);
      } else {
        note("adds a constraint to " + table_name + " that pgshim does not interpret", Impact::Breaking);
      }
    } else if (t == PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint) {
      note("drops constraint " + quote_ident(sv(cmd.name)) + " on " + table_name +
               ": it still rejects writes until the migration runs",
           Impact::Breaking);
    } else {
      note("ALTER TABLE " + table_name + " subcommand " + alter_kind(t) + ": pgshim cannot express it",
           Impact::Breaking);
    }
  }
}

void DeriveState::statement(const PgQuery__Node* node) {
  if (node == nullptr) return;
  // An if-chain, not a switch: the Node oneof has ~240 cases and -Wswitch-enum
  // would demand each; everything not named here is Breaking by default.
  const auto c = node->node_case;
  if (c == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT) {
    alter_table(*node->alter_table_stmt);
  } else if (c == PG_QUERY__NODE__NODE_CREATE_STMT) {
    const auto table = range_var_name(node->create_stmt->relation);
    d.tables_.push_back(PendingDeriver::CreatedTable{table.first, table.second, migration});
    note("creates table " + qualified(table.first, table.second) +
             ": queries that use it fail (42P01) until the migration runs",
         Impact::Breaking);
  } else if (c == PG_QUERY__NODE__NODE_CREATE_ENUM_STMT) {
    const auto names = name_list(node->create_enum_stmt->type_name, node->create_enum_stmt->n_type_name);
    add_type(names, "text");
    const auto [schema, name] = split_name(names);
    note("creates enum type " + qualified(schema, name) +
             ": nothing uses it until a column does (pending columns of this type read as text)",
         Impact::Harmless);
  } else if (c == PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT) {
    const auto& dom = *node->create_domain_stmt;
    const auto names = name_list(dom.domainname, dom.n_domainname);
    std::size_t bound = kNoBound;
    if (dom.coll_clause != nullptr && dom.coll_clause->location >= 0) {
      bound = static_cast<std::size_t>(dom.coll_clause->location);
    }
    for (std::size_t i = 0; i < dom.n_constraints; ++i) {
      if (is(dom.constraints[i], PG_QUERY__NODE__NODE_CONSTRAINT) && dom.constraints[i]->constraint->location >= 0) {
        bound = std::min(bound, static_cast<std::size_t>(dom.constraints[i]->constraint->location));
      }
    }
    std::string why_not;
    add_type(names, usable_type(dom.type_name, bound, why_not).value_or(""));
    const auto [schema, name] = split_name(names);
    note("creates domain " + qualified(schema, name) +
             ": nothing uses it until a column does (pending columns of this type read as its base type)",
         Impact::Harmless);
  } else if (c == PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT || c == PG_QUERY__NODE__NODE_CREATE_RANGE_STMT) {
    std::vector<std::string> names;
    if (c == PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT) {
      const auto rv = range_var_name(node->composite_type_stmt->typevar);
      names = {rv.first, rv.second};
    } else {
      names = name_list(node->create_range_stmt->type_name, node->create_range_stmt->n_type_name);
    }
    add_type(names, "");
    const auto [schema, name] = split_name(names);
    note("creates type " + qualified(schema, name) +
             ": nothing uses it until a column does (such columns cannot be mitigated)",
         Impact::Harmless);
  } else if (c == PG_QUERY__NODE__NODE_ALTER_ENUM_STMT) {
    const auto& e = *node->alter_enum_stmt;
    const auto names = name_list(e.type_name, e.n_type_name);
    const auto [schema, name] = split_name(names);
    const auto* created = created_type(names);
    if (created != nullptr) {
      note("changes enum type " + qualified(schema, name) + ", which pending migration " + created->migration +
               " creates (listed there)",
           Impact::Harmless);
    } else if (!sv(e.old_val).empty()) {
      note("renames a value of enum type " + qualified(schema, name) + ": writes of the new name fail (22P02)",
           Impact::Breaking);
    } else {
      note("adds value '" + std::string(sv(e.new_val)) + "' to enum type " + qualified(schema, name) +
               ": writes of it fail (22P02) until the migration runs",
           Impact::Breaking);
    }
  } else if (c == PG_QUERY__NODE__NODE_INDEX_STMT) {
    const auto& idx = *node->index_stmt;
    const auto table = range_var_name(idx.relation);
    if (part_of_new_table(table)) return;
    const std::string name = sv(idx.idxname).empty() ? std::string() : quote_ident(sv(idx.idxname)) + " ";
    if (idx.unique) {
      note("creates unique index " + name + "on " + qualified(table.first, table.second) +
               ": INSERT ... ON CONFLICT naming its columns fails (42P10) until the migration runs",
           Impact::Breaking);
    } else {
      note("creates index " + name + "on " + qualified(table.first, table.second) +
               ": queries work without it, only slower",
           Impact::Harmless);
    }
  } else if (c == PG_QUERY__NODE__NODE_RENAME_STMT) {
    const auto& r = *node->rename_stmt;
    const auto table = range_var_name(r.relation);
    const std::string to = quote_ident(sv(r.newname));
    if (r.rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN) {
      note("renames column " + qualified(table.first, table.second) + "." + quote_ident(sv(r.subname)) + " to " + to +
               ": queries that use the new name fail (42703) until the migration runs",
           Impact::Breaking);
    } else if (r.rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX ||
               r.rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT) {
      note("renames an index or constraint to " + to + ": queries do not name it", Impact::Harmless);
    } else if (r.rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
      note("renames table " + qualified(table.first, table.second) + " to " + to +
               ": queries that use the new name fail (42P01) until the migration runs",
           Impact::Breaking);
    } else {
      note("renames an object to " + to + ": queries that use the new name fail until the migration runs",
           Impact::Breaking);
    }
  } else if (c == PG_QUERY__NODE__NODE_DROP_STMT) {
    const auto type = node->drop_stmt->remove_type;
    if (type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
      note("drops a table: it stays until the migration runs; its constraints (NOT NULL, foreign keys) still "
           "apply to writes",
           Impact::Breaking);
    } else if (type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX) {
      note("drops an index: queries work while it stays (a unique index still rejects duplicates)",
           Impact::Harmless);
    } else {
      note("drops an object the application no longer uses: it stays until the migration runs", Impact::Harmless);
    }
  } else if (c == PG_QUERY__NODE__NODE_COMMENT_STMT || c == PG_QUERY__NODE__NODE_GRANT_STMT ||
             c == PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT || c == PG_QUERY__NODE__NODE_CREATE_SEQ_STMT ||
             c == PG_QUERY__NODE__NODE_ALTER_SEQ_STMT) {
    note(node_kind(node) + ": queries do not depend on it", Impact::Harmless);
  } else if (c == PG_QUERY__NODE__NODE_INSERT_STMT || c == PG_QUERY__NODE__NODE_UPDATE_STMT ||
             c == PG_QUERY__NODE__NODE_DELETE_STMT) {
    note("data change: rows keep their current values until the migration runs", Impact::Harmless);
  } else if (c == PG_QUERY__NODE__NODE_TRANSACTION_STMT || c == PG_QUERY__NODE__NODE_VARIABLE_SET_STMT) {
    // BEGIN/COMMIT and SET frame a migration; there is nothing to mitigate.
  } else {
    note(node_kind(node) + ": pgshim does not interpret it; whatever it creates or changes is missing until the "
                           "migration runs",
         Impact::Breaking);
  }
}

void PendingDeriver::add(std::string_view migration_name, std::string_view sql_text) {
  const ParsedSql parsed(migration_name, sql_text);
  // Types and tables are recorded in place; on a throw below they may hold
  // this migration's, which only affects later migrations' reports.
  Derived out;
  DeriveState state{*this, out, std::string(migration_name), parsed.tokens(), {}};
  for (auto& s : parsed.statements()) {
    state.stmt_text = std::move(s.text);
    state.stmt_line = s.line;
    state.statement(s.node);
  }
  for (auto& c : out.columns) derived_.columns.push_back(std::move(c));
  for (auto& c : out.column_statements) derived_.column_statements.push_back(std::move(c));
  for (auto& n : out.not_mitigated) derived_.not_mitigated.push_back(std::move(n));
}

Derived derive_pending(std::string_view migration_name, std::string_view sql) {
  PendingDeriver deriver;
  deriver.add(migration_name, sql);
  return deriver.take();
}

Derived derive_pending(const std::vector<Migration>& unapplied) {
  PendingDeriver deriver;
  for (const auto& m : unapplied) deriver.add(m.name, m.sql);
  return deriver.take();
}

// ---- Drift from applied migrations --------------------------------------

// The work of one DriftDeriver::add (a friend, as DeriveState is).
struct DriftState {
  DriftDeriver& d;
  std::string migration;
  const Tokens& tokens;
  bool drift = false;
  ColumnStatement stmt;

  using Known = DriftDeriver::KnownColumn;
  using Entry = DriftDeriver::Entry;

  [[nodiscard]] Known* known(std::string_view schema, std::string_view table, std::string_view column) {
    for (auto& k : d.known_) {
      if (k.schema == schema && k.table == table && k.column == column) return &k;
    }
    return nullptr;
  }
  [[nodiscard]] Entry* entry(std::string_view schema, std::string_view table, std::string_view column) {
    for (auto& e : d.entries_) {
      const auto& c = e.drift.column;
      if (c.schema == schema && c.table == table && c.column == column) return &e;
    }
    return nullptr;
  }

  void remember(const std::pair<std::string, std::string>& table, const PgQuery__ColumnDef& def) {
    const std::string name(sv(def.colname));
    const auto type = declared_type(tokens, def.type_name, type_bound(def));
    std::vector<std::string> names;
    if (def.type_name != nullptr) names = name_list(def.type_name->names, def.type_name->n_names);
    Known k{table.first, table.second, name, type.value_or(""), std::move(names), migration};
    if (Known* existing = known(table.first, table.second, name)) {
      *existing = std::move(k);
    } else {
      d.known_.push_back(std::move(k));
    }
  }

  // A Retired entry for `table`.`column` with what is known of its type.
  [[nodiscard]] Entry retired(const std::pair<std::string, std::string>& table, std::string column,
                              const Known* k) const {
    Entry e;
    auto& c = e.drift.column;
    c.schema = table.first;
    c.table = table.second;
    c.column = std::move(column);
    c.kind = sql::ColumnKind::Retired;
    c.migration = migration;
    e.drift.statement = stmt;
    if (k != nullptr && !k->type.empty()) {
      c.type = k->type;
      e.drift.type_from = k->migration;
      e.type_names = k->type_names;
    } else {
      c.type = "text";
      e.drift.type_note = "no earlier migration in the directory declares its type: read as text";
    }
    return e;
  }

  void drop_column(const std::pair<std::string, std::string>& table, std::string_view column) {
    const Known* k = known(table.first, table.second, column);
    if (drift) {
      // Old names renamed into this column are retired with it.
      for (auto& e : d.entries_) {
        auto& c = e.drift.column;
        if (c.kind != sql::ColumnKind::Renamed || c.schema != table.first || c.table != table.second ||
            c.renamed_to != column) {
          continue;
        }
        Entry r = retired(table, c.column, k);
        e = std::move(r);
      }
      if (entry(table.first, table.second, column) == nullptr) {
        d.entries_.push_back(retired(table, std::string(column), k));
      }
    }
    std::erase_if(d.known_, [&](const Known& x) {
      return x.schema == table.first && x.table == table.second && x.column == column;
    });
  }

  void rename_column(const std::pair<std::string, std::string>& table, std::string_view from, std::string_view to) {
    if (drift) {
      for (auto& e : d.entries_) {
        auto& c = e.drift.column;
        if (c.kind == sql::ColumnKind::Renamed && c.schema == table.first && c.table == table.second &&
            c.renamed_to == from) {
          c.renamed_to = std::string(to);
        }
      }
      if (entry(table.first, table.second, from) == nullptr) {
        Entry e;
        auto& c = e.drift.column;
        c.schema = table.first;
        c.table = table.second;
        c.column = std::string(from);
        c.renamed_to = std::string(to);
        c.kind = sql::ColumnKind::Renamed;
        c.migration = migration;
        e.drift.statement = stmt;
        d.entries_.push_back(std::move(e));
      }
    }
    if (Known* k = known(table.first, table.second, from)) k->column = std::string(to);
  }

  void alter_table(const PgQuery__AlterTableStmt& s) {
    if (s.objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) return;
    const auto table = range_var_name(s.relation);
    for (std::size_t i = 0; i < s.n_cmds; ++i) {
      if (!is(s.cmds[i], PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)) continue;
      const PgQuery__AlterTableCmd& cmd = *s.cmds[i]->alter_table_cmd;
      if (cmd.subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn && is(cmd.def, PG_QUERY__NODE__NODE_COLUMN_DEF)) {
        remember(table, *cmd.def->column_def);
      } else if (cmd.subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType &&
                 is(cmd.def, PG_QUERY__NODE__NODE_COLUMN_DEF)) {
        // The ColumnDef of ALTER COLUMN ... TYPE carries no name: the command does.
        PgQuery__ColumnDef def = *cmd.def->column_def;
        def.colname = cmd.name;
        remember(table, def);
      } else if (cmd.subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn) {
        drop_column(table, sv(cmd.name));
      }
    }
  }

  void statement(const PgQuery__Node* node) {
    if (node == nullptr) return;
    const auto c = node->node_case;
    if (c == PG_QUERY__NODE__NODE_CREATE_STMT) {
      const auto& create = *node->create_stmt;
      const auto table = range_var_name(create.relation);
      std::erase_if(d.known_, [&](const Known& k) { return k.schema == table.first && k.table == table.second; });
      for (std::size_t i = 0; i < create.n_table_elts; ++i) {
        if (is(create.table_elts[i], PG_QUERY__NODE__NODE_COLUMN_DEF)) remember(table, *create.table_elts[i]->column_def);
      }
    } else if (c == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT) {
      alter_table(*node->alter_table_stmt);
    } else if (c == PG_QUERY__NODE__NODE_RENAME_STMT) {
      const auto& r = *node->rename_stmt;
      const auto table = range_var_name(r.relation);
      if (r.rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN) {
        rename_column(table, sv(r.subname), sv(r.newname));
      } else if (r.rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
        for (auto& k : d.known_) {
          if (k.schema == table.first && k.table == table.second) k.table = std::string(sv(r.newname));
        }
      }
    } else if (c == PG_QUERY__NODE__NODE_DROP_STMT) {
      const auto& drop = *node->drop_stmt;
      for (std::size_t i = 0; i < drop.n_objects; ++i) {
        const PgQuery__Node* o = drop.objects[i];
        if (drop.remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE && is(o, PG_QUERY__NODE__NODE_LIST)) {
          const auto table = split_name(name_list(o->list->items, o->list->n_items));
          std::erase_if(d.known_,
                        [&](const Known& k) { return k.schema == table.first && k.table == table.second; });
        } else if ((drop.remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE ||
                    drop.remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN) &&
                   is(o, PG_QUERY__NODE__NODE_TYPE_NAME)) {
          d.dropped_types_.push_back(split_name(name_list(o->type_name->names, o->type_name->n_names)));
        }
      }
    }
  }
};

void DriftDeriver::add(std::string_view migration_name, std::string_view sql_text, bool drift) {
  const ParsedSql parsed(migration_name, sql_text);
  DriftState state{*this, std::string(migration_name), parsed.tokens(), drift, {}};
  for (auto& s : parsed.statements()) {
    state.stmt = ColumnStatement{std::move(s.text), s.line};
    state.statement(s.node);
  }
}

std::vector<DriftColumn> DriftDeriver::result() const {
  std::vector<DriftColumn> out;
  for (const auto& e : entries_) {
    DriftColumn c = e.drift;
    // One or two names: a bare name is looked up in public, as CREATE TYPE put it.
    if (c.column.kind == sql::ColumnKind::Retired && !e.type_names.empty() && e.type_names.size() <= 2) {
      const auto type = split_name(e.type_names);
      if (std::find(dropped_types_.begin(), dropped_types_.end(), type) != dropped_types_.end()) {
        c.type_note = "its type " + qualified(type.first, type.second) + " (from migration " + c.type_from +
                      ") was dropped since: read as text";
        c.column.type = "text";
        c.type_from.clear();
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<DriftColumn> derive_drift(std::string_view migration_name, std::string_view sql) {
  DriftDeriver deriver;
  deriver.add(migration_name, sql, true);
  return deriver.result();
}

}  // namespace pgshim::migrations
