// Which configured columns a PostgreSQL 15 42703 message names, for every shape it produces.
#include "pgshim/schema/undefined_column.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pgshim::schema {
namespace {

sql::PendingColumn pending(std::string schema, std::string table, std::string column) {
  sql::PendingColumn c;
  c.schema = std::move(schema);
  c.table = std::move(table);
  c.column = std::move(column);
  c.type = "text";
  return c;
}

// 0: environments.last_error, 1: deployments.last_error (same name, other table),
// 2: environments.finished_at, 3: a quoted table whose names hold '.' and '"'.
const std::vector<sql::PendingColumn> kColumns = {
    pending("public", "environments", "last_error"),
    pending("public", "deployments", "last_error"),
    pending("public", "environments", "finished_at"),
    pending("app", "we.ird", "col\"x"),
};

struct Case {
  const char* name;
  const char* message;
  std::vector<std::size_t> expected;
};

TEST(UndefinedColumn, MatchesEveryMessageShape) {
  const std::vector<Case> cases = {
      // INSERT/UPDATE target (parse_target.c): the relation is named.
      {"of relation", R"(column "last_error" of relation "environments" does not exist)", {0}},
      {"of relation, other table", R"(column "last_error" of relation "deployments" does not exist)", {1}},
      {"of relation, other column", R"(column "finished_at" of relation "environments" does not exist)", {2}},
      // Unqualified (errorMissingColumn): every configured table with that column.
      {"unqualified, two candidates", R"(column "last_error" does not exist)", {0, 1}},
      {"unqualified, one candidate", R"(column "finished_at" does not exist)", {2}},
      // Qualified by the table name (no alias): that table only.
      {"table-qualified", "column environments.last_error does not exist", {0}},
      {"table-qualified, other table", "column deployments.last_error does not exist", {1}},
      {"schema.table-qualified", "column public.environments.last_error does not exist", {0}},
      // Qualified by an alias: the text cannot tell, so every candidate.
      {"alias-qualified", "column t1.last_error does not exist", {0, 1}},
      {"alias-qualified, one candidate", "column e.finished_at does not exist", {2}},
      // Names holding '.' and '"' are matched whole, not split.
      {"odd names, of relation", R"(column "col"x" of relation "we.ird" does not exist)", {3}},
      {"odd names, qualified", R"(column we.ird.col"x does not exist)", {3}},
      {"odd names, unqualified", R"(column "col"x" does not exist)", {3}},
      // Trailing newline or spaces around the text are tolerated.
      {"surrounding whitespace", "  column \"last_error\" of relation \"environments\" does not exist\n", {0}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(columns_named_by_undefined_column(c.message, kColumns), c.expected) << c.name;
  }
}

TEST(UndefinedColumn, IgnoresOtherMessages) {
  const std::vector<const char*> messages = {
      R"(column "other" does not exist)",                               // not configured
      R"(column "last_error" of relation "jobs" does not exist)",       // configured name, other table
      "column t1.other does not exist",                                 // not configured
      R"(column "last_error" not found in data type environments)",     // composite-type shape
      R"(relation "environments" does not exist)",                      // 42P01
      R"(la colonne « last_error » n'existe pas)",                      // translated
      "column  does not exist",                                         // empty body
      "column .last_error does not exist",                              // empty qualifier
      "",
  };
  for (const char* message : messages) {
    EXPECT_TRUE(columns_named_by_undefined_column(message, kColumns).empty()) << message;
  }
}

TEST(UndefinedColumn, NoConfiguredColumns) {
  EXPECT_TRUE(columns_named_by_undefined_column(R"(column "last_error" does not exist)", {}).empty());
}

}  // namespace
}  // namespace pgshim::schema
