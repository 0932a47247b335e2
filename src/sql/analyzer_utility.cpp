// Statements that carry a query of their own (see analyzer.hpp): DECLARE ...
// CURSOR, EXPLAIN, PREPARE and COPY. Each is rewritten by rewriting the query it
// carries, exactly as that query would be rewritten on its own, plus what the
// wrapper needs around it:
//   - DECLARE: the cursor's rows reach the client through FETCH, so the query is
//     client-visible (its output names and `*` matter).
//   - EXPLAIN: the output is a plan, not the query's rows; EXPLAIN ANALYZE runs
//     the statement, so a write drops the pending column exactly as the plain
//     statement would, and only then is a dropped value reported (plain EXPLAIN
//     writes nothing).
//   - PREPARE: EXECUTE returns the query's rows (client-visible). A `$n` the
//     rewrite no longer references would leave PostgreSQL unable to infer its
//     type (42P18), so the PREPARE's own type list is completed instead of the
//     protocol-level declaration a Parse gets. Nothing is written at PREPARE
//     time: no dropped value is reported (the values arrive with EXECUTE).
//   - COPY (query) TO: the query's rows are the output. COPY table (cols) TO with
//     a pending column in the list becomes COPY (SELECT cols FROM table) TO, the
//     pending column read as its typed NULL under its own name.
#include <algorithm>
#include <optional>

#include "analyzer.hpp"
#include "nodes.hpp"

