// Scope-aware analysis of one parse tree (see analyzer.hpp).
//
// Name resolution follows PostgreSQL's parse analysis (parse_relation.c,
// parse_target.c, parse_clause.c), for the database *with* the pending column: the
// application was written against that schema, so that is the meaning to keep.
//   - `q.col`: the innermost query level with a FROM entry named q decides.
//   - `col`: the innermost level where some entry has a column `col` decides; two
//     entries there make it ambiguous. Another table that really has `col` means
//     the reference is that table's (PostgreSQL resolves it there today), so it is
//     left alone. An entry whose columns are unknown (no catalog facts, a function
//     without a column list) makes a pending candidate ambiguous: untouched.
//   - `schema.table.col`: an unaliased relation entry of that schema and name.
//   - ORDER BY / DISTINCT ON `name` first means an output column of the same
//     SELECT; those are left alone (the output keeps its name after the rewrite).
#include "analyzer.hpp"

#include "nodes.hpp"

#include <algorithm>
#include <optional>

#include "pgshim/util/identifier.hpp"

namespace pgshim::sql::detail {
namespace {

[[nodiscard]] bool needs_quotes(std::string_view name) noexcept {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return true;
  return std::any_of(name.begin(), name.end(),
                     [](char c) { return !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'); });
}

void append_type_name_part(std::string& out, std::string_view name) {
  if (needs_quotes(name)) {
    out += quote_ident(name);
  } else {
    out += name;
  }
}

}  // namespace

std::string quote_ident(std::string_view name) { return util::quote_identifier(name); }

Analyzer::Analyzer(std::string_view sql, const TokenStream& tokens, const MissingSet& missing,
                   const CatalogFacts* facts, const SearchPath* search_path)
    : sql_(sql), tokens_(tokens), missing_(missing), facts_(facts), search_path_(search_path) {}

std::string_view Analyzer::schema_of(std::string_view relname) const noexcept {
  if (search_path_ == nullptr) return missing_.default_schema();
  // PostgreSQL takes the first schema of the path holding a relation of that
  // name. The relations known are those named like a pending table (and those
  // with a pending-named column): enough, since any other has no pending column
  // and no column of a pending name, whatever its schema.
  for (const std::string& s : search_path_->schemas) {
    const bool pending_table = std::any_of(missing_.columns().begin(), missing_.columns().end(),
                                           [&](const PendingColumn& pc) { return pc.schema == s && pc.table == relname; });
    if (pending_table || (facts_ != nullptr && facts_->has_relation(s, relname))) return s;
  }
  return {};  // in none of them: not a table pgshim knows anything about
}

void Analyzer::block(UntouchedReason reason, std::string detail) {
  if (blocked()) return;  // the first reason is the one reported
  reason_ = reason;
  detail_ = std::move(detail);
}

// ---------------------------------------------------------------- statements

void Analyzer::statement(const PgQuery__RawStmt& raw, std::size_t index) {
  stmt_index_ = index;
  const auto begin = static_cast<std::size_t>(std::max(raw.stmt_location, 0));
  const std::size_t end =
      raw.stmt_len > 0 ? std::min(sql_.size(), begin + static_cast<std::size_t>(raw.stmt_len)) : sql_.size();
  stmt_end_tok_ = tokens_.first_at_or_after(static_cast<int>(end));
  const PgQuery__Node* n = raw.stmt;
  if (n == nullptr || begin > end) return;
  const bool mentions = missing_.prefilter().may_reference(sql_.substr(begin, end - begin));
  if (!mentions) return;  // nothing in this statement can be a pending reference

  if (is(n, PG_QUERY__NODE__NODE_TRANSACTION_STMT) || is(n, PG_QUERY__NODE__NODE_VARIABLE_SET_STMT) ||
      is(n, PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT)) {
    // BEGIN/COMMIT/SET/SHOW never reference a column.
  } else {
    top_level_dml_ = true;
    const bool query = query_statement(n, true);
    top_level_dml_ = false;
    if (!query) utility(n, begin);
  }
  // A PREPARE's parameters are its own (prepare() handled them).
  if (removed_anything_ && !is(n, PG_QUERY__NODE__NODE_PREPARE_STMT)) collect_params(n, all_params_);
}

void Analyzer::with_clause(const PgQuery__WithClause* w, Scope& cte_scope) {
  if (w == nullptr) return;
  for (std::size_t i = 0; i < w->n_ctes && !blocked(); ++i) {
    if (!is(w->ctes[i], PG_QUERY__NODE__NODE_COMMON_TABLE_EXPR)) continue;
    const PgQuery__CommonTableExpr& c = *w->ctes[i]->common_table_expr;
    const std::string_view name = sv(c.ctename);
    std::size_t slot = cte_scope.ctes.size();
    if (w->recursive) {
      // The recursive term refers to the CTE itself: expose what is known
      // before its query is analyzed (its column list, if it has one).
      Columns& pre = new_columns();
      for (std::size_t k = 0; k < c.n_aliascolnames; ++k) pre.cols.push_back(OutColumn{std::string(sv(node_string(c.aliascolnames[k])))});
      pre.unknown = c.n_aliascolnames == 0;
      cte_scope.ctes.emplace_back(name, &pre);
    }
    const Columns* cols = any_statement(c.ctequery, &cte_scope);
    if (c.n_aliascolnames > 0 && cols != nullptr) {
      Columns& renamed = new_columns();
      renamed = *cols;
      const bool star = std::any_of(renamed.cols.begin(), renamed.cols.end(), [](const OutColumn& o) { return o.star_of != nullptr; });
      if (star) {
        renamed.unknown = true;
      } else {
        for (std::size_t k = 0; k < c.n_aliascolnames; ++k) {
          std::string nm(sv(node_string(c.aliascolnames[k])));
          if (k < renamed.cols.size()) {
            renamed.cols[k].name = std::move(nm);
          } else {
            renamed.cols.push_back(OutColumn{std::move(nm)});
          }
        }
      }
      cols = &renamed;
    }
    if (slot < cte_scope.ctes.size()) {
      cte_scope.ctes[slot].second = cols;
    } else {
      cte_scope.ctes.emplace_back(name, cols);
    }
  }
}

const Columns* Analyzer::any_statement(const PgQuery__Node* n, const Scope* parent) {
  if (is(n, PG_QUERY__NODE__NODE_SELECT_STMT)) return select(*n->select_stmt, parent, false);
  if (is(n, PG_QUERY__NODE__NODE_INSERT_STMT)) return insert(*n->insert_stmt, parent, false);
  if (is(n, PG_QUERY__NODE__NODE_UPDATE_STMT)) return update(*n->update_stmt, parent, false);
  if (is(n, PG_QUERY__NODE__NODE_DELETE_STMT)) return remove(*n->delete_stmt, parent, false);
  block(UntouchedReason::Unsupported, "unsupported statement inside WITH");
  return &new_columns();
}

const Columns* Analyzer::select(const PgQuery__SelectStmt& s, const Scope* parent, bool client_visible,
                                const std::vector<bool>* removed_targets) {
  if (blocked()) return &new_columns();
  Scope cte_scope{parent, {}, {}};
  const Scope* base = parent;
  if (s.with_clause != nullptr) {
    with_clause(s.with_clause, cte_scope);
    base = &cte_scope;
  }
  Scope bare{base, {}, {}};  // for clauses that see no FROM entries of this level

  if (s.op != PG_QUERY__SET_OPERATION__SETOP_NONE && s.op != PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED) {
    const Columns* left = s.larg != nullptr ? select(*s.larg, base, client_visible) : &new_columns();
    if (s.rarg != nullptr) select(*s.rarg, base, client_visible);
    // ORDER BY of a set operation can only name output columns: nothing to resolve.
    walk(s.limit_offset, bare, EditKind::Expression);
    walk(s.limit_count, bare, EditKind::Expression);
    return left;
  }

  if (s.n_values_lists > 0) {
    Columns& out = new_columns();
    std::size_t width = 0;
    for (std::size_t r = 0; r < s.n_values_lists; ++r) {
      const PgQuery__Node* row = s.values_lists[r];
      if (!is(row, PG_QUERY__NODE__NODE_LIST)) continue;
      width = std::max(width, row->list->n_items);
      for (std::size_t i = 0; i < row->list->n_items; ++i) walk(row->list->items[i], bare, EditKind::Expression);
    }
    for (std::size_t k = 0; k < width; ++k) out.cols.push_back(OutColumn{"column" + std::to_string(k + 1)});
    return &out;
  }

  Scope from{base, {}, {}};
  for (std::size_t i = 0; i < s.n_from_clause && !blocked(); ++i) from_item(s.from_clause[i], from, base);
  const Columns* out =
      target_list(s.target_list, s.n_target_list, from, EditKind::SelectTarget, client_visible, removed_targets);
  walk(s.where_clause, from, EditKind::Expression);
  for (std::size_t i = 0; i < s.n_group_clause; ++i) walk(s.group_clause[i], from, EditKind::Expression);
  walk(s.having_clause, from, EditKind::Expression);
  for (std::size_t i = 0; i < s.n_window_clause; ++i) walk(s.window_clause[i], from, EditKind::Expression);

  // ORDER BY and DISTINCT ON: a bare name that is an output column means that
  // output column (which keeps its name after the rewrite).
  auto order_item = [&](const PgQuery__Node* item) {
    const PgQuery__Node* expr = is(item, PG_QUERY__NODE__NODE_SORT_BY) ? item->sort_by->node : item;
    if (is(expr, PG_QUERY__NODE__NODE_COLUMN_REF) && expr->column_ref->n_fields == 1) {
      const char* name = node_string(expr->column_ref->fields[0]);
      if (name != nullptr && std::any_of(out->cols.begin(), out->cols.end(),
                                         [&](const OutColumn& o) { return o.star_of == nullptr && o.name == name; })) {
        return;
      }
    }
    walk(item, from, EditKind::Expression);
  };
  for (std::size_t i = 0; i < s.n_distinct_clause; ++i) order_item(s.distinct_clause[i]);
  for (std::size_t i = 0; i < s.n_sort_clause; ++i) order_item(s.sort_clause[i]);
  walk(s.limit_offset, from, EditKind::Expression);
  walk(s.limit_count, from, EditKind::Expression);
  return out;
}

const RangeEntry* Analyzer::relation_entry(const PgQuery__RangeVar& rv, const Scope* cte_scope) {
  RangeEntry& e = new_entry();
  const std::string_view name = sv(rv.relname);
  const bool aliased = rv.alias != nullptr && !sv(rv.alias->aliasname).empty();
  e.refname = aliased ? sv(rv.alias->aliasname) : name;
  e.aliased = aliased;
  const Columns* cte = sv(rv.schemaname).empty() ? find_cte(name, cte_scope) : nullptr;
  if (cte != nullptr) {
    e.kind = RangeEntry::Kind::Derived;
    e.columns = cte;
    if (rv.alias != nullptr && rv.alias->n_colnames > 0) {
      Columns& renamed = new_columns();
      renamed = *cte;
      renamed.unknown = true;  // positional renames of a CTE: not worth modelling
      e.columns = &renamed;
    }
    return &e;
  }
  e.kind = RangeEntry::Kind::Relation;
  e.schema = sv(rv.schemaname).empty() ? schema_of(name) : sv(rv.schemaname);
  e.relname = name;
  if (rv.alias != nullptr && rv.alias->n_colnames > 0 && expands_pending(e)) {
    block(UntouchedReason::Unsupported, "column aliases on table " + std::string(e.schema) + "." +
                                            std::string(name) + " rename columns by position, which the pending column shifts");
  }
  return &e;
}

std::size_t Analyzer::from_item(const PgQuery__Node* n, Scope& from, const Scope* cte_scope) {
  if (n == nullptr || blocked()) return 0;
  if (is(n, PG_QUERY__NODE__NODE_RANGE_VAR)) {
    from.entries.push_back(relation_entry(*n->range_var, cte_scope));
    return 1;
  }
  if (is(n, PG_QUERY__NODE__NODE_RANGE_SUBSELECT)) {
    const PgQuery__RangeSubselect& rs = *n->range_subselect;
    if (!is(rs.subquery, PG_QUERY__NODE__NODE_SELECT_STMT)) {
      block(UntouchedReason::Unsupported, "unsupported subquery in FROM");
      return 0;
    }
    // A LATERAL subquery sees the FROM items before it; any other sees only the
    // enclosing query levels.
    const Columns* cols = select(*rs.subquery->select_stmt, rs.lateral ? &from : cte_scope, false);
    RangeEntry& e = new_entry();
    e.kind = RangeEntry::Kind::Derived;
    e.aliased = rs.alias != nullptr;
    e.refname = rs.alias != nullptr ? sv(rs.alias->aliasname) : std::string_view();
    e.columns = cols;
    if (rs.alias != nullptr && rs.alias->n_colnames > 0) {
      Columns& renamed = new_columns();
      renamed = *cols;
      if (std::any_of(renamed.cols.begin(), renamed.cols.end(), [](const OutColumn& o) { return o.star_of != nullptr; })) {
        renamed.unknown = true;
      } else {
        for (std::size_t k = 0; k < rs.alias->n_colnames; ++k) {
          std::string nm(sv(node_string(rs.alias->colnames[k])));
          if (k < renamed.cols.size()) renamed.cols[k].name = std::move(nm);
        }
      }
      e.columns = &renamed;
    }
    from.entries.push_back(&e);
    return 1;
  }
  if (is(n, PG_QUERY__NODE__NODE_RANGE_FUNCTION)) {
    const PgQuery__RangeFunction& rf = *n->range_function;
    // Functions in FROM may refer to the items before them (implicit LATERAL).
    for (std::size_t i = 0; i < rf.n_functions; ++i) walk(rf.functions[i], from, EditKind::Expression);
    RangeEntry& e = new_entry();
    e.aliased = rf.alias != nullptr;
    e.refname = rf.alias != nullptr ? sv(rf.alias->aliasname) : std::string_view();
    if (e.refname.empty() && rf.n_functions == 1 && is(rf.functions[0], PG_QUERY__NODE__NODE_LIST) &&
        rf.functions[0]->list->n_items > 0 && is(rf.functions[0]->list->items[0], PG_QUERY__NODE__NODE_FUNC_CALL)) {
      const PgQuery__FuncCall& fc = *rf.functions[0]->list->items[0]->func_call;
      if (fc.n_funcname > 0) e.refname = sv(node_string(fc.funcname[fc.n_funcname - 1]));
    }
    const bool named = (rf.alias != nullptr && rf.alias->n_colnames > 0) || rf.n_coldeflist > 0;
    if (named) {
      Columns& cols = new_columns();
      if (rf.alias != nullptr) {
        for (std::size_t k = 0; k < rf.alias->n_colnames; ++k) cols.cols.push_back(OutColumn{std::string(sv(node_string(rf.alias->colnames[k])))});
      }
      for (std::size_t k = 0; k < rf.n_coldeflist; ++k) {
        if (is(rf.coldeflist[k], PG_QUERY__NODE__NODE_COLUMN_DEF)) cols.cols.push_back(OutColumn{std::string(sv(rf.coldeflist[k]->column_def->colname))});
      }
      e.kind = RangeEntry::Kind::Derived;
      e.columns = &cols;
    } else {
      e.kind = RangeEntry::Kind::Opaque;
    }
    from.entries.push_back(&e);
    return 1;
  }
  if (is(n, PG_QUERY__NODE__NODE_JOIN_EXPR)) {
    const PgQuery__JoinExpr& j = *n->join_expr;
    const std::size_t before = from.entries.size();
    from_item(j.larg, from, cte_scope);
    from_item(j.rarg, from, cte_scope);
    if (blocked()) return 0;
    if (j.is_natural || j.n_using_clause > 0) from.merged_columns = true;
    if (j.is_natural) {
      for (std::size_t k = before; k < from.entries.size(); ++k) {
        if (expands_pending(*from.entries[k])) {
          block(UntouchedReason::Unsupported, "NATURAL JOIN over a table with a pending column: its join columns depend on the column");
          return 0;
        }
      }
    }
    for (std::size_t u = 0; u < j.n_using_clause; ++u) {
      const char* name = node_string(j.using_clause[u]);
      if (name != nullptr && missing_.is_pending_name(name)) {
        for (std::size_t k = before; k < from.entries.size(); ++k) {
          if (lookup(*from.entries[k], name).has == Has::Pending) {
            block(UntouchedReason::Unsupported, std::string("JOIN ... USING (") + name + ") joins on a pending column");
            return 0;
          }
        }
      }
    }
    walk(j.quals, from, EditKind::Expression);
    if (j.alias != nullptr) {
      // An aliased join hides the names of the items inside it.
      RangeEntry& e = new_entry();
      e.kind = RangeEntry::Kind::Join;
      e.aliased = true;
      e.refname = sv(j.alias->aliasname);
      e.children.assign(from.entries.begin() + static_cast<std::ptrdiff_t>(before), from.entries.end());
      from.entries.resize(before);
      from.entries.push_back(&e);
      return 1;
    }
    return from.entries.size() - before;
  }
  if (is(n, PG_QUERY__NODE__NODE_RANGE_TABLE_SAMPLE)) {
    const PgQuery__RangeTableSample& ts = *n->range_table_sample;
    const std::size_t k = from_item(ts.relation, from, cte_scope);
    for (std::size_t i = 0; i < ts.n_args; ++i) walk(ts.args[i], from, EditKind::Expression);
    walk(ts.repeatable, from, EditKind::Expression);
    return k;
  }
  if (is(n, PG_QUERY__NODE__NODE_RANGE_TABLE_FUNC)) {
    walk_message(&n->range_table_func->base, from, EditKind::Expression);
    RangeEntry& e = new_entry();
    e.kind = RangeEntry::Kind::Opaque;
    e.refname = n->range_table_func->alias != nullptr ? sv(n->range_table_func->alias->aliasname) : std::string_view();
    from.entries.push_back(&e);
    return 1;
  }
  block(UntouchedReason::Unsupported, "unsupported FROM item");
  return 0;
}

// ---------------------------------------------------------------- output lists

const Columns* Analyzer::target_list(PgQuery__Node** items, std::size_t n, const Scope& scope, EditKind kind,
                                     bool client_visible, const std::vector<bool>* removed) {
  Columns& out = new_columns();
  std::optional<std::vector<Extent>> extents;
  bool extents_tried = false;
  // Item extents are needed only to add an alias after an item; computed once.
  auto item_extent = [&](std::size_t i) -> const Extent* {
    if (!extents_tried) {
      extents_tried = true;
      std::vector<int> starts;
      starts.reserve(n);
      for (std::size_t k = 0; k < n; ++k) starts.push_back(items[k]->res_target->location);
      extents = tokens_.list_items(starts, stmt_end_tok_);
    }
    return extents ? &(*extents)[i] : nullptr;
  };
  for (std::size_t k = 0; k < n; ++k) {
    if (!is(items[k], PG_QUERY__NODE__NODE_RES_TARGET)) {
      block(UntouchedReason::Unsupported, "unexpected node in an output list");
      return &out;
    }
  }
  for (std::size_t i = 0; i < n && !blocked(); ++i) {
    const PgQuery__ResTarget& rt = *items[i]->res_target;
    const PgQuery__Node* val = rt.val;
    const std::string_view alias = sv(rt.name);

    if (is(val, PG_QUERY__NODE__NODE_COLUMN_REF) && is_star_ref(*val->column_ref)) {
      const PgQuery__ColumnRef& ref = *val->column_ref;
      std::vector<const RangeEntry*> expanded;
      if (ref.n_fields == 1) {
        expanded = scope.entries;
      } else {
        bool ambiguous = false;
        const RangeEntry* e = nullptr;
        if (ref.n_fields == 2) e = find_entry(sv(node_string(ref.fields[0])), scope, ambiguous);
        if (ref.n_fields == 3) e = find_relation(sv(node_string(ref.fields[0])), sv(node_string(ref.fields[1])), scope);
        if (e != nullptr) {
          expanded.push_back(e);
        } else {
          out.unknown = true;
        }
      }
      for (const RangeEntry* e : expanded) out.cols.push_back(OutColumn{std::string(), e});
      if (client_visible && std::any_of(expanded.begin(), expanded.end(), [&](const RangeEntry* e) { return expands_pending(*e); })) {
        const Extent* ie = item_extent(i);
        if (ie == nullptr) {
          block(UntouchedReason::Unsupported, "could not find the extent of an output item");
          break;
        }
        expand_star(ref, expanded, scope, kind, *ie);
      }
      continue;
    }
    if (removed != nullptr && i < removed->size() && (*removed)[i]) {
      out.cols.push_back(OutColumn{std::string(alias)});  // the caller removes the item's text
      continue;
    }
    const Figure fig = figure(val);
    const std::string name = !alias.empty() ? std::string(alias) : std::string(fig.strength > 0 ? fig.name : "?column?");

    if (is(val, PG_QUERY__NODE__NODE_COLUMN_REF)) {
      const PgQuery__ColumnRef& ref = *val->column_ref;
      const char* last = node_string(ref.fields[ref.n_fields - 1]);
      if (last != nullptr && missing_.is_pending_name(last)) {
        const Resolved r = resolve(ref, scope);
        if (r.has == Has::Unknown) {
          block(UntouchedReason::Ambiguous, r.why);
          break;
        }
        if (r.has == Has::Pending) {
          // The whole output item is the reference: `NULL::type AS "name"`, or
          // `NULL::type` before the statement's own alias.
          replace_ref(ref, r, kind, Form::Bare);
          if (alias.empty()) {
            const Extent* ie = item_extent(i);
            if (ie == nullptr) {
              block(UntouchedReason::Unsupported, "could not find the extent of an output item");
              break;
            }
            add_edit(ie->end, ie->end, " AS " + quote_ident(name));
          }
          out.cols.push_back(OutColumn{name});
          continue;
        }
      } else {
        column_ref(ref, scope, kind);
      }
      out.cols.push_back(OutColumn{name});
      continue;
    }

    walk(val, scope, EditKind::Expression);  // nested: not the output item itself
    // The output name came from a reference that is now a constant: keep it.
    if (alias.empty() && fig.source != nullptr && replaced(fig.source) && !blocked()) {
      const Extent* ie = item_extent(i);
      if (ie == nullptr) {
        block(UntouchedReason::Unsupported, "could not find the extent of an output item");
        break;
      }
      add_edit(ie->end, ie->end, " AS " + quote_ident(name));
    }
    out.cols.push_back(OutColumn{name});
  }
  return &out;
}

void Analyzer::expand_star(const PgQuery__ColumnRef& ref, const std::vector<const RangeEntry*>& expanded,
                           const Scope& scope, EditKind kind, Extent item) {
  // What each entry's `*` gains: the typed NULLs of its pending columns to expand.
  std::vector<std::string> gains(expanded.size());
  std::vector<const PendingColumn*> first_of(expanded.size(), nullptr);
  std::size_t gaining = 0;
  std::size_t last_gaining = 0;
  for (std::size_t k = 0; k < expanded.size(); ++k) {
    const RangeEntry& e = *expanded[k];
    if (!expands_pending(e)) continue;
    if (e.kind != RangeEntry::Kind::Relation) {
      block(UntouchedReason::SelectStar,
            "`*` expands a subquery or join over a table with a pending column, whose shape pgshim does not know");
      return;
    }
    for (const PendingColumn& pc : missing_.columns()) {
      if (pc.schema != e.schema || pc.table != e.relname || pc.star != StarMode::Expand || !pc.replaced_by_value()) continue;
      gains[k] += ", " + typed_value(pc) + " AS " + quote_ident(pc.column);
      if (first_of[k] == nullptr) first_of[k] = &pc;
      record(kind, pc, item.begin);
    }
    if (!gains[k].empty()) {
      ++gaining;
      last_gaining = k;
    }
  }
  if (gaining == 0) return;  // every pending column there is `star: leave`
  if (gaining == 1 && last_gaining + 1 == expanded.size()) {
    // The table with the column comes last: its columns end the expansion.
    add_edit(item.end, item.end, std::move(gains[last_gaining]));
    return;
  }
  // Otherwise `*` is spelled out entry by entry, which is the same list only
  // when no USING/NATURAL join merged columns to the front, and each entry can
  // be named unambiguously.
  if (ref.n_fields != 1 || scope.merged_columns) {
    block(UntouchedReason::SelectStar,
          "`*` over a JOIN ... USING with a pending column in a table other than the last");
    return;
  }
  std::string list;
  for (std::size_t k = 0; k < expanded.size(); ++k) {
    const RangeEntry& e = *expanded[k];
    bool ambiguous = false;
    if (e.refname.empty() || find_entry(e.refname, scope, ambiguous) != &e || ambiguous) {
      block(UntouchedReason::SelectStar, "`*` over FROM items that cannot each be named");
      return;
    }
    if (!list.empty()) list += ", ";
    list += quote_ident(e.refname) + ".*" + gains[k];
  }
  add_edit(item.begin, item.end, std::move(list));
}

// FigureColname (parse_target.c): the output name PostgreSQL gives an unaliased
// output item, its strength, and the column reference it came from, if any.
Analyzer::Figure Analyzer::figure(const PgQuery__Node* n) const {
  if (n == nullptr) return {};
  if (is(n, PG_QUERY__NODE__NODE_COLUMN_REF)) {
    const PgQuery__ColumnRef& ref = *n->column_ref;
    if (ref.n_fields == 0) return {};
    const char* last = node_string(ref.fields[ref.n_fields - 1]);
    if (last == nullptr) return {};
    return Figure{last, 2, &ref};
  }
  if (is(n, PG_QUERY__NODE__NODE_A_INDIRECTION)) {
    const PgQuery__AIndirection& ind = *n->a_indirection;
    const char* fname = nullptr;
    for (std::size_t i = 0; i < ind.n_indirection; ++i) {
      if (const char* s = node_string(ind.indirection[i])) fname = s;
    }
    if (fname != nullptr) return Figure{fname, 2, nullptr};
    return figure(ind.arg);
  }
  if (is(n, PG_QUERY__NODE__NODE_FUNC_CALL)) {
    const PgQuery__FuncCall& fc = *n->func_call;
    if (fc.n_funcname == 0) return {};
    return Figure{sv(node_string(fc.funcname[fc.n_funcname - 1])), 2, nullptr};
  }
  if (is(n, PG_QUERY__NODE__NODE_A_EXPR)) {
    if (n->a_expr->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF) return Figure{"nullif", 2, nullptr};
    return {};
  }
  if (is(n, PG_QUERY__NODE__NODE_TYPE_CAST)) {
    Figure f = figure(n->type_cast->arg);
    if (f.strength <= 1 && n->type_cast->type_name != nullptr && n->type_cast->type_name->n_names > 0) {
      const PgQuery__TypeName& t = *n->type_cast->type_name;
      return Figure{sv(node_string(t.names[t.n_names - 1])), 1, nullptr};
    }
    return f;
  }
  if (is(n, PG_QUERY__NODE__NODE_COLLATE_CLAUSE)) return figure(n->collate_clause->arg);
  if (is(n, PG_QUERY__NODE__NODE_GROUPING_FUNC)) return Figure{"grouping", 2, nullptr};
  if (is(n, PG_QUERY__NODE__NODE_SUB_LINK)) {
    const PgQuery__SubLink& sl = *n->sub_link;
    if (sl.sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK) return Figure{"exists", 2, nullptr};
    if (sl.sub_link_type == PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK) return Figure{"array", 2, nullptr};
    if (sl.sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK && is(sl.subselect, PG_QUERY__NODE__NODE_SELECT_STMT)) {
      const PgQuery__SelectStmt& ss = *sl.subselect->select_stmt;
      if (ss.n_target_list > 0 && is(ss.target_list[0], PG_QUERY__NODE__NODE_RES_TARGET)) {
        const PgQuery__ResTarget& rt = *ss.target_list[0]->res_target;
        if (!sv(rt.name).empty()) return Figure{sv(rt.name), 2, nullptr};
        Figure f = figure(rt.val);
        return Figure{f.strength > 0 ? f.name : std::string_view("?column?"), 2, nullptr};
      }
    }
    return {};
  }
  if (is(n, PG_QUERY__NODE__NODE_CASE_EXPR)) {
    Figure f = figure(n->case_expr->defresult);
    if (f.strength <= 1) return Figure{"case", 1, nullptr};
    return f;
  }
  if (is(n, PG_QUERY__NODE__NODE_A_ARRAY_EXPR)) return Figure{"array", 2, nullptr};
  if (is(n, PG_QUERY__NODE__NODE_ROW_EXPR)) return Figure{"row", 2, nullptr};
  if (is(n, PG_QUERY__NODE__NODE_COALESCE_EXPR)) return Figure{"coalesce", 2, nullptr};
  if (is(n, PG_QUERY__NODE__NODE_MIN_MAX_EXPR)) {
    return Figure{n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "greatest" : "least", 2, nullptr};
  }
  return {};
}

// ---------------------------------------------------------------- expressions

void Analyzer::walk(const PgQuery__Node* n, const Scope& scope, EditKind kind) {
  if (n == nullptr || blocked()) return;
  if (is(n, PG_QUERY__NODE__NODE_COLUMN_REF)) {
    column_ref(*n->column_ref, scope, kind);
  } else if (is(n, PG_QUERY__NODE__NODE_FUNC_CALL)) {
    whole_row_args(*n->func_call, scope, kind);
    walk_message(&n->base, scope, kind);
  } else if (is(n, PG_QUERY__NODE__NODE_SELECT_STMT)) {
    select(*n->select_stmt, &scope, false);  // a subquery: a new, inner query level
  } else if (is(n, PG_QUERY__NODE__NODE_INSERT_STMT) || is(n, PG_QUERY__NODE__NODE_UPDATE_STMT) ||
             is(n, PG_QUERY__NODE__NODE_DELETE_STMT)) {
    block(UntouchedReason::Unsupported, "data-modifying statement in an unexpected place");
  } else {
    walk_message(&n->base, scope, kind);
  }
}

// Visits every node below `m` generically, through the protobuf-c descriptors,
// so that expression node types the rewriter has no business with (operators,
// functions, CASE, arrays, windows, ...) need no code of their own.
void Analyzer::walk_message(const ProtobufCMessage* m, const Scope& scope, EditKind kind) {
  if (blocked()) return;
  for_each_child(m, [&](const ProtobufCMessage* child) {
    if (child != nullptr && child->descriptor == &pg_query__node__descriptor) {
      walk(reinterpret_cast<const PgQuery__Node*>(child), scope, kind);
    } else {
      walk_message(child, scope, kind);
    }
    return blocked();
  });
}

void Analyzer::column_ref(const PgQuery__ColumnRef& ref, const Scope& scope, EditKind kind) {
  const std::size_t n = ref.n_fields;
  if (n == 0) return;
  const char* last = node_string(ref.fields[n - 1]);
  if (last == nullptr) return;  // `t.*`
  if (!missing_.is_pending_name(last)) {
    // A field of a composite pending column (`last_error.f`, `t.last_error.f`)
    // would need its type: leave the statement alone.
    bool ambiguous = false;
    const char* f0 = node_string(ref.fields[0]);
    if (n == 2 && f0 != nullptr && missing_.is_pending_name(f0) && find_entry(f0, scope, ambiguous) == nullptr &&
        resolve_unqualified(f0, scope).has == Has::Pending) {
      block(UntouchedReason::Unsupported, std::string("field selection from pending column ") + f0);
    }
    const char* f1 = n == 3 ? node_string(ref.fields[1]) : nullptr;
    if (f0 != nullptr && f1 != nullptr && missing_.is_pending_name(f1) && find_relation(f0, f1, scope) == nullptr) {
      const RangeEntry* e = find_entry(f0, scope, ambiguous);
      if (e != nullptr && lookup(*e, f1).has == Has::Pending) {
        block(UntouchedReason::Unsupported, std::string("field selection from pending column ") + f1);
      }
    }
    return;
  }
  const Resolved r = resolve(ref, scope);
  switch (r.has) {
    case Has::Pending:
      replace_ref(ref, r, kind, Form::Paren);
      return;
    case Has::Unknown:
      block(UntouchedReason::Ambiguous, r.why);
      return;
    case Has::Real:
    case Has::No:
      return;
  }
}

// A function argument that is a bare FROM-item name is that item's whole row
// (PostgreSQL tries a column of that name first: pgshim knows the columns of
// no table but the pending columns', so a table with a column named like the
// alias would be misread; such names are not seen in practice). The migrated
// row has the pending columns last: the argument becomes a row of the same
// columns, named, with the typed values appended — a record whose JSON, text
// and hstore forms are the migrated row's.
void Analyzer::whole_row_args(const PgQuery__FuncCall& call, const Scope& scope, EditKind kind) {
  for (std::size_t i = 0; i < call.n_args && !blocked(); ++i) {
    const PgQuery__Node* arg = call.args[i];
    if (!is(arg, PG_QUERY__NODE__NODE_COLUMN_REF) || arg->column_ref->n_fields != 1) continue;
    const char* name = node_string(arg->column_ref->fields[0]);
    if (name == nullptr || missing_.is_pending_name(name)) continue;
    bool ambiguous = false;
    const RangeEntry* e = find_entry(name, scope, ambiguous);
    if (e == nullptr || ambiguous || e->kind != RangeEntry::Kind::Relation || !expands_pending(*e)) continue;
    std::string gains;
    const PendingColumn* first = nullptr;
    for (const PendingColumn& pc : missing_.columns()) {
      if (pc.schema != e->schema || pc.table != e->relname || pc.star != StarMode::Expand || !pc.replaced_by_value()) continue;
      gains += ", " + typed_value(pc) + " AS " + quote_ident(pc.column);
      if (first == nullptr) first = &pc;
    }
    if (first == nullptr) continue;  // `star: leave`: the row keeps its shape
    const std::optional<Extent> ext = tokens_.column_ref(arg->column_ref->location, 1);
    if (!ext) {
      block(UntouchedReason::Unsupported, "could not find the tokens of a whole-row reference");
      return;
    }
    add_edit(ext->begin, ext->end,
             "(SELECT pgshim_migrated FROM (SELECT " + std::string(text(*ext)) + ".*" + gains + ") AS pgshim_migrated)");
    for (const PendingColumn& pc : missing_.columns()) {
      if (pc.schema == e->schema && pc.table == e->relname && pc.star == StarMode::Expand && pc.replaced_by_value()) {
        record(kind, pc, ext->begin);
      }
    }
  }
}

void Analyzer::replace_ref(const PgQuery__ColumnRef& ref, const Resolved& r, EditKind kind, Form form) {
  const std::optional<Extent> ext = tokens_.column_ref(ref.location, ref.n_fields);
  if (!ext) {
    block(UntouchedReason::Unsupported,
          "could not find the tokens of the column reference at offset " + std::to_string(ref.location));
    return;
  }
  if (r.pending->kind == ColumnKind::Renamed) {
    // Only the column's own name changes: `e.old` -> `e."new"`.
    const std::size_t last = tokens_.first_at_or_after(static_cast<int>(ext->end)) - 1;
    add_edit(static_cast<std::size_t>(tokens_[last].start), ext->end, quote_ident(r.pending->renamed_to));
    record(EditKind::Renamed, *r.pending, ext->begin);
    replaced_.push_back(&ref);
    return;
  }
  std::string value = typed_value(*r.pending);
  switch (form) {
    case Form::Paren:
      value = "(" + value + ")";
      break;
    case Form::Bare:
      break;
  }
  const EditKind k = (r.entry != nullptr && r.entry->qualified_only) ? EditKind::Excluded : kind;
  add_edit(ext->begin, ext->end, std::move(value));
  record(k, *r.pending, ext->begin);
  replaced_.push_back(&ref);
}

std::string Analyzer::typed_value(const PendingColumn& pc) const {
  if (pc.default_expr.empty()) return "NULL::" + pc.type;
  return "(" + pc.default_expr + ")::" + pc.type;
}

bool Analyzer::replaced(const PgQuery__ColumnRef* ref) const {
  return std::find(replaced_.begin(), replaced_.end(), ref) != replaced_.end();
}

// ---------------------------------------------------------------- resolution

Analyzer::Resolved Analyzer::resolve(const PgQuery__ColumnRef& ref, const Scope& scope) const {
  const std::size_t n = ref.n_fields;
  const std::string_view col = sv(node_string(ref.fields[n - 1]));
  if (n == 1) return resolve_unqualified(col, scope);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (node_string(ref.fields[i]) == nullptr) return {};
  }
  const RangeEntry* e = nullptr;
  if (n == 2) {
    bool ambiguous = false;
    e = find_entry(sv(node_string(ref.fields[0])), scope, ambiguous);
    if (ambiguous) {
      Resolved r;
      r.has = Has::Unknown;
      r.why = "table reference \"" + std::string(sv(node_string(ref.fields[0]))) + "\" is ambiguous";
      return r;
    }
  } else if (n == 3) {
    e = find_relation(sv(node_string(ref.fields[0])), sv(node_string(ref.fields[1])), scope);
  } else if (n == 4) {
    e = find_relation(sv(node_string(ref.fields[1])), sv(node_string(ref.fields[2])), scope);
  }
  if (e == nullptr) return {};
  Resolved r = lookup(*e, col);
  r.entry = e;
  if (r.has == Has::Unknown && r.why.empty()) {
    r.why = "cannot tell whether \"" + std::string(e->refname) + "\".\"" + std::string(col) + "\" is a pending column";
  }
  return r;
}

Analyzer::Resolved Analyzer::resolve_unqualified(std::string_view col, const Scope& scope) const {
  std::string unknown_names;
  for (const Scope* s = &scope; s != nullptr; s = s->parent) {
    int real = 0;
    int pending = 0;
    int unknown = 0;
    Resolved found;
    for (const RangeEntry* e : s->entries) {
      if (e->qualified_only) continue;
      Resolved r = lookup(*e, col);
      switch (r.has) {
        case Has::Real:
          ++real;
          break;
        case Has::Pending:
          ++pending;
          found = r;
          found.entry = e;
          break;
        case Has::Unknown:
          ++unknown;
          if (!unknown_names.empty()) unknown_names += ", ";
          if (e->kind == RangeEntry::Kind::Relation) {
            unknown_names.append(e->schema).append(".").append(e->relname);
          } else {
            unknown_names.append("\"").append(e->refname).append("\"");
          }
          break;
        case Has::No:
          break;
      }
    }
    if (real > 0) return {};  // PostgreSQL resolves it to a table that has it
    if (pending > 1) {
      Resolved r;
      r.has = Has::Unknown;
      r.why = "unqualified \"" + std::string(col) + "\" is ambiguous between tables with the pending column";
      return r;
    }
    if (pending == 1 && unknown_names.empty()) return found;
    if (pending == 1) {
      Resolved r;
      r.has = Has::Unknown;
      r.why = "unqualified \"" + std::string(col) + "\" might be a column of " + unknown_names +
              (facts_ == nullptr ? " (no catalog facts given)" : "");
      return r;
    }
  }
  return {};
}

const RangeEntry* Analyzer::find_entry(std::string_view refname, const Scope& scope, bool& ambiguous) const {
  ambiguous = false;
  for (const Scope* s = &scope; s != nullptr; s = s->parent) {
    const RangeEntry* hit = nullptr;
    for (const RangeEntry* e : s->entries) {
      if (e->refname == refname) {
        if (hit != nullptr) {
          ambiguous = true;
          return nullptr;
        }
        hit = e;
      }
    }
    if (hit != nullptr) return hit;
  }
  return nullptr;
}

const RangeEntry* Analyzer::find_relation(std::string_view schema, std::string_view relname, const Scope& scope) const {
  for (const Scope* s = &scope; s != nullptr; s = s->parent) {
    for (const RangeEntry* e : s->entries) {
      if (e->kind == RangeEntry::Kind::Relation && !e->aliased && !e->qualified_only && e->relname == relname &&
          e->schema == schema) {
        return e;
      }
    }
  }
  return nullptr;
}

Analyzer::Resolved Analyzer::lookup(const RangeEntry& e, std::string_view col) const {
  Resolved r;
  switch (e.kind) {
    case RangeEntry::Kind::Relation:
      if (const PendingColumn* pc = missing_.find(e.schema, e.relname, col)) {
        r.has = Has::Pending;
        r.pending = pc;
      } else if (facts_ != nullptr) {
        r.has = facts_->has(col, e.schema, e.relname) ? Has::Real : Has::No;
      } else {
        r.has = Has::Unknown;
      }
      return r;
    case RangeEntry::Kind::Opaque:
      r.has = Has::Unknown;
      return r;
    case RangeEntry::Kind::Derived:
    case RangeEntry::Kind::Join: {
      int real = 0;
      int pending = 0;
      int unknown = 0;
      auto tally = [&](const Resolved& x) {
        switch (x.has) {
          case Has::Real:
            ++real;
            break;
          case Has::Pending:
            ++pending;
            r.pending = x.pending;
            break;
          case Has::Unknown:
            ++unknown;
            break;
          case Has::No:
            break;
        }
      };
      if (e.kind == RangeEntry::Kind::Join) {
        for (const RangeEntry* c : e.children) tally(lookup(*c, col));
      } else if (e.columns == nullptr) {
        ++unknown;
      } else {
        for (const OutColumn& o : e.columns->cols) {
          if (o.star_of != nullptr) {
            tally(lookup(*o.star_of, col));
          } else if (o.name == col) {
            ++real;
          }
        }
        if (e.columns->unknown) ++unknown;
      }
      if (unknown > 0 || real + pending > 1) {
        r.has = Has::Unknown;
        r.pending = nullptr;
      } else if (real == 1) {
        r.has = Has::Real;
        r.pending = nullptr;
      } else if (pending == 1) {
        r.has = Has::Pending;
      } else {
        r.has = Has::No;
      }
      return r;
    }
  }
  return r;
}

bool Analyzer::expands_pending(const RangeEntry& e) const {
  switch (e.kind) {
    case RangeEntry::Kind::Relation:
      // A renamed column keeps its position: `*` keeps its shape (under the new name).
      return std::any_of(missing_.columns().begin(), missing_.columns().end(), [&](const PendingColumn& pc) {
        return pc.schema == e.schema && pc.table == e.relname && pc.replaced_by_value();
      });
    case RangeEntry::Kind::Derived:
      return e.columns != nullptr && std::any_of(e.columns->cols.begin(), e.columns->cols.end(), [&](const OutColumn& o) {
               return o.star_of != nullptr && expands_pending(*o.star_of);
             });
    case RangeEntry::Kind::Join:
      return std::any_of(e.children.begin(), e.children.end(), [&](const RangeEntry* c) { return expands_pending(*c); });
    case RangeEntry::Kind::Opaque:
      return false;
  }
  return false;
}

const Columns* Analyzer::find_cte(std::string_view name, const Scope* scope) const {
  for (const Scope* s = scope; s != nullptr; s = s->parent) {
    for (auto it = s->ctes.rbegin(); it != s->ctes.rend(); ++it) {
      if (it->first == name) return it->second;
    }
  }
  return nullptr;
}

// ---------------------------------------------------------------- edits

void Analyzer::add_edit(std::size_t begin, std::size_t end, std::string text) {
  text_edits_.push_back(TextEdit{begin, end, std::move(text)});
}

bool Analyzer::rename_at(int location, const PendingColumn& pc, EditKind kind) {
  const std::optional<Extent> e = tokens_.column_ref(location, 1);
  if (!e) {
    block(UntouchedReason::Unsupported, "could not find the tokens of renamed column " + pc.column);
    return false;
  }
  add_edit(e->begin, e->end, quote_ident(pc.renamed_to));
  record(kind, pc, e->begin);
  return true;
}

void Analyzer::record(EditKind kind, const PendingColumn& pc, std::size_t offset) {
  edits_.push_back(Edit{kind, pc.schema, pc.table, pc.column, offset});
}

bool Analyzer::remove_items(const std::vector<Extent>& items, const std::vector<bool>& removed) {
  const std::size_t n = items.size();
  std::size_t i = 0;
  bool any_kept = false;
  for (std::size_t k = 0; k < n; ++k) any_kept = any_kept || !removed[k];
  if (!any_kept) return false;
  removed_anything_ = true;
  while (i < n) {
    if (!removed[i]) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < n && removed[j]) ++j;
    // A run [i, j): take the separator before it, or after it when it leads.
    if (i > 0) {
      add_edit(items[i - 1].end, items[j - 1].end, std::string());
    } else {
      add_edit(items[0].begin, items[j].begin, std::string());
    }
    i = j;
  }
  return true;
}

void Analyzer::note_dropped_value(EditKind kind, const PendingColumn& pc, std::size_t row, const PgQuery__Node* value,
                                  Extent value_extent, std::vector<StatedValue> key) {
  removed_anything_ = true;
  DroppedValue dv;
  dv.kind = kind;
  dv.schema = pc.schema;
  dv.table = pc.table;
  dv.column = pc.column;
  dv.statement = stmt_index_;
  dv.row = row;
  dv.value.column = pc.column;
  dv.value.parameter = bare_param(value);
  dv.value.expression = std::string(text(value_extent));
  dv.key = std::move(key);
  dropped_values_.push_back(std::move(dv));

  // The type each parameter of the value would have been inferred as.
  auto note = [&](int number, std::string type) {
    for (const auto& p : dropped_param_types_) {
      if (p.first == number) return;
    }
    dropped_param_types_.emplace_back(number, std::move(type));
  };
  const PgQuery__Node* v = value;
  const PgQuery__TypeCast* innermost_cast = nullptr;
  while (is(v, PG_QUERY__NODE__NODE_TYPE_CAST)) {
    innermost_cast = v->type_cast;
    v = v->type_cast->arg;
  }
  if (is(v, PG_QUERY__NODE__NODE_PARAM_REF)) {
    std::string type = innermost_cast != nullptr && innermost_cast->type_name != nullptr
                           ? type_name_text(*innermost_cast->type_name)
                           : std::string();
    note(v->param_ref->number, type.empty() ? pc.type : std::move(type));
    return;
  }
  std::vector<std::pair<int, int>> params;
  collect_params(value, params);
  for (const auto& p : params) note(p.first, pc.type);
}

std::string Analyzer::type_name_text(const PgQuery__TypeName& t) const {
  std::string out;
  for (std::size_t i = 0; i < t.n_names; ++i) {
    const char* s = node_string(t.names[i]);
    if (s == nullptr) return {};
    if (i > 0) out += '.';
    append_type_name_part(out, s);
  }
  if (t.n_typmods > 0) {
    out += '(';
    for (std::size_t i = 0; i < t.n_typmods; ++i) {
      const PgQuery__Node* m = t.typmods[i];
      if (!is(m, PG_QUERY__NODE__NODE_A_CONST) || m->a_const->val_case != PG_QUERY__A__CONST__VAL_IVAL) return {};
      if (i > 0) out += ',';
      out += std::to_string(m->a_const->ival->ival);
    }
    out += ')';
  }
  for (std::size_t i = 0; i < t.n_array_bounds; ++i) out += "[]";
  return out;
}

void Analyzer::collect_params(const PgQuery__Node* n, std::vector<std::pair<int, int>>& out) const {
  if (n == nullptr) return;
  if (is(n, PG_QUERY__NODE__NODE_PARAM_REF)) {
    out.emplace_back(n->param_ref->number, n->param_ref->location);
    return;
  }
  collect_params_message(&n->base, out);
}

void Analyzer::collect_params_message(const ProtobufCMessage* m, std::vector<std::pair<int, int>>& out) const {
  for_each_child(m, [&](const ProtobufCMessage* child) {
    if (child != nullptr && child->descriptor == &pg_query__node__descriptor) {
      collect_params(reinterpret_cast<const PgQuery__Node*>(child), out);
    } else {
      collect_params_message(child, out);
    }
    return false;
  });
}

std::vector<DroppedParameter> Analyzer::dropped_parameters() const {
  if (!removed_anything_) return {};
  return unreferenced_parameters();
}

std::vector<DroppedParameter> Analyzer::unreferenced_parameters() const {
  std::vector<DroppedParameter> out;
  for (const auto& [number, type] : dropped_param_types_) {
    // `$0` parses but never binds (the server rejects it): nothing to declare.
    if (number < 1) continue;
    // Still referenced if any occurrence lies outside every edited range.
    bool referenced = false;
    for (const auto& [num, loc] : all_params_) {
      if (num != number) continue;
      const auto l = static_cast<std::size_t>(loc);
      const bool inside = std::any_of(text_edits_.begin(), text_edits_.end(),
                                      [&](const TextEdit& e) { return l >= e.begin && l < e.end; });
      if (!inside) {
        referenced = true;
        break;
      }
    }
    if (!referenced) out.push_back(DroppedParameter{number, type});
  }
  std::sort(out.begin(), out.end(), [](const DroppedParameter& a, const DroppedParameter& b) { return a.number < b.number; });
  return out;
}

}  // namespace pgshim::sql::detail
