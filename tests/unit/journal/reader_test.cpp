// Reading journal text: records come back with where they were, and a line a
// crash cut short is told apart from one that is not a record at all.
#include <gtest/gtest.h>

#include "pgshim/journal/reader.hpp"

namespace pgshim::journal {
namespace {

Record numbered(std::uint64_t seq) {
  Record r;
  r.replica = "a";
  r.boot = 1;
  r.seq = seq;
  r.time_unix_ms = 1000 + static_cast<std::int64_t>(seq);
  r.schema = "public";
  r.table = "environments";
  r.column = "last_error";
  r.kind = std::string(kUpdateAssignment);
  r.value = Value::text("v" + std::to_string(seq));
  r.key = {{"id", Value::text("env_1")}};
  return r;
}

TEST(JournalReader, ATornLastLineIsReportedAndTheRestRead) {
  const std::string one = format_line(numbered(1));
  const std::string two = format_line(numbered(2));
  const std::string text = one + "\n" + two + "\n" + two.substr(0, 30);
  ReadResult out;
  read_text(text, "j.jsonl", out);
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.where[1].line, 2u);
  ASSERT_EQ(out.bad.size(), 1u);
  EXPECT_TRUE(out.bad[0].torn);
  EXPECT_EQ(out.bad[0].line, 3u);
  EXPECT_EQ(out.bad[0].file, "j.jsonl");
}

TEST(JournalReader, ATornLineEndedByTheWriterIsStillTorn) {
  // The writer ends a torn line with a newline when it opens the file again,
  // so the fragment sits between whole records.
  const std::string one = format_line(numbered(1));
  const std::string text = one.substr(0, 40) + "\n" + one + "\n";
  ReadResult out;
  read_text(text, "j", out);
  ASSERT_EQ(out.records.size(), 1u);
  ASSERT_EQ(out.bad.size(), 1u);
  EXPECT_TRUE(out.bad[0].torn);
  EXPECT_EQ(out.bad[0].line, 1u);
}

TEST(JournalReader, AnInvalidLineIsNotTorn) {
  ReadResult out;
  read_text("garbage\n\n" + format_line(numbered(3)) + "\n", "j", out);
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.where[0].line, 3u) << "blank lines are counted, not reported";
  ASSERT_EQ(out.bad.size(), 1u);
  EXPECT_FALSE(out.bad[0].torn);
}

}  // namespace
}  // namespace pgshim::journal
