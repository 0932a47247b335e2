#include "pgshim/sql/savepoints.hpp"

#include "nodes.hpp"
#include "pg_query_handles.hpp"
#include "pgshim/sql/prefilter.hpp"

namespace pgshim::sql {

bool may_hold_savepoint_step(std::string_view sql) noexcept {
  return contains_ascii_icase(sql, "savepoint") || contains_ascii_icase(sql, "release") ||
         (contains_ascii_icase(sql, "rollback") && contains_ascii_icase(sql, "to"));
}

std::vector<SavepointStep> savepoint_steps(std::string_view sql) {
  std::vector<SavepointStep> out;
  if (!may_hold_savepoint_step(sql) || sql.find('\0') != std::string_view::npos) return out;
  const std::string text(sql);
  const detail::ParseTree tree(text.c_str());
  if (!tree.ok()) return out;
  for (std::size_t i = 0; i < tree.tree()->n_stmts; ++i) {
    const PgQuery__Node* n = tree.tree()->stmts[i]->stmt;
    if (!detail::is(n, PG_QUERY__NODE__NODE_TRANSACTION_STMT)) continue;
    const PgQuery__TransactionStmt& t = *n->transaction_stmt;
    SavepointStep step;
    step.statement = i;
    step.name = detail::sv(t.savepoint_name);
    switch (t.kind) {
      case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT:
        step.kind = SavepointStep::Kind::Savepoint;
        break;
      case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO:
        step.kind = SavepointStep::Kind::RollbackTo;
        break;
      case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE:
        step.kind = SavepointStep::Kind::Release;
        break;
      case PG_QUERY__TRANSACTION_STMT_KIND__TRANSACTION_STMT_KIND_UNDEFINED:
      case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
      case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
      case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
      case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
      case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_PREPARE:
      case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT_PREPARED:
      case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_PREPARED:
      case _PG_QUERY__TRANSACTION_STMT_KIND_IS_INT_SIZE:
        continue;  // the command tags and ReadyForQuery say what these did
    }
    out.push_back(std::move(step));
  }
  return out;
}

}  // namespace pgshim::sql
