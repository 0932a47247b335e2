// plan(): last write wins per row and column (seq within a replica, time
// across replicas), the row is named only by a unique key, upserts are
// resolved only when both branches agree, and nothing is guessed.
#include <gtest/gtest.h>

#include "pgshim/journal/backfill.hpp"

namespace pgshim::journal {
namespace {

const Target kTarget{"public", "environments", "last_error"};

Facts facts() {
  TargetFacts f;
  f.column_exists = true;
  f.type = 25;
  f.keys = {UniqueKey{"environments_pkey", {"id"}, {25}}, UniqueKey{"environments_name_key", {"name"}, {25}}};
  return Facts{{kTarget, f}};
}

Record rec(std::string replica, std::uint64_t boot, std::uint64_t seq, std::int64_t time, std::string value,
           std::vector<std::pair<std::string, Value>> key = {{"id", Value::text("env_1")}},
           std::string_view kind = kUpdateAssignment, std::uint64_t execution = 0) {
  Record r;
  r.replica = std::move(replica);
  r.boot = boot;
  r.seq = seq;
  r.time_unix_ms = time;
  r.execution = execution == 0 ? seq : execution;
  r.schema = kTarget.schema;
  r.table = kTarget.table;
  r.column = kTarget.column;
  r.kind = std::string(kind);
  r.value = Value::text(std::move(value));
  r.key = std::move(key);
  return r;
}

TEST(BackfillPlan, WithinAReplicaTheHighestBootAndSeqWinsWhateverTheClock) {
  // The clock went back between the two writes: seq still orders them.
  const std::vector<Record> records = {rec("a", 1, 2, 5000, "second"), rec("a", 1, 1, 9000, "first"),
                                       rec("a", 2, 1, 100, "after restart")};
  const Facts f = facts();
  const Plan p = plan(records, f);
  ASSERT_EQ(p.apply.size(), 1u);
  EXPECT_EQ(p.apply[0].value.bytes, "after restart");
  EXPECT_EQ(p.superseded, 2u);
}

TEST(BackfillPlan, AcrossReplicasTheLaterTimeWins) {
  const std::vector<Record> records = {rec("a", 1, 7, 2000, "a late"), rec("b", 1, 1, 3000, "b later"),
                                       rec("a", 1, 3, 1000, "a early")};
  const Facts f = facts();
  const Plan p = plan(records, f);
  ASSERT_EQ(p.apply.size(), 1u);
  EXPECT_EQ(p.apply[0].value.bytes, "b later");
  EXPECT_EQ(p.apply[0].record->replica, "b");
}

TEST(BackfillPlan, TheRowIsNamedByThePrimaryKeyFirstThenAUniqueKey) {
  const std::vector<Record> records = {
      rec("a", 1, 1, 1, "by id", {{"name", Value::text("prod")}, {"id", Value::text("env_3")}}, kInsertValue),
      rec("a", 1, 2, 2, "by name", {{"name", Value::text("staging")}, {"status", Value::text("RUNNING")}},
          kUpdateAssignment)};
  const Facts f = facts();
  const Plan p = plan(records, f);
  ASSERT_EQ(p.apply.size(), 2u);
  EXPECT_EQ(p.apply[0].key->name, "environments_pkey");
  EXPECT_EQ(p.apply[0].key_values, std::vector<Value>{Value::text("env_3")});
  EXPECT_EQ(p.apply[1].key->name, "environments_name_key");
}

TEST(BackfillPlan, WithoutAUniqueKeyTheRecordIsUnrecoverable) {
  const std::vector<Record> records = {
      rec("a", 1, 1, 1, "x", {{"status", Value::text("FAILED")}}),
      rec("a", 1, 2, 2, "x", {{"id", Value::null()}}),
      rec("a", 1, 3, 3, "x", {{"id", {Form::Expression, "gen_id()"}}})};
  const Facts f = facts();
  const Plan p = plan(records, f);
  EXPECT_TRUE(p.apply.empty());
  ASSERT_EQ(p.unrecoverable.size(), 3u);
  EXPECT_NE(p.unrecoverable[0].reason.find("no unique key"), std::string::npos) << p.unrecoverable[0].reason;
  EXPECT_NE(p.unrecoverable[0].reason.find("status"), std::string::npos) << "says what the statement stated";
}

TEST(BackfillPlan, ValuesPgshimCouldNotSeeOrEvaluateAreUnrecoverable) {
  std::vector<Record> records = {rec("a", 1, 1, 1, "now()"), rec("a", 1, 2, 2, "", {{"id", Value::text("env_2")}})};
  records[0].value.form = Form::Expression;
  records[1].value = {Form::Unknown, {}};
  const Facts f = facts();
  const Plan p = plan(records, f);
  EXPECT_TRUE(p.apply.empty());
  EXPECT_EQ(p.unrecoverable.size(), 2u);
}

TEST(BackfillPlan, AnUpsertWhoseUpdateIsExcludedTakesTheInsertedValue) {
  std::vector<Record> records = {rec("a", 1, 1, 1, "boom", {{"id", Value::text("env_9")}}, kInsertValue, 5),
                                 rec("a", 1, 2, 1, "", {}, kOnConflictAssignment, 5)};
  records[1].value = {Form::Expression, "EXCLUDED.\"last_error\""};
  const Facts f = facts();
  const Plan p = plan(records, f);
  ASSERT_EQ(p.apply.size(), 1u);
  EXPECT_EQ(p.apply[0].value.bytes, "boom");
  EXPECT_TRUE(p.unrecoverable.empty());
}

TEST(BackfillPlan, AnUpsertWhoseBranchesDifferIsUnrecoverable) {
  const std::vector<Record> records = {rec("a", 1, 1, 1, "on insert", {{"id", Value::text("env_9")}}, kInsertValue, 5),
                                       rec("a", 1, 2, 1, "on update", {}, kOnConflictAssignment, 5),
                                       rec("a", 1, 3, 1, "alone", {}, kOnConflictAssignment, 6)};
  const Facts f = facts();
  const Plan p = plan(records, f);
  EXPECT_TRUE(p.apply.empty());
  ASSERT_EQ(p.unrecoverable.size(), 2u);
  EXPECT_NE(p.unrecoverable[0].reason.find("differ"), std::string::npos);
  EXPECT_NE(p.unrecoverable[1].reason.find("not known"), std::string::npos);
}

TEST(BackfillPlan, AMissingColumnPlansNothingAndSaysSo) {
  const std::vector<Record> records = {rec("a", 1, 1, 1, "x")};
  Facts f = facts();
  f.begin()->second.column_exists = false;
  const Plan p = plan(records, f);
  EXPECT_TRUE(p.apply.empty());
  ASSERT_EQ(p.missing_columns.size(), 1u);
  EXPECT_EQ(p.missing_columns[0], kTarget);
}

TEST(BackfillPlan, AVolatileDefaultMakesTheColumnUnrecoverable) {
  const std::vector<Record> records = {rec("a", 1, 1, 1, "x")};
  Facts f = facts();
  f.begin()->second.default_expr = "now()";
  f.begin()->second.default_is_constant = false;
  const Plan p = plan(records, f);
  EXPECT_TRUE(p.apply.empty());
  ASSERT_EQ(p.unrecoverable.size(), 1u);
}

TEST(BackfillPlan, AnObservedWriteLastKeepsTheRowAsTheApplicationWroteIt) {
  // The application cleared the value after the migration (observed, NULL):
  // nothing is applied for env_1; env_2's observed write alone plans nothing;
  // an observed write without a key is no problem at all.
  std::vector<Record> records = {rec("a", 1, 1, 1, "dropped"), rec("a", 2, 1, 100, ""),
                                 rec("b", 1, 1, 50, "app", {{"id", Value::text("env_2")}}),
                                 rec("b", 1, 2, 60, "new row", {{"status", Value::text("RUNNING")}}, kInsertValue)};
  records[1].observed = true;
  records[1].value = Value::null();
  records[2].observed = true;
  records[3].observed = true;
  const Facts f = facts();
  const Plan p = plan(records, f);
  EXPECT_TRUE(p.apply.empty());
  EXPECT_TRUE(p.unrecoverable.empty());
  EXPECT_EQ(p.written_since, 1U);
  EXPECT_EQ(p.superseded, 0U);
  EXPECT_EQ(p.observed, 3U);
}

TEST(BackfillPlan, ConstantDefaultsAreToldFromCalls) {
  for (const char* constant : {"'x'::text", "0", "-1", "false", "NULL", "'{}'::jsonb", "'PENDING'::\"EnvironmentStatus\"",
                               "'a''b'::character varying", "0.00::numeric(10,2)", "'{}'::text[]", "'1'::integer"}) {
    EXPECT_TRUE(is_constant_default(constant)) << constant;
  }
  for (const char* call : {"now()", "gen_random_uuid()", "CURRENT_TIMESTAMP", "nextval('s'::regclass)",
                           "('x'::text || 'y'::text)", "'x'::text || 'y'", "(0)::integer + 1", ""}) {
    EXPECT_FALSE(is_constant_default(call)) << call;
  }
}

TEST(BackfillPlan, ExcludedReferencesAreRecognisedAsWritten) {
  EXPECT_TRUE(is_excluded_reference("excluded.last_error", "last_error"));
  EXPECT_TRUE(is_excluded_reference("EXCLUDED.\"last_error\"", "last_error"));
  EXPECT_TRUE(is_excluded_reference(" \"excluded\" . last_error ", "last_error"));
  EXPECT_FALSE(is_excluded_reference("excluded.name", "last_error"));
  EXPECT_FALSE(is_excluded_reference("environments.last_error", "last_error"));
  EXPECT_FALSE(is_excluded_reference("excluded.\"Last_Error\"", "last_error"));
}

}  // namespace
}  // namespace pgshim::journal

#include "pgshim/journal/backfill_pg.hpp"

namespace pgshim::journal {
namespace {

TEST(BackfillMessages, ServerErrorsLoseWhatMayQuoteAValue) {
  EXPECT_EQ(without_values(R"(query failed: ERROR:  invalid input syntax for type integer: "secret")"),
            "query failed: ERROR:  invalid input syntax for type integer");
  EXPECT_EQ(without_values("query failed: ERROR:  new row violates check constraint \"c\" DETAIL:  Failing row contains (secret)."),
            "query failed: ERROR:  new row violates check constraint \"c\"");
  EXPECT_EQ(without_values("query failed: ERROR:  value too long for type character varying(5)"),
            "query failed: ERROR:  value too long for type character varying(5)");
}

}  // namespace
}  // namespace pgshim::journal
