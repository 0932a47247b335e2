// read_facts() and apply() against PostgreSQL (backfill_pg.hpp).
#include "pgshim/journal/backfill_pg.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "pgshim/util/identifier.hpp"

namespace pgshim::journal {
namespace {

using migrations::PgDatabase;
using util::quote_identifier;

std::uint32_t to_oid(const std::optional<std::string>& text) {
  std::uint32_t oid = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), oid);
  return oid;
}

// A statement whose answer carries nothing (BEGIN, COMMIT, ROLLBACK).
void exec(PgDatabase& db, const char* sql) { (void)db.query(sql, std::vector<std::string>{}); }

std::string qualified(const Target& t) { return quote_identifier(t.schema) + "." + quote_identifier(t.table); }

// The statement for one planned value (backfill_pg.hpp): $1 the value, then
// the key's values. Returns (rows, same, updated).
std::string statement(const Planned& p, const TargetFacts& facts, bool dry_run) {
  const std::string column = "t." + quote_identifier(p.target.column);
  const std::string held = facts.default_expr.empty() ? "NULL" : "(" + facts.default_expr + ")";
  std::string where;
  for (std::size_t i = 0; i < p.key->columns.size(); ++i) {
    where += i == 0 ? " WHERE " : " AND ";
    where += "t." + quote_identifier(p.key->columns[i]) + " = $" + std::to_string(i + 2);
  }
  std::string sql = "WITH r AS (SELECT t.ctid AS row_id, " + column + " IS NOT DISTINCT FROM $1 AS same, " + column +
                    " IS NOT DISTINCT FROM " + held + " AS untouched FROM " + qualified(p.target) + " AS t" + where +
                    " FOR UPDATE OF t)";
  if (dry_run) {
    return sql + " SELECT count(*), coalesce(bool_or(same), false), count(*) FILTER (WHERE untouched AND NOT same) FROM r";
  }
  sql += ", u AS (UPDATE " + qualified(p.target) + " AS t SET " + quote_identifier(p.target.column) +
         " = $1 FROM r WHERE t.ctid = r.row_id AND r.untouched AND NOT r.same RETURNING 1)";
  return sql + " SELECT (SELECT count(*) FROM r), (SELECT coalesce(bool_or(same), false) FROM r), (SELECT count(*) FROM u)";
}

PgDatabase::Param param(const Value& v, std::uint32_t type) {
  PgDatabase::Param p;
  p.type = type;
  if (v.form == Form::Text || v.form == Form::Binary) p.value = v.bytes;
  p.binary = v.form == Form::Binary;
  return p;
}

Outcome run_one(PgDatabase& db, const Planned& p, const TargetFacts& facts, bool dry_run) {
  std::vector<PgDatabase::Param> params;
  params.push_back(param(p.value, facts.type));
  for (std::size_t i = 0; i < p.key_values.size(); ++i) params.push_back(param(p.key_values[i], p.key->types[i]));
  const auto rows = db.query(statement(p, facts, dry_run), params);
  Outcome o{&p, Result::Error, {}};
  if (rows.size() != 1 || rows[0].size() != 3) {
    o.error = "unexpected answer";
    return o;
  }
  const bool found = rows[0][0] && *rows[0][0] != "0";
  const bool same = rows[0][1] && *rows[0][1] == "t";
  const bool updated = rows[0][2] && *rows[0][2] != "0";
  o.result = !found ? Result::Gone : same ? Result::Already : updated ? Result::Applied : Result::Newer;
  return o;
}

// ---- Set-based: one statement per batch, table and key ---------------------------
//
// The same guard as statement() for many values at once: the values and keys
// go in as text arrays, unnested beside their position, cast to the columns'
// types, joined to the table, locked, and updated in one UPDATE ... FROM.
// Values that are not text (a client's binary parameter) go one by one.

bool set_eligible(const Planned& p) {
  const auto text_or_null = [](const Value& v) { return v.form == Form::Text || v.form == Form::Null; };
  return text_or_null(p.value) && std::all_of(p.key_values.begin(), p.key_values.end(), text_or_null) &&
         !p.facts->type_name.empty() && p.key->type_names.size() == p.key->columns.size() &&
         std::none_of(p.key->type_names.begin(), p.key->type_names.end(), [](const auto& n) { return n.empty(); });
}

