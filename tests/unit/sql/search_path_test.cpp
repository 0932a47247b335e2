// search_path: the value parser, what statements do to it, the session tracker
// through transactions, and the rewriter resolving unqualified tables with it.
#include "pgshim/sql/search_path.hpp"

#include <gtest/gtest.h>

#include "pgshim/sql/rewriter.hpp"

namespace pgshim::sql {
namespace {

using Kind = SearchPathEffect::Kind;

// SHOW's spelling reads back as the schemas PostgreSQL searches, `$user` as the user.
TEST(SearchPathParse, NamesQuotesAndUser) {
  const auto p = SearchPath::parse(R"("$user", public, "Tenant One", Sales)", "alice");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->schemas, (std::vector<std::string>{"alice", "public", "Tenant One", "sales"}));
  EXPECT_TRUE(SearchPath::parse("", "alice")->schemas.empty());
  EXPECT_FALSE(SearchPath::parse(R"("unterminated, public)", "a"));
  EXPECT_FALSE(SearchPath::parse("a,,b", "a"));
  // Different paths never share a cache key, even with commas in names.
  EXPECT_NE(SearchPath::parse(R"("a,b")", "u")->key, SearchPath::parse("a, b", "u")->key);
}

struct EffectCase {
  std::string name;
  std::string sql;
  std::vector<SearchPathEffect> want;
};

class Effects : public ::testing::TestWithParam<EffectCase> {};

// Each statement form that changes search_path is recognized, with its value.
TEST_P(Effects, Recognized) {
  const auto got = search_path_effects(GetParam().sql);
  ASSERT_EQ(got.size(), GetParam().want.size()) << GetParam().sql;
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].kind, GetParam().want[i].kind) << i;
    EXPECT_EQ(got[i].value, GetParam().want[i].value) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    SearchPath, Effects,
    ::testing::Values(
        EffectCase{"SetTo", "SET search_path TO tenant_1, public", {{Kind::Set, R"("tenant_1", "public")"}}},
        EffectCase{"SetEqualsQuoted", "set search_path = \"$user\", 'Mixed'", {{Kind::Set, R"("$user", "Mixed")"}}},
        EffectCase{"SetSession", "SET SESSION search_path TO a", {{Kind::Set, R"("a")"}}},
        EffectCase{"SetLocal", "SET LOCAL search_path TO a", {{Kind::SetLocal, R"("a")"}}},
        EffectCase{"Reset", "RESET search_path", {{Kind::Reset, ""}}},
        EffectCase{"ResetAll", "RESET ALL", {{Kind::Reset, ""}}},
        EffectCase{"ToDefault", "SET search_path TO DEFAULT", {{Kind::Reset, ""}}},
        EffectCase{"DiscardAll", "DISCARD ALL", {{Kind::Reset, ""}}},
        EffectCase{"DiscardPlans", "DISCARD PLANS", {}},
        EffectCase{"SetConfig", "SELECT set_config('search_path', 'b, public', false)", {{Kind::Set, "b, public"}}},
        EffectCase{"SetConfigLocal", "SELECT pg_catalog.set_config('search_path', 'b', true)", {{Kind::SetLocal, "b"}}},
        EffectCase{"SetConfigParam", "SELECT set_config('search_path', $1, false)", {{Kind::Unknown, ""}}},
        EffectCase{"OtherSetting", "SET statement_timeout = '5s'", {}},
        EffectCase{"ShowOnly", "SHOW search_path", {}},
        EffectCase{"WithTransaction", "BEGIN; SET search_path TO x; COMMIT",
                   {{Kind::Transaction, ""}, {Kind::Set, R"("x")"}, {Kind::Transaction, ""}}},
        EffectCase{"Unparsable", "SET search_path TO", {}}),
    [](const auto& info) { return info.param.name; });

std::vector<SearchPathEffect> set(std::string value) { return {{Kind::Set, std::move(value)}}; }
std::vector<SearchPathEffect> set_local(std::string value) { return {{Kind::SetLocal, std::move(value)}}; }

std::vector<std::string> schemas(const SearchPathTracker& t) { return t.current().schemas; }

