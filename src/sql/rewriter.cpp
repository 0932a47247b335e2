// The rewrite pipeline (see rewriter.hpp): prefilter -> parse + scan -> analyze
// (collect edits) -> sort, reject overlaps, apply in one pass -> re-parse.
// Modelled on libpg_query's own pg_query_normalize.c, which edits the input at
// token locations the same way.
#include "pgshim/sql/rewriter.hpp"

#include <algorithm>

#include "analyzer.hpp"
#include "pg_query_handles.hpp"

namespace pgshim::sql {
namespace {

[[nodiscard]] RewriteResult untouched(UntouchedReason reason, std::string detail) {
  RewriteResult r;
  r.outcome = Outcome::Untouched;
  r.reason = reason;
  r.detail = std::move(detail);
  return r;
}

// The statement kind of each top-level statement, to check that a rewrite kept
// the statements what they were.
[[nodiscard]] std::vector<int> statement_kinds(const PgQuery__ParseResult& tree) {
  std::vector<int> kinds;
  kinds.reserve(tree.n_stmts);
  for (std::size_t i = 0; i < tree.n_stmts; ++i) {
    const PgQuery__Node* n = tree.stmts[i]->stmt;
    kinds.push_back(n != nullptr ? static_cast<int>(n->node_case) : 0);
  }
  return kinds;
}

}  // namespace

RewriteResult rewrite(std::string_view sql, const MissingSet& missing, const CatalogFacts* facts) {
  if (missing.empty() || !missing.prefilter().may_reference(sql)) return untouched(UntouchedReason::PrefilterMiss, {});
  // libpg_query reads C strings: a NUL inside the text would end it early, and
  // PostgreSQL rejects such a message anyway.
  if (sql.find('\0') != std::string_view::npos) return untouched(UntouchedReason::ParseError, "NUL byte in statement text");

  const std::string text(sql);
  const detail::ParseTree tree(text.c_str());
  if (!tree.ok()) return untouched(UntouchedReason::ParseError, tree.error_message());
  const detail::ScanTokens scan(text.c_str());
  if (!scan.ok()) return untouched(UntouchedReason::ParseError, "the scanner rejected the statement");
  const detail::TokenStream tokens(*scan.scan());

  detail::Analyzer analyzer(sql, tokens, missing, facts);
  const PgQuery__ParseResult& parsed = *tree.tree();
  for (std::size_t i = 0; i < parsed.n_stmts && !analyzer.blocked(); ++i) {
    if (parsed.stmts[i] != nullptr) analyzer.statement(*parsed.stmts[i], i);
  }
  if (analyzer.blocked()) {
    std::string detail = analyzer.detail();
    if (parsed.n_stmts > 1) detail = "statement " + std::to_string(analyzer.statement_index() + 1) + ": " + detail;
    return untouched(analyzer.reason(), std::move(detail));
  }
  std::vector<detail::TextEdit>& edits = analyzer.text_edits();
  if (edits.empty()) return untouched(UntouchedReason::NoPendingReference, "no reference resolves to a pending column");

  // Sort; a zero-length insertion sorts before an edit starting at the same byte.
  std::stable_sort(edits.begin(), edits.end(), [](const detail::TextEdit& a, const detail::TextEdit& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::size_t out_size = sql.size();
  for (std::size_t i = 0; i < edits.size(); ++i) {
    if (edits[i].end < edits[i].begin || edits[i].end > sql.size() ||
        (i > 0 && edits[i].begin < edits[i - 1].end)) {
      return untouched(UntouchedReason::Unsupported, "overlapping edits");
    }
    out_size += edits[i].text.size();
  }
  std::string out;
  out.reserve(out_size);
  std::size_t pos = 0;
  for (const detail::TextEdit& e : edits) {
    out.append(sql.substr(pos, e.begin - pos));
    out.append(e.text);
    pos = e.end;
  }
  out.append(sql.substr(pos));

  // The rewritten text must parse, as the same statements.
  const detail::ParseTree again(out.c_str());
  if (!again.ok()) return untouched(UntouchedReason::ReparseFailed, again.error_message());
  if (statement_kinds(*again.tree()) != statement_kinds(parsed)) {
    return untouched(UntouchedReason::ReparseFailed, "the rewritten text parses as different statements");
  }

  RewriteResult r;
  r.outcome = Outcome::Rewritten;
  r.reason = UntouchedReason::None;
  r.sql = std::move(out);
  r.edits = std::move(analyzer.edits());
  std::sort(r.edits.begin(), r.edits.end(), [](const Edit& a, const Edit& b) { return a.offset < b.offset; });
  r.dropped_parameters = analyzer.dropped_parameters();
  r.dropped_values = std::move(analyzer.dropped_values());
  return r;
}

std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::Untouched:
      return "untouched";
    case Outcome::Rewritten:
      return "rewritten";
  }
  return "?";
}

std::string_view to_string(UntouchedReason reason) noexcept {
  switch (reason) {
    case UntouchedReason::None:
      return "none";
    case UntouchedReason::PrefilterMiss:
      return "prefilter-miss";
    case UntouchedReason::NoPendingReference:
      return "no-pending-reference";
    case UntouchedReason::Ambiguous:
      return "ambiguous";
    case UntouchedReason::SelectStar:
      return "select-star";
    case UntouchedReason::Unsupported:
      return "unsupported";
    case UntouchedReason::Copy:
      return "copy";
    case UntouchedReason::Utility:
      return "utility";
    case UntouchedReason::ParseError:
      return "parse-error";
    case UntouchedReason::ReparseFailed:
      return "reparse-failed";
  }
  return "?";
}

std::string_view to_string(EditKind kind) noexcept {
  switch (kind) {
    case EditKind::SelectTarget:
      return "select-target";
    case EditKind::Returning:
      return "returning";
    case EditKind::Expression:
      return "expression";
    case EditKind::InsertColumn:
      return "insert-column";
    case EditKind::InsertValue:
      return "insert-value";
    case EditKind::UpdateAssignment:
      return "update-assignment";
    case EditKind::UpdateSelfAssignment:
      return "update-self-assignment";
    case EditKind::OnConflictAssignment:
      return "on-conflict-assignment";
    case EditKind::Excluded:
      return "excluded";
    case EditKind::DefaultValues:
      return "default-values";
  }
  return "?";
}

}  // namespace pgshim::sql
