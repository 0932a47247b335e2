// plan(): which journaled value speaks for each row and column (backfill.hpp).
#include "pgshim/journal/backfill.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "pgshim/util/ascii.hpp"

namespace pgshim::journal {
namespace {

// An identifier as written, unquoted: `"Last_Error"` -> Last_Error, `x` -> x
// folded to lower case as PostgreSQL folds it.
std::string identifier(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    std::string out;
    for (std::size_t i = 1; i + 1 < text.size(); ++i) {
      out.push_back(text[i]);
      if (text[i] == '"') ++i;  // "" is one quote
    }
    return out;
  }
  std::string out;
  for (const char c : text) out.push_back(util::ascii_lower(c));
  return out;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// A row of a target, by the unique key's values.
struct RowId {
  Target target;
  std::string key;
  std::vector<Value> values;
  friend bool operator<(const RowId& a, const RowId& b) {
    return std::tie(a.target, a.key, a.values) < std::tie(b.target, b.key, b.values);
  }
};

// The records of one execution of one statement for one target: an upsert
// has inserts (one per VALUES row) and at most one DO UPDATE assignment.
using ExecutionId = std::tuple<std::string, std::uint64_t, std::uint64_t, Target>;

const Value* key_value(const Record& r, std::string_view column) {
  for (const auto& [name, v] : r.key) {
    if (name == column) return &v;
  }
  return nullptr;
}

std::string column_list(const Record& r) {
  std::string out;
  for (const auto& [name, v] : r.key) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "none" : out;
}

}  // namespace

bool is_excluded_reference(std::string_view expression, std::string_view column) {
  expression = trimmed(expression);
  const std::size_t dot = expression.find('.');
  if (dot == std::string_view::npos) return false;
  return identifier(trimmed(expression.substr(0, dot))) == "excluded" &&
         identifier(trimmed(expression.substr(dot + 1))) == column;
}

bool is_constant_default(std::string_view e) {
  e = trimmed(e);
  std::size_t i = 0;
  // The literal: a quoted string, or a bare number, boolean or NULL.
  if (i < e.size() && e[i] == '\'') {
    for (++i; i < e.size(); ++i) {
      if (e[i] != '\'') continue;
      if (i + 1 < e.size() && e[i + 1] == '\'') {
        ++i;
        continue;
      }
      break;
    }
    if (i >= e.size()) return false;
    ++i;
  } else {
    const std::size_t start = i;
    while (i < e.size() && (std::isalnum(static_cast<unsigned char>(e[i])) || e[i] == '.' || e[i] == '-' ||
                            e[i] == '+')) {
      ++i;
    }
    const std::string word = identifier(e.substr(start, i - start));
    const bool number = !word.empty() && (std::isdigit(static_cast<unsigned char>(word[0])) || word[0] == '-');
    if (!number && word != "true" && word != "false" && word != "null") return false;
  }
  // Then only casts: `::type`, `::"Type"`, `::character varying`, `::numeric(10,2)`, `::text[]`.
  while (i < e.size()) {
    if (e.substr(i, 2) != "::") return false;
    i += 2;
    const std::size_t start = i;
    while (i < e.size() && e.substr(i, 2) != "::") {
      const char c = e[i];
      if (c == '(') {
        for (++i; i < e.size() && e[i] != ')'; ++i) {
          if (!std::isdigit(static_cast<unsigned char>(e[i])) && e[i] != ',' && e[i] != ' ') return false;
        }
        if (i >= e.size()) return false;
      } else if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ' ' || c == '"' || c == '.' ||
                   c == '[' || c == ']')) {
        return false;
      }
      ++i;
    }
    if (i == start) return false;
  }
  return true;
}

