// Tests of the startup-phase packets: StartupMessage, SSLRequest,
// GSSENCRequest, CancelRequest and other protocol versions.
#include "pgshim/wire/startup.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "wire_test_util.hpp"

namespace pgshim::wire {
namespace {

using test::Bytes;
using test::show;

// A failing parameterized case prints as its name, not as a dump of its bytes.
template <class Case>
  requires requires(const Case& c) { c.name; }
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

// The example packets, written out byte by byte from the protocol docs.
const std::string kSslRequestBytes("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8);
const std::string kGssEncRequestBytes("\x00\x00\x00\x08\x04\xd2\x16\x30", 8);
const std::string kCancelBytes("\x00\x00\x00\x10\x04\xd2\x16\x2e\x00\x00\x30\x39\xde\xad\xbe\xef", 16);
const std::string kStartupBytes(
    "\x00\x00\x00\x23\x00\x03\x00\x00"
    "user\0postgres\0database\0db\0\0",
    35);

[[nodiscard]] StartupPacket complete(const Decoded<StartupPacket>& d) {
  const auto* c = std::get_if<Complete<StartupPacket>>(&d);
  return c ? c->value : StartupPacket{};
}

struct DecodeCase {
  const char* name;
  std::string bytes;
  std::string expected;
};

class DecodeStartupTest : public testing::TestWithParam<DecodeCase> {};

// Each packet decodes to exactly the stated outcome.
TEST_P(DecodeStartupTest, Decodes) {
  EXPECT_EQ(show(decode_startup(GetParam().bytes)), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DecodeStartupTest,
    testing::Values(
        DecodeCase{"Empty", "", "NeedMore(4)"},
        DecodeCase{"ThreeBytes", std::string("\0\0\0", 3), "NeedMore(4)"},
        DecodeCase{"SslRequest", kSslRequestBytes, "Complete(8)"},
        DecodeCase{"GssEncRequest", kGssEncRequestBytes, "Complete(8)"},
        DecodeCase{"CancelRequest", kCancelBytes, "Complete(16)"},
        DecodeCase{"Startup", kStartupBytes, "Complete(35)"},
        // Length limits are decided from the first 4 bytes alone.
        DecodeCase{"LengthSeven", Bytes().i32(7).str(), "Malformed(LengthTooSmall)"},
        DecodeCase{"LengthZero", Bytes().i32(0).str(), "Malformed(LengthTooSmall)"},
        DecodeCase{"LengthNegative", Bytes().i32(-8).str(), "Malformed(LengthTooLarge)"},
        DecodeCase{"Length10000", Bytes().i32(10000).str(), "NeedMore(10000)"},
        DecodeCase{"Length10001", Bytes().i32(10001).str(), "Malformed(LengthTooLarge)"},
        // Fixed-size requests must be exactly their size.
        DecodeCase{"SslRequestTooLong", Bytes().i32(kSslRequestCode).i32(0).packet(), "Malformed(TrailingBytes)"},
        DecodeCase{"GssRequestTooLong", Bytes().i32(kGssEncRequestCode).u8(0).packet(), "Malformed(TrailingBytes)"},
        DecodeCase{"CancelTooShort", Bytes().i32(kCancelRequestCode).i32(1).packet(), "Malformed(Truncated)"},
        DecodeCase{"CancelTooLong", Bytes().i32(kCancelRequestCode).i32(1).i32(2).i32(3).packet(),
                   "Malformed(TrailingBytes)"},
        // StartupMessage layout: pairs, then one final NUL as the last byte.
        DecodeCase{"StartupNoParameters", Bytes().i32(kProtocolVersion3).u8(0).packet(), "Complete(9)"},
        DecodeCase{"StartupMissingFinalNul", Bytes().i32(kProtocolVersion3).cstr("user").cstr("bob").packet(),
                   "Malformed(MissingTerminator)"},
        DecodeCase{"StartupValueUnterminated", Bytes().i32(kProtocolVersion3).cstr("user").raw("bob").packet(),
                   "Malformed(MissingTerminator)"},
        DecodeCase{"StartupEmptyBody", Bytes().i32(kProtocolVersion3).packet(), "Malformed(MissingTerminator)"},
        DecodeCase{"StartupBytesAfterTerminator",
                   Bytes().i32(kProtocolVersion3).cstr("user").cstr("bob").u8(0).raw("x").packet(),
                   "Malformed(TrailingBytes)"},
        // Protocol 3.2 is still a 3.x StartupMessage.
        DecodeCase{"StartupMinor2", Bytes().i32((3 << 16) | 2).cstr("user").cstr("bob").u8(0).packet(),
                   "Complete(18)"},
        // Other versions are not parsed: garbage bodies are fine.
        DecodeCase{"Version2", Bytes().i32(2 << 16).raw("\x01\x02garbage").packet(), "Complete(17)"},
        DecodeCase{"UnknownRequestCode", Bytes().i32((1234 << 16) | 5681).packet(), "Complete(8)"}),
    test::CaseName());

// The fields of each packet kind, from the golden bytes.
TEST(DecodeStartup, Fields) {
  StartupPacket p = complete(decode_startup(kSslRequestBytes));
  EXPECT_EQ(p.kind, StartupKind::SslRequest);
  EXPECT_EQ(p.code, 80877103);

  p = complete(decode_startup(kGssEncRequestBytes));
  EXPECT_EQ(p.kind, StartupKind::GssEncRequest);
  EXPECT_EQ(p.code, 80877104);

  p = complete(decode_startup(kCancelBytes));
  EXPECT_EQ(p.kind, StartupKind::CancelRequest);
  EXPECT_EQ(p.process_id, 12345);
  EXPECT_EQ(p.secret_key, static_cast<std::int32_t>(0xdeadbeef));

  p = complete(decode_startup(kStartupBytes));
  EXPECT_EQ(p.kind, StartupKind::Startup);
  EXPECT_EQ(p.code, kProtocolVersion3);
  using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;
  EXPECT_EQ(p.parameters, (Pairs{{"user", "postgres"}, {"database", "db"}}));
  EXPECT_EQ(p.parameter("user"), "postgres");
  EXPECT_EQ(p.parameter("options"), "");

  p = complete(decode_startup(Bytes().i32(2 << 16).raw("junk").packet()));
  EXPECT_EQ(p.kind, StartupKind::OtherVersion);
  EXPECT_EQ(p.code, 2 << 16);
  EXPECT_TRUE(p.parameters.empty());
}

// Every proper prefix of every packet is NeedMore: 4, then the full length.
TEST(DecodeStartup, EveryPrefixNeedsMore) {
  for (const std::string& packet : {kSslRequestBytes, kGssEncRequestBytes, kCancelBytes, kStartupBytes}) {
    for (std::size_t n = 0; n < packet.size(); ++n) {
      const std::string expected = n < 4 ? "NeedMore(4)" : "NeedMore(" + std::to_string(packet.size()) + ")";
      EXPECT_EQ(show(decode_startup(std::string_view(packet).substr(0, n))), expected)
          << "prefix " << n << " of " << packet.size();
    }
  }
}

// Bytes after the packet (a pipelining client) are not consumed.
TEST(DecodeStartup, LeavesFollowingBytes) {
  EXPECT_EQ(show(decode_startup(kSslRequestBytes + "\x16\x03\x01")), "Complete(8)");
}

// A repeated parameter resolves to its last value, as in PostgreSQL.
TEST(DecodeStartup, RepeatedParameterLastWins) {
  // The views point into `buf`, which must outlive the packet.
  const std::string buf = Bytes().i32(kProtocolVersion3).cstr("user").cstr("a").cstr("user").cstr("b").u8(0).packet();
  const auto p = complete(decode_startup(buf));
  EXPECT_EQ(p.parameters.size(), 2U);
  EXPECT_EQ(p.parameter("user"), "b");
}

// A parameter with an empty value is kept (empty values are legal).
TEST(DecodeStartup, EmptyValue) {
  const std::string buf = Bytes().i32(kProtocolVersion3).cstr("options").cstr("").u8(0).packet();
  const auto p = complete(decode_startup(buf));
  ASSERT_EQ(p.parameters.size(), 1U);
  EXPECT_EQ(p.parameters[0].first, "options");
  EXPECT_EQ(p.parameters[0].second, "");
}

// The builders produce the golden bytes, which decode back to the same fields.
TEST(BuildStartup, GoldenAndRoundTrip) {
  EXPECT_EQ(build_ssl_request(), kSslRequestBytes);
  EXPECT_EQ(build_gss_enc_request(), kGssEncRequestBytes);
  EXPECT_EQ(build_cancel_request(12345, static_cast<std::int32_t>(0xdeadbeef)), kCancelBytes);
  const std::vector<std::pair<std::string, std::string>> params = {{"user", "postgres"}, {"database", "db"}};
  const std::string built = build_startup(params);
  EXPECT_EQ(built, kStartupBytes);
  const auto p = complete(decode_startup(built));
  ASSERT_EQ(p.parameters.size(), 2U);
  EXPECT_EQ(p.parameters[1].first, "database");
  EXPECT_EQ(p.parameters[1].second, "db");
  EXPECT_EQ(build_startup({}), std::string("\0\0\0\x09\0\x03\0\0\0", 9));
}

// build_startup refuses what it cannot encode or the server would refuse.
TEST(BuildStartup, Refuses) {
  EXPECT_EQ(build_startup({{"", "x"}}), "");
  EXPECT_EQ(build_startup({{"user", std::string("a\0b", 3)}}), "");
  EXPECT_EQ(build_startup({{std::string("u\0", 2), "b"}}), "");
  // 8 (length, version) + 5 ("user\0") + value + 1 + 1 (final NUL) = 10000 at the limit.
  EXPECT_EQ(build_startup({{"user", std::string(10000 - 15, 'x')}}).size(), 10000U);
  EXPECT_EQ(build_startup({{"user", std::string(10000 - 14, 'x')}}), "");
}

}  // namespace
}  // namespace pgshim::wire
