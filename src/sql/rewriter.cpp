// The rewrite pipeline (see rewriter.hpp): prefilter -> parse + scan -> analyze
// (collect edits) -> sort, reject overlaps, apply in one pass -> re-parse.
// Modelled on libpg_query's own pg_query_normalize.c, which edits the input at
// token locations the same way.
#include "pgshim/sql/rewriter.hpp"

#include <algorithm>

#include "analyzer.hpp"
#include "json_tree.hpp"
#include "lexer.hpp"
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

// How many statements `sql` parses as with PostgreSQL's grammar, or -1 when it
// does not parse. The raw parser alone (no tree output): the cheapest full
// syntax check libpg_query offers.
[[nodiscard]] int parsed_statement_count(const std::string& sql) {
  PgQuerySplitResult r = pg_query_split_with_parser(sql.c_str());
  const int n = r.error == nullptr ? r.n_stmts : -1;
  pg_query_free_split_result(r);
  return n;
}

}  // namespace

RewriteResult rewrite(std::string_view sql, const MissingSet& missing, const CatalogFacts* facts,
                      const SearchPath* search_path, bool hide_written_rows) {
  if (missing.empty() || !missing.prefilter().may_reference(sql)) return untouched(UntouchedReason::PrefilterMiss, {});
  // libpg_query reads C strings: a NUL inside the text would end it early, and
  // PostgreSQL rejects such a message anyway.
  if (sql.find('\0') != std::string_view::npos) return untouched(UntouchedReason::ParseError, "NUL byte in statement text");

  const std::string text(sql);
  const detail::JsonTree tree(text.c_str());
  if (!tree.ok()) return untouched(UntouchedReason::ParseError, tree.error_message());
  std::vector<detail::Token> lexed;
  if (!detail::lex(sql, lexed)) return untouched(UntouchedReason::ParseError, "the scanner rejected the statement");
  const detail::TokenStream tokens(std::move(lexed));

  detail::Analyzer analyzer(sql, tokens, missing, facts, search_path);
  analyzer.set_hide_written_rows(hide_written_rows);
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

  // The rewritten text must parse again, as as many statements.
  const int reparsed = parsed_statement_count(out);
  if (reparsed < 0) return untouched(UntouchedReason::ReparseFailed, "the rewritten text does not parse");
  if (static_cast<std::size_t>(reparsed) != parsed.n_stmts) {
    return untouched(UntouchedReason::ReparseFailed, "the rewritten text parses as a different number of statements");
  }

  RewriteResult r;
  r.outcome = Outcome::Rewritten;
  r.reason = UntouchedReason::None;
  r.sql = std::move(out);
  r.edits = std::move(analyzer.edits());
  std::sort(r.edits.begin(), r.edits.end(), [](const Edit& a, const Edit& b) { return a.offset < b.offset; });
  r.dropped_parameters = analyzer.dropped_parameters();
  r.dropped_values = std::move(analyzer.dropped_values());
  r.copy_from = std::move(analyzer.copy_from());
  r.hidden_returning = std::move(analyzer.hidden_returning());
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
    case EditKind::Renamed:
      return "renamed";
  }
  return "?";
}

}  // namespace pgshim::sql