namespace pgshim::sql::detail {
namespace {

// Whether an EXPLAIN option list turns ANALYZE on (`EXPLAIN ANALYZE`,
// `EXPLAIN (ANALYZE)`, `EXPLAIN (ANALYZE true)`, but not `(ANALYZE off)`).
[[nodiscard]] bool explain_analyzes(const PgQuery__ExplainStmt& e) {
  bool on = false;
  for (std::size_t i = 0; i < e.n_options; ++i) {
    if (!is(e.options[i], PG_QUERY__NODE__NODE_DEF_ELEM)) continue;
    const PgQuery__DefElem& d = *e.options[i]->def_elem;
    if (sv(d.defname) != "analyze") continue;
    on = true;
    const PgQuery__Node* arg = d.arg;
    if (is(arg, PG_QUERY__NODE__NODE_BOOLEAN)) {
      on = arg->boolean->boolval;
    } else if (const char* s = node_string(arg)) {
      const std::string_view v = s;
      on = !(v == "false" || v == "off" || v == "no" || v == "0");
    } else if (is(arg, PG_QUERY__NODE__NODE_A_CONST) && arg->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
      on = arg->a_const->ival->ival != 0;
    }
  }
  return on;
}

}  // namespace

bool Analyzer::query_statement(const PgQuery__Node* n, bool client_visible) {
  if (is(n, PG_QUERY__NODE__NODE_SELECT_STMT)) {
    if (n->select_stmt->into_clause != nullptr) {
      block(UntouchedReason::Unsupported, "SELECT INTO creates a table; it is not rewritten");
      return true;
    }
    select(*n->select_stmt, nullptr, client_visible);
  } else if (is(n, PG_QUERY__NODE__NODE_INSERT_STMT)) {
    insert(*n->insert_stmt, nullptr, client_visible);
  } else if (is(n, PG_QUERY__NODE__NODE_UPDATE_STMT)) {
    update(*n->update_stmt, nullptr, client_visible);
  } else if (is(n, PG_QUERY__NODE__NODE_DELETE_STMT)) {
    remove(*n->delete_stmt, nullptr, client_visible);
  } else if (is(n, PG_QUERY__NODE__NODE_MERGE_STMT)) {
    merge(*n->merge_stmt, nullptr);
  } else {
    return false;
  }
  return true;
}

void Analyzer::utility(const PgQuery__Node* n, std::size_t begin) {
  if (is(n, PG_QUERY__NODE__NODE_DECLARE_CURSOR_STMT)) {
    if (!query_statement(n->declare_cursor_stmt->query, true)) {
      block(UntouchedReason::Unsupported, "DECLARE CURSOR over an unexpected statement");
    }
    return;
  }
  if (is(n, PG_QUERY__NODE__NODE_EXPLAIN_STMT)) {
    explain(*n->explain_stmt);
    return;
  }
  if (is(n, PG_QUERY__NODE__NODE_PREPARE_STMT)) {
    prepare(*n->prepare_stmt, begin);
    return;
  }
  if (is(n, PG_QUERY__NODE__NODE_COPY_STMT)) {
    copy(*n->copy_stmt);
    return;
  }
  const ProtobufCFieldDescriptor* f =
      protobuf_c_message_descriptor_get_field(&pg_query__node__descriptor, static_cast<unsigned>(n->node_case));
  const std::string what = f != nullptr ? std::string(f->name) : std::string("statement");
  block(UntouchedReason::Utility, what + " mentions a pending column name; DDL and utility statements are not rewritten");
}

void Analyzer::explain(const PgQuery__ExplainStmt& e) {
  const std::size_t values_before = dropped_values_.size();
  const PgQuery__Node* q = e.query;
  // The plan is the output, so `*` and output names do not matter...
  bool handled = query_statement(q, false);
  if (!handled && is(q, PG_QUERY__NODE__NODE_DECLARE_CURSOR_STMT)) {
    handled = query_statement(q->declare_cursor_stmt->query, false);
  }
  if (!handled) {
    block(UntouchedReason::Utility, "EXPLAIN of a utility statement that mentions a pending column name");
    return;
  }
  // ...and only EXPLAIN ANALYZE executes (and so writes).
  if (!explain_analyzes(e)) {
    dropped_values_.resize(values_before);
  }
}

void Analyzer::prepare(const PgQuery__PrepareStmt& p, std::size_t begin) {
  // This statement's parameters are its own, not the message's: keep them apart.
  std::vector<std::pair<int, std::string>> outer_types;
  std::vector<std::pair<int, int>> outer_params;
  outer_types.swap(dropped_param_types_);
  outer_params.swap(all_params_);
  const bool outer_removed = removed_anything_;
  removed_anything_ = false;
  const std::size_t values_before = dropped_values_.size();

  if (!query_statement(p.query, true)) {
    block(UntouchedReason::Unsupported, "PREPARE of an unexpected statement");
  }
  std::vector<DroppedParameter> dropped;
  if (!blocked() && removed_anything_) {
    collect_params(p.query, all_params_);
    dropped = unreferenced_parameters();
  }
  dropped_values_.resize(values_before);  // written by EXECUTE, with values PREPARE does not have
  dropped_param_types_.swap(outer_types);
  all_params_.swap(outer_params);
  removed_anything_ = outer_removed;
  if (blocked() || dropped.empty()) return;

  // A parameter the text no longer uses needs a declared type. Those the list
  // already declares are fine; beyond it, the list is extended up to the highest
  // dropped one (`unknown` for the others: inferred from use, as undeclared).
  const std::size_t declared = p.n_argtypes;
  const int highest = dropped.back().number;
  if (static_cast<std::size_t>(highest) <= declared) return;
  std::string types;
  for (int k = static_cast<int>(declared) + 1; k <= highest; ++k) {
    if (!types.empty()) types += ", ";
    const auto it = std::find_if(dropped.begin(), dropped.end(), [&](const DroppedParameter& d) { return d.number == k; });
    types += it != dropped.end() ? it->type : std::string("unknown");
  }
  // PREPARE name [ ( type, ... ) ] AS ...: the name is the second token.
  const std::size_t first = tokens_.first_at_or_after(static_cast<int>(begin));
  const std::size_t name_tok = first + 1;
  if (first + 2 >= tokens_.size() || name_tok >= stmt_end_tok_) {
    block(UntouchedReason::Unsupported, "could not find the tokens of PREPARE");
    return;
  }
  if (declared == 0) {
    if (tokens_[name_tok + 1].kind != PG_QUERY__TOKEN__AS) {
      block(UntouchedReason::Unsupported, "could not find AS in PREPARE");
      return;
    }
    const auto at = static_cast<std::size_t>(tokens_[name_tok].end);
    add_edit(at, at, "(" + types + ")");
    return;
  }
  // The ')' closing the type list: the last one before the top-level AS.
  std::size_t close = kNoToken;
  int depth = 0;
  for (std::size_t t = name_tok + 1; t < stmt_end_tok_; ++t) {
    const int k = tokens_[t].kind;
    if (k == '(') ++depth;
    if (k == ')' && --depth == 0) {
      close = t;
      break;
    }
  }
  if (close == kNoToken || close + 1 >= stmt_end_tok_ || tokens_[close + 1].kind != PG_QUERY__TOKEN__AS) {
    block(UntouchedReason::Unsupported, "could not find the type list of PREPARE");
    return;
  }
  const auto at = static_cast<std::size_t>(tokens_[close].start);
  add_edit(at, at, ", " + types);
}

void Analyzer::copy(const PgQuery__CopyStmt& c) {
  if (c.query != nullptr) {
    // COPY (query) TO: the query's rows are what the client receives.
    if (!query_statement(c.query, true)) block(UntouchedReason::Copy, "COPY of an unexpected statement");
    return;
  }
  if (c.relation == nullptr) return;
  RangeEntry& target = dml_target(*c.relation);
  if (c.where_clause != nullptr) {
    Scope scope{nullptr, {&target}, {}};
    walk(c.where_clause, scope, EditKind::Expression);
  }
  std::vector<const PendingColumn*> pcs;
  bool any = false;
  bool only_renamed = true;
  for (std::size_t i = 0; i < c.n_attlist; ++i) {
    const PendingColumn* pc = missing_.find(target.schema, target.relname, sv(node_string(c.attlist[i])));
    pcs.push_back(pc);
    any = any || pc != nullptr;
    only_renamed = only_renamed && (pc == nullptr || pc->kind == ColumnKind::Renamed);
  }
  if (!any) return;  // no pending column in the list: the server copies what exists
  CopyFromFilter filter;
  if (!only_renamed && c.is_from && !copy_from_filter(c, target, filter)) return;
  // COPY [schema.]table (a, b, c) ...: the relation's tokens, then the list.
  const std::size_t rel_tok = tokens_.at(c.relation->location);
  if (rel_tok == kNoToken) {
    block(UntouchedReason::Unsupported, "could not find the tokens of the COPY table");
    return;
  }
  std::size_t t = rel_tok + 1;
  while (t + 1 < stmt_end_tok_ && tokens_[t].kind == '.') t += 2;
  if (t >= stmt_end_tok_ || tokens_[t].kind != '(') {
    block(UntouchedReason::Unsupported, "could not find the column list of COPY");
    return;
  }
  const std::size_t open = t;
  std::vector<Extent> names;
  for (++t; t < stmt_end_tok_; ++t) {
    names.push_back(Extent{static_cast<std::size_t>(tokens_[t].start), static_cast<std::size_t>(tokens_[t].end)});
    ++t;
    if (t >= stmt_end_tok_ || tokens_[t].kind != ',') break;
  }
  if (t >= stmt_end_tok_ || tokens_[t].kind != ')' || names.size() != c.n_attlist) {
    block(UntouchedReason::Unsupported, "could not find the column list of COPY");
    return;
  }
  if (c.is_from) {
    // Renamed: the data is the same, only the column is called otherwise.
    // Pending: the column leaves the list, and its field leaves every data row
    // (the proxy strips it with `filter`). COPY TO takes the query form below,
    // so that a HEADER keeps the client's names.
    std::vector<bool> removed(names.size(), false);
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (pcs[i] == nullptr) continue;
      if (pcs[i]->kind == ColumnKind::Renamed) {
        add_edit(names[i].begin, names[i].end, quote_ident(pcs[i]->renamed_to));
        record(EditKind::Renamed, *pcs[i], names[i].begin);
        continue;
      }
      removed[i] = true;
      record(EditKind::InsertColumn, *pcs[i], names[i].begin);
      DroppedValue dv;
      dv.kind = EditKind::InsertValue;
      dv.schema = pcs[i]->schema;
      dv.table = pcs[i]->table;
      dv.column = pcs[i]->column;
      dv.statement = stmt_index_;
      dv.value.column = pcs[i]->column;
      filter.dropped.push_back(std::move(dv));
    }
    if (filter.drop.empty()) return;
    if (copy_from_) {
      block(UntouchedReason::Copy, "more than one COPY FROM with a pending column in one message");
      return;
    }
    if (!remove_items(names, removed)) {
      block(UntouchedReason::Copy, "COPY FROM names only pending columns");
      return;
    }
    copy_from_ = std::move(filter);
    return;
  }
  // COPY table (cols) TO: the same rows from a query that reads the pending
  // column as its typed value under its own name.
  const Extent relation{static_cast<std::size_t>(tokens_[rel_tok].start), static_cast<std::size_t>(tokens_[open - 1].end)};
  std::string query = "(SELECT ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) query += ", ";
    if (pcs[i] == nullptr) {
      query += text(names[i]);
    } else if (pcs[i]->kind == ColumnKind::Renamed) {
      query += quote_ident(pcs[i]->renamed_to) + " AS " + quote_ident(pcs[i]->column);
      record(EditKind::Renamed, *pcs[i], names[i].begin);
    } else {
      query += typed_value(*pcs[i]) + " AS " + quote_ident(pcs[i]->column);
      record(EditKind::SelectTarget, *pcs[i], names[i].begin);
    }
  }
  query += " FROM ";
  query += text(relation);
  query += ")";
  add_edit(relation.begin, static_cast<std::size_t>(tokens_[t].end), std::move(query));
}

