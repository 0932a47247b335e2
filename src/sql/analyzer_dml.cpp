// INSERT, UPDATE and DELETE (see analyzer.hpp): the statements where a pending
// column is written, so where the rewrite removes text rather than replacing it.
#include <algorithm>

#include "analyzer.hpp"
#include "nodes.hpp"

namespace pgshim::sql::detail {
namespace {

// The column of `target` that `ref` names, or "" if it names another entry's.
// `only_entry`: the target is the only FROM entry, so an unqualified name is its.
[[nodiscard]] std::string_view target_column(const PgQuery__ColumnRef& ref, const RangeEntry& target, bool only_entry) {
  const std::size_t n = ref.n_fields;
  if (n == 0 || is_star_ref(ref)) return {};
  const std::string_view last = sv(node_string(ref.fields[n - 1]));
  if (n == 1) return only_entry ? last : std::string_view();
  if (n == 2 && sv(node_string(ref.fields[0])) == target.refname) return last;
  if (n == 3 && !target.aliased && sv(node_string(ref.fields[0])) == target.schema &&
      sv(node_string(ref.fields[1])) == target.relname) {
    return last;
  }
  return {};
}

// First column of `target` named in `n` (not looking into subqueries, whose
// unqualified names belong to their own FROM), other than a pending one.
[[nodiscard]] std::string_view first_target_column(const PgQuery__Node* n, const RangeEntry& target, bool only_entry,
                                                   const MissingSet& missing);

[[nodiscard]] std::string_view first_target_column_message(const ProtobufCMessage* m, const RangeEntry& target,
                                                           bool only_entry, const MissingSet& missing) {
  std::string_view hit;
  for_each_child(m, [&](const ProtobufCMessage* child) {
    if (child != nullptr && child->descriptor == &pg_query__node__descriptor) {
      hit = first_target_column(reinterpret_cast<const PgQuery__Node*>(child), target, only_entry, missing);
    } else {
      hit = first_target_column_message(child, target, only_entry, missing);
    }
    return !hit.empty();
  });
  return hit;
}

std::string_view first_target_column(const PgQuery__Node* n, const RangeEntry& target, bool only_entry,
                                     const MissingSet& missing) {
  if (n == nullptr || is(n, PG_QUERY__NODE__NODE_SELECT_STMT)) return {};
  if (is(n, PG_QUERY__NODE__NODE_COLUMN_REF)) {
    const std::string_view col = target_column(*n->column_ref, target, only_entry);
    if (!col.empty() && missing.find(target.schema, target.relname, col) == nullptr) return col;
    return {};
  }
  return first_target_column_message(&n->base, target, only_entry, missing);
}

}  // namespace

// The scope a statement's WITH clause opens (`cte_scope`, filled), or `parent`
// when it has none.
const Scope* Analyzer::with_scope(const PgQuery__WithClause* w, Scope& cte_scope, const Scope* parent) {
  if (w == nullptr) return parent;
  with_clause(w, cte_scope);
  return &cte_scope;
}

// The table an INSERT, UPDATE or DELETE writes, as a range entry of its own.
RangeEntry& Analyzer::dml_target(const PgQuery__RangeVar& rv) {
  RangeEntry& target = new_entry();
  target.kind = RangeEntry::Kind::Relation;
  target.schema = sv(rv.schemaname).empty() ? schema_of(sv(rv.relname)) : sv(rv.schemaname);
  target.relname = sv(rv.relname);
  target.aliased = rv.alias != nullptr && !sv(rv.alias->aliasname).empty();
  target.refname = target.aliased ? sv(rv.alias->aliasname) : target.relname;
  return target;
}

const Columns* Analyzer::insert(const PgQuery__InsertStmt& s, const Scope* parent, bool client_visible) {
  if (blocked() || s.relation == nullptr) return &new_columns();
  Scope cte_scope{parent, {}, {}};
  const Scope* base = with_scope(s.with_clause, cte_scope, parent);
  RangeEntry& target = dml_target(*s.relation);
  Scope target_scope{base, {&target}, {}};
  Scope bare{base, {}, {}};

  // Which columns of the column list are pending.
  const std::size_t ncols = s.n_cols;
  std::vector<bool> removed(ncols, false);
  std::vector<const PendingColumn*> pcs(ncols, nullptr);
  std::size_t nremoved = 0;
  for (std::size_t i = 0; i < ncols; ++i) {
    if (!is(s.cols[i], PG_QUERY__NODE__NODE_RES_TARGET)) {
      block(UntouchedReason::Unsupported, "unexpected INSERT column list");
      return &new_columns();
    }
    const PgQuery__ResTarget& rt = *s.cols[i]->res_target;
    const PendingColumn* pc = missing_.find(target.schema, target.relname, sv(rt.name));
    if (pc == nullptr) continue;
    if (pc->kind == ColumnKind::Renamed) {
      if (!rename_at(rt.location, *pc, EditKind::Renamed)) return &new_columns();
      continue;  // the value stays: it is written to the new column
    }
    if (rt.n_indirection > 0) {
      block(UntouchedReason::Unsupported, "INSERT into a subscript or field of pending column " + pc->column);
      return &new_columns();
    }
    removed[i] = true;
    pcs[i] = pc;
    ++nremoved;
  }

  const std::size_t values_before = dropped_values_.size();
  const PgQuery__SelectStmt* ss =
      is(s.select_stmt, PG_QUERY__NODE__NODE_SELECT_STMT) ? s.select_stmt->select_stmt : nullptr;
  const bool is_values = ss != nullptr && ss->n_values_lists > 0 && ss->op == PG_QUERY__SET_OPERATION__SETOP_NONE &&
                         ss->with_clause == nullptr && ss->n_sort_clause == 0 && ss->limit_count == nullptr &&
                         ss->limit_offset == nullptr;
  if (nremoved == 0) {
    if (ss != nullptr) select(*ss, base, false);
  } else {
    // The column list's names, one token each.
    std::vector<Extent> col_ext;
    for (std::size_t i = 0; i < ncols; ++i) {
      const std::optional<Extent> e = tokens_.column_ref(s.cols[i]->res_target->location, 1);
      if (!e) {
        block(UntouchedReason::Unsupported, "could not find the tokens of the INSERT column list");
        return &new_columns();
      }
      col_ext.push_back(*e);
    }
    const bool all_removed = nremoved == ncols;
    if (is_values) {
      const std::size_t last_col = tokens_.at(s.cols[ncols - 1]->res_target->location);
      std::size_t values_tok = last_col;
      while (values_tok < stmt_end_tok_ && tokens_[values_tok].kind != PG_QUERY__TOKEN__VALUES) ++values_tok;
      std::vector<std::size_t> sizes;
      for (std::size_t r = 0; r < ss->n_values_lists; ++r) {
        const PgQuery__Node* row = ss->values_lists[r];
        if (!is(row, PG_QUERY__NODE__NODE_LIST) || row->list->n_items != ncols) {
          block(UntouchedReason::Unsupported, "VALUES row width differs from the INSERT column list");
          return &new_columns();
        }
        sizes.push_back(row->list->n_items);
      }
      const std::optional<TokenStream::ValuesRows> rows = tokens_.values_rows(values_tok, stmt_end_tok_, sizes);
      if (!rows) {
        block(UntouchedReason::Unsupported, "could not find the tokens of the VALUES rows");
        return &new_columns();
      }
      for (std::size_t r = 0; r < ss->n_values_lists && !blocked(); ++r) {
        const PgQuery__List& row = *ss->values_lists[r]->list;
        std::vector<StatedValue> key;
        for (std::size_t i = 0; i < ncols; ++i) {
          if (removed[i]) continue;
          key.push_back(StatedValue{std::string(sv(s.cols[i]->res_target->name)), bare_param(row.items[i]),
                                    std::string(text(rows->items[r][i]))});
        }
        for (std::size_t i = 0; i < ncols; ++i) {
          if (removed[i]) {
            note_dropped_value(EditKind::InsertValue, *pcs[i], r, row.items[i], rows->items[r][i], key);
            if (!all_removed) record(EditKind::InsertValue, *pcs[i], rows->items[r][i].begin);
          } else {
            walk(row.items[i], bare, EditKind::Expression);
          }
        }
        if (!all_removed) remove_items(rows->items[r], removed);
      }
      if (all_removed) {
        // Only pending columns named: the row is all defaults. One row only, or
        // DEFAULT VALUES would insert fewer rows than the client asked for.
        const std::size_t first = tokens_.at(s.cols[0]->res_target->location);
        if (ss->n_values_lists != 1 || first == kNoToken || first == 0 || tokens_[first - 1].kind != '(') {
          block(UntouchedReason::Unsupported, "INSERT names only pending columns over several VALUES rows");
          return &new_columns();
        }
        add_edit(static_cast<std::size_t>(tokens_[first - 1].start), rows->rows[0].end, "DEFAULT VALUES");
        for (std::size_t i = 0; i < ncols; ++i) record(EditKind::DefaultValues, *pcs[i], col_ext[i].begin);
      } else {
        remove_items(col_ext, removed);
        for (std::size_t i = 0; i < ncols; ++i) {
          if (removed[i]) record(EditKind::InsertColumn, *pcs[i], col_ext[i].begin);
        }
      }
    } else if (ss != nullptr && ss->op == PG_QUERY__SET_OPERATION__SETOP_NONE && ss->n_values_lists == 0) {
      // INSERT ... SELECT: the target at the pending column's position goes too.
      if (all_removed || ss->n_target_list != ncols) {
        block(UntouchedReason::Unsupported, all_removed ? "INSERT ... SELECT names only pending columns"
                                                        : "INSERT ... SELECT output width differs from the column list");
        return &new_columns();
      }
      std::vector<int> starts;
      for (std::size_t i = 0; i < ss->n_target_list; ++i) {
        const PgQuery__Node* t = ss->target_list[i];
        if (!is(t, PG_QUERY__NODE__NODE_RES_TARGET) ||
            (is(t->res_target->val, PG_QUERY__NODE__NODE_COLUMN_REF) && is_star_ref(*t->res_target->val->column_ref))) {
          block(UntouchedReason::Unsupported, "INSERT ... SELECT * with a pending column");
          return &new_columns();
        }
        starts.push_back(t->res_target->location);
      }
      select(*ss, base, false, &removed);
      if (blocked()) return &new_columns();
      const std::optional<std::vector<Extent>> targets = tokens_.list_items(starts, stmt_end_tok_);
      if (!targets) {
        block(UntouchedReason::Unsupported, "could not find the tokens of the INSERT ... SELECT list");
        return &new_columns();
      }
      for (std::size_t i = 0; i < ncols; ++i) {
        if (!removed[i]) continue;
        note_dropped_value(EditKind::InsertValue, *pcs[i], 0, ss->target_list[i]->res_target->val, (*targets)[i], {});
        record(EditKind::InsertValue, *pcs[i], (*targets)[i].begin);
        record(EditKind::InsertColumn, *pcs[i], col_ext[i].begin);
      }
      remove_items(*targets, removed);
      remove_items(col_ext, removed);
    } else {
      block(UntouchedReason::Unsupported, "INSERT with a pending column from a set operation or a VALUES with clauses");
      return &new_columns();
    }
  }
  if (blocked()) return &new_columns();

  if (s.on_conflict_clause != nullptr) {
    const PgQuery__OnConflictClause& oc = *s.on_conflict_clause;
    std::string_view conflict_col;
    if (oc.infer != nullptr) {
      for (std::size_t i = 0; i < oc.infer->n_index_elems; ++i) {
        if (!is(oc.infer->index_elems[i], PG_QUERY__NODE__NODE_INDEX_ELEM)) continue;
        const PgQuery__IndexElem& ie = *oc.infer->index_elems[i]->index_elem;
        const std::string_view name = sv(ie.name);
        if (!name.empty()) {
          if (missing_.find(target.schema, target.relname, name) != nullptr) {
            block(UntouchedReason::Unsupported, "ON CONFLICT target names pending or renamed column " + std::string(name));
            return &new_columns();
          }
          if (conflict_col.empty()) conflict_col = name;
        } else {
          walk(ie.expr, target_scope, EditKind::Expression);
        }
      }
      walk(oc.infer->where_clause, target_scope, EditKind::Expression);
    }
    if (oc.action == PG_QUERY__ON_CONFLICT_ACTION__ONCONFLICT_UPDATE) {
      // EXCLUDED is the proposed row: same columns, only reachable qualified.
      RangeEntry& excluded = new_entry();
      excluded = target;
      excluded.refname = "excluded";
      excluded.aliased = true;
      excluded.qualified_only = true;
      Scope conflict_scope{base, {&target, &excluded}, {}};
      const std::size_t n = oc.n_target_list;
      SetList set;
      if (!set_list(oc.target_list, n, target, conflict_scope, "ON CONFLICT SET", set)) return &new_columns();
      const auto& starts = set.starts;
      const auto& dpcs = set.pending;
      const std::size_t ndrop = set.dropped;
      std::vector<bool> drop(n, false);
      for (std::size_t i = 0; i < n; ++i) drop[i] = dpcs[i] != nullptr;
      for (const SetList::GroupDrop& g : set.group_drops) {
        note_dropped_value(EditKind::OnConflictAssignment, *g.pending, 0, g.value, g.extent, {});
      }
      if (ndrop > 0 && !blocked()) {
        const std::optional<std::vector<Extent>> items = tokens_.list_items(starts, stmt_end_tok_);
        if (!items) {
          block(UntouchedReason::Unsupported, "could not find the tokens of the ON CONFLICT SET list");
          return &new_columns();
        }
        for (std::size_t i = 0; i < n; ++i) {
          if (!drop[i]) continue;
          const std::size_t name_tok = tokens_.at(starts[i]);
          if (name_tok == kNoToken || name_tok + 2 >= tokens_.size() || tokens_[name_tok + 1].kind != '=') {
            block(UntouchedReason::Unsupported, "could not find the value of an ON CONFLICT assignment");
            return &new_columns();
          }
          const Extent value{static_cast<std::size_t>(tokens_[name_tok + 2].start), (*items)[i].end};
          note_dropped_value(EditKind::OnConflictAssignment, *dpcs[i], 0, oc.target_list[i]->res_target->val, value, {});
          record(EditKind::OnConflictAssignment, *dpcs[i], (*items)[i].begin);
        }
        if (ndrop == n) {
          // Every assignment was pending: keep DO UPDATE (it locks the row and
          // returns it in RETURNING, which DO NOTHING would not) with a no-op.
          if (conflict_col.empty()) {
            block(UntouchedReason::Unsupported, "ON CONFLICT DO UPDATE sets only pending columns and names no conflict column");
            return &new_columns();
          }
          // Qualified: unqualified, `"id"` would be ambiguous with EXCLUDED's.
          add_edit((*items)[0].begin, (*items)[n - 1].end,
                   quote_ident(conflict_col) + " = " + quote_ident(target.refname) + "." + quote_ident(conflict_col));
          removed_anything_ = true;
          record(EditKind::UpdateSelfAssignment, *dpcs[0], (*items)[0].begin);
        } else {
          remove_items(*items, drop);
        }
      }
      walk(oc.where_clause, conflict_scope, EditKind::Expression);
    }
  }
  const Columns* returned =
      target_list(s.returning_list, s.n_returning_list, target_scope, EditKind::Returning, client_visible, nullptr);
  hide_row_in_returning(s, target, is_values && ss->n_values_lists == 1, values_before, client_visible && parent == nullptr);
  return returned;
}

// See sql::HiddenReturning. The journal needs the written row's key when the
// statement did not state it (a generated id) and, for an upsert, which branch
// ran; RETURNING tells both, so pgshim asks for them there.
void Analyzer::hide_row_in_returning(const PgQuery__InsertStmt& s, const RangeEntry& target, bool single_row,
                                     std::size_t values_before, bool top) {
  if (!hide_written_rows_ || blocked() || !top || !top_level_dml_ || !single_row) return;
  if (dropped_values_.size() == values_before) return;  // nothing of this INSERT is journaled
  const std::string ref = quote_ident(target.refname);
  const std::string columns = "pg_catalog.row_to_json(" + ref + ")::text AS \"pgshim_row\", (" + ref +
                              ".xmax OPERATOR(pg_catalog.=) 0) AS \"pgshim_inserted\"";
  if (s.n_returning_list == 0) {
    // No RETURNING of the client's: one of pgshim's own, answered with
    // exactly its two columns, which the proxy removes whole (the client
    // gets NoData / no rows, as it asked).
    if (stmt_end_tok_ == 0 || stmt_end_tok_ > tokens_.size()) return;
    const std::size_t end = static_cast<std::size_t>(tokens_[stmt_end_tok_ - 1].end);
    add_edit(end, end, " RETURNING " + columns);
    hidden_returning_.push_back(HiddenReturning{stmt_index_});
    return;
  }
  std::vector<int> starts;
  for (std::size_t i = 0; i < s.n_returning_list; ++i) {
    if (!is(s.returning_list[i], PG_QUERY__NODE__NODE_RES_TARGET)) return;
    starts.push_back(s.returning_list[i]->res_target->location);
  }
  const std::optional<std::vector<Extent>> items = tokens_.list_items(starts, stmt_end_tok_);
  if (!items || items->empty()) return;  // the journal then lacks the key: said there, the query is not harmed
  add_edit(items->back().end, items->back().end, ", " + columns);
  hidden_returning_.push_back(HiddenReturning{stmt_index_});
}

bool Analyzer::set_list(PgQuery__Node** items, std::size_t n, const RangeEntry& target, const Scope& scope,
                        std::string_view what, SetList& out) {
  out.pending.assign(n, nullptr);
  out.starts.clear();
  out.dropped = 0;
  for (std::size_t i = 0; i < n && !blocked(); ++i) {
    if (!is(items[i], PG_QUERY__NODE__NODE_RES_TARGET)) {
      block(UntouchedReason::Unsupported, "unexpected " + std::string(what) + " list");
      return false;
    }
    const PgQuery__ResTarget& rt = *items[i]->res_target;
    out.starts.push_back(rt.location);
    const PendingColumn* pc = missing_.find(target.schema, target.relname, sv(rt.name));
    if (pc != nullptr && pc->kind == ColumnKind::Renamed && !is(rt.val, PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF)) {
      // `SET old = v` -> `SET "new" = v`: the value is kept.
      if (!rename_at(rt.location, *pc, EditKind::Renamed)) return false;
      walk(rt.val, scope, EditKind::Expression);
      continue;
    }
    if (is(rt.val, PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF)) {
      // A group's later columns were handled with its first.
      if (rt.val->multi_assign_ref->colno == 1 && !multi_assign(items, i, n, target, scope, out)) return false;
      continue;
    }
    if (pc == nullptr) {
      walk(rt.val, scope, EditKind::Expression);
      continue;
    }
    if (rt.n_indirection > 0) {
      block(UntouchedReason::Unsupported, "assignment to a subscript or field of pending column " + pc->column);
      return false;
    }
    out.pending[i] = pc;
    ++out.dropped;
  }
  return true;
}

// `(c1, ..., cn) = (v1, ..., vn)` / `= ROW(...)` / `= (SELECT x1, ..., xn ...)`:
// a pending column leaves the name list and its value leaves the row (or its
// output leaves the sub-SELECT), so the group stays one assignment of the other
// columns. A single column left from `(a, b) = (x, y)` needs `ROW(x)`: PostgreSQL
// refuses a bare parenthesized value there. A group of only pending columns is
// not handled (untouched).
bool Analyzer::multi_assign(PgQuery__Node** items, std::size_t first, std::size_t n, const RangeEntry& target,
                            const Scope& scope, SetList& out) {
  const PgQuery__MultiAssignRef& head = *items[first]->res_target->val->multi_assign_ref;
  const auto ncol = static_cast<std::size_t>(std::max(head.ncolumns, 0));
  if (ncol == 0 || first + ncol > n) {
    block(UntouchedReason::Unsupported, "unexpected multi-column assignment");
    return false;
  }
  std::vector<bool> removed(ncol, false);
  std::vector<const PendingColumn*> pcs(ncol, nullptr);
  std::vector<Extent> names;
  std::size_t nremoved = 0;
  for (std::size_t k = 0; k < ncol; ++k) {
    const PgQuery__Node* item = items[first + k];
    if (!is(item, PG_QUERY__NODE__NODE_RES_TARGET) || !is(item->res_target->val, PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF) ||
        item->res_target->val->multi_assign_ref->colno != static_cast<int>(k + 1)) {
      block(UntouchedReason::Unsupported, "unexpected multi-column assignment");
      return false;
    }
    const PgQuery__ResTarget& rt = *item->res_target;
    pcs[k] = missing_.find(target.schema, target.relname, sv(rt.name));
    if (pcs[k] != nullptr && pcs[k]->kind == ColumnKind::Renamed) {
      if (!rename_at(rt.location, *pcs[k], EditKind::Renamed)) return false;
      pcs[k] = nullptr;  // renamed in place: the value stays
    }
    if (pcs[k] == nullptr) continue;
    if (rt.n_indirection > 0) {
      block(UntouchedReason::Unsupported, "assignment to a subscript or field of pending column " + pcs[k]->column);
      return false;
    }
    removed[k] = true;
    ++nremoved;
  }
  const PgQuery__Node* source = head.source;
  if (nremoved == 0) {
    walk(source, scope, EditKind::Expression);
    return !blocked();
  }
  if (nremoved == ncol) {
    block(UntouchedReason::Unsupported, "multi-column assignment (a, b) = ... sets only pending columns");
    return false;
  }
  for (std::size_t k = 0; k < ncol; ++k) {
    const std::optional<Extent> e = tokens_.column_ref(items[first + k]->res_target->location, 1);
    if (!e) {
      block(UntouchedReason::Unsupported, "could not find the tokens of a multi-column assignment");
      return false;
    }
    names.push_back(*e);
  }
  std::vector<Extent> values;
  if (is(source, PG_QUERY__NODE__NODE_ROW_EXPR) && source->row_expr->n_args == ncol) {
    const PgQuery__RowExpr& row = *source->row_expr;
    std::size_t open = tokens_.at(row.location);
    const bool explicit_row = open != kNoToken && tokens_[open].kind != '(';
    if (explicit_row) ++open;  // ROW (
    std::optional<std::vector<Extent>> args;
    if (open != kNoToken && open < stmt_end_tok_ && tokens_[open].kind == '(') args = paren_items(open);
    if (!args || args->size() != ncol) {
      block(UntouchedReason::Unsupported, "could not find the tokens of a multi-column assignment's row");
      return false;
    }
    for (std::size_t k = 0; k < ncol; ++k) {
      if (!removed[k]) walk(row.args[k], scope, EditKind::Expression);
    }
    for (std::size_t k = 0; k < ncol; ++k) {
      if (removed[k]) out.group_drops.push_back(SetList::GroupDrop{pcs[k], row.args[k], (*args)[k]});
    }
    values = std::move(*args);
    if (ncol - nremoved == 1 && !explicit_row) {
      const auto at = static_cast<std::size_t>(tokens_[open].start);
      add_edit(at, at, "ROW");
    }
  } else if (is(source, PG_QUERY__NODE__NODE_SUB_LINK) && is(source->sub_link->subselect, PG_QUERY__NODE__NODE_SELECT_STMT)) {
    const PgQuery__SelectStmt& ss = *source->sub_link->subselect->select_stmt;
    if (ss.op != PG_QUERY__SET_OPERATION__SETOP_NONE || ss.n_values_lists > 0 || ss.n_target_list != ncol) {
      block(UntouchedReason::Unsupported, "multi-column assignment from a sub-SELECT of another shape");
      return false;
    }
    std::vector<int> starts;
    for (std::size_t k = 0; k < ncol; ++k) {
      const PgQuery__Node* t = ss.target_list[k];
      if (!is(t, PG_QUERY__NODE__NODE_RES_TARGET) ||
          (is(t->res_target->val, PG_QUERY__NODE__NODE_COLUMN_REF) && is_star_ref(*t->res_target->val->column_ref))) {
        block(UntouchedReason::Unsupported, "multi-column assignment from a sub-SELECT with `*`");
        return false;
      }
      starts.push_back(t->res_target->location);
    }
    select(ss, &scope, false, &removed);
    if (blocked()) return false;
    std::optional<std::vector<Extent>> targets = tokens_.list_items(starts, stmt_end_tok_);
    if (!targets) {
      block(UntouchedReason::Unsupported, "could not find the tokens of a multi-column assignment's sub-SELECT");
      return false;
    }
    for (std::size_t k = 0; k < ncol; ++k) {
      if (removed[k]) out.group_drops.push_back(SetList::GroupDrop{pcs[k], ss.target_list[k]->res_target->val, (*targets)[k]});
    }
    values = std::move(*targets);
  } else {
    block(UntouchedReason::Unsupported, "multi-column assignment from an expression of another shape");
    return false;
  }
  for (std::size_t k = 0; k < ncol; ++k) {
    if (removed[k]) record(EditKind::UpdateAssignment, *pcs[k], names[k].begin);
  }
  remove_items(values, removed);
  remove_items(names, removed);
  return !blocked();
}

std::optional<std::vector<Extent>> Analyzer::paren_items(std::size_t open) const {
  std::vector<Extent> out;
  int depth = 0;
  std::size_t item_begin = open + 1;
  for (std::size_t t = open + 1; t < stmt_end_tok_; ++t) {
    const int k = tokens_[t].kind;
    if (k == '(' || k == '[') ++depth;
    if ((k == ')' || k == ']') && depth > 0) {
      --depth;
      continue;
    }
    if (depth > 0) continue;
    if (k == ',' || k == ')') {
      if (item_begin >= t) return std::nullopt;  // an empty item
      out.push_back(Extent{static_cast<std::size_t>(tokens_[item_begin].start), static_cast<std::size_t>(tokens_[t - 1].end)});
      if (k == ')') return out;
      item_begin = t + 1;
    }
  }
  return std::nullopt;
}

const Columns* Analyzer::update(const PgQuery__UpdateStmt& s, const Scope* parent, bool client_visible) {
  if (blocked() || s.relation == nullptr) return &new_columns();
  Scope cte_scope{parent, {}, {}};
  const Scope* base = with_scope(s.with_clause, cte_scope, parent);
  RangeEntry& target = dml_target(*s.relation);
  Scope scope{base, {&target}, {}};
  for (std::size_t i = 0; i < s.n_from_clause && !blocked(); ++i) from_item(s.from_clause[i], scope, base);
  const bool only_entry = scope.entries.size() == 1;

  const std::size_t n = s.n_target_list;
  SetList set;
  if (!set_list(s.target_list, n, target, scope, "UPDATE SET", set)) return &new_columns();
  const auto& starts = set.starts;
  const auto& pcs = set.pending;
  const std::size_t ndrop = set.dropped;
  std::vector<bool> drop(n, false);
  for (std::size_t i = 0; i < n; ++i) drop[i] = pcs[i] != nullptr;
  walk(s.where_clause, scope, EditKind::Expression);
  if (blocked()) return &new_columns();

  if (ndrop > 0 || !set.group_drops.empty()) {
    // The `col = value` conjuncts of WHERE on the target: the rows' keys.
    std::vector<StatedValue> key;
    std::vector<const PgQuery__Node*> conjuncts{s.where_clause};
    while (!conjuncts.empty()) {
      const PgQuery__Node* c = conjuncts.back();
      conjuncts.pop_back();
      if (is(c, PG_QUERY__NODE__NODE_BOOL_EXPR) && c->bool_expr->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR) {
        for (std::size_t k = c->bool_expr->n_args; k > 0; --k) conjuncts.push_back(c->bool_expr->args[k - 1]);
        continue;
      }
      if (!is(c, PG_QUERY__NODE__NODE_A_EXPR) || c->a_expr->kind != PG_QUERY__A__EXPR__KIND__AEXPR_OP ||
          c->a_expr->n_name != 1 || sv(node_string(c->a_expr->name[0])) != "=") {
        continue;
      }
      const PgQuery__Node* l = c->a_expr->lexpr;
      const PgQuery__Node* r = c->a_expr->rexpr;
      if (!is(l, PG_QUERY__NODE__NODE_COLUMN_REF)) std::swap(l, r);
      if (!is(l, PG_QUERY__NODE__NODE_COLUMN_REF)) continue;
      const std::string_view col = target_column(*l->column_ref, target, only_entry);
      if (col.empty()) continue;
      const int param = bare_param(r);
      std::string value;
      if (param > 0) {
        value = "$" + std::to_string(param);
      } else if (is(r, PG_QUERY__NODE__NODE_A_CONST)) {
        const std::size_t t = tokens_.at(r->a_const->location);
        if (t == kNoToken) continue;
        value = std::string(text(Extent{static_cast<std::size_t>(tokens_[t].start), static_cast<std::size_t>(tokens_[t].end)}));
      } else {
        continue;
      }
      key.push_back(StatedValue{std::string(col), param, std::move(value)});
    }
    for (const SetList::GroupDrop& g : set.group_drops) {
      note_dropped_value(EditKind::UpdateAssignment, *g.pending, 0, g.value, g.extent, key);
    }
    const std::optional<std::vector<Extent>> items =
        ndrop > 0 ? tokens_.list_items(starts, stmt_end_tok_) : std::optional<std::vector<Extent>>();
    if (ndrop > 0 && !items) {
      block(UntouchedReason::Unsupported, "could not find the tokens of the UPDATE SET list");
      return &new_columns();
    }
    for (std::size_t i = 0; i < n && ndrop > 0; ++i) {
      if (!drop[i]) continue;
      const std::size_t name_tok = tokens_.at(starts[i]);
      if (name_tok == kNoToken || name_tok + 2 >= tokens_.size() || tokens_[name_tok + 1].kind != '=') {
        block(UntouchedReason::Unsupported, "could not find the value of an UPDATE assignment");
        return &new_columns();
      }
      const Extent value{static_cast<std::size_t>(tokens_[name_tok + 2].start), (*items)[i].end};
      note_dropped_value(EditKind::UpdateAssignment, *pcs[i], 0, s.target_list[i]->res_target->val, value, key);
      record(EditKind::UpdateAssignment, *pcs[i], (*items)[i].begin);
    }
    if (ndrop == 0) {
      // Only values inside (a, b) = ... groups were dropped: already edited.
    } else if (ndrop == n) {
      // Nothing left to set: self-assign a column the statement itself names
      // for the target (see rewriter.hpp for why this is the safe no-op).
      std::string_view col = first_target_column(s.where_clause, target, only_entry, missing_);
      for (std::size_t i = 0; i < s.n_returning_list && col.empty(); ++i) {
        col = first_target_column(s.returning_list[i], target, only_entry, missing_);
      }
      if (col.empty()) {
        block(UntouchedReason::Unsupported,
              "UPDATE sets only pending columns and names no other column of its table to keep as a no-op assignment");
        return &new_columns();
      }
      // Qualified: a FROM list may have another `col`.
      add_edit((*items)[0].begin, (*items)[n - 1].end,
               quote_ident(col) + " = " + quote_ident(target.refname) + "." + quote_ident(col));
      removed_anything_ = true;
      record(EditKind::UpdateSelfAssignment, *pcs[0], (*items)[0].begin);
    } else {
      remove_items(*items, drop);
    }
  }
  return target_list(s.returning_list, s.n_returning_list, scope, EditKind::Returning, client_visible, nullptr);
}

// MERGE (PostgreSQL 15). The target and the source are both in scope for the
// join condition and the WHEN MATCHED clauses; a WHEN NOT MATCHED clause sees
// only the source (there is no target row). UPDATE SET drops pending assignments
// as UPDATE does (a clause left with none self-assigns a target column the join
// condition names); INSERT drops the pending columns and their values as INSERT
// does. The clauses carry no locations, so their token ranges are found by their
// `WHEN [NOT] MATCHED` openings, which must be as many as the parse tree's.
const Columns* Analyzer::merge(const PgQuery__MergeStmt& s, const Scope* parent) {
  if (blocked() || s.relation == nullptr) return &new_columns();
  Scope cte_scope{parent, {}, {}};
  const Scope* base = with_scope(s.with_clause, cte_scope, parent);
  RangeEntry& target = dml_target(*s.relation);
  Scope source{base, {}, {}};
  from_item(s.source_relation, source, base);
  Scope both{base, {&target}, {}};
  both.entries.insert(both.entries.end(), source.entries.begin(), source.entries.end());
  walk(s.join_condition, both, EditKind::Expression);
  if (blocked()) return &new_columns();

  // Token ranges of the WHEN clauses.
  auto word = [&](std::size_t t, std::string_view w) {
    if (t >= stmt_end_tok_) return false;
    const std::string_view x = text(Extent{static_cast<std::size_t>(tokens_[t].start), static_cast<std::size_t>(tokens_[t].end)});
    return x.size() == w.size() && std::equal(x.begin(), x.end(), w.begin(), [](char a, char b) {
             return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
           });
  };
  std::vector<std::size_t> clause_tok;
  int depth = 0;
  for (std::size_t t = tokens_.at(s.relation->location); t != kNoToken && t < stmt_end_tok_; ++t) {
    const int k = tokens_[t].kind;
    if (k == '(') ++depth;
    if (k == ')') --depth;
    if (depth == 0 && word(t, "when") && (word(t + 1, "matched") || (word(t + 1, "not") && word(t + 2, "matched")))) {
      clause_tok.push_back(t);
    }
  }
  if (clause_tok.size() != s.n_merge_when_clauses) {
    block(UntouchedReason::Unsupported, "could not find the WHEN clauses of MERGE");
    return &new_columns();
  }

  for (std::size_t c = 0; c < s.n_merge_when_clauses && !blocked(); ++c) {
    if (!is(s.merge_when_clauses[c], PG_QUERY__NODE__NODE_MERGE_WHEN_CLAUSE)) continue;
    const PgQuery__MergeWhenClause& w = *s.merge_when_clauses[c]->merge_when_clause;
    const std::size_t limit = c + 1 < clause_tok.size() ? clause_tok[c + 1] : stmt_end_tok_;
    const Scope& scope = w.matched ? both : source;
    walk(w.condition, scope, EditKind::Expression);
    switch (w.command_type) {
      case PG_QUERY__CMD_TYPE__CMD_UPDATE:
        merge_update(w, target, both, s.join_condition, limit);
        break;
      case PG_QUERY__CMD_TYPE__CMD_INSERT:
        merge_insert(w, target, source, clause_tok[c], limit);
        break;
      case PG_QUERY__CMD_TYPE__CMD_DELETE:
      case PG_QUERY__CMD_TYPE__CMD_NOTHING:
        break;
      case PG_QUERY__CMD_TYPE__CMD_TYPE_UNDEFINED:
      case PG_QUERY__CMD_TYPE__CMD_UNKNOWN:
      case PG_QUERY__CMD_TYPE__CMD_SELECT:
      case PG_QUERY__CMD_TYPE__CMD_MERGE:
      case PG_QUERY__CMD_TYPE__CMD_UTILITY:
      case _PG_QUERY__CMD_TYPE_IS_INT_SIZE:
        block(UntouchedReason::Unsupported, "unexpected MERGE action");
        break;
    }
  }
  return &new_columns();  // MERGE has no RETURNING in PostgreSQL 15
}

void Analyzer::merge_update(const PgQuery__MergeWhenClause& w, const RangeEntry& target, const Scope& scope,
                            const PgQuery__Node* join_condition, std::size_t limit) {
  const std::size_t n = w.n_target_list;
  SetList set;
  if (!set_list(w.target_list, n, target, scope, "MERGE UPDATE SET", set)) return;
  for (const SetList::GroupDrop& g : set.group_drops) {
    note_dropped_value(EditKind::UpdateAssignment, *g.pending, 0, g.value, g.extent, {});
  }
  if (set.dropped == 0) return;
  const std::optional<std::vector<Extent>> items = tokens_.list_items(set.starts, limit);
  if (!items) {
    block(UntouchedReason::Unsupported, "could not find the tokens of the MERGE UPDATE SET list");
    return;
  }
  std::vector<bool> drop(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    drop[i] = set.pending[i] != nullptr;
    if (!drop[i]) continue;
    const std::size_t name_tok = tokens_.at(set.starts[i]);
    if (name_tok == kNoToken || name_tok + 2 >= tokens_.size() || tokens_[name_tok + 1].kind != '=') {
      block(UntouchedReason::Unsupported, "could not find the value of a MERGE UPDATE assignment");
      return;
    }
    const Extent value{static_cast<std::size_t>(tokens_[name_tok + 2].start), (*items)[i].end};
    note_dropped_value(EditKind::UpdateAssignment, *set.pending[i], 0, w.target_list[i]->res_target->val, value, {});
    record(EditKind::UpdateAssignment, *set.pending[i], (*items)[i].begin);
  }
  if (set.dropped < n) {
    remove_items(*items, drop);
    return;
  }
  // Only pending columns were set: keep the action (it counts the row in the
  // command tag, as the original did) with a self-assignment.
  const std::string_view col = first_target_column(join_condition, target, false, missing_);
  if (col.empty()) {
    block(UntouchedReason::Unsupported, "MERGE UPDATE sets only pending columns and its join condition names no other target column");
    return;
  }
  add_edit((*items)[0].begin, (*items)[n - 1].end,
           quote_ident(col) + " = " + quote_ident(target.refname) + "." + quote_ident(col));
  removed_anything_ = true;
  record(EditKind::UpdateSelfAssignment, *set.pending[0], (*items)[0].begin);
}

void Analyzer::merge_insert(const PgQuery__MergeWhenClause& w, const RangeEntry& target, const Scope& source,
                            std::size_t first, std::size_t limit) {
  const std::size_t ncols = w.n_target_list;
  std::vector<bool> removed(ncols, false);
  std::vector<const PendingColumn*> pcs(ncols, nullptr);
  std::size_t nremoved = 0;
  for (std::size_t i = 0; i < ncols; ++i) {
    if (!is(w.target_list[i], PG_QUERY__NODE__NODE_RES_TARGET)) {
      block(UntouchedReason::Unsupported, "unexpected MERGE INSERT column list");
      return;
    }
    const PgQuery__ResTarget& rt = *w.target_list[i]->res_target;
    pcs[i] = missing_.find(target.schema, target.relname, sv(rt.name));
    if (pcs[i] != nullptr && pcs[i]->kind == ColumnKind::Renamed) {
      if (!rename_at(rt.location, *pcs[i], EditKind::Renamed)) return;
      pcs[i] = nullptr;
    }
    if (pcs[i] == nullptr) continue;
    if (rt.n_indirection > 0) {
      block(UntouchedReason::Unsupported, "MERGE INSERT into a subscript or field of pending column " + pcs[i]->column);
      return;
    }
    removed[i] = true;
    ++nremoved;
  }
  // Values name only source columns. Without a column list they are positional
  // (the client's own full row): left as written.
  if (nremoved == 0 || w.n_values != ncols) {
    for (std::size_t i = 0; i < w.n_values; ++i) walk(w.values[i], source, EditKind::Expression);
    return;
  }
  std::vector<Extent> col_ext;
  for (std::size_t i = 0; i < ncols; ++i) {
    const std::optional<Extent> e = tokens_.column_ref(w.target_list[i]->res_target->location, 1);
    if (!e) {
      block(UntouchedReason::Unsupported, "could not find the tokens of the MERGE INSERT column list");
      return;
    }
    col_ext.push_back(*e);
  }
  std::size_t values_tok = tokens_.at(w.target_list[ncols - 1]->res_target->location);
  while (values_tok != kNoToken && values_tok < limit && tokens_[values_tok].kind != PG_QUERY__TOKEN__VALUES) ++values_tok;
  const std::optional<TokenStream::ValuesRows> rows =
      values_tok == kNoToken ? std::nullopt : tokens_.values_rows(values_tok, limit, {ncols});
  if (!rows) {
    block(UntouchedReason::Unsupported, "could not find the tokens of the MERGE INSERT VALUES");
    return;
  }
  std::vector<StatedValue> key;
  for (std::size_t i = 0; i < ncols; ++i) {
    if (removed[i]) continue;
    walk(w.values[i], source, EditKind::Expression);
    key.push_back(StatedValue{std::string(sv(w.target_list[i]->res_target->name)), bare_param(w.values[i]),
                              std::string(text(rows->items[0][i]))});
  }
  for (std::size_t i = 0; i < ncols; ++i) {
    if (removed[i]) note_dropped_value(EditKind::InsertValue, *pcs[i], 0, w.values[i], rows->items[0][i], key);
  }
  if (nremoved == ncols) {
    // `INSERT (pending...) VALUES (...)` -> `INSERT DEFAULT VALUES`.
    const std::size_t open = tokens_.at(w.target_list[0]->res_target->location);
    if (open == kNoToken || open == 0 || open <= first || tokens_[open - 1].kind != '(') {
      block(UntouchedReason::Unsupported, "could not find the MERGE INSERT column list");
      return;
    }
    add_edit(static_cast<std::size_t>(tokens_[open - 1].start), rows->rows[0].end, "DEFAULT VALUES");
    for (std::size_t i = 0; i < ncols; ++i) record(EditKind::DefaultValues, *pcs[i], col_ext[i].begin);
    return;
  }
  for (std::size_t i = 0; i < ncols; ++i) {
    if (!removed[i]) continue;
    record(EditKind::InsertColumn, *pcs[i], col_ext[i].begin);
    record(EditKind::InsertValue, *pcs[i], rows->items[0][i].begin);
  }
  remove_items(rows->items[0], removed);
  remove_items(col_ext, removed);
}

const Columns* Analyzer::remove(const PgQuery__DeleteStmt& s, const Scope* parent, bool client_visible) {
  if (blocked() || s.relation == nullptr) return &new_columns();
  Scope cte_scope{parent, {}, {}};
  const Scope* base = with_scope(s.with_clause, cte_scope, parent);
  RangeEntry& target = dml_target(*s.relation);
  Scope scope{base, {&target}, {}};
  for (std::size_t i = 0; i < s.n_using_clause && !blocked(); ++i) from_item(s.using_clause[i], scope, base);
  walk(s.where_clause, scope, EditKind::Expression);
  return target_list(s.returning_list, s.n_returning_list, scope, EditKind::Returning, client_visible, nullptr);
}

}  // namespace pgshim::sql::detail
