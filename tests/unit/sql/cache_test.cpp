// RewriteCache: bounded LRU keyed by statement text and the input versions.
#include "pgshim/sql/cache.hpp"

#include <gtest/gtest.h>

namespace pgshim::sql {
namespace {

MissingSet make_set(std::uint64_t version) {
  PendingColumn pc;
  pc.table = "environments";
  pc.column = "last_error";
  pc.type = "text";
  return MissingSet({pc}, version);
}

// A second lookup of the same text hits and returns the same result.
TEST(RewriteCache, HitReturnsStoredResult) {
  RewriteCache cache(4);
  const MissingSet set = make_set(1);
  const std::string sql = "SELECT last_error FROM environments";
  const RewriteResult& first = cache.get_or_rewrite(sql, set);
  ASSERT_TRUE(first.rewritten());
  const std::string text = first.sql;
  EXPECT_EQ(cache.misses(), 1U);
  const RewriteResult& second = cache.get_or_rewrite(sql, set);
  EXPECT_EQ(cache.hits(), 1U);
  EXPECT_EQ(second.sql, text);
  EXPECT_EQ(cache.size(), 1U);
}

// Prefilter misses never enter the cache (cheaper to recompute than to store).
TEST(RewriteCache, PrefilterMissesAreNotStored) {
  RewriteCache cache(4);
  const MissingSet set = make_set(1);
  EXPECT_EQ(cache.get_or_rewrite("SELECT 1", set).reason, UntouchedReason::PrefilterMiss);
  EXPECT_EQ(cache.size(), 0U);
}

// A new missing-set or facts version is a different key: no stale result.
TEST(RewriteCache, VersionsAreKeys) {
  RewriteCache cache(4);
  const std::string sql = "SELECT last_error FROM environments";
  const MissingSet v1 = make_set(1);
  (void)cache.get_or_rewrite(sql, v1);
  EXPECT_EQ(cache.find(sql, 1), cache.find(sql, 1, 0));
  EXPECT_NE(cache.find(sql, 1), nullptr);
  EXPECT_EQ(cache.find(sql, 2), nullptr);
  EXPECT_EQ(cache.find(sql, 1, 5), nullptr);
  const MissingSet empty;
  EXPECT_EQ(cache.get_or_rewrite(sql, empty).reason, UntouchedReason::PrefilterMiss);
}

// The least recently used entry is evicted first; a lookup refreshes an entry.
TEST(RewriteCache, EvictsLeastRecentlyUsed) {
  RewriteCache cache(2);
  RewriteResult r;
  cache.insert("a", 1, 0, r);
  cache.insert("b", 1, 0, r);
  EXPECT_NE(cache.find("a", 1), nullptr);  // a is now most recent
  cache.insert("c", 1, 0, r);              // evicts b
  EXPECT_EQ(cache.size(), 2U);
  EXPECT_NE(cache.find("a", 1), nullptr);
  EXPECT_EQ(cache.find("b", 1), nullptr);
  EXPECT_NE(cache.find("c", 1), nullptr);
  r.detail = "replaced";
  cache.insert("c", 1, 0, r);
  EXPECT_EQ(cache.size(), 2U);
  EXPECT_EQ(cache.find("c", 1)->detail, "replaced");
  cache.clear();
  EXPECT_EQ(cache.size(), 0U);
  EXPECT_EQ(RewriteCache(0).capacity(), 1U);
}

}  // namespace
}  // namespace pgshim::sql
