#pragma once
// A tokenizer with PostgreSQL's lexical rules (scan.l), for token extents only
// (internal to pgshim_sql).
//
// Why not pg_query_scan: it serializes every token to protobuf, which costs more
// CPU than the parse itself, and the rewriter needs only where tokens start and
// end plus a handful of kinds. Kinds use PgQuery__Token numbers: single
// characters are their ASCII code, TYPECAST and PARAM and constants have their
// own, the keywords the rewriter looks for (VALUES, FROM, WHERE, ...) are
// recognized, and every other word is IDENT. Comments produce no token.
//
// Agreement with PostgreSQL's scanner on token boundaries is tested against
// pg_query_scan over the whole corpus and by the fuzzer; where they might still
// differ, the rewriter's extent checks (tokens at the parse tree's locations,
// separators where the tree says) turn a mismatch into Unsupported.
#include <string_view>
#include <vector>

#include "tokens.hpp"

namespace pgshim::sql::detail {

// Appends the tokens of `sql` to `out`. False on an unterminated quote or
// comment (the parser rejects such input too).
[[nodiscard]] bool lex(std::string_view sql, std::vector<Token>& out);

}  // namespace pgshim::sql::detail
