// The catalog check's pure parts: its parameters and the reading of its rows.
#include "pgshim/schema/catalog.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace pgshim::schema {

// Readable failures for fact lists.
void PrintTo(const CatalogFact& fact, std::ostream* out) {
  *out << fact.schema << '.' << fact.table << '.' << fact.column;
}

namespace {

sql::PendingColumn pending(std::string schema, std::string table, std::string column) {
  sql::PendingColumn c;
  c.schema = std::move(schema);
  c.table = std::move(table);
  c.column = std::move(column);
  c.type = "text";
  return c;
}

CatalogRow column_row(int ordinal, const sql::PendingColumn& c, const char* table_exists,
                      const char* column_exists) {
  return CatalogRow{"c", std::to_string(ordinal), c.schema, c.table, c.column, table_exists, column_exists};
}

CatalogRow fact_row(std::string schema, std::string table, std::string column) {
  return CatalogRow{"f", std::nullopt, std::move(schema), std::move(table), std::move(column), "true", "true"};
}

const std::vector<sql::PendingColumn> kColumns = {
    pending("public", "environments", "last_error"),
    pending("public", "environments", "finished_at"),
    pending("public", "nope", "last_error"),
};

// Text arrays quote every element and escape '"' and '\', so any name round-trips.
TEST(CatalogParams, ArrayLiteralsQuoteAndEscape) {
  const std::vector<std::string> values = {"plain", "with space", "a\"b", "back\\slash", "", "{,}", "NULL"};
  EXPECT_EQ(to_text_array_literal(values),
            R"({"plain","with space","a\"b","back\\slash","","{,}","NULL"})");
  EXPECT_EQ(to_text_array_literal({}), "{}");
}

// The three parameters list schemas, tables and columns in configuration order.
TEST(CatalogParams, OneElementPerConfiguredColumn) {
  const auto params = catalog_query_params(kColumns);
  EXPECT_EQ(params[0], R"({"public","public","public"})");
  EXPECT_EQ(params[1], R"({"environments","environments","nope"})");
  EXPECT_EQ(params[2], R"({"last_error","finished_at","last_error"})");
  EXPECT_EQ(params[3], "{}");  // no renamed column
}

// A renamed column is Missing (rewritten) only while its new name exists in
// its table; with neither name there it is Unknown, with the reason. Its new
// name travels in $4, so the facts can say so.
TEST(ReadCatalog, RenamedNeedsTheNewName) {
  sql::PendingColumn renamed;
  std::string error;
  ASSERT_TRUE(sql::parse_renamed_spec("environments.err_msg:last_error", renamed, error)) << error;
  const std::vector<sql::PendingColumn> columns = {renamed, renamed};
  std::vector<sql::PendingColumn> other_table = columns;
  other_table[1].table = "jobs";
  EXPECT_EQ(catalog_query_params(other_table)[3], R"({"last_error","last_error"})");

  const std::vector<CatalogRow> rows = {
      column_row(1, other_table[0], "true", "false"),
      column_row(2, other_table[1], "true", "false"),
      fact_row("public", "environments", "last_error"),
  };
  const auto reading = read_catalog(other_table, rows, error);
  ASSERT_TRUE(reading) << error;
  EXPECT_EQ(reading->states[0], ColumnState::Missing);
  EXPECT_EQ(reading->states[1], ColumnState::Unknown);
  EXPECT_EQ(reading->reasons[1], "neither err_msg nor last_error exists in public.jobs");
}

// Present, Missing and a missing table (Unknown with a reason) are read from
// their rows, in any row order, and facts come out sorted and deduplicated.
TEST(ReadCatalog, StatesReasonsAndFacts) {
  const std::vector<CatalogRow> rows = {
      fact_row("public", "jobs", "last_error"),
      column_row(3, kColumns[2], "false", "false"),
      column_row(1, kColumns[0], "true", "false"),
      fact_row("audit", "events", "last_error"),
      column_row(2, kColumns[1], "t", "t"),
      fact_row("public", "environments", "finished_at"),
      fact_row("public", "jobs", "last_error"),
  };
  std::string error;
  const auto reading = read_catalog(kColumns, rows, error);
  ASSERT_TRUE(reading) << error;
  EXPECT_EQ(reading->states, (std::vector<ColumnState>{ColumnState::Missing, ColumnState::Present,
                                                       ColumnState::Unknown}));
  EXPECT_EQ(reading->reasons[0], "");
  EXPECT_EQ(reading->reasons[1], "");
  EXPECT_EQ(reading->reasons[2], "table public.nope does not exist");
  // Sorted by column, then schema, then table.
  EXPECT_EQ(reading->facts, (std::vector<CatalogFact>{{"finished_at", "public", "environments"},
                                                      {"last_error", "audit", "events"},
                                                      {"last_error", "public", "jobs"}}));
}

