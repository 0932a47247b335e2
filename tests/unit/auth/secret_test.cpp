// Stored secrets: PostgreSQL's SCRAM and md5 text forms parse strictly, and
// derivation reproduces RFC 7677's keys.
#include "pgshim/auth/secret.hpp"

#include <gtest/gtest.h>

#include "pgshim/auth/errc.hpp"

namespace pgshim::auth {
namespace {

// A verifier as PostgreSQL 15 stores it (ALTER ROLE ... PASSWORD 'pencil' with
// RFC 7677's salt and 4096 iterations), built by derivation.
ScramVerifier pencil_verifier() {
  std::string salt;
  EXPECT_TRUE(base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", salt));
  ScramVerifier v;
  EXPECT_FALSE(make_scram_verifier("pencil", salt, 4096, v));
  return v;
}

// The text form round-trips through to_string() and parse.
TEST(ScramVerifierParse, RoundTrip) {
  const ScramVerifier v = pencil_verifier();
  const std::string text = v.to_string();
  EXPECT_EQ(text.rfind("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$", 0), 0u);
  ScramVerifier parsed;
  ASSERT_FALSE(parse_scram_verifier(text, parsed));
  EXPECT_EQ(parsed, v);
}

// Every malformed field of the text form is BadVerifier.
TEST(ScramVerifierParse, RejectsEachBadField) {
  const std::string good = pencil_verifier().to_string();
  const auto dollar = good.find('$', 14);
  const std::string keys = good.substr(dollar + 1);
  const std::string stored = keys.substr(0, keys.find(':'));
  const std::string server = keys.substr(keys.find(':') + 1);
  const std::string salt = "W22ZaJ0SNY7soEsUEjb6gQ==";
  const std::pair<const char*, std::string> cases[] = {
      {"empty", ""},
      {"md5 prefix", "md5" + std::string(32, 'a')},
      {"lower-case prefix", "scram-sha-256$4096:" + salt + "$" + keys},
      {"no iterations", "SCRAM-SHA-256$:" + salt + "$" + keys},
      {"zero iterations", "SCRAM-SHA-256$0:" + salt + "$" + keys},
      {"negative iterations", "SCRAM-SHA-256$-1:" + salt + "$" + keys},
      {"iterations overflow", "SCRAM-SHA-256$4294967296:" + salt + "$" + keys},
      {"iterations with text", "SCRAM-SHA-256$4096x:" + salt + "$" + keys},
      {"no colon before salt", "SCRAM-SHA-256$4096" + salt + "$" + keys},
      {"empty salt", "SCRAM-SHA-256$4096:$" + keys},
      {"bad salt base64", "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ=$" + keys},
      {"no dollar", "SCRAM-SHA-256$4096:" + salt + ":" + keys},
      {"no colon between keys", "SCRAM-SHA-256$4096:" + salt + "$" + stored + server},
      {"short stored key", "SCRAM-SHA-256$4096:" + salt + "$AAAA:" + server},
      {"short server key", "SCRAM-SHA-256$4096:" + salt + "$" + stored + ":AAAA"},
      {"bad stored key base64", "SCRAM-SHA-256$4096:" + salt + "$" + stored.substr(1) + ":" + server},
      {"trailing text", good + "x"},
  };
  for (const auto& [name, text] : cases) {
    ScramVerifier v;
    EXPECT_EQ(parse_scram_verifier(text, v), Errc::BadVerifier) << name;
  }
}

// md5 secrets: md5 + exactly 32 lowercase hex digits.
TEST(Md5SecretParse, GoodAndBad) {
  Md5Secret s;
  ASSERT_FALSE(parse_md5_secret("md520c46e3762c864548e296b33c3406aa9", s));
  EXPECT_EQ(s.hash, "20c46e3762c864548e296b33c3406aa9");
  EXPECT_EQ(s.to_string(), "md520c46e3762c864548e296b33c3406aa9");
  for (const char* bad : {"", "md5", "md520c46e3762c864548e296b33c3406aa", "md520c46e3762c864548e296b33c3406aa90",
                          "MD520c46e3762c864548e296b33c3406aa9", "md520C46e3762c864548e296b33c3406aa9",
                          "md520c46e3762c864548e296b33c3406aag"}) {
    EXPECT_EQ(parse_md5_secret(bad, s), Errc::BadMd5Secret) << bad;
  }
}

// md5(password || user), as PostgreSQL stores it.
TEST(Md5SecretMake, PasswordAndUser) {
  EXPECT_EQ(make_md5_secret("pencil", "user").hash, "20c46e3762c864548e296b33c3406aa9");
  EXPECT_EQ(make_md5_secret("md5-pass", "pgshim_md5").hash, "033c992256877d7d343188b792479cf4");
}

// Keys derived from a password match the verifier built from it, and only its ClientKey matches.
TEST(ScramKeysDerive, ClientKeyMatchesStoredKey) {
  const ScramVerifier v = pencil_verifier();
  ScramKeys keys;
  ASSERT_FALSE(derive_scram_keys("pencil", v.salt, 4096, keys));
  EXPECT_EQ(keys.stored_key, v.stored_key);
  EXPECT_EQ(keys.server_key, v.server_key);
  EXPECT_TRUE(client_key_matches(keys.client_key, v));
  ScramKey other = keys.client_key;
  other[0] ^= 1;
  EXPECT_FALSE(client_key_matches(other, v));
}

// SASLprep as PostgreSQL applies it: ASCII and invalid UTF-8 as is, valid non-ASCII refused.
TEST(PreparePassword, PostgresRules) {
  std::string out;
  EXPECT_FALSE(prepare_password("plain ascii\x01", out));
  EXPECT_EQ(out, "plain ascii\x01");
  EXPECT_FALSE(prepare_password("\xff\xfe", out));
  EXPECT_EQ(out, "\xff\xfe");
  EXPECT_FALSE(prepare_password("\xc3", out));  // truncated sequence: not UTF-8
  EXPECT_EQ(prepare_password("p\xc3\xa4ss", out), Errc::UnsupportedPassword);
  ScramVerifier v;
  EXPECT_EQ(make_scram_verifier("p\xc3\xa4ss", v), Errc::UnsupportedPassword);
}

// A fresh verifier gets a random 16-byte salt and PostgreSQL's default iterations.
TEST(ScramVerifierMake, RandomSalt) {
  ScramVerifier a, b;
  ASSERT_FALSE(make_scram_verifier("secret", a));
  ASSERT_FALSE(make_scram_verifier("secret", b));
  EXPECT_EQ(a.iterations, kDefaultScramIterations);
  EXPECT_EQ(a.salt.size(), kDefaultSaltLength);
  EXPECT_NE(a.salt, b.salt);
  EXPECT_NE(a.stored_key, b.stored_key);
}

// Mock verifiers have a per-user stable salt and keys no password matches.
TEST(MockVerifier, StableSaltRandomKeys) {
  ScramVerifier a, b, c;
  ASSERT_FALSE(make_mock_verifier("nobody", "nonce", a));
  ASSERT_FALSE(make_mock_verifier("nobody", "nonce", b));
  ASSERT_FALSE(make_mock_verifier("somebody", "nonce", c));
  EXPECT_EQ(a.salt, b.salt);
  EXPECT_NE(a.salt, c.salt);
  EXPECT_NE(a.stored_key, b.stored_key);
}

}  // namespace
}  // namespace pgshim::auth
