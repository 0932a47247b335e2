// Prefilter: the case-insensitive name search the rewrite path starts with.
#include "pgshim/sql/prefilter.hpp"

#include <gtest/gtest.h>

#include <string>

#include "pgshim/util/ascii.hpp"

namespace pgshim::sql {
namespace {

bool naive_contains(std::string_view h, std::string_view n) {
  return util::ascii_lower(std::string(h)).find(util::ascii_lower(std::string(n))) != std::string::npos;
}

// The SIMD search agrees with a naive search for the needle at every offset
// (so every 16-byte block boundary and the scalar tail), in every case mix.
TEST(Prefilter, FindsNeedleAtEveryOffset) {
  for (std::size_t len = 0; len < 80; ++len) {
    for (std::size_t at = 0; at + 10 <= len; ++at) {
      std::string h(len, 'x');
      h.replace(at, 10, (at % 2 == 0) ? "LAST_error" : "last_ERROR");
      EXPECT_TRUE(contains_ascii_icase(h, "last_error")) << len << " " << at;
    }
    EXPECT_FALSE(contains_ascii_icase(std::string(len, 'x'), "last_error"));
  }
}

// Near misses (first and last byte match, middle does not; needle cut by the
// end of the text) are rejected, exactly like the naive search.
TEST(Prefilter, RejectsNearMisses) {
  const std::string texts[] = {
      "select last_errorx from t",  "lastXerror", "last_erro", "ast_error",   "l          r",
      "LAST_ERRO\nR",               "last-error", "",          "last_error_", "x_last_error",
  };
  for (const std::string& t : texts) {
    for (std::size_t pad = 0; pad < 20; ++pad) {
      const std::string h = std::string(pad, ' ') + t;
      EXPECT_EQ(contains_ascii_icase(h, "last_error"), naive_contains(h, "last_error")) << h;
    }
  }
}

// Non-letter needle bytes compare exactly: '_' must not match DEL (0x7F), which
// is what '_' becomes when lower-cased by OR-ing 0x20.
TEST(Prefilter, NonLettersCompareExactly) {
  EXPECT_FALSE(contains_ascii_icase(std::string("last") + '\x7f' + "error" + std::string(32, ' '), "last_error"));
  EXPECT_FALSE(contains_ascii_icase(std::string(32, ' ') + "\x7f" + "ast_error" + std::string(32, ' '), "_ast_error"));
  EXPECT_TRUE(contains_ascii_icase(std::string(32, ' ') + "_AST_error" + std::string(32, ' '), "_ast_error"));
}

// A prefilter over several names hits on any of them; an empty one never hits.
TEST(Prefilter, SeveralNames) {
  const Prefilter p({"last_error", "avatar_url", ""});
  EXPECT_TRUE(p.may_reference("SELECT \"avatar_url\" FROM users"));
  EXPECT_TRUE(p.may_reference("select E.Last_Error from environments e"));
  EXPECT_FALSE(p.may_reference("SELECT id FROM environments"));
  EXPECT_FALSE(Prefilter().may_reference("last_error"));
  EXPECT_TRUE(Prefilter().empty());
}

}  // namespace
}  // namespace pgshim::sql
