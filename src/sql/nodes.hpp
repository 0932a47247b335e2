#pragma once
// Small accessors over libpg_query's protobuf-c parse tree (internal to
// pgshim_sql). protobuf-c leaves absent strings as "" or NULL and absent
// messages as NULL; these helpers make both read as "nothing".
#include <pg_query/pg_query.pb-c.h>

#include <cstddef>
#include <cstdint>
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

// Calls `visit(child)` for each message-typed child of `m`, generically through
// the protobuf-c descriptors: for a Node its one set member, for any other
// message every set message field and each element of repeated ones, in field
// order. Children may be null. Stops at the first `visit` that returns true,
// and returns whether one did. This is what lets the walkers ignore the many
// expression node types the rewriter has no business with.
template <class Visit>
bool for_each_child(const ProtobufCMessage* m, Visit&& visit) {
  if (m == nullptr) return false;
  const ProtobufCMessageDescriptor* d = m->descriptor;
  const char* base = reinterpret_cast<const char*>(m);
  if (d == &pg_query__node__descriptor) {
    const auto* node = reinterpret_cast<const PgQuery__Node*>(m);
    const ProtobufCFieldDescriptor* f = protobuf_c_message_descriptor_get_field(d, static_cast<unsigned>(node->node_case));
    if (f == nullptr || f->type != PROTOBUF_C_TYPE_MESSAGE) return false;
    return visit(*reinterpret_cast<ProtobufCMessage* const*>(base + f->offset));
  }
  for (unsigned i = 0; i < d->n_fields; ++i) {
    const ProtobufCFieldDescriptor& f = d->fields[i];
    if (f.type != PROTOBUF_C_TYPE_MESSAGE) continue;
    if ((f.flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0 &&
        *reinterpret_cast<const uint32_t*>(base + f.quantifier_offset) != f.id) {
      continue;
    }
    if (f.label == PROTOBUF_C_LABEL_REPEATED) {
      const std::size_t count = *reinterpret_cast<const std::size_t*>(base + f.quantifier_offset);
      ProtobufCMessage* const* arr = *reinterpret_cast<ProtobufCMessage* const* const*>(base + f.offset);
      for (std::size_t k = 0; k < count; ++k) {
        if (visit(arr[k])) return true;
      }
    } else if (visit(*reinterpret_cast<ProtobufCMessage* const*>(base + f.offset))) {
      return true;
    }
  }
  return false;
}

// The parameter a value consists of: `$n`, `$n::T`, `CAST($n AS T)`; else 0.
[[nodiscard]] inline int bare_param(const PgQuery__Node* n) noexcept {
  while (is(n, PG_QUERY__NODE__NODE_TYPE_CAST)) n = n->type_cast->arg;
  if (is(n, PG_QUERY__NODE__NODE_PARAM_REF)) return n->param_ref->number;
  return 0;
}

}  // namespace pgshim::sql::detail
