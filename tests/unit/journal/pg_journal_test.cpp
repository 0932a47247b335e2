// The journal table's mapping (pg_journal.hpp): a record becomes one row of
// parameters and reads back from the row PostgreSQL returns as the same
// record, every form of value and the key's order included; what is not such
// a row is said to be not one. No database: the server's side of the round
// trip (bytea sent binary and read as hex, jsonb re-printed) is done here.
#include <gtest/gtest.h>

#include "pgshim/journal/pg_journal.hpp"

namespace pgshim::journal {
namespace {

using migrations::Row;

Record sample() {
  Record r;
  r.replica = "web-1";
  r.boot = 1764751000123;
  r.seq = 42;
  r.time_unix_ms = 1764751234567;
  r.execution = 17;
  r.row = 2;
  r.schema = "public";
  r.table = "environments";
  r.column = "last_error";
  r.kind = std::string(kInsertValue);
  r.value = Value::text("image \"pull\" failed\n");
  r.key = {{"id", Value::text("env_1")}, {"name", Value::null()}};
  return r;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// What select_statement returns for the row the parameters inserted: text
// columns as sent, the binary bytea as encode(..., 'hex'), booleans as t/f.
Row as_selected(const std::vector<migrations::PgDatabase::Param>& params) {
  Row row;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    if (!p.value) row.emplace_back(std::nullopt);
    else if (p.binary) row.emplace_back(hex(*p.value));
    else if (i == 14) row.emplace_back(*p.value == "true" ? "t" : "f");
    else row.emplace_back(*p.value);
  }
  return row;
}

// gtest parameter names: the case's `name` field.
template <class Case>
std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.name;
}

struct RoundTripCase {
  std::string name;
  Value value;
  std::vector<std::pair<std::string, Value>> key;
  bool observed = false;
};

class PgJournalRoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(PgJournalRoundTrip, ReadsBackTheSameRecord) {
  Record r = sample();
  r.value = GetParam().value;
  r.key = GetParam().key;
  r.observed = GetParam().observed;
  const auto params = row_params(r);
  ASSERT_EQ(params.size(), kColumnsPerRow);
  std::string error;
  const auto back = record_from_row(as_selected(params), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->replica, r.replica);
  EXPECT_EQ(back->boot, r.boot);
  EXPECT_EQ(back->seq, r.seq);
  EXPECT_EQ(back->time_unix_ms, r.time_unix_ms);
  EXPECT_EQ(back->execution, r.execution);
  EXPECT_EQ(back->row, r.row);
  EXPECT_EQ(back->schema, r.schema);
  EXPECT_EQ(back->table, r.table);
  EXPECT_EQ(back->column, r.column);
  EXPECT_EQ(back->kind, r.kind);
  EXPECT_EQ(back->value, r.value);
  EXPECT_EQ(back->key, r.key);
  EXPECT_EQ(back->observed, r.observed);
}

INSTANTIATE_TEST_SUITE_P(
    PgJournal, PgJournalRoundTrip,
    ::testing::Values(
        RoundTripCase{"Text", Value::text("boom"), {{"id", Value::text("e1")}}},
        RoundTripCase{"Null", Value::null(), {{"id", Value::text("e1")}, {"name", Value::null()}}},
        RoundTripCase{"BinaryWithNul", {Form::Binary, std::string("\x00\x01\xff", 3)},
                      {{"id", {Form::Binary, std::string("\x00\x00\x00\x07", 4)}}}},
        RoundTripCase{"Expression", {Form::Expression, "now()"}, {{"id", {Form::Expression, "gen_random_uuid()"}}}},
        RoundTripCase{"Unknown", {Form::Unknown, {}}, {{"value", {Form::Unknown, {}}}}},
        RoundTripCase{"EmptyKeyEmptyText", Value::text(""), {}},
        RoundTripCase{"Observed", Value::null(), {{"id", Value::text("e1")}}, true},
        RoundTripCase{"KeyOrderKept", Value::text("x"),
                      {{"z", Value::text("1")}, {"a", Value::text("2")}, {"m", Value::text("3")}}}),
    case_name<RoundTripCase>);

TEST(PgJournal, TheValueGoesInTheColumnOfItsForm) {
  Record r = sample();
  r.value = {Form::Binary, "\x01"};
  auto p = row_params(r);
  EXPECT_EQ(p[10].value, "binary");
  EXPECT_FALSE(p[11].value) << "value_text is NULL for a binary value";
  EXPECT_EQ(p[12].value, "\x01");
  EXPECT_TRUE(p[12].binary) << "the client's bytes, sent as they are";
  r.value = Value::text("t");
  p = row_params(r);
  EXPECT_EQ(p[10].value, "text");
  EXPECT_EQ(p[11].value, "t");
  EXPECT_FALSE(p[12].value);
}

TEST(PgJournal, TheKeyIsAnArrayOfTriplesInTheStatementsOrder) {
  // A jsonb object would sort its members; an array keeps the order.
  EXPECT_EQ(key_json({{"z", Value::text("1")}, {"a", Value::null()}, {"b", {Form::Binary, "\xab"}}}),
            R"([["z","1","text"],["a",null,"null"],["b","\\xab","binary"]])");
  // As jsonb prints it back: spaces after the separators.
  std::string error;
  const auto key = parse_key_json(R"([["z", "1", "text"], ["a", null, "null"], ["b", "\\xab", "binary"]])", error);
  ASSERT_TRUE(key) << error;
  ASSERT_EQ(key->size(), 3u);
  EXPECT_EQ((*key)[0].first, "z");
  EXPECT_EQ((*key)[2].second, (Value{Form::Binary, "\xab"}));
}

struct BadKeyCase {
  std::string name;
  std::string text;
};

class PgJournalBadKey : public ::testing::TestWithParam<BadKeyCase> {};

TEST_P(PgJournalBadKey, IsRefused) {
  std::string error;
  EXPECT_FALSE(parse_key_json(GetParam().text, error));
  EXPECT_NE(error, "");
}

INSTANTIATE_TEST_SUITE_P(PgJournal, PgJournalBadKey,
                         ::testing::Values(BadKeyCase{"Object", R"({"id":"e1"})"}, BadKeyCase{"NotJson", "[["},
                                           BadKeyCase{"Pair", R"([["id","e1"]])"},
                                           BadKeyCase{"NumberValue", R"([["id",1,"text"]])"},
                                           BadKeyCase{"NullFormWithValue", R"([["id","x","null"]])"},
                                           BadKeyCase{"BinaryNotHex", R"([["id","zz","binary"]])"},
                                           BadKeyCase{"OddHex", R"([["id","\\xabc","binary"]])"},
                                           BadKeyCase{"UnknownForm", R"([["id","x","weird"]])"}),
                         case_name<BadKeyCase>);

TEST(PgJournal, ARowThatIsNotARecordIsSaidToBeNotOne) {
  const Row good = as_selected(row_params(sample()));
  std::string error;
  ASSERT_TRUE(record_from_row(good, error)) << error;
  const auto refused = [&](Row row) {
    std::string e;
    return !record_from_row(row, e) && !e.empty();
  };
  Row r = good;
  r[11] = std::nullopt;  // a text value without its text
  EXPECT_TRUE(refused(r));
  r = good;
  r[10] = "weird";
  EXPECT_TRUE(refused(r));
  r = good;
  r[1] = "not a number";
  EXPECT_TRUE(refused(r));
  r = good;
  r[14] = std::nullopt;
  EXPECT_TRUE(refused(r));
  r = good;
  r.pop_back();
  EXPECT_TRUE(refused(r));
  r = good;
  r[10] = "binary";  // and no bytes
  EXPECT_TRUE(refused(r));
}

TEST(PgJournal, StatementsQuoteTheSchemaAndNeverReplaceARow) {
  EXPECT_EQ(table_name("pgshim"), R"("pgshim".journal)");
  EXPECT_EQ(table_name(R"(my "s")"), R"("my ""s""".journal)");
  const std::string two = insert_statement("pgshim", 2);
  EXPECT_NE(two.find("$30)"), std::string::npos) << two;
  EXPECT_EQ(two.find("$31"), std::string::npos) << two;
  EXPECT_NE(two.find("ON CONFLICT (replica, boot, seq) DO NOTHING"), std::string::npos) << two;
  const auto init = init_statements("pgshim");
  ASSERT_GE(init.size(), 2u);
  EXPECT_EQ(init[0], R"(CREATE SCHEMA IF NOT EXISTS "pgshim")");
  EXPECT_TRUE(init[1].starts_with(R"(CREATE TABLE IF NOT EXISTS "pgshim".journal )")) << init[1];
  EXPECT_NE(init[1].find("PRIMARY KEY (replica, boot, seq)"), std::string::npos) << init[1];
  EXPECT_GE(kMaxRowsPerInsert * kColumnsPerRow, 65535 - kColumnsPerRow);
  EXPECT_LE(kMaxRowsPerInsert * kColumnsPerRow, 65535u);
}

TEST(PgJournal, SchemaNames) {
  EXPECT_FALSE(schema_name_error("pgshim"));
  EXPECT_FALSE(schema_name_error("Audit Trail"));
  EXPECT_TRUE(schema_name_error(""));
  EXPECT_TRUE(schema_name_error(std::string(64, 'a')));
  EXPECT_FALSE(schema_name_error(std::string(63, 'a')));
}

}  // namespace
}  // namespace pgshim::journal