// A SET outside a block holds at once; inside one it holds only if committed,
// and SET LOCAL ends with the block; a savepoint rollback makes it unknown.
TEST(SearchPathTracker, FollowsTransactions) {
  SearchPathTracker t;
  t.start(std::string(R"("$user", public)"), "app");
  EXPECT_EQ(schemas(t), (std::vector<std::string>{"app", "public"}));

  t.sent(set("tenant"), false);
  EXPECT_EQ(schemas(t), (std::vector<std::string>{"tenant"}));
  EXPECT_FALSE(t.watching_tags());

  // BEGIN; SET other; ROLLBACK -> back to tenant.
  t.ready('T');
  t.sent(set("other"), true);
  EXPECT_EQ(schemas(t), (std::vector<std::string>{"other"}));
  EXPECT_TRUE(t.watching_tags());
  t.command_complete("ROLLBACK");
  t.ready('I');
  EXPECT_EQ(schemas(t), (std::vector<std::string>{"tenant"}));

  // BEGIN; SET other; COMMIT -> other.
  t.sent(set("other"), true);
  t.command_complete("COMMIT");
  t.ready('I');
  EXPECT_EQ(schemas(t), (std::vector<std::string>{"other"}));

  // SET LOCAL ends with its block, committed or not.
  t.sent(set_local("loc"), true);
  EXPECT_EQ(schemas(t), (std::vector<std::string>{"loc"}));
  t.command_complete("COMMIT");
  t.ready('I');
  EXPECT_EQ(schemas(t), (std::vector<std::string>{"other"}));

  // A failed block's COMMIT answers ROLLBACK.
  t.sent(set("x"), true);
  t.ready('E');
  t.command_complete("ROLLBACK");
  t.ready('I');
  EXPECT_EQ(schemas(t), (std::vector<std::string>{"other"}));

  // ROLLBACK TO SAVEPOINT (tag ROLLBACK, still in the block): unknown.
  t.sent(set("y"), true);
  t.command_complete("ROLLBACK");
  t.ready('T');
  EXPECT_FALSE(t.known());
  EXPECT_TRUE(t.current().schemas.empty());
  t.command_complete("COMMIT");
  t.ready('I');
  EXPECT_FALSE(t.known());

  // RESET goes back to the session's start; DISCARD ALL too.
  t.sent({{Kind::Reset, ""}}, false);
  EXPECT_EQ(schemas(t), (std::vector<std::string>{"app", "public"}));
  // A SET with BEGIN/COMMIT in the same text: not followed statement by statement.
  t.sent({{Kind::Transaction, ""}, {Kind::Set, "z"}, {Kind::Transaction, ""}}, false);
  EXPECT_FALSE(t.known());
}

// Unknown from the start (no SHOW answer): nothing resolves until a SET.
TEST(SearchPathTracker, UnknownStart) {
  SearchPathTracker t;
  t.start(std::nullopt, "app");
  EXPECT_FALSE(t.known());
  t.sent(set("public"), false);
  EXPECT_EQ(schemas(t), (std::vector<std::string>{"public"}));
  t.sent({{Kind::Reset, ""}}, false);
  EXPECT_FALSE(t.known());
}

// The rewriter resolves an unqualified table through the path: the pending
// `public.environments` is rewritten only where public comes first (or is the
// only schema holding it); a same-named table in an earlier schema wins.
TEST(SearchPathRewrite, FirstSchemaHoldingTheTableWins) {
  PendingColumn pc;
  std::string err;
  ASSERT_TRUE(parse_pending_spec("public.environments.last_error:text", pc, err));
  const MissingSet set({pc}, 1);
  CatalogFacts facts(1);
  facts.add_relation("public", "environments");
  facts.add_relation("tenant", "environments");
  const std::string sql = "SELECT id, last_error FROM environments";

  const auto public_first = SearchPath::parse("public, tenant", "app");
  EXPECT_TRUE(rewrite(sql, set, &facts, &*public_first).rewritten());
  const auto tenant_first = SearchPath::parse("tenant, public", "app");
  const RewriteResult shadowed = rewrite(sql, set, &facts, &*tenant_first);
  EXPECT_FALSE(shadowed.rewritten());
  EXPECT_EQ(shadowed.reason, UntouchedReason::NoPendingReference);
  // Qualified names do not depend on the path.
  EXPECT_TRUE(rewrite("SELECT last_error FROM public.environments", set, &facts, &*tenant_first).rewritten());
  // A path holding no such table, or an unknown one: nothing resolves.
  const auto elsewhere = SearchPath::parse("other", "app");
  EXPECT_FALSE(rewrite(sql, set, &facts, &*elsewhere).rewritten());
  const SearchPath nowhere{{}, "?"};
  EXPECT_FALSE(rewrite(sql, set, &facts, &nowhere).rewritten());
  // $user resolving to a schema that is not there is skipped.
  const auto user_first = SearchPath::parse(R"("$user", public)", "app");
  EXPECT_TRUE(rewrite(sql, set, &facts, &*user_first).rewritten());
}

}  // namespace
}  // namespace pgshim::sql