// `{"a",NULL,"b\"c"}`: a text[] literal.
std::string array_literal(const std::vector<const Value*>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    if (values[i]->form == Form::Null) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (const char c : values[i]->bytes) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string set_statement(const Planned& first, bool dry_run) {
  const TargetFacts& facts = *first.facts;
  const UniqueKey& key = *first.key;
  const std::string column = quote_identifier(first.target.column);
  const std::string held = facts.default_expr.empty() ? "NULL" : "(" + facts.default_expr + ")";
  std::string arrays = "$1::int[], $2::text[]";
  std::string names = "ord, val";
  std::string join;
  for (std::size_t i = 0; i < key.columns.size(); ++i) {
    arrays += ", $" + std::to_string(i + 3) + "::text[]";
    names += ", k" + std::to_string(i);
    join += (i == 0 ? "" : " AND ") + std::string("t.") + quote_identifier(key.columns[i]) + " = v.k" +
            std::to_string(i) + "::" + key.type_names[i];
  }
  const std::string value = "v.val::" + facts.type_name;
  std::string sql = "WITH v AS (SELECT * FROM unnest(" + arrays + ") AS v(" + names + ")), r AS (SELECT v.ord, " +
                    "t.ctid AS row_id, t." + column + " IS NOT DISTINCT FROM " + value + " AS same, t." + column +
                    " IS NOT DISTINCT FROM " + held + " AS untouched FROM v JOIN " + qualified(first.target) +
                    " AS t ON " + join + " FOR UPDATE OF t)";
  if (dry_run) {
    return sql + " SELECT v.ord, r.ord IS NOT NULL, coalesce(r.same, false), coalesce(r.untouched AND NOT r.same, false) "
                 "FROM v LEFT JOIN r ON r.ord = v.ord";
  }
  return sql + ", u AS (UPDATE " + qualified(first.target) + " AS t SET " + column + " = " + value +
         " FROM r JOIN v ON v.ord = r.ord WHERE t.ctid = r.row_id AND r.untouched AND NOT r.same RETURNING r.ord) "
         "SELECT v.ord, r.ord IS NOT NULL, coalesce(r.same, false), u.ord IS NOT NULL "
         "FROM v LEFT JOIN r ON r.ord = v.ord LEFT JOIN u ON u.ord = v.ord";
}

// Outcomes of `group` (plan entries of one table and key), by their index.
void run_set(PgDatabase& db, const Plan& plan, const std::vector<std::size_t>& group, bool dry_run,
             std::vector<std::optional<Outcome>>& slots, std::size_t start) {
  const Planned& first = plan.apply[group.front()];
  std::string ords = "{";
  std::vector<const Value*> values;
  std::vector<std::vector<const Value*>> keys(first.key->columns.size());
  for (std::size_t g = 0; g < group.size(); ++g) {
    const Planned& p = plan.apply[group[g]];
    ords += (g == 0 ? "" : ",") + std::to_string(g);
    values.push_back(&p.value);
    for (std::size_t k = 0; k < keys.size(); ++k) keys[k].push_back(&p.key_values[k]);
  }
  ords += "}";
  std::vector<std::string> params{ords, array_literal(values)};
  for (const auto& k : keys) params.push_back(array_literal(k));
  const auto rows = db.query(set_statement(first, dry_run), params);
  for (const auto& row : rows) {
    if (row.size() != 4 || !row[0]) continue;
    std::size_t g = 0;
    std::from_chars(row[0]->data(), row[0]->data() + row[0]->size(), g);
    if (g >= group.size()) continue;
    const bool found = row[1] && *row[1] == "t";
    const bool same = row[2] && *row[2] == "t";
    const bool updated = row[3] && *row[3] == "t";
    slots[group[g] - start] = Outcome{&plan.apply[group[g]],
                                      !found ? Result::Gone : same ? Result::Already
                                                             : updated ? Result::Applied : Result::Newer,
                                      {}};
  }
}

// One batch in one transaction: set-based where it can be, else one by one.
std::vector<Outcome> run_batch(PgDatabase& db, const Plan& plan, std::size_t start, std::size_t end, bool dry_run) {
  std::vector<std::optional<Outcome>> slots(end - start);
  std::map<std::pair<const TargetFacts*, const UniqueKey*>, std::vector<std::size_t>> groups;
  for (std::size_t i = start; i < end; ++i) {
    const Planned& p = plan.apply[i];
    if (set_eligible(p)) {
      groups[{p.facts, p.key}].push_back(i);
    } else {
      slots[i - start] = run_one(db, p, *p.facts, dry_run);
    }
  }
  for (const auto& [id, group] : groups) run_set(db, plan, group, dry_run, slots, start);
  std::vector<Outcome> out;
  for (std::size_t i = start; i < end; ++i) {
    out.push_back(slots[i - start] ? *slots[i - start] : Outcome{&plan.apply[i], Result::Error, "no answer"});
  }
  return out;
}

}  // namespace

std::string without_values(std::string_view message) {
  for (const std::string_view cut : {std::string_view(" DETAIL:"), std::string_view(": \"")}) {
    const std::size_t at = message.find(cut);
    if (at != std::string_view::npos) message = message.substr(0, at);
  }
  return std::string(message);
}

