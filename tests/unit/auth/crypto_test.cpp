// Base64 and the constant-time compare the SCRAM code relies on.
#include "pgshim/auth/crypto.hpp"

#include <gtest/gtest.h>

namespace pgshim::auth {
namespace {

// RFC 4648 section 10's vectors encode and decode both ways.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(base64_encode(std::string_view(plain)), encoded);
    std::string decoded;
    ASSERT_TRUE(base64_decode(encoded, decoded)) << encoded;
    EXPECT_EQ(decoded, plain);
  }
}

// Malformed base64 is refused rather than decoded leniently.
TEST(Base64, RejectsMalformed) {
  std::string out;
  for (const char* bad : {"Zg=", "Zg", "Z===", "Zm9v!A==", "Zh==", "Zm9=", "=Zm9", "Zg==Zg==", "Zm 9v", "Zm9\n"}) {
    EXPECT_FALSE(base64_decode(bad, out)) << bad;
  }
}

// Equal-length buffers compare by content; different lengths never match.
TEST(ConstantTime, Compare) {
  const std::string_view a = "abcdef", b = "abcdeg";
  EXPECT_TRUE(equal_constant_time(as_bytes(a), as_bytes(a)));
  EXPECT_FALSE(equal_constant_time(as_bytes(a), as_bytes(b)));
  EXPECT_FALSE(equal_constant_time(as_bytes(a), as_bytes(a.substr(0, 5))));
}

// The MD5 hex helper matches a known digest (RFC 1321 appendix A.5).
TEST(Md5Hex, KnownDigest) { EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72"); }

}  // namespace
}  // namespace pgshim::auth
