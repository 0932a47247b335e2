// search_path with the real binary (issue: every statement shape): a tenant
// schema holding its own `environments` WITH last_error, first in a session's
// search_path, shadows the pending `public.environments`: pgshim must rewrite
// references to the public table only, following the session's startup
// options, SET, SET LOCAL, ROLLBACK, RESET and set_config.
#include <gtest/gtest.h>

#include "support/harness.hpp"

namespace pgshim::test {
namespace {

class SearchPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto direct = db_.direct();
    ASSERT_EQ(query_value(direct.get(),
                          "CREATE SCHEMA tenant; CREATE TABLE tenant.environments (id text PRIMARY KEY, name text, "
                          "last_error text); INSERT INTO tenant.environments VALUES ('t1', 'tenant env', 'tenant err')"),
              "");
    shim_ = std::make_unique<Pgshim>(std::vector<std::string>{"--upstream", db_.url_with_credentials(), "--pending",
                                                              "public.environments.last_error:text",
                                                              "--schema-poll-interval", "200ms"},
                                     false);
  }
  Connection connect_shim(const std::string& extra = "") {
    auto c = connect(shim_->conninfo("dbname=" + db_.name() + " user=pgshim_scram password=scram-pass " + extra));
    EXPECT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
    return c;
  }
  // The public table is rewritten (NULL); the tenant one is read for real.
  static std::string public_read(PGconn* c) { return query_value(c, "SELECT coalesce(last_error, '<null>') FROM environments ORDER BY id LIMIT 1"); }

  IncidentDatabase db_{"search_path"};
  std::unique_ptr<Pgshim> shim_;
};

TEST_F(SearchPathTest, SessionSetsDecideWhichEnvironmentsIsPending) {
  auto c = connect_shim();
  // Default path ("$user", public): public.environments, rewritten.
  EXPECT_EQ(public_read(c.get()), "<null>");

  EXPECT_EQ(query_value(c.get(), "SET search_path TO tenant, public"), "");
  // Now `environments` is tenant's, which has the column: relayed as written.
  EXPECT_EQ(public_read(c.get()), "tenant err");
  EXPECT_EQ(query_value(c.get(), "INSERT INTO environments (id, name, last_error) VALUES ('t2', 'x', 'kept') RETURNING last_error"),
            "kept");
  auto direct = db_.direct();
  EXPECT_EQ(query_value(direct.get(), "SELECT last_error FROM tenant.environments WHERE id = 't2'"), "kept");
  // Qualified, the public table is still rewritten.
  EXPECT_EQ(query_value(c.get(), "SELECT coalesce(last_error, '<null>') FROM public.environments LIMIT 1"), "<null>");

  // SET LOCAL lasts for its block.
  EXPECT_EQ(query_value(c.get(), "BEGIN"), "");
  EXPECT_EQ(query_value(c.get(), "SET LOCAL search_path TO public"), "");
  EXPECT_EQ(public_read(c.get()), "<null>");
  EXPECT_EQ(query_value(c.get(), "COMMIT"), "");
  EXPECT_EQ(public_read(c.get()), "tenant err");

  // A SET rolled back is undone.
  EXPECT_EQ(query_value(c.get(), "BEGIN"), "");
  EXPECT_EQ(query_value(c.get(), "SET search_path TO public"), "");
  EXPECT_EQ(public_read(c.get()), "<null>");
  EXPECT_EQ(query_value(c.get(), "ROLLBACK"), "");
  EXPECT_EQ(public_read(c.get()), "tenant err");

  // A SET committed stays; RESET returns to the session's start.
  EXPECT_EQ(query_value(c.get(), "BEGIN; SELECT 1"), "1");
  EXPECT_EQ(query_value(c.get(), "SET search_path TO public"), "");
  EXPECT_EQ(query_value(c.get(), "COMMIT"), "");
  EXPECT_EQ(public_read(c.get()), "<null>");
  EXPECT_EQ(query_value(c.get(), "SELECT set_config('search_path', 'tenant', false)"), "tenant");
  EXPECT_EQ(public_read(c.get()), "tenant err");
  EXPECT_EQ(query_value(c.get(), "RESET search_path"), "");
  EXPECT_EQ(public_read(c.get()), "<null>");
}

TEST_F(SearchPathTest, StartupOptionsAndUnknownPaths) {
  // The path the session starts with (here from options) is the server's own answer.
  auto c = connect_shim("options='-c search_path=tenant,public'");
  EXPECT_EQ(public_read(c.get()), "tenant err");
  // A path pgshim cannot evaluate: nothing unqualified is rewritten (the
  // statement fails as it would without pgshim), qualified names still are.
  EXPECT_EQ(query_value(c.get(), "PREPARE sp(text) AS SELECT set_config('search_path', $1, false); EXECUTE sp('public')"),
            "public");
  EXPECT_EQ(public_read(c.get()), "ERROR 42703");
  EXPECT_EQ(query_value(c.get(), "SELECT coalesce(last_error, '<null>') FROM public.environments LIMIT 1"), "<null>");
  EXPECT_EQ(query_value(c.get(), "SET search_path TO public"), "");
  EXPECT_EQ(public_read(c.get()), "<null>");
}

}  // namespace
}  // namespace pgshim::test