std::string_view to_string(Result result) noexcept {
  switch (result) {
    case Result::Applied: return "applied";
    case Result::Already: return "already";
    case Result::Newer: return "newer";
    case Result::Gone: return "gone";
    case Result::Error: return "error";
  }
  return "error";
}

Facts read_facts(PgDatabase& db, const std::set<Target>& targets) {
  Facts facts;
  for (const Target& t : targets) {
    TargetFacts f;
    const std::string relation = qualified(t);
    const auto column = db.query(
        "SELECT a.atttypid::int8, pg_get_expr(d.adbin, d.adrelid), format_type(a.atttypid, a.atttypmod) "
        "FROM pg_attribute a "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
        std::vector<std::string>{relation, t.column});
    if (!column.empty()) {
      f.column_exists = true;
      f.type = to_oid(column[0][0]);
      f.type_name = column[0][2].value_or("");
      f.default_expr = column[0][1].value_or("");
      f.default_is_constant = f.default_expr.empty() || is_constant_default(f.default_expr);
      // Unique indexes usable as a row's key: valid, not partial, no
      // expressions; only their key columns (not INCLUDE ones).
      const auto keys = db.query(
          "SELECT c.relname, k.ord, a.attname, a.atttypid::int8, format_type(a.atttypid, a.atttypmod) FROM pg_index i "
          "JOIN pg_class c ON c.oid = i.indexrelid "
          "CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) "
          "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
          "WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indisvalid AND i.indpred IS NULL "
          "AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts "
          "ORDER BY i.indisprimary DESC, c.relname, k.ord",
          std::vector<std::string>{relation});
      for (const auto& row : keys) {
        const std::string name = row[0].value_or("");
        if (f.keys.empty() || f.keys.back().name != name || *row[1] == "1") f.keys.push_back(UniqueKey{name, {}, {}});
        f.keys.back().columns.push_back(row[2].value_or(""));
        f.keys.back().types.push_back(to_oid(row[3]));
        f.keys.back().type_names.push_back(row[4].value_or(""));
      }
    }
    facts.emplace(t, std::move(f));
  }
  return facts;
}

std::vector<Outcome> apply(PgDatabase& db, const Plan& plan, const ApplyOptions& options) {
  std::vector<Outcome> outcomes;
  outcomes.reserve(plan.apply.size());
  const std::size_t batch = std::max<std::size_t>(1, options.batch_size);
  const auto facts_of = [](const Planned& p) -> const TargetFacts& { return *p.facts; };
  for (std::size_t start = 0; start < plan.apply.size(); start += batch) {
    const std::size_t end = std::min(plan.apply.size(), start + batch);
    std::vector<Outcome> done;
    try {
      exec(db, "BEGIN");
      done = run_batch(db, plan, start, end, options.dry_run);
      exec(db, options.dry_run ? "ROLLBACK" : "COMMIT");
    } catch (const migrations::MigrationError&) {
      // One value failed the batch: roll back, then one transaction each.
      exec(db, "ROLLBACK");
      done.clear();
      for (std::size_t i = start; i < end; ++i) {
        try {
          exec(db, "BEGIN");
          done.push_back(run_one(db, plan.apply[i], facts_of(plan.apply[i]), options.dry_run));
          exec(db, options.dry_run ? "ROLLBACK" : "COMMIT");
        } catch (const migrations::MigrationError& e) {
          exec(db, "ROLLBACK");
          done.push_back(Outcome{&plan.apply[i], Result::Error, without_values(e.what()), e.what()});
        }
      }
    }
    outcomes.insert(outcomes.end(), done.begin(), done.end());
    if (options.progress) options.progress(end, plan.apply.size());
  }
  return outcomes;
}

std::unique_ptr<Run> run_backfill(PgDatabase& db, ReadResult read, const ApplyOptions& options) {
  auto run = std::make_unique<Run>();
  run->read = std::move(read);
  std::set<Target> targets;
  for (const auto& r : run->read.records) targets.insert(Target{r.schema, r.table, r.column});
  run->facts = read_facts(db, targets);
  run->plan = plan(run->read.records, run->facts);
  run->outcomes = apply(db, run->plan, options);
  Summary& s = run->summary;
  s.records = run->read.records.size();
  s.superseded = run->plan.superseded;
  s.observed = run->plan.observed;
  s.newer = run->plan.written_since;
  s.unrecoverable = run->plan.unrecoverable.size();
  s.missing_columns = run->plan.missing_columns;
  for (const auto& b : run->read.bad) ++(b.torn ? s.torn : s.invalid);
  for (const auto& o : run->outcomes) {
    switch (o.result) {
      case Result::Applied: ++s.applied; break;
      case Result::Already: ++s.already; break;
      case Result::Newer: ++s.newer; break;
      case Result::Gone: ++s.gone; break;
      case Result::Error: ++s.errors; break;
    }
  }
  return run;
}

}  // namespace pgshim::journal
