#pragma once
// Small accessors over libpg_query's protobuf-c parse tree (internal to
// pgshim_sql). protobuf-c leaves absent strings as "" or NULL and absent
// messages as NULL; these helpers make both read as "nothing".
#include <pg_query/pg_query.pb-c.h>

#include <string_view>

namespace pgshim::sql::detail {

[[nodiscard]] inline std::string_view sv(const char* s) noexcept {
  return s != nullptr ? std::string_view(s) : std::string_view();
}

[[nodiscard]] inline bool is(const PgQuery__Node* n, PgQuery__Node__NodeCase c) noexcept {
  return n != nullptr && n->node_case == c;
}

// The text of a String node, or nullptr for anything else (A_Star, NULL, ...).
[[nodiscard]] inline const char* node_string(const PgQuery__Node* n) noexcept {
  if (is(n, PG_QUERY__NODE__NODE_STRING) && n->string != nullptr) return n->string->sval;
  return nullptr;
}

[[nodiscard]] inline bool is_star_ref(const PgQuery__ColumnRef& ref) noexcept {
  return ref.n_fields > 0 && is(ref.fields[ref.n_fields - 1], PG_QUERY__NODE__NODE_A_STAR);
}

// The parameter a value consists of: `$n`, `$n::T`, `CAST($n AS T)`; else 0.
[[nodiscard]] inline int bare_param(const PgQuery__Node* n) noexcept {
  while (is(n, PG_QUERY__NODE__NODE_TYPE_CAST)) n = n->type_cast->arg;
  if (is(n, PG_QUERY__NODE__NODE_PARAM_REF)) return n->param_ref->number;
  return 0;
}

}  // namespace pgshim::sql::detail
