// search_path effects and the session tracker (see search_path.hpp).
#include "pgshim/sql/search_path.hpp"

#include <string>

#include "nodes.hpp"
#include "pg_query_handles.hpp"
#include "pgshim/sql/prefilter.hpp"

namespace pgshim::sql {
namespace {

using detail::is;
using detail::node_string;
using detail::sv;

// The value of a search_path SET argument list as SHOW prints it: each name
// double-quoted, so that it reads back exactly (`"$user"` included).
std::string value_text(PgQuery__Node** args, std::size_t n, bool& ok) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    const PgQuery__Node* a = args[i];
    const char* s = nullptr;
    if (is(a, PG_QUERY__NODE__NODE_A_CONST) && a->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL) {
      s = a->a_const->sval->sval;
    }
    if (s == nullptr) {
      ok = false;
      return {};
    }
    if (!out.empty()) out += ", ";
    out += '"';
    for (const char* p = s; *p != '\0'; ++p) {
      if (*p == '"') out += '"';
      out += *p;
    }
    out += '"';
  }
  return out;
}

// A string constant's text, or nullptr.
const char* const_string(const PgQuery__Node* n) {
  while (is(n, PG_QUERY__NODE__NODE_TYPE_CAST)) n = n->type_cast->arg;
  if (is(n, PG_QUERY__NODE__NODE_A_CONST) && n->a_const->val_case == PG_QUERY__A__CONST__VAL_SVAL) {
    return n->a_const->sval->sval;
  }
  return nullptr;
}

// set_config('search_path', value, is_local) anywhere in a statement.
void find_set_config(const ProtobufCMessage* m, std::vector<SearchPathEffect>& out) {
  detail::for_each_child(m, [&](const ProtobufCMessage* child) {
    if (child == nullptr) return false;
    if (child->descriptor == &pg_query__node__descriptor) {
      const auto* n = reinterpret_cast<const PgQuery__Node*>(child);
      if (is(n, PG_QUERY__NODE__NODE_FUNC_CALL)) {
        const PgQuery__FuncCall& fc = *n->func_call;
        const std::string_view name = fc.n_funcname > 0 ? sv(node_string(fc.funcname[fc.n_funcname - 1])) : "";
        const char* setting = fc.n_args == 3 ? const_string(fc.args[0]) : nullptr;
        if (name == "set_config" && (fc.n_args != 3 || setting == nullptr || sv(setting) == "search_path")) {
          const char* value = fc.n_args == 3 ? const_string(fc.args[1]) : nullptr;
          const PgQuery__Node* local = fc.n_args == 3 ? fc.args[2] : nullptr;
          bool is_local = false;
          bool known_local = false;
          if (is(local, PG_QUERY__NODE__NODE_A_CONST) && local->a_const->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL) {
            is_local = local->a_const->boolval->boolval;
            known_local = true;
          } else if (const char* b = const_string(local)) {
            const std::string_view t = b;
            known_local = t == "true" || t == "false" || t == "t" || t == "f" || t == "on" || t == "off";
            is_local = t == "true" || t == "t" || t == "on";
          }
          if (value != nullptr && known_local) {
            out.push_back({is_local ? SearchPathEffect::Kind::SetLocal : SearchPathEffect::Kind::Set, value});
          } else {
            out.push_back({SearchPathEffect::Kind::Unknown, {}});
          }
        }
      }
    }
    find_set_config(child, out);
    return false;
  });
}

}  // namespace

bool may_change_search_path(std::string_view sql) noexcept {
  return contains_ascii_icase(sql, "search_path") || contains_ascii_icase(sql, "reset") ||
         contains_ascii_icase(sql, "discard");
}

std::vector<SearchPathEffect> search_path_effects(std::string_view sql) {
  std::vector<SearchPathEffect> out;
  if (!may_change_search_path(sql) || sql.find('\0') != std::string_view::npos) return out;
  const std::string text(sql);
  const detail::ParseTree tree(text.c_str());
  if (!tree.ok()) return out;
  bool changes = false;
  for (std::size_t i = 0; i < tree.tree()->n_stmts; ++i) {
    const PgQuery__Node* n = tree.tree()->stmts[i]->stmt;
    if (is(n, PG_QUERY__NODE__NODE_VARIABLE_SET_STMT)) {
      const PgQuery__VariableSetStmt& v = *n->variable_set_stmt;
      const bool all = v.kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL;
      if (!all && sv(v.name) != "search_path") continue;
      changes = true;
      switch (v.kind) {
        case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE: {
          bool ok = true;
          std::string value = value_text(v.args, v.n_args, ok);
          if (!ok) {
            out.push_back({SearchPathEffect::Kind::Unknown, {}});
          } else {
            out.push_back({v.is_local ? SearchPathEffect::Kind::SetLocal : SearchPathEffect::Kind::Set, std::move(value)});
          }
          break;
        }
        case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT:
        case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET:
        case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL:
          out.push_back({SearchPathEffect::Kind::Reset, {}});
          break;
        case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_CURRENT:
        case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_MULTI:
        case PG_QUERY__VARIABLE_SET_KIND__VARIABLE_SET_KIND_UNDEFINED:
        case _PG_QUERY__VARIABLE_SET_KIND_IS_INT_SIZE:
          out.push_back({SearchPathEffect::Kind::Unknown, {}});
          break;
      }
    } else if (is(n, PG_QUERY__NODE__NODE_DISCARD_STMT)) {
      if (n->discard_stmt->target == PG_QUERY__DISCARD_MODE__DISCARD_ALL) {
        changes = true;
        out.push_back({SearchPathEffect::Kind::Reset, {}});
      }
    } else if (is(n, PG_QUERY__NODE__NODE_TRANSACTION_STMT)) {
      out.push_back({SearchPathEffect::Kind::Transaction, {}});
    } else {
      const std::size_t before = out.size();
      find_set_config(&n->base, out);
      changes = changes || out.size() != before;
    }
  }
  if (!changes) out.clear();
  return out;
}

