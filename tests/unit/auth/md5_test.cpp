// PostgreSQL's md5 method from the stored hash alone: answers and checks.
#include "pgshim/auth/md5.hpp"

#include <gtest/gtest.h>

#include "pgshim/auth/errc.hpp"

namespace pgshim::auth {
namespace {

// Known answers (computed independently with Python's hashlib).
TEST(Md5Response, KnownVectors) {
  EXPECT_EQ(md5_response(make_md5_secret("pencil", "user"), Md5Salt{1, 2, 3, 4}),
            "md54376eb6913b38f9aaff38dc7cf19ca76");
  EXPECT_EQ(md5_response(make_md5_secret("md5-pass", "pgshim_md5"), Md5Salt{0xde, 0xad, 0xbe, 0xef}),
            "md5b3613d9d687f8bc0783ba50058b3da6b");
}

// The server side accepts exactly the right answer for its salt.
TEST(Md5Verify, AcceptsOnlyTheAnswer) {
  const Md5Secret secret = make_md5_secret("pencil", "user");
  Md5Salt salt{};
  ASSERT_FALSE(make_md5_salt(salt));
  const std::string good = md5_response(secret, salt);
  EXPECT_FALSE(verify_md5_response(secret, salt, good));

  Md5Salt other = salt;
  other[3] ^= 1;
  EXPECT_EQ(verify_md5_response(secret, other, good), Errc::WrongPassword);
  EXPECT_EQ(verify_md5_response(make_md5_secret("pencil2", "user"), salt, good), Errc::WrongPassword);
  EXPECT_EQ(verify_md5_response(make_md5_secret("pencil", "user2"), salt, good), Errc::WrongPassword);
  std::string flipped = good;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  for (const std::string& bad : {flipped, std::string(), good.substr(0, 34), good + "0", std::string("pencil"),
                                 good.substr(3)}) {
    EXPECT_EQ(verify_md5_response(secret, salt, bad), Errc::WrongPassword) << bad;
  }
}

// Fresh salts differ (RAND_bytes is used).
TEST(Md5Salt, Random) {
  Md5Salt a{}, b{};
  ASSERT_FALSE(make_md5_salt(a));
  ASSERT_FALSE(make_md5_salt(b));
  Md5Salt c{};
  ASSERT_FALSE(make_md5_salt(c));
  EXPECT_FALSE(a == b && b == c);
}

}  // namespace
}  // namespace pgshim::auth
