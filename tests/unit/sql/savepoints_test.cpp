// savepoint_steps(): the savepoint commands of a statement string, by index,
// with names folded as PostgreSQL folds them; nothing else is one.
#include "pgshim/sql/savepoints.hpp"

#include <gtest/gtest.h>

namespace pgshim::sql {
namespace {

using Kind = SavepointStep::Kind;

TEST(SavepointSteps, EachSpellingByStatementIndex) {
  const auto steps = savepoint_steps(
      "BEGIN; SAVEPOINT a; UPDATE t SET x = 1; ROLLBACK TO SAVEPOINT a; rollback work to \"B c\"; "
      "RELEASE SAVEPOINT A; release b; COMMIT");
  ASSERT_EQ(steps.size(), 5U);
  EXPECT_EQ(steps[0].kind, Kind::Savepoint);
  EXPECT_EQ(steps[0].name, "a");
  EXPECT_EQ(steps[0].statement, 1U);
  EXPECT_EQ(steps[1].kind, Kind::RollbackTo);
  EXPECT_EQ(steps[1].statement, 3U);
  EXPECT_EQ(steps[2].kind, Kind::RollbackTo);
  EXPECT_EQ(steps[2].name, "B c");
  EXPECT_EQ(steps[3].kind, Kind::Release);
  EXPECT_EQ(steps[3].name, "a") << "folded";
  EXPECT_EQ(steps[4].kind, Kind::Release);
  EXPECT_EQ(steps[4].statement, 6U);
}

TEST(SavepointSteps, NothingElseIsOne) {
  for (const char* none : {"ROLLBACK", "COMMIT", "SELECT 'savepoint a'", "UPDATE release SET x = 1",
                           "PREPARE TRANSACTION 'x'", "SAVEPOINT", "not sql at all; savepoint"}) {
    EXPECT_TRUE(savepoint_steps(none).empty()) << none;
  }
  EXPECT_FALSE(may_hold_savepoint_step("UPDATE environments SET last_error = $1 WHERE id = $2"));
}

}  // namespace
}  // namespace pgshim::sql