// The Unknown reason quotes a table name that needs it, like qualified_name().
TEST(ReadCatalog, ReasonQuotesNamesThatNeedIt) {
  const std::vector<sql::PendingColumn> columns = {pending("My Schema", "Env", "x")};
  std::string error;
  const auto reading = read_catalog(columns, std::vector<CatalogRow>{column_row(1, columns[0], "f", "f")}, error);
  ASSERT_TRUE(reading) << error;
  EXPECT_EQ(reading->reasons[0], R"(table "My Schema"."Env" does not exist)");
}

// No configured columns: no rows, an empty reading.
TEST(ReadCatalog, NoColumns) {
  std::string error;
  const auto reading = read_catalog({}, {}, error);
  ASSERT_TRUE(reading) << error;
  EXPECT_TRUE(reading->states.empty());
  EXPECT_TRUE(reading->facts.empty());
}

struct MalformedCase {
  const char* name;
  std::vector<CatalogRow> rows;
  const char* error_part;
};

// Rows that break the query's contract fail the whole reading (a failed poll),
// never yield states.
TEST(ReadCatalog, RejectsRowsOutsideTheContract) {
  const std::vector<sql::PendingColumn> one = {kColumns[0]};
  const std::vector<MalformedCase> cases = {
      {"no row for a column", {}, "no row for public.environments.last_error"},
      {"ordinal zero", {column_row(0, one[0], "t", "t")}, "out of range"},
      {"ordinal too large", {column_row(2, one[0], "t", "t")}, "out of range"},
      {"ordinal not a number", {CatalogRow{"c", "1x", "public", "environments", "last_error", "t", "t"}},
       "out of range"},
      {"ordinal NULL", {CatalogRow{"c", std::nullopt, "public", "environments", "last_error", "t", "t"}},
       "out of range"},
      {"ordinal repeated", {column_row(1, one[0], "t", "t"), column_row(1, one[0], "t", "f")}, "repeated"},
      {"wrong kind", {CatalogRow{"x", "1", "public", "environments", "last_error", "t", "t"}}, "kind"},
      {"not a boolean", {column_row(1, one[0], "yes", "t")}, "booleans"},
      {"boolean NULL", {CatalogRow{"c", "1", "public", "environments", "last_error", "t", std::nullopt}},
       "booleans"},
      {"name NULL", {CatalogRow{"c", "1", "public", std::nullopt, "last_error", "t", "t"}}, "NULL"},
      {"answers another column", {CatalogRow{"c", "1", "public", "environments", "other", "t", "t"}},
       "expected public.environments.last_error"},
  };
  for (const MalformedCase& c : cases) {
    std::string error;
    EXPECT_FALSE(read_catalog(one, c.rows, error)) << c.name;
    EXPECT_NE(error.find(c.error_part), std::string::npos) << c.name << ": " << error;
  }
}

// The facts built for the rewriter answer exactly what the reading listed.
TEST(BuildCatalogFacts, HoldsTheFactsAndTheVersion) {
  const std::vector<CatalogFact> facts = {{"last_error", "public", "jobs"}};
  const auto built = build_catalog_facts(facts, 7);
  EXPECT_EQ(built->version(), 7u);
  EXPECT_TRUE(built->has("last_error", "public", "jobs"));
  EXPECT_FALSE(built->has("last_error", "public", "environments"));
}

// The query is parameterised: it reads the three arrays and names no table.
TEST(CatalogQuery, UsesParametersAndTheCatalog) {
  const std::string query = kCatalogQuery;
  for (const char* part : {"$1::text[]", "$2::text[]", "$3::text[]", "$4::text[]", "to_regclass", "attisdropped", "attnum > 0",
                           "pg_catalog.pg_attribute"}) {
    EXPECT_NE(query.find(part), std::string::npos) << part;
  }
  EXPECT_EQ(query.find("information_schema."), std::string::npos);
  EXPECT_EQ(query.find("environments"), std::string::npos);
}

}  // namespace
}  // namespace pgshim::schema