void SearchPathTracker::start(std::optional<std::string> shown, std::string user) {
  user_ = std::move(user);
  initial_ = shown ? parse(*shown) : Value();
  session_ = initial_;
  tx_.reset();
  local_.reset();
  ending_ = Ending::None;
}

SearchPathTracker::Value SearchPathTracker::parse(const std::string& text) const {
  return SearchPath::parse(text, user_);
}

void SearchPathTracker::sent(const std::vector<SearchPathEffect>& effects, bool in_block) {
  // A SET and a transaction statement in one text: whether the SET outlives
  // the text depends on statements pgshim does not follow one by one.
  bool has_transaction = false;
  bool has_change = false;
  for (const auto& e : effects) {
    has_transaction = has_transaction || e.kind == SearchPathEffect::Kind::Transaction;
    has_change = has_change || e.kind != SearchPathEffect::Kind::Transaction;
  }
  if (has_change && has_transaction) {
    session_.reset();
    tx_.reset();
    local_.reset();
    return;
  }
  for (const auto& e : effects) {
    switch (e.kind) {
      case SearchPathEffect::Kind::Set:
      case SearchPathEffect::Kind::Reset:
      case SearchPathEffect::Kind::Unknown: {
        const Value v = e.kind == SearchPathEffect::Kind::Set     ? parse(e.value)
                        : e.kind == SearchPathEffect::Kind::Reset ? initial_
                                                                  : Value();
        if (in_block) {
          tx_ = v;
          local_.reset();  // a session SET in the block supersedes SET LOCAL
        } else {
          session_ = v;
        }
        break;
      }
      case SearchPathEffect::Kind::SetLocal:
        // Outside a block SET LOCAL lasts for its own statement only.
        if (in_block) local_ = parse(e.value);
        break;
      case SearchPathEffect::Kind::Transaction:
        break;
    }
  }
}

void SearchPathTracker::command_complete(std::string_view tag) {
  if (!watching_tags()) return;
  if (tag == "COMMIT") {
    ending_ = Ending::Commit;
  } else if (tag == "ROLLBACK") {
    ending_ = Ending::Rollback;  // or ROLLBACK TO SAVEPOINT: ReadyForQuery tells
  } else if (tag == "PREPARE TRANSACTION" || tag == "COMMIT PREPARED" || tag == "ROLLBACK PREPARED") {
    ending_ = Ending::Other;
  }
}

void SearchPathTracker::ready(char status) {
  if (!watching_tags()) {
    ending_ = Ending::None;
    return;
  }
  if (status == 'I') {
    switch (ending_) {
      case Ending::Commit:
        if (tx_) session_ = *tx_;
        break;
      case Ending::Rollback:
        break;
      case Ending::None:
      case Ending::Other:
        // The block ended without a tag pgshim can read (an error in an
        // implicit block, a prepared transaction): unknown, not a guess.
        if (tx_) session_.reset();
        break;
    }
    tx_.reset();
    local_.reset();
  } else if (ending_ == Ending::Rollback && status == 'T') {
    // ROLLBACK TO SAVEPOINT: some SETs of the block may be undone, some not.
    if (tx_) tx_ = Value();
    if (local_) local_ = Value();
  }
  ending_ = Ending::None;
}

const SearchPath& SearchPathTracker::current() const noexcept {
  static const SearchPath kNowhere{{}, "?"};
  const Value& v = local_ ? *local_ : tx_ ? *tx_ : session_;
  return v ? *v : kNowhere;
}

bool SearchPathTracker::known() const noexcept {
  const Value& v = local_ ? *local_ : tx_ ? *tx_ : session_;
  return v.has_value();
}

}  // namespace pgshim::sql
