#pragma once
// Human-readable rendering of a rewrite, for `pgshim rewrite --pending
// environments.last_error:text 'SQL'`: how an on-call engineer previews what
// pgshim will do to a statement before pointing traffic at it.
#include <string>

#include "pgshim/sql/pending_column.hpp"  // parse_pending_spec, for the CLI
#include "pgshim/sql/rewriter.hpp"

namespace pgshim::sql {

// Rewritten: the new SQL, then one line per edit, dropped parameter and dropped
// value. Untouched: the reason and its detail. Ends with a newline.
[[nodiscard]] std::string render_report(const RewriteResult& result);

}  // namespace pgshim::sql
