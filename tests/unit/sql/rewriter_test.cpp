// rewrite(): the result's structure (edits, dropped parameters and values) and
// the properties every rewrite keeps, beyond the corpus's golden texts.
#include "pgshim/sql/rewriter.hpp"

#include <gtest/gtest.h>

namespace pgshim::sql {
namespace {

MissingSet env_set() {
  PendingColumn pc;
  std::string err;
  EXPECT_TRUE(parse_pending_spec("environments.last_error:text", pc, err));
  return MissingSet({pc}, 1);
}

// Bytes outside the edits are exactly the client's: comments, odd spacing and
// case survive, and the edit offsets point at the original references.
TEST(Rewrite, UntouchedBytesStayIdentical) {
  const MissingSet set = env_set();
  const std::string sql = "SeLeCt  /*c1*/ e.id ,\n\tE . Last_Error -- tail\nFROM environments e";
  const RewriteResult r = rewrite(sql, set);
  ASSERT_TRUE(r.rewritten()) << r.detail;
  EXPECT_EQ(r.sql, "SeLeCt  /*c1*/ e.id ,\n\tNULL::text AS \"last_error\" -- tail\nFROM environments e");
  ASSERT_EQ(r.edits.size(), 1U);
  EXPECT_EQ(r.edits[0].kind, EditKind::SelectTarget);
  EXPECT_EQ(r.edits[0].offset, sql.find("E . Last_Error"));
}

// INSERT: per-row dropped values carry the parameter and the row's other values
// (the journal the proxy keeps); the dropped parameters are typed.
TEST(Rewrite, InsertJournalsDroppedValuesPerRow) {
  const MissingSet set = env_set();
  const RewriteResult r = rewrite(
      "INSERT INTO environments (id, last_error, name) VALUES ($1, $2, $3), ($4, 'literal', $5), ($6, $7::varchar(20), $8)",
      set);
  ASSERT_TRUE(r.rewritten()) << r.detail;
  EXPECT_EQ(r.sql, "INSERT INTO environments (id, name) VALUES ($1, $3), ($4, $5), ($6, $8)");
  ASSERT_EQ(r.dropped_values.size(), 3U);
  EXPECT_EQ(r.dropped_values[0].row, 0U);
  EXPECT_EQ(r.dropped_values[0].value.parameter, 2);
  ASSERT_EQ(r.dropped_values[0].key.size(), 2U);
  EXPECT_EQ(r.dropped_values[0].key[0].column, "id");
  EXPECT_EQ(r.dropped_values[0].key[0].parameter, 1);
  EXPECT_EQ(r.dropped_values[1].value.parameter, 0);
  EXPECT_EQ(r.dropped_values[1].value.expression, "'literal'");
  EXPECT_EQ(r.dropped_values[2].value.expression, "$7::varchar(20)");
  ASSERT_EQ(r.dropped_parameters.size(), 2U);
  EXPECT_EQ(r.dropped_parameters[0].number, 2);
  EXPECT_EQ(r.dropped_parameters[0].type, "text");
  EXPECT_EQ(r.dropped_parameters[1].number, 7);
  EXPECT_EQ(r.dropped_parameters[1].type, "pg_catalog.varchar(20)");
}

// hide_written_rows: a single-row INSERT that dropped a value asks for the
// written row and its branch at the end of its RETURNING (or in one of its
// own), and says so; nothing else does (several rows, EXPLAIN, PREPARE, a
// CTE, an INSERT that dropped nothing), and without the option nothing changes.
TEST(Rewrite, HideWrittenRowsOnlyWhereTheProxyCanStripThem) {
  const MissingSet set = env_set();
  const char* upsert =
      "INSERT INTO environments AS e (id, last_error) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET last_error = $3 "
      "RETURNING e.id";
  const RewriteResult hidden = rewrite(upsert, set, nullptr, nullptr, true);
  ASSERT_TRUE(hidden.rewritten()) << hidden.detail;
  EXPECT_EQ(hidden.sql,
            "INSERT INTO environments AS e (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET \"id\" = \"e\".\"id\" "
            "RETURNING e.id, pg_catalog.row_to_json(\"e\")::text AS \"pgshim_row\", (\"e\".xmax "
            "OPERATOR(pg_catalog.=) 0) AS \"pgshim_inserted\"");
  ASSERT_EQ(hidden.hidden_returning.size(), 1U);
  EXPECT_EQ(hidden.hidden_returning[0].statement, 0U);
  EXPECT_TRUE(rewrite(upsert, set).hidden_returning.empty()) << "off unless asked";

  const RewriteResult second = rewrite("SELECT 1; INSERT INTO environments (id, last_error) VALUES ('a', 'b') RETURNING id",
                                       set, nullptr, nullptr, true);
  ASSERT_EQ(second.hidden_returning.size(), 1U);
  EXPECT_EQ(second.hidden_returning[0].statement, 1U);

  // Without a RETURNING of the client's, pgshim's is its own (stripped whole).
  const RewriteResult own = rewrite("INSERT INTO environments (id, last_error) VALUES ('a', 'b') ON CONFLICT DO NOTHING",
                                    set, nullptr, nullptr, true);
  EXPECT_EQ(own.sql,
            "INSERT INTO environments (id) VALUES ('a') ON CONFLICT DO NOTHING RETURNING pg_catalog.row_to_json("
            "\"environments\")::text AS \"pgshim_row\", (\"environments\".xmax OPERATOR(pg_catalog.=) 0) AS "
            "\"pgshim_inserted\"");
  ASSERT_EQ(own.hidden_returning.size(), 1U);

  for (const char* none : {
           "INSERT INTO environments (id, last_error) VALUES ('a', 'b'), ('c', 'd') RETURNING id",
           "EXPLAIN ANALYZE INSERT INTO environments (id, last_error) VALUES ('a', 'b') RETURNING id",
           "PREPARE p AS INSERT INTO environments (id, last_error) VALUES ($1, $2) RETURNING id",
           "WITH w AS (INSERT INTO environments (id, last_error) VALUES ('a', 'b') RETURNING id) SELECT * FROM w",
           "INSERT INTO environments (id) VALUES ('a') RETURNING id, last_error",
       }) {
    const RewriteResult r = rewrite(none, set, nullptr, nullptr, true);
    EXPECT_TRUE(r.hidden_returning.empty()) << none;
    EXPECT_EQ(r.sql.find("pgshim_row"), std::string::npos) << none << " -> " << r.sql;
  }
}

// `star: leave` keeps a whole row as the database has it, as it keeps `*`.
TEST(Rewrite, WholeRowUnderStarLeaveIsUntouched) {
  PendingColumn pc;
  std::string err;
  ASSERT_TRUE(parse_pending_spec("environments.last_error:text", pc, err));
  pc.star = StarMode::Leave;
  const MissingSet set({pc}, 1);
  const RewriteResult r = rewrite("SELECT row_to_json(e) FROM environments e", set);
  EXPECT_FALSE(r.rewritten()) << r.sql;
}

// A parameter still referenced elsewhere is not reported as dropped.
TEST(Rewrite, ParameterStillReferencedIsNotDropped) {
  const MissingSet set = env_set();
  const RewriteResult r =
      rewrite("UPDATE environments SET last_error = $1, name = $1 WHERE id = $2", set);
  ASSERT_TRUE(r.rewritten()) << r.detail;
  EXPECT_EQ(r.sql, "UPDATE environments SET name = $1 WHERE id = $2");
  EXPECT_TRUE(r.dropped_parameters.empty());
  ASSERT_EQ(r.dropped_values.size(), 1U);
  EXPECT_EQ(r.dropped_values[0].kind, EditKind::UpdateAssignment);
  ASSERT_EQ(r.dropped_values[0].key.size(), 1U);
  EXPECT_EQ(r.dropped_values[0].key[0].expression, "$2");
}

// `$0` parses but can never be bound, so it is never reported for declaration
// (found by the fuzzer).
TEST(Rewrite, ParameterZeroIsNotReported) {
  const MissingSet set = env_set();
  const RewriteResult r = rewrite("UPDATE environments SET last_error = $0, name = $1 WHERE id = $2", set);
  ASSERT_TRUE(r.rewritten()) << r.detail;
  EXPECT_TRUE(r.dropped_parameters.empty());
}

// EXCLUDED.<pending> becomes the typed NULL and is reported as such.
TEST(Rewrite, ExcludedReferenceKind) {
  const MissingSet set = env_set();
  const RewriteResult r = rewrite(
      "INSERT INTO environments (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.last_error",
      set);
  ASSERT_TRUE(r.rewritten()) << r.detail;
  EXPECT_EQ(r.sql,
            "INSERT INTO environments (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = (NULL::text)");
  ASSERT_EQ(r.edits.size(), 1U);
  EXPECT_EQ(r.edits[0].kind, EditKind::Excluded);
}

// The catalog facts decide unqualified names: a table that really has the
// column takes it; without facts another table makes it ambiguous.
TEST(Rewrite, FactsDecideUnqualifiedNames) {
  const MissingSet set = env_set();
  const std::string sql = "SELECT e.id FROM environments e JOIN users u ON u.id = e.user_id WHERE last_error IS NULL";
  EXPECT_EQ(rewrite(sql, set).reason, UntouchedReason::Ambiguous);
  CatalogFacts none(1);
  EXPECT_TRUE(rewrite(sql, set, &none).rewritten());
  CatalogFacts users_have_it(2);
  users_have_it.add("last_error", "public", "users");
  EXPECT_EQ(rewrite(sql, set, &users_have_it).reason, UntouchedReason::NoPendingReference);
}

// Inputs libpg_query cannot take, and an empty missing set, are untouched with
// the right reason and never crash.
TEST(Rewrite, DegenerateInputs) {
  const MissingSet set = env_set();
  EXPECT_EQ(rewrite("", set).reason, UntouchedReason::PrefilterMiss);
  EXPECT_EQ(rewrite(std::string_view("select last_error\0 from x", 25), set).reason, UntouchedReason::ParseError);
  EXPECT_EQ(rewrite("select 'last_error", set).reason, UntouchedReason::ParseError);
  EXPECT_EQ(rewrite("select last_error from environments", MissingSet()).reason, UntouchedReason::PrefilterMiss);
  EXPECT_EQ(rewrite(";;;last_error", set).reason, UntouchedReason::ParseError);
}

// Multi-statement strings are handled statement by statement; a statement that
// cannot be handled leaves the whole string untouched and is named.
TEST(Rewrite, MultiStatementStrings) {
  const MissingSet set = env_set();
  const RewriteResult ok =
      rewrite("SELECT last_error FROM environments; SELECT 1; DELETE FROM environments WHERE last_error = 'x'", set);
  ASSERT_TRUE(ok.rewritten()) << ok.detail;
  EXPECT_EQ(ok.sql,
            "SELECT NULL::text AS \"last_error\" FROM environments; SELECT 1; DELETE FROM environments WHERE (NULL::text) = 'x'");
  const RewriteResult blocked = rewrite("SELECT last_error FROM environments; SELECT s.* FROM (SELECT * FROM environments) s", set);
  EXPECT_EQ(blocked.reason, UntouchedReason::SelectStar);
  EXPECT_EQ(blocked.detail.rfind("statement 2: ", 0), 0U) << blocked.detail;
}

// A configured default replaces NULL everywhere, cast to the column's type.
TEST(Rewrite, DefaultExpression) {
  PendingColumn pc;
  std::string err;
  ASSERT_TRUE(parse_pending_spec("environments.retries:integer", pc, err));
  pc.default_expr = "0";
  const MissingSet set({pc}, 1);
  const RewriteResult r = rewrite("SELECT retries FROM environments WHERE retries > 1", set);
  ASSERT_TRUE(r.rewritten());
  EXPECT_EQ(r.sql, "SELECT (0)::integer AS \"retries\" FROM environments WHERE ((0)::integer) > 1");
}

// Names that only look like enum names: every enumerator has a stable spelling.
TEST(Rewrite, EnumNames) {
  EXPECT_EQ(to_string(Outcome::Rewritten), "rewritten");
  EXPECT_EQ(to_string(UntouchedReason::ReparseFailed), "reparse-failed");
  EXPECT_EQ(to_string(EditKind::OnConflictAssignment), "on-conflict-assignment");
}

}  // namespace
}  // namespace pgshim::sql
