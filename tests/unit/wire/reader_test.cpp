// Tests of the bounds-checked Reader every parser goes through.
#include "pgshim/wire/reader.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "wire_test_util.hpp"

namespace pgshim::wire {
namespace {

using test::Bytes;
using test::errc_name;

// A failing parameterized case prints as its name, not as a dump of its bytes.
template <class Case>
  requires requires(const Case& c) { c.name; }
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

// Integers are read big-endian, signed and unsigned alike.
TEST(ReaderTest, ReadsBigEndianIntegers) {
  const std::string b = Bytes().u8(0xab).i16(0x0102).i16(-2).i32(0x01020304).i32(-1).i16(0xfffe).i32(0xfffffffe).str();
  Reader r(b);
  EXPECT_EQ(r.byte(), 0xab);
  EXPECT_EQ(r.int16(), 0x0102);
  EXPECT_EQ(r.int16(), -2);
  EXPECT_EQ(r.int32(), 0x01020304);
  EXPECT_EQ(r.int32(), -1);
  EXPECT_EQ(r.uint16(), 0xfffe);
  EXPECT_EQ(r.uint32(), 0xfffffffeU);
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(errc_name(r.finish()), "ok");
}

// A C string excludes its NUL, may be empty, and needs a NUL before the end.
TEST(ReaderTest, CStrings) {
  const std::string b = Bytes().cstr("abc").cstr("").raw("xy").str();
  Reader r(b);
  EXPECT_EQ(r.cstring(), "abc");
  EXPECT_EQ(r.cstring(), "");
  EXPECT_EQ(r.remaining(), 2U);
  EXPECT_EQ(r.cstring(), "");
  EXPECT_EQ(errc_name(r.error()), "MissingTerminator");
}

// A length-prefixed value: -1 is NULL, 0 is an empty value, < -1 is refused.
struct LengthPrefixedCase {
  const char* name;
  std::string bytes;
  std::string expected;  // "NULL", "'value'", or an Errc name
};

class LengthPrefixedTest : public testing::TestWithParam<LengthPrefixedCase> {};

TEST_P(LengthPrefixedTest, Reads) {
  const LengthPrefixedCase& c = GetParam();
  Reader r(c.bytes);
  const auto v = r.length_prefixed();
  std::string got;
  if (!r.ok()) {
    got = errc_name(r.error());
  } else {
    got = v ? "'" + std::string(*v) + "'" : "NULL";
  }
  EXPECT_EQ(got, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LengthPrefixedTest,
    testing::Values(LengthPrefixedCase{"Null", Bytes().i32(-1).str(), "NULL"},
                    LengthPrefixedCase{"Empty", Bytes().i32(0).str(), "''"},
                    LengthPrefixedCase{"Value", Bytes().value("hi").str(), "'hi'"},
                    LengthPrefixedCase{"MinusTwo", Bytes().i32(-2).raw("xx").str(), "BadFieldValue"},
                    LengthPrefixedCase{"IntMin", Bytes().i32(INT32_MIN).str(), "BadFieldValue"},
                    LengthPrefixedCase{"PastEnd", Bytes().i32(3).raw("ab").str(), "Truncated"},
                    LengthPrefixedCase{"IntMax", Bytes().i32(INT32_MAX).raw("ab").str(), "Truncated"},
                    LengthPrefixedCase{"ShortLength", Bytes().i16(0).str(), "Truncated"}),
    test::CaseName());

// Counts are returned only when that many minimum-size elements can fit.
struct CountCase {
  const char* name;
  std::string bytes;
  bool wide;  // count32 instead of count16
  std::size_t element_size;
  std::size_t expected;
  const char* error;
};

class CountTest : public testing::TestWithParam<CountCase> {};

TEST_P(CountTest, Checks) {
  const CountCase& c = GetParam();
  Reader r(c.bytes);
  const std::size_t n = c.wide ? r.count32(c.element_size) : r.count16(c.element_size);
  EXPECT_EQ(n, c.expected);
  EXPECT_EQ(errc_name(r.error()), c.error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CountTest,
    testing::Values(CountCase{"Zero16", Bytes().i16(0).str(), false, 4, 0, "ok"},
                    CountCase{"Fits16", Bytes().i16(2).raw("12345678").str(), false, 4, 2, "ok"},
                    CountCase{"OneShort16", Bytes().i16(2).raw("1234567").str(), false, 4, 0, "Truncated"},
                    // 0xffff is 65535 elements, not -1: PostgreSQL reads counts unsigned.
                    CountCase{"AllOnes16", Bytes().i16(-1).raw("1234").str(), false, 1, 0, "Truncated"},
                    CountCase{"Fits32", Bytes().i32(3).raw("abc").str(), true, 1, 3, "ok"},
                    CountCase{"Negative32", Bytes().i32(-1).raw("abc").str(), true, 1, 0, "BadFieldValue"},
                    CountCase{"Huge32", Bytes().i32(INT32_MAX).raw("abc").str(), true, 1, 0, "Truncated"},
                    CountCase{"Missing32", Bytes().i16(0).str(), true, 1, 0, "Truncated"}),
    test::CaseName());

// The first error sticks; a failed reader is at the end and reads return empty.
TEST(ReaderTest, FirstErrorSticksAndParksAtEnd) {
  const std::string b = Bytes().raw("abc").str();
  Reader r(b);
  EXPECT_EQ(r.int32(), 0);
  EXPECT_EQ(errc_name(r.error()), "Truncated");
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(r.cstring(), "");
  r.fail(Errc::BadFieldValue);
  EXPECT_EQ(errc_name(r.finish()), "Truncated");
}

// bytes(n) takes exactly n bytes or fails; finish() reports leftovers.
TEST(ReaderTest, BytesAndTrailing) {
  const std::string b = "abcdef";
  Reader r(b);
  EXPECT_EQ(r.bytes(0), "");
  EXPECT_EQ(r.bytes(4), "abcd");
  EXPECT_EQ(errc_name(r.finish()), "TrailingBytes");
  EXPECT_EQ(r.bytes(3), "");
  EXPECT_EQ(errc_name(r.finish()), "Truncated");
}

// The category names every Errc in words and identifies itself.
TEST(ReaderTest, ErrorCategoryMessages) {
  EXPECT_STREQ(wire_category().name(), "pgshim.wire");
  EXPECT_EQ(make_error_code(Errc::Truncated).message(), "a field runs past the end of the message");
  EXPECT_EQ(make_error_code(Errc::MissingTerminator).message(), "a string field has no NUL terminator");
  EXPECT_EQ(std::error_code(99, wire_category()).message(), "unknown wire error 99");
  const std::error_code ec = Errc::TrailingBytes;  // implicit via is_error_code_enum
  EXPECT_EQ(ec, Errc::TrailingBytes);
}

}  // namespace
}  // namespace pgshim::wire