bool Analyzer::copy_from_filter(const PgQuery__CopyStmt& c, const RangeEntry& target, CopyFromFilter& out) {
  if (c.is_program || !sv(c.filename).empty()) {
    block(UntouchedReason::Copy, "COPY FROM a server-side file or program with a pending column: the server reads that data");
    return false;
  }
  auto one_char = [&](const PgQuery__DefElem& d, std::optional<char>& into) {
    const char* s = node_string(d.arg);
    if (s == nullptr || std::string_view(s).size() != 1) {
      block(UntouchedReason::Copy, std::string("COPY option ") + sv(d.defname).data() + " is not one character");
      return false;
    }
    into = s[0];
    return true;
  };
  auto column_indices = [&](const PgQuery__DefElem& d, std::vector<std::size_t>& into) {
    if (is(d.arg, PG_QUERY__NODE__NODE_A_STAR)) {
      for (std::size_t i = 0; i < c.n_attlist; ++i) into.push_back(i);
      return true;
    }
    if (!is(d.arg, PG_QUERY__NODE__NODE_LIST)) return false;
    for (std::size_t k = 0; k < d.arg->list->n_items; ++k) {
      const std::string_view name = sv(node_string(d.arg->list->items[k]));
      for (std::size_t i = 0; i < c.n_attlist; ++i) {
        if (sv(node_string(c.attlist[i])) == name) into.push_back(i);
      }
    }
    return true;
  };
  for (std::size_t i = 0; i < c.n_options; ++i) {
    if (!is(c.options[i], PG_QUERY__NODE__NODE_DEF_ELEM)) continue;
    const PgQuery__DefElem& d = *c.options[i]->def_elem;
    const std::string_view name = sv(d.defname);
    if (name == "format") {
      const std::string_view f = sv(node_string(d.arg));
      if (f == "binary") {
        block(UntouchedReason::Copy, "binary COPY FROM with a pending column: binary rows are not rewritten");
        return false;
      }
      out.csv = f == "csv";
    } else if (name == "delimiter") {
      if (!one_char(d, out.delimiter)) return false;
    } else if (name == "quote") {
      if (!one_char(d, out.quote)) return false;
    } else if (name == "escape") {
      if (!one_char(d, out.escape)) return false;
    } else if (name == "null") {
      const char* s = node_string(d.arg);
      if (s == nullptr) return false;
      out.null_string = s;
    } else if (name == "header") {
      // HEADER [true|false|MATCH]: a bare HEADER has no argument.
      const char* s = node_string(d.arg);
      const std::string_view v = s != nullptr ? std::string_view(s) : std::string_view();
      if (is(d.arg, PG_QUERY__NODE__NODE_BOOLEAN)) {
        out.header = d.arg->boolean->boolval;
      } else if (is(d.arg, PG_QUERY__NODE__NODE_A_CONST) && d.arg->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
        out.header = d.arg->a_const->ival->ival != 0;
      } else {
        out.header = d.arg == nullptr || !(v == "false" || v == "off" || v == "0");
      }
    } else if (name == "encoding") {
      out.encoding = std::string(sv(node_string(d.arg)));
    } else if (name == "force_not_null") {
      if (!column_indices(d, out.force_not_null)) return false;
    } else if (name == "force_null") {
      if (!column_indices(d, out.force_null)) return false;
    } else if (name == "default") {
      block(UntouchedReason::Copy, "COPY FROM ... DEFAULT with a pending column is not rewritten");
      return false;
    }
    // freeze, force_quote (COPY TO only), oids (gone): no effect on splitting.
  }
  for (std::size_t i = 0; i < c.n_attlist; ++i) {
    out.columns.emplace_back(sv(node_string(c.attlist[i])));
    const PendingColumn* pc = missing_.find(target.schema, target.relname, out.columns.back());
    if (pc != nullptr && pc->kind != ColumnKind::Renamed) out.drop.push_back(i);
  }
  return true;
}

}  // namespace pgshim::sql::detail
