// The authentication frames the wire module does not build: exact bytes, and
// parsers that reject every truncation.
#include "pgshim/auth/messages.hpp"

#include <gtest/gtest.h>

#include "pgshim/wire/errc.hpp"
#include "pgshim/wire/messages.hpp"

namespace pgshim::auth {
namespace {

using namespace std::string_literals;

// SASLInitialResponse bytes, and the parser reads them back.
TEST(SaslInitialResponse, BuildAndParse) {
  const std::string frame = build_sasl_initial_response("SCRAM-SHA-256", "n,,n=,r=abc");
  EXPECT_EQ(frame, "p\x00\x00\x00\x21SCRAM-SHA-256\x00\x00\x00\x00\x0bn,,n=,r=abc"s);
  SaslInitialResponse msg;
  ASSERT_FALSE(parse_sasl_initial_response(std::string_view(frame).substr(5), msg));
  EXPECT_EQ(msg.mechanism, "SCRAM-SHA-256");
  ASSERT_TRUE(msg.data);
  EXPECT_EQ(*msg.data, "n,,n=,r=abc");
}

// Every truncation of a SASLInitialResponse body, and trailing bytes, fail.
TEST(SaslInitialResponse, RejectsEverySplit) {
  const std::string body = build_sasl_initial_response("SCRAM-SHA-256", "n,,n=,r=abc").substr(5);
  for (std::size_t n = 0; n < body.size(); ++n) {
    SaslInitialResponse msg;
    EXPECT_TRUE(parse_sasl_initial_response(body.substr(0, n), msg)) << n;
  }
  SaslInitialResponse msg;
  EXPECT_EQ(parse_sasl_initial_response(body + "x", msg), wire::Errc::TrailingBytes);
  // Length -1: no initial response.
  const std::string no_data = "SCRAM-SHA-256\0\xff\xff\xff\xff"s;
  ASSERT_FALSE(parse_sasl_initial_response(no_data, msg));
  EXPECT_EQ(msg.mechanism, "SCRAM-SHA-256");
  EXPECT_FALSE(msg.data);
  EXPECT_EQ(build_sasl_initial_response("a\0b"s, "x"), "");
}

// SASLResponse and PasswordMessage bytes.
TEST(PasswordMessages, Build) {
  EXPECT_EQ(build_sasl_response("c=biws"), "p\x00\x00\x00\x0a" "c=biws"s);
  EXPECT_EQ(build_password_message("md5abc"), "p\x00\x00\x00\x0bmd5abc\x00"s);
  EXPECT_EQ(build_password_message("a\0b"s), "");
  std::string_view text;
  const std::string body = "md5abc\0"s;  // the parsed view points into it
  ASSERT_FALSE(parse_password_message(body, text));
  EXPECT_EQ(text, "md5abc");
  EXPECT_TRUE(parse_password_message("md5abc", text));
  EXPECT_TRUE(parse_password_message("md5\0x"s, text));
}

// The backend frames parse back with the wire module's Authentication parser.
TEST(AuthenticationFrames, RoundTripThroughWire) {
  const std::string cont = build_authentication_sasl_continue("r=abc,s=c2FsdA==,i=4096");
  const std::string fin = build_authentication_sasl_final("v=xyz");
  const std::string md5 = build_authentication_md5_password(Md5Salt{1, 2, 3, 4});
  EXPECT_EQ(md5, "R\x00\x00\x00\x0c\x00\x00\x00\x05\x01\x02\x03\x04"s);
  wire::Authentication a;
  ASSERT_FALSE(wire::parse_authentication(std::string_view(cont).substr(5), a));
  EXPECT_EQ(a.code, wire::AuthCode::SASLContinue);
  EXPECT_EQ(a.data, "r=abc,s=c2FsdA==,i=4096");
  ASSERT_FALSE(wire::parse_authentication(std::string_view(fin).substr(5), a));
  EXPECT_EQ(a.code, wire::AuthCode::SASLFinal);
  EXPECT_EQ(a.data, "v=xyz");
  ASSERT_FALSE(wire::parse_authentication(std::string_view(md5).substr(5), a));
  EXPECT_EQ(a.code, wire::AuthCode::MD5Password);
  EXPECT_EQ(a.data, "\x01\x02\x03\x04");
}

}  // namespace
}  // namespace pgshim::auth
