// The monitor password is found in every conninfo spelling and never survives redaction.
#include "pgshim/schema/redact.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace pgshim::schema {
namespace {

bool contains(const std::vector<std::string>& secrets, const std::string& value) {
  return std::find(secrets.begin(), secrets.end(), value) != secrets.end();
}

TEST(ConninfoSecrets, UrlPasswordRawAndDecoded) {
  const auto secrets = conninfo_secrets("postgres://pgshim_scram:scr%40m-pass@127.0.0.1:5432/app?sslmode=prefer");
  EXPECT_TRUE(contains(secrets, "scr%40m-pass"));
  EXPECT_TRUE(contains(secrets, "scr@m-pass"));
}

TEST(ConninfoSecrets, KeywordPasswordPlainAndQuoted) {
  EXPECT_TRUE(contains(conninfo_secrets("host=h user=u password=hunter2 dbname=app"), "hunter2"));
  const auto quoted = conninfo_secrets("host=h password='two words' dbname=app");
  EXPECT_TRUE(contains(quoted, "two words"));
}

// A URL libpq rejects (bad percent-escape in the password) still yields the password.
TEST(ConninfoSecrets, MalformedUrl) {
  EXPECT_TRUE(contains(conninfo_secrets("postgres://u:pa%zzss@h/db"), "pa%zzss"));
}

TEST(ConninfoSecrets, NoPassword) {
  EXPECT_TRUE(conninfo_secrets("postgres://u@h/db").empty());
  EXPECT_TRUE(conninfo_secrets("host=h dbname=app").empty());
}

TEST(Redact, ReplacesEveryOccurrenceLongestFirst) {
  EXPECT_EQ(redact("a pass and passphrase", {"pass", "passphrase"}), "a ******** and ********");
  EXPECT_EQ(redact("nothing here", {"secret"}), "nothing here");
  EXPECT_EQ(redact("x", {""}), "x");
}

}  // namespace
}  // namespace pgshim::schema
