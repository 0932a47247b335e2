#pragma once
// The reactive path's first step: which configured pending columns a 42703
// (undefined_column) ErrorResponse names. Pure text matching, no I/O.
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "pgshim/sql/pending_column.hpp"

namespace pgshim::schema {

// `message` is the ErrorResponse's 'M' field of a 42703 from PostgreSQL 15 with
// lc_messages in English. The shapes it produces for a column reference:
//   column "C" of relation "T" does not exist   INSERT/UPDATE targets (parse_target.c)
//   column "C" does not exist                   unqualified (parse_relation.c, errorMissingColumn)
//   column Q.C does not exist                   qualified; Q is the range-table entry's
//                                               alias name when one was given (`FROM environments
//                                               t1` gives `t1`), else the table name; unquoted
//   column S.T.C does not exist                 schema-qualified function-style reference
// Returns the indices into `columns` of the configured columns it may name, in
// configuration order:
//   - "of relation T": the columns C of table T (any schema: the message carries none);
//   - Q.C where Q is a configured table (or schema.table) with column C: those columns;
//   - Q.C with an alias Q, and the unqualified form: every configured column named C,
//     since the text alone cannot tell which table was meant (the caller decides, e.g.
//     by the statement's tables).
// Names in the message are matched exactly (they are the catalog's folded names);
// since PostgreSQL does not escape them, each configured column's own rendering is
// compared with the message instead of splitting the message on '.' or '"', so names
// containing those characters still match. An unrecognised message (another shape, a
// translated one, a column not configured) gives an empty result: the poll catches up.
[[nodiscard]] std::vector<std::size_t> columns_named_by_undefined_column(std::string_view message,
                                                                       std::span<const sql::PendingColumn> columns);

}  // namespace pgshim::schema
