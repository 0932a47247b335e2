// libFuzzer target for pgshim::sql::rewrite.
//
// Input: the first byte picks a mode. Raw mode feeds the rest as SQL. Splice
// mode picks a real statement shape (Prisma, ORMs, hand-written) and overwrites
// or inserts the rest of the input at a chosen offset, so that mutations start
// deep inside statements that do reference the pending column.
// Invariants checked (abort on violation): a Rewritten result has edits, parses
// with libpg_query, and rewriting it again changes nothing; an Untouched result
// has no SQL; dropped parameters are numbered from 1. Differentially: on input
// PostgreSQL's parser accepts, the rewriter's tokenizer finds the same token
// boundaries as libpg_query's scanner (U&'' literals aside, where the scanner
// reports truncated extents).
#include <pg_query.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "lexer.hpp"
#include "pg_query_handles.hpp"
#include "pgshim/sql/rewriter.hpp"
#include "tokens.hpp"

namespace {

using namespace pgshim::sql;

constexpr std::string_view kShapes[] = {
    R"(INSERT INTO "public"."environments" ("id","name","user_id","template_id","status","last_error","created_at","updated_at") VALUES ($1,$2,$3,$4,CAST($5::text AS "public"."EnvironmentStatus"),$6,$7,$8) RETURNING "public"."environments"."id")",
    R"(SELECT "public"."environments"."id", "public"."environments"."last_error" FROM "public"."environments" WHERE ("public"."environments"."user_id" = $1 AND "public"."environments"."last_error" IS NULL) ORDER BY "public"."environments"."created_at" DESC OFFSET $2)",
    R"(UPDATE "public"."environments" SET "last_error" = $1 WHERE ("public"."environments"."id" = $2 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."last_error")",
    R"(INSERT INTO "public"."environments" ("id","name","user_id","template_id","last_error") VALUES ($1,$2,$3,$4,$5) ON CONFLICT ("id") DO UPDATE SET "last_error" = $6, "updated_at" = $7 WHERE ("public"."environments"."id" = $8 AND 1=1) RETURNING "public"."environments"."id", "public"."environments"."last_error")",
    R"(SELECT "t0"."id", "User_environments"."__prisma_data__" AS "environments" FROM "public"."users" AS "t0" LEFT JOIN LATERAL (SELECT COALESCE(JSONB_AGG("__prisma_data__"), '[]') AS "__prisma_data__" FROM (SELECT JSONB_BUILD_OBJECT('id', "t2"."id", 'lastError', "t2"."last_error") AS "__prisma_data__" FROM (SELECT "t1".* FROM "public"."environments" AS "t1" WHERE "t0"."id" = "t1"."user_id") AS "t2") AS "t4") AS "User_environments" ON true WHERE "t0"."id" = $1)",
    R"(select e.id, E.Last_Error as err from environments e join users u on u.id = e.user_id where last_error is null)",
    R"(BEGIN; UPDATE environments SET last_error = 'boom', status = 'FAILED' WHERE id = 'env_1'; COMMIT)",
    R"(with recent as (select id, last_error from environments) select r.id, r.last_error, (select j.last_error from jobs j where j.environment_id = r.id limit 1) from recent r order by last_error)",
    R"(insert into environments (id, last_error, name) select u.id, u.email, u.name from users u on conflict (id) do update set name = excluded.last_error returning *)",
    R"(update environments e set last_error = j.last_error from jobs j where j.environment_id = e.id returning e.id, e.last_error)",
    R"(select id, case when last_error is null then 'ok' else last_error end, last_error::text, (last_error) from environments union all select id, last_error, 'x', 'y' from jobs)",
    R"(delete from environments using users u where u.id = environments.user_id and environments.last_error like $1 returning environments.last_error)",
};

std::vector<PendingColumn> columns(StarMode star) {
  PendingColumn a;
  a.table = "environments";
  a.column = "last_error";
  a.type = "text";
  PendingColumn b;
  b.table = "users";
  b.column = "avatar_url";
  b.type = "text";
  b.default_expr = "''";
  a.star = star;
  b.star = star;
  return {a, b};
}

const MissingSet& missing() {
  static const MissingSet set(columns(StarMode::Expand), 1);
  return set;
}

// The second pass of the fixed-point check: a `*` expanded by the first pass
// still stands for the table without the column, so it is left alone here.
const MissingSet& missing_star_left() {
  static const MissingSet set(columns(StarMode::Leave), 2);
  return set;
}

const CatalogFacts& facts() {
  static const CatalogFacts f = [] {
    CatalogFacts c(1);
    c.add("last_error", "public", "jobs");
    return c;
  }();
  return f;
}

bool parses(const std::string& sql) {
  PgQueryParseResult r = pg_query_parse(sql.c_str());
  const bool ok = r.error == nullptr;
  pg_query_free_parse_result(r);
  return ok;
}

void check_lexer(const std::string& sql) {
  if (sql.find("U&") != std::string::npos || sql.find("u&") != std::string::npos || !parses(sql)) return;
  const pgshim::sql::detail::ScanTokens scan(sql.c_str());
  pgshim::sql::detail::TokenStream reference;
  if (!scan.ok() || !reference.decode(scan.data(), scan.size())) return;
  std::vector<pgshim::sql::detail::Token> mine;
  if (!pgshim::sql::detail::lex(sql, mine) || mine.size() != reference.size()) std::abort();
  for (std::size_t i = 0; i < mine.size(); ++i) {
    if (mine[i].start != reference[i].start || mine[i].end != reference[i].end) std::abort();
  }
}

void check(std::string_view sql, const CatalogFacts* f, bool hide_written_rows) {
  const RewriteResult r = rewrite(sql, missing(), f, nullptr, hide_written_rows);
  if (!r.rewritten()) {
    if (!r.sql.empty() || r.reason == UntouchedReason::None) std::abort();
    return;
  }
  if (r.edits.empty() || !parses(r.sql)) std::abort();
  // pgshim's RETURNING columns only where asked, at most one set per statement.
  if (!hide_written_rows && !r.hidden_returning.empty()) std::abort();
  for (std::size_t i = 1; i < r.hidden_returning.size(); ++i) {
    if (r.hidden_returning[i].statement <= r.hidden_returning[i - 1].statement) std::abort();
  }
  for (const DroppedParameter& p : r.dropped_parameters) {
    if (p.number < 1 || p.type.empty()) std::abort();
  }
  // A fixed point: nothing left that resolves to a pending column.
  if (rewrite(r.sql, missing_star_left(), f).rewritten()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0 || size > 8192) return 0;
  const uint8_t mode = data[0];
  const CatalogFacts* f = (mode & 1) != 0 ? &facts() : nullptr;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((mode & 0x80) == 0) {
    check(rest, f, (mode & 2) != 0);
    if (rest.find('\0') == std::string_view::npos) check_lexer(std::string(rest));
    return 0;
  }
  if (rest.size() < 3) return 0;
  const std::string_view shape = kShapes[static_cast<uint8_t>(rest[0]) % std::size(kShapes)];
  const std::size_t at = (static_cast<std::size_t>(static_cast<uint8_t>(rest[1])) * 7) % (shape.size() + 1);
  const std::size_t cut = static_cast<uint8_t>(rest[2]) % 8;  // bytes of the shape replaced
  const std::string_view payload = rest.substr(3);
  std::string sql(shape.substr(0, at));
  sql.append(payload);
  if (at + cut < shape.size()) sql.append(shape.substr(at + cut));
  check(sql, f, (mode & 2) != 0);
  return 0;
}
