// The `[schema.]table.column:type[:migration]` spelling and MissingSet validation.
#include "pgshim/sql/pending_column.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "pgshim/sql/missing_set.hpp"

namespace pgshim::sql {
namespace {

PendingColumn parse_ok(std::string_view spec) {
  PendingColumn pc;
  std::string err;
  EXPECT_TRUE(parse_pending_spec(spec, pc, err)) << spec << ": " << err;
  return pc;
}

std::string parse_error(std::string_view spec) {
  PendingColumn pc;
  std::string err;
  EXPECT_FALSE(parse_pending_spec(spec, pc, err)) << spec;
  return err;
}

// The common spellings: default schema, explicit schema, migration name, and
// unquoted identifiers folded to lower case like PostgreSQL does.
TEST(PendingSpec, ParsesCommonSpellings) {
  PendingColumn a = parse_ok("environments.last_error:text");
  EXPECT_EQ(a.schema, "public");
  EXPECT_EQ(a.table, "environments");
  EXPECT_EQ(a.column, "last_error");
  EXPECT_EQ(a.type, "text");
  EXPECT_EQ(a.migration, "");

  PendingColumn b = parse_ok("App.Environments.Last_Error:text:20250804020810_add_last_error_to_environments");
  EXPECT_EQ(b.schema, "app");
  EXPECT_EQ(b.table, "environments");
  EXPECT_EQ(b.column, "last_error");
  EXPECT_EQ(b.migration, "20250804020810_add_last_error_to_environments");
}

// Types with spaces, brackets, parentheses (with commas) and quoted names, and
// quoted identifiers that keep their case and may hold '.' or ':'.
TEST(PendingSpec, ParsesComplexTypesAndQuotedNames) {
  EXPECT_EQ(parse_ok("environments.finished_at:timestamp with time zone").type, "timestamp with time zone");
  EXPECT_EQ(parse_ok("environments.cost:numeric(10,2):m1").type, "numeric(10,2)");
  EXPECT_EQ(parse_ok("environments.tags:text[]").type, "text[]");
  PendingColumn q = parse_ok("environments.state:\"public\".\"EnvironmentStatus\":m2");
  EXPECT_EQ(q.type, "\"public\".\"EnvironmentStatus\"");
  EXPECT_EQ(q.migration, "m2");
  PendingColumn r = parse_ok("\"My.Schema\".\"Env:s\".\"LastError\":text");
  EXPECT_EQ(r.schema, "My.Schema");
  EXPECT_EQ(r.table, "Env:s");
  EXPECT_EQ(r.column, "LastError");
  EXPECT_EQ(parse_ok("\"a\"\"b\".c:int").table, "a\"b");
}

// Malformed specs are rejected with a message, including a '::' (a cast, never
// a separator) and more ':' than a migration name allows.
TEST(PendingSpec, RejectsMalformedSpecs) {
  EXPECT_NE(parse_error("environments.last_error::text").find("'::'"), std::string::npos);
  EXPECT_NE(parse_error("environments.last_error:text::m").find("'::'"), std::string::npos);
  EXPECT_NE(parse_error("environments.last_error:text:m:x").find("too many"), std::string::npos);
  parse_error("last_error:text");
  parse_error("a.b.c.d:text");
  parse_error("environments.last_error");
  parse_error("environments.last_error:");
  parse_error("environments.last_error:text:");
  parse_error("environments.last_error:numeric(10,2");
  parse_error("\"environments.last_error:text");
  parse_error("environments..last_error:text");
  parse_error("environments.last_error:text; drop table x");
}

// MissingSet rejects configuration that would paste garbage into client SQL:
// a type or default that does not parse, or that smuggles a statement.
TEST(MissingSetConfig, ValidatesTypesAndDefaults) {
  PendingColumn pc = parse_ok("environments.last_error:text");
  EXPECT_NO_THROW(MissingSet({pc}, 1));
  PendingColumn bad = pc;
  bad.type = "text) ; drop table users; --";
  EXPECT_THROW(MissingSet({bad}, 1), std::invalid_argument);
  bad = pc;
  bad.type = "no such syntax (";
  EXPECT_THROW(MissingSet({bad}, 1), std::invalid_argument);
  bad = pc;
  bad.default_expr = "1); delete from users; select (1";
  EXPECT_THROW(MissingSet({bad}, 1), std::invalid_argument);
  bad = pc;
  bad.default_expr = "'x'";
  EXPECT_NO_THROW(MissingSet({bad}, 1));
  EXPECT_THROW(MissingSet({pc, pc}, 1), std::invalid_argument);
  bad = pc;
  bad.table.clear();
  EXPECT_THROW(MissingSet({bad}, 1), std::invalid_argument);
}

// Lookups use exact (folded) names; facts are per column name and table.
TEST(MissingSetConfig, LookupsAndFacts) {
  const MissingSet set({parse_ok("environments.last_error:text"), parse_ok("users.avatar_url:text")}, 7);
  EXPECT_EQ(set.version(), 7U);
  EXPECT_NE(set.find("public", "environments", "last_error"), nullptr);
  EXPECT_EQ(set.find("public", "jobs", "last_error"), nullptr);
  EXPECT_EQ(set.find("public", "environments", "Last_Error"), nullptr);
  EXPECT_TRUE(set.is_pending_name("avatar_url"));
  EXPECT_FALSE(set.is_pending_name("id"));
  CatalogFacts facts(3);
  facts.add("last_error", "public", "jobs");
  facts.add("last_error", "public", "jobs");
  EXPECT_TRUE(facts.has("last_error", "public", "jobs"));
  EXPECT_FALSE(facts.has("last_error", "public", "users"));
  EXPECT_EQ(facts.version(), 3U);
  EXPECT_EQ(qualified_name(parse_ok("\"A b\".t.c:int")), "\"A b\".t.c");
}

}  // namespace
}  // namespace pgshim::sql
