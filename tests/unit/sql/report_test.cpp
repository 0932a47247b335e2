// render_report: what `pgshim rewrite` prints for the on-call engineer.
#include "pgshim/sql/report.hpp"

#include <gtest/gtest.h>

namespace pgshim::sql {
namespace {

MissingSet make_set() {
  PendingColumn pc;
  std::string err;
  EXPECT_TRUE(parse_pending_spec("environments.last_error:text:m1", pc, err));
  return MissingSet({pc}, 1);
}

// A rewrite report shows the new SQL, each edit, the parameters to declare and
// the dropped values with the row's other stated values.
TEST(Report, RewrittenListsEverything) {
  const MissingSet set = make_set();
  const RewriteResult r = rewrite(
      "UPDATE \"public\".\"environments\" SET \"last_error\" = $1 WHERE \"public\".\"environments\".\"id\" = $2 "
      "RETURNING \"public\".\"environments\".\"last_error\"",
      set);
  ASSERT_TRUE(r.rewritten());
  const std::string text = render_report(r);
  EXPECT_NE(text.find("rewritten:\n  UPDATE \"public\".\"environments\" SET \"id\" = \"environments\".\"id\""), std::string::npos) << text;
  EXPECT_NE(text.find("update-self-assignment public.environments.last_error"), std::string::npos) << text;
  EXPECT_NE(text.find("returning public.environments.last_error"), std::string::npos) << text;
  EXPECT_NE(text.find("  $1 text\n"), std::string::npos) << text;
  EXPECT_NE(text.find("= $1 (statement 1, row 1) where id = $2"), std::string::npos) << text;
}

// A COPY FROM that lost a column says which field every data row loses.
TEST(Report, CopyFromNamesTheStrippedField) {
  const MissingSet set = make_set();
  EXPECT_EQ(render_report(rewrite("COPY environments (id, last_error) FROM STDIN", set)),
            "rewritten:\n  COPY environments (id) FROM STDIN\nedits (1):\n  insert-column public.environments.last_error at "
            "offset 23\nCOPY data (text): every row loses field 2 (last_error) of 2; the values are journaled\n");
}

// An untouched report names the reason and its detail on one line.
TEST(Report, UntouchedShowsReason) {
  const MissingSet set = make_set();
  EXPECT_EQ(render_report(rewrite("COPY environments (id, last_error) FROM STDIN (FORMAT binary)", set)),
            "untouched (copy): binary COPY FROM with a pending column: binary rows are not rewritten\n");
  EXPECT_EQ(render_report(rewrite("SELECT 1", set)), "untouched (prefilter-miss)\n");
}

}  // namespace
}  // namespace pgshim::sql
