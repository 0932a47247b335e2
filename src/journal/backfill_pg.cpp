// read_facts() and apply() against PostgreSQL (backfill_pg.hpp).
#include "pgshim/journal/backfill_pg.hpp"

#include <algorithm>
#include <charconv>

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

}  // namespace

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
        "SELECT a.atttypid::int8, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
        std::vector<std::string>{relation, t.column});
    if (!column.empty()) {
      f.column_exists = true;
      f.type = to_oid(column[0][0]);
      f.default_expr = column[0][1].value_or("");
      f.default_is_constant = f.default_expr.empty() || is_constant_default(f.default_expr);
      // Unique indexes usable as a row's key: valid, not partial, no
      // expressions; only their key columns (not INCLUDE ones).
      const auto keys = db.query(
          "SELECT c.relname, k.ord, a.attname, a.atttypid::int8 FROM pg_index i "
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
      for (std::size_t i = start; i < end; ++i) done.push_back(run_one(db, plan.apply[i], facts_of(plan.apply[i]), options.dry_run));
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
          done.push_back(Outcome{&plan.apply[i], Result::Error, e.what()});
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
