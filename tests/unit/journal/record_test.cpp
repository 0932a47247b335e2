// The journal's line format: what is written reads back as the same record,
// every form of value included, and what is not a record is said to be not one.
#include <gtest/gtest.h>

#include "pgshim/journal/record.hpp"

namespace pgshim::journal {
namespace {

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

void expect_same(const Record& a, const Record& b) {
  EXPECT_EQ(a.replica, b.replica);
  EXPECT_EQ(a.boot, b.boot);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.time_unix_ms, b.time_unix_ms);
  EXPECT_EQ(a.execution, b.execution);
  EXPECT_EQ(a.row, b.row);
  EXPECT_EQ(a.schema, b.schema);
  EXPECT_EQ(a.table, b.table);
  EXPECT_EQ(a.column, b.column);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.key, b.key);
}

TEST(JournalRecord, TextAndNullRoundTripWithoutForms) {
  const Record r = sample();
  const std::string line = format_line(r);
  EXPECT_EQ(line.find("\"forms\""), std::string::npos) << line;
  EXPECT_NE(line.find(R"("key":{"id":"env_1","name":null})"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line, whatever the value holds";
  const ParsedLine parsed = parse_line(line);
  ASSERT_TRUE(parsed.record) << parsed.error;
  expect_same(*parsed.record, r);
}

TEST(JournalRecord, BinaryExpressionAndUnknownKeepTheirForms) {
  Record r = sample();
  r.value = {Form::Binary, std::string("\x00\x01\xff", 3)};
  r.key = {{"id", {Form::Expression, "gen_random_uuid()"}}, {"value", {Form::Unknown, {}}}};
  const std::string line = format_line(r);
  EXPECT_NE(line.find(R"("value":"\\x0001ff")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("forms":{"value":"binary","key.id":"expression","key.value":"unknown"})"), std::string::npos)
      << line;
  const ParsedLine parsed = parse_line(line);
  ASSERT_TRUE(parsed.record) << parsed.error;
  expect_same(*parsed.record, r);
}

TEST(JournalRecord, ObservedIsWrittenOnlyWhenTrue) {
  Record r = sample();
  EXPECT_EQ(format_line(r).find("observed"), std::string::npos);
  r.observed = true;
  const std::string line = format_line(r);
  EXPECT_NE(line.find(R"("observed":true)"), std::string::npos) << line;
  const ParsedLine parsed = parse_line(line);
  ASSERT_TRUE(parsed.record) << parsed.error;
  EXPECT_TRUE(parsed.record->observed);
}

TEST(JournalRecord, ARowFromJsonKeepsItsColumnsInOrder) {
  const auto row = row_from_json(R"({"id":42,"name":"x","ok":true,"gone":null,"tags":["a"],"n":1.5})");
  ASSERT_TRUE(row);
  ASSERT_EQ(row->size(), 6U);
  EXPECT_EQ((*row)[0], (std::pair<std::string, Value>{"id", Value::text("42")}));
  EXPECT_EQ((*row)[2].second, Value::text("true"));
  EXPECT_EQ((*row)[3].second, Value::null());
  EXPECT_EQ((*row)[4].second, Value::text(R"(["a"])"));
  EXPECT_EQ((*row)[5].second, Value::text("1.5"));
  EXPECT_FALSE(row_from_json("[1]"));
}

TEST(JournalRecord, WhatIsNotARecordSaysWhy) {
  const std::string good = format_line(sample());
  struct Case {
    const char* name;
    std::string line;
    bool truncated;
  };
  const Case cases[] = {
      {"cut short", good.substr(0, good.size() / 2), true},
      {"not json", "hello", false},
      {"an array", "[1,2]", false},
      {"version 1", R"({"time_unix_ms":1,"schema":"public","table":"t","column":"c","kind":"insert-value","value":"x","key":{}})", false},
      {"bad binary", R"({"v":2,"replica":"a","boot":1,"seq":1,"time_unix_ms":1,"execution":1,"row":0,"schema":"s","table":"t","column":"c","kind":"insert-value","value":"zz","key":{},"forms":{"value":"binary"}})", false},
      {"missing member", R"({"v":2,"replica":"a","boot":1})", false},
  };
  for (const auto& c : cases) {
    const ParsedLine parsed = parse_line(c.line);
    EXPECT_FALSE(parsed.record) << c.name;
    EXPECT_FALSE(parsed.error.empty()) << c.name;
    EXPECT_EQ(parsed.truncated, c.truncated) << c.name << ": " << parsed.error;
  }
}

}  // namespace
}  // namespace pgshim::journal