Plan plan(const std::vector<Record>& records, const Facts& facts) {
  Plan out;
  std::set<Target> missing;
  // Upserts first: which executions have a DO UPDATE assignment.
  std::map<ExecutionId, const Record*> on_conflict;
  std::set<ExecutionId> with_insert;
  for (const Record& r : records) {
    const ExecutionId id{r.replica, r.boot, r.execution, Target{r.schema, r.table, r.column}};
    if (r.kind == kOnConflictAssignment) on_conflict[id] = &r;
    else if (r.kind == kInsertValue) with_insert.insert(id);
  }

  std::map<RowId, std::vector<Planned>> by_row;
  for (const Record& r : records) {
    Target target{r.schema, r.table, r.column};
    const auto f = facts.find(target);
    if (f == facts.end() || !f->second.column_exists) {
      if (missing.insert(target).second) out.missing_columns.push_back(target);
      continue;
    }
    const TargetFacts& tf = f->second;
    const auto unrecoverable = [&](std::string reason) { out.unrecoverable.push_back({&r, std::move(reason)}); };
    if (r.observed) ++out.observed;
    if (!tf.default_is_constant && !r.observed) {
      unrecoverable("the column's default (" + tf.default_expr +
                    ") is not a constant: a row the application has not written cannot be told apart");
      continue;
    }
    const ExecutionId id{r.replica, r.boot, r.execution, target};
    if (r.kind == kOnConflictAssignment && !r.observed) {
      if (with_insert.count(id) != 0) {
        ++out.superseded;  // its upsert's INSERT records carry the row and the value
        continue;
      }
      // Alone, it is the branch that ran when pgshim saw the row come back
      // (RETURNING told it: the record names the row); else nothing names it.
      if (r.key.empty()) {
        unrecoverable("an ON CONFLICT DO UPDATE assignment whose INSERT did not write the column: the row it "
                      "updated is not known");
        continue;
      }
    }
    if (r.kind == kInsertValue && !r.observed) {
      const auto oc = on_conflict.find(id);
      if (oc != on_conflict.end()) {
        const Value& update = oc->second->value;
        const bool same = (update.form == Form::Expression && is_excluded_reference(update.bytes, r.column)) ||
                          update == r.value;
        if (!same) {
          unrecoverable("an upsert whose INSERT and DO UPDATE values differ: which one ran is not known");
          continue;
        }
      }
    }
    if (!r.observed && r.value.form == Form::Expression) {
      unrecoverable("the value is an SQL expression pgshim did not evaluate");
      continue;
    }
    if (!r.observed && r.value.form == Form::Unknown) {
      unrecoverable("the value was not visible to pgshim");
      continue;
    }
    const UniqueKey* key = nullptr;
    std::vector<Value> key_values;
    for (const UniqueKey& k : tf.keys) {
      key_values.clear();
      for (const auto& column : k.columns) {
        const Value* v = key_value(r, column);
        if (!v || (v->form != Form::Text && v->form != Form::Binary)) break;
        key_values.push_back(*v);
      }
      if (key_values.size() == k.columns.size()) {
        key = &k;
        break;
      }
    }
    if (!key && r.observed) continue;  // a row pgshim cannot name cannot have been written before either
    if (!key) {
      unrecoverable("the statement stated no unique key of " + r.schema + "." + r.table + " (it stated: " +
                    column_list(r) + ")");
      continue;
    }
    RowId row{target, key->name, key_values};
    by_row[row].push_back(Planned{std::move(target), &tf, key, std::move(key_values), r.value, &r});
  }

  for (auto& [row, candidates] : by_row) {
    // Each replica's last write, then the latest of those (backfill.hpp).
    std::map<std::string_view, std::size_t> last_of_replica;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const Record& r = *candidates[i].record;
      const auto [it, fresh] = last_of_replica.try_emplace(r.replica, i);
      const Record& held = *candidates[it->second].record;
      if (!fresh && std::tie(r.boot, r.seq) > std::tie(held.boot, held.seq)) it->second = i;
    }
    std::size_t best = last_of_replica.begin()->second;
    for (const auto& [replica, i] : last_of_replica) {
      const Record& r = *candidates[i].record;
      const Record& held = *candidates[best].record;
      if (std::tie(r.time_unix_ms, r.replica) > std::tie(held.time_unix_ms, held.replica)) best = i;
    }
    // Only dropped values count as superseded: observed records are the
    // application's own writes, never values to restore.
    std::uint64_t dropped_losers = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (i != best && !candidates[i].record->observed) ++dropped_losers;
    }
    if (candidates[best].record->observed) {
      // The application wrote the row last, after the column appeared: the
      // row stays as it is (one row kept; its other dropped values superseded).
      if (dropped_losers > 0) {
        ++out.written_since;
        out.superseded += dropped_losers - 1;
      }
      continue;
    }
    out.superseded += dropped_losers;
    out.apply.push_back(std::move(candidates[best]));
  }
  std::sort(out.apply.begin(), out.apply.end(), [](const Planned& a, const Planned& b) {
    return std::tie(a.record->time_unix_ms, a.record->replica, a.record->boot, a.record->seq) <
           std::tie(b.record->time_unix_ms, b.record->replica, b.record->boot, b.record->seq);
  });
  return out;
}

}  // namespace pgshim::journal
