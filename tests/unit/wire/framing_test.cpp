// Tests of message framing: decode_header, decode_message and the append_* helpers.
#include "pgshim/wire/framing.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
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

struct HeaderCase {
  const char* name;
  std::string bytes;
  std::uint32_t max_length;
  std::string expected;
};

class DecodeHeaderTest : public testing::TestWithParam<HeaderCase> {};

// Each header decodes to exactly the stated outcome.
TEST_P(DecodeHeaderTest, Decodes) {
  const HeaderCase& c = GetParam();
  EXPECT_EQ(show(decode_header(c.bytes, c.max_length)), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DecodeHeaderTest,
    testing::Values(
        HeaderCase{"Empty", "", kDefaultMaxMessageLength, "NeedMore(5)"},
        HeaderCase{"FourBytes", Bytes().u8('Q').i16(0).u8(0).str(), kDefaultMaxMessageLength, "NeedMore(5)"},
        HeaderCase{"LengthZero", Bytes().u8('Q').i32(0).str(), kDefaultMaxMessageLength, "Malformed(LengthTooSmall)"},
        HeaderCase{"LengthThree", Bytes().u8('Q').i32(3).str(), kDefaultMaxMessageLength, "Malformed(LengthTooSmall)"},
        HeaderCase{"LengthFour", Bytes().u8('S').i32(4).str(), kDefaultMaxMessageLength, "Complete(5)"},
        HeaderCase{"AtMax", Bytes().u8('d').i32(100).str(), 100, "Complete(5)"},
        HeaderCase{"OverMax", Bytes().u8('d').i32(101).str(), 100, "Malformed(LengthTooLarge)"},
        HeaderCase{"NegativeIsHuge", Bytes().u8('D').i32(-1).str(), kDefaultMaxMessageLength,
                   "Malformed(LengthTooLarge)"},
        HeaderCase{"OneGiB", Bytes().u8('D').i32(0x40000000).str(), kDefaultMaxMessageLength,
                   "Malformed(LengthTooLarge)"},
        // The header decision never needs the body.
        HeaderCase{"BodyAbsent", Bytes().u8('D').i32(1000).str(), kDefaultMaxMessageLength, "Complete(5)"}),
    test::CaseName());

// The header reports the type byte, the wire length and the derived sizes.
TEST(DecodeHeader, Fields) {
  const auto d = decode_header(Bytes().u8('D').i32(11).str());
  ASSERT_EQ(show(d), "Complete(5)");
  const Header h = std::get<Complete<Header>>(d).value;
  EXPECT_EQ(h.type, 'D');
  EXPECT_EQ(h.length, 11U);
  EXPECT_EQ(h.body_size(), 7U);
  EXPECT_EQ(h.frame_size(), 12U);
}

// A whole frame yields views of its body and frame; bytes after it are not consumed.
TEST(DecodeMessage, ViewsIntoBuffer) {
  const std::string frame = Bytes().cstr("SELECT 1").frame('Q');
  const std::string buf = frame + "Z";
  const auto d = decode_message(buf);
  ASSERT_EQ(show(d), "Complete(14)");
  const MessageView m = std::get<Complete<MessageView>>(d).value;
  EXPECT_EQ(m.type, 'Q');
  EXPECT_EQ(m.body, std::string_view("SELECT 1\0", 9));
  EXPECT_EQ(m.frame, frame);
  EXPECT_EQ(m.body.data(), buf.data() + 5);  // a view, not a copy
}

// Every proper prefix of a frame is NeedMore: 5 before the header, the frame size after.
TEST(DecodeMessage, EveryPrefixNeedsMore) {
  const std::string frame = Bytes().cstr("SELECT 1").frame('Q');
  for (std::size_t n = 0; n < frame.size(); ++n) {
    const std::string expected = n < 5 ? "NeedMore(5)" : "NeedMore(14)";
    EXPECT_EQ(show(decode_message(std::string_view(frame).substr(0, n))), expected) << "prefix " << n;
  }
}

// Limits are decided from the header, with none of the body present.
TEST(DecodeMessage, RejectsFromHeaderAlone) {
  EXPECT_EQ(show(decode_message(Bytes().u8('d').i32(1 << 20).str(), 1 << 16)), "Malformed(LengthTooLarge)");
  EXPECT_EQ(show(decode_message(Bytes().u8('d').i32(2).str())), "Malformed(LengthTooSmall)");
}

// A stream of messages split at every point decodes to the same sequence of
// messages, whichever chunk boundary the bytes arrive in.
TEST(DecodeMessage, StreamAtEverySplitPoint) {
  const std::vector<std::string> frames = {
      Bytes().cstr("SELECT 1").frame('Q'),
      Bytes().frame('S'),
      Bytes().i16(2).value("1").i32(-1).frame('D'),
      Bytes().u8('I').frame('Z'),
  };
  std::string stream;
  for (const auto& f : frames) stream += f;

  for (std::size_t split = 0; split <= stream.size(); ++split) {
    // Simulate a session buffer: bytes arrive in two chunks, split at `split`.
    std::string buffer;
    std::vector<std::string> got;
    std::size_t fed = 0;
    for (const std::size_t upto : {split, stream.size()}) {
      buffer.append(stream, fed, upto - fed);
      fed = upto;
      for (;;) {
        const auto d = decode_message(buffer);
        if (const auto* c = std::get_if<Complete<MessageView>>(&d)) {
          got.emplace_back(c->value.frame);
          buffer.erase(0, c->consumed);
          continue;
        }
        ASSERT_TRUE(std::holds_alternative<NeedMore>(d)) << "split " << split << ": " << show(d);
        const std::size_t need = std::get<NeedMore>(d).at_least;
        EXPECT_GT(need, buffer.size()) << "split " << split;
        break;
      }
    }
    EXPECT_EQ(got, frames) << "split " << split;
    EXPECT_TRUE(buffer.empty()) << "split " << split;
  }
}

// The append helpers write big-endian integers and NUL-terminated strings.
TEST(Append, GoldenBytes) {
  std::string out;
  append_int16(out, -2);
  append_int32(out, 0x01020304);
  append_uint16(out, 0xfffe);
  append_uint32(out, 0x80000001U);
  append_cstring(out, "ab");
  EXPECT_EQ(out, std::string("\xff\xfe\x01\x02\x03\x04\xff\xfe\x80\x00\x00\x01" "ab\0", 15));
}

// append_header writes type and length (body + 4) and refuses lengths past int32.
TEST(Append, HeaderLimits) {
  std::string out;
  ASSERT_TRUE(append_header(out, 'Q', 9));
  EXPECT_EQ(out, std::string("Q\0\0\0\x0d", 5));
  out.clear();
  ASSERT_TRUE(append_header(out, 'd', kMaxBuildBodySize));
  EXPECT_EQ(out, std::string("d\x7f\xff\xff\xff", 5));
  out.clear();
  EXPECT_FALSE(append_header(out, 'd', kMaxBuildBodySize + 1));
  EXPECT_TRUE(out.empty());
}

// has_nul finds embedded NULs anywhere, including at the ends.
TEST(Append, HasNul) {
  EXPECT_FALSE(has_nul("abc"));
  EXPECT_FALSE(has_nul(""));
  EXPECT_TRUE(has_nul(std::string_view("\0a", 2)));
  EXPECT_TRUE(has_nul(std::string_view("a\0", 2)));
}

}  // namespace
}  // namespace pgshim::wire
