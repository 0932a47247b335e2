// Tests of the typed-message parsers and builders: golden bytes, round trips,
// every truncation, trailing bytes and hostile counts and lengths.
#include "pgshim/wire/messages.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "wire_test_util.hpp"

namespace pgshim::wire {
namespace {

using test::Bytes;
using test::errc_name;
using test::show;
using Values = std::vector<std::optional<std::string_view>>;

// A failing parameterized case prints as its name, not as a dump of its bytes.
template <class Case>
  requires requires(const Case& c) { c.name; }
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

// The body of a complete frame; empty (and a test failure) otherwise.
[[nodiscard]] std::string_view body_of(std::string_view frame, char type) {
  const auto d = decode_message(frame);
  const auto* c = std::get_if<Complete<MessageView>>(&d);
  EXPECT_NE(c, nullptr) << show(d);
  if (c == nullptr) return {};
  EXPECT_EQ(c->value.type, type);
  EXPECT_EQ(c->consumed, frame.size());
  return c->value.body;
}

// ---- Golden bytes ------------------------------------------------------------

struct GoldenCase {
  const char* name;
  std::function<std::string()> build;
  std::string expected;
};

class GoldenTest : public testing::TestWithParam<GoldenCase> {};

// Each builder produces exactly the bytes the protocol docs describe.
TEST_P(GoldenTest, BuildsExactBytes) { EXPECT_EQ(GetParam().build(), GetParam().expected); }

const std::string kErrorBody = Bytes()
                                   .u8('S').cstr("ERROR")
                                   .u8('V').cstr("ERROR")
                                   .u8('C').cstr("42P01")
                                   .u8('M').cstr("relation \"t\" does not exist")
                                   .u8(0)
                                   .str();

INSTANTIATE_TEST_SUITE_P(
    Messages, GoldenTest,
    testing::Values(
        GoldenCase{"Query", [] { return build_query("SELECT 1"); }, std::string("Q\0\0\0\x0dSELECT 1\0", 14)},
        GoldenCase{"Sync", [] { return build_sync(); }, std::string("S\0\0\0\x04", 5)},
        GoldenCase{"Flush", [] { return build_flush(); }, std::string("H\0\0\0\x04", 5)},
        GoldenCase{"Terminate", [] { return build_terminate(); }, std::string("X\0\0\0\x04", 5)},
        GoldenCase{"ReadyForQueryIdle", [] { return build_ready_for_query(TransactionStatus::Idle); },
                   std::string("Z\0\0\0\x05I", 6)},
        GoldenCase{"AuthenticationOk", [] { return build_authentication_ok(); },
                   std::string("R\0\0\0\x08\0\0\0\0", 9)},
        GoldenCase{"AuthenticationSasl", [] { return build_authentication_sasl({"SCRAM-SHA-256"}); },
                   std::string("R\0\0\0\x17\0\0\0\x0aSCRAM-SHA-256\0\0", 24)},
        GoldenCase{"BackendKeyData", [] { return build_backend_key_data({1234, 5678}); },
                   std::string("K\0\0\0\x0c\0\0\x04\xd2\0\0\x16\x2e", 13)},
        GoldenCase{"ParameterStatus", [] { return build_parameter_status("client_encoding", "UTF8"); },
                   std::string("S\0\0\0\x19" "client_encoding\0UTF8\0", 26)},
        GoldenCase{"CommandComplete", [] { return build_command_complete("INSERT 0 1"); },
                   std::string("C\0\0\0\x0fINSERT 0 1\0", 16)},
        GoldenCase{"DescribeStatement", [] { return build_describe({'S', "s1"}); },
                   std::string("D\0\0\0\x08Ss1\0", 9)},
        GoldenCase{"ClosePortal", [] { return build_close({'P', ""}); }, std::string("C\0\0\0\x06P\0", 7)},
        GoldenCase{"Execute", [] { return build_execute({"", 0}); }, std::string("E\0\0\0\x09\0\0\0\0\0", 10)},
        GoldenCase{"Parse", [] { return build_parse("", "SELECT $1", {23}); },
                   Bytes().cstr("").cstr("SELECT $1").i16(1).i32(23).frame('P')},
        GoldenCase{"Bind",
                   [] {
                     return build_bind(Bind{"", "", {}, {std::string_view("42"), std::nullopt}, {1}});
                   },
                   std::string("B\0\0\0\x18\0\0\0\0\0\x02\0\0\0\x02" "42\xff\xff\xff\xff\0\x01\0\x01", 25)},
        GoldenCase{"DataRow", [] { return build_data_row({std::string_view("1"), std::nullopt}); },
                   std::string("D\0\0\0\x0f\0\x02\0\0\0\x01" "1\xff\xff\xff\xff", 16)},
        GoldenCase{"ErrorResponse",
                   [] {
                     ErrorSpec e;
                     e.sqlstate = "42P01";
                     e.message = "relation \"t\" does not exist";
                     return build_error_response(e);
                   },
                   Bytes().raw(kErrorBody).frame('E')},
        GoldenCase{"ParameterDescription", [] { return build_parameter_description({23, 25}); },
                   std::string("t\0\0\0\x0e\0\x02\0\0\0\x17\0\0\0\x19", 15)},
        GoldenCase{"NegotiateProtocolVersion", [] { return build_negotiate_protocol_version(0, {"_pq_.x"}); },
                   Bytes().i32(0).i32(1).cstr("_pq_.x").frame('v')},
        GoldenCase{"RowDescription", [] { return build_row_description({{"?column?", 0, 0, 23, 4, -1, 0}}); },
                   Bytes().i16(1).cstr("?column?").i32(0).i16(0).i32(23).i16(4).i32(-1).i16(0).frame('T')},
        GoldenCase{"FunctionCall", [] { return build_function_call({1598, {}, {std::string_view("x")}, 0}); },
                   Bytes().i32(1598).i16(0).i16(1).value("x").i16(0).frame('F')}),
    test::CaseName());

// ---- Every parser: valid, every truncation, trailing bytes, every frame prefix ----

struct ParserCase {
  const char* name;
  char type;
  std::function<std::error_code(std::string_view)> parse;
  std::string frame;
  bool fixed_end = true;  // false: the body ends in "the rest" (SASL data), so prefixes parse
};

template <class T, class F>
std::function<std::error_code(std::string_view)> parser(F f) {
  return [f](std::string_view body) {
    T out{};
    return f(body, out);
  };
}

class ParserTest : public testing::TestWithParam<ParserCase> {};

// The valid message decodes as one frame and its body parses.
TEST_P(ParserTest, ParsesValidBody) {
  const ParserCase& c = GetParam();
  EXPECT_EQ(errc_name(c.parse(body_of(c.frame, c.type))), "ok");
}

// Every proper prefix of the body is an error, never a silent success.
TEST_P(ParserTest, EveryBodyPrefixFails) {
  const ParserCase& c = GetParam();
  if (!c.fixed_end) GTEST_SKIP() << "body ends with opaque data of any length";
  const std::string body(body_of(c.frame, c.type));
  for (std::size_t n = 0; n < body.size(); ++n) {
    EXPECT_NE(errc_name(c.parse(std::string_view(body).substr(0, n))), "ok") << "prefix " << n;
  }
}

// A byte after the last field is TrailingBytes.
TEST_P(ParserTest, TrailingByteFails) {
  const ParserCase& c = GetParam();
  if (!c.fixed_end) GTEST_SKIP() << "body ends with opaque data of any length";
  const std::string body = std::string(body_of(c.frame, c.type)) + '\0';
  EXPECT_EQ(errc_name(c.parse(body)), "TrailingBytes");
}

// Every proper prefix of the frame is NeedMore with the exact size still needed.
TEST_P(ParserTest, EveryFramePrefixNeedsMore) {
  const std::string& frame = GetParam().frame;
  for (std::size_t n = 0; n < frame.size(); ++n) {
    const std::size_t need = n < kHeaderSize ? kHeaderSize : frame.size();
    EXPECT_EQ(show(decode_message(std::string_view(frame).substr(0, n))), "NeedMore(" + std::to_string(need) + ")")
        << "prefix " << n;
  }
}

const std::string kTwoMechanisms = Bytes().i32(10).cstr("SCRAM-SHA-256-PLUS").cstr("SCRAM-SHA-256").u8(0).frame('R');

INSTANTIATE_TEST_SUITE_P(
    Messages, ParserTest,
    testing::Values(
        ParserCase{"Query", 'Q', parser<Query>(parse_query), build_query("SELECT 1")},
        ParserCase{"QueryEmpty", 'Q', parser<Query>(parse_query), build_query("")},
        ParserCase{"Parse", 'P', parser<Parse>(parse_parse), build_parse("s1", "SELECT $1, $2", {23, 0})},
        ParserCase{"Bind", 'B', parser<Bind>(parse_bind),
                   build_bind(Bind{"p", "s", {1}, {std::string_view("ab"), std::nullopt, std::string_view()}, {0, 1}})},
        ParserCase{"Describe", 'D', parser<Target>(parse_target), build_describe({'S', "s1"})},
        ParserCase{"Close", 'C', parser<Target>(parse_target), build_close({'P', "p1"})},
        ParserCase{"Execute", 'E', parser<Execute>(parse_execute), build_execute({"p1", 100})},
        ParserCase{"FunctionCall", 'F', parser<FunctionCall>(parse_function_call),
                   build_function_call({1598, {0, 1}, {std::string_view("a"), std::nullopt}, 1})},
        ParserCase{"ErrorResponse", 'E', parser<ErrorFields>(parse_error_fields), Bytes().raw(kErrorBody).frame('E')},
        ParserCase{"ErrorResponseNoFields", 'E', parser<ErrorFields>(parse_error_fields), Bytes().u8(0).frame('E')},
        ParserCase{"AuthenticationOk", 'R', parser<Authentication>(parse_authentication), build_authentication_ok()},
        ParserCase{"AuthenticationMd5", 'R', parser<Authentication>(parse_authentication),
                   Bytes().i32(5).raw("salt").frame('R')},
        ParserCase{"AuthenticationSasl", 'R', parser<Authentication>(parse_authentication), kTwoMechanisms},
        ParserCase{"AuthenticationSaslContinue", 'R', parser<Authentication>(parse_authentication),
                   Bytes().i32(11).raw("r=abc,s=xyz,i=4096").frame('R'), false},
        ParserCase{"BackendKeyData", 'K', parser<BackendKeyData>(parse_backend_key_data),
                   build_backend_key_data({42, -7})},
        ParserCase{"ReadyForQuery", 'Z', parser<ReadyForQuery>(parse_ready_for_query),
                   build_ready_for_query(TransactionStatus::InBlock)},
        ParserCase{"ParameterDescription", 't', parser<ParameterDescription>(parse_parameter_description),
                   build_parameter_description({23, 0xffffffffU})},
        ParserCase{"ParameterStatus", 'S', parser<ParameterStatus>(parse_parameter_status),
                   build_parameter_status("TimeZone", "UTC")},
        ParserCase{"RowDescription", 'T', parser<RowDescription>(parse_row_description),
                   build_row_description({{"a", 16384, 1, 23, 4, -1, 0}, {"", 0, 0, 25, -1, -1, 1}})},
        ParserCase{"DataRow", 'D', parser<DataRow>(parse_data_row),
                   build_data_row({std::string_view("1"), std::nullopt, std::string_view()})},
        ParserCase{"DataRowNoColumns", 'D', parser<DataRow>(parse_data_row), build_data_row({})},
        ParserCase{"CommandComplete", 'C', parser<CommandComplete>(parse_command_complete),
                   build_command_complete("UPDATE 3")},
        ParserCase{"NegotiateProtocolVersion", 'v', parser<NegotiateProtocolVersion>(parse_negotiate_protocol_version),
                   build_negotiate_protocol_version(0, {"_pq_.a", ""})}),
    test::CaseName());

// ---- Hostile bodies ----------------------------------------------------------

struct BadCase {
  const char* name;
  std::function<std::error_code(std::string_view)> parse;
  std::string body;
  const char* expected;
};

class BadBodyTest : public testing::TestWithParam<BadCase> {};

// Each hostile body fails with exactly the stated error.
TEST_P(BadBodyTest, Fails) { EXPECT_EQ(errc_name(GetParam().parse(GetParam().body)), GetParam().expected); }

const auto kBind = parser<Bind>(parse_bind);
const auto kDataRow = parser<DataRow>(parse_data_row);
const auto kAuth = parser<Authentication>(parse_authentication);
const auto kFunctionCall = parser<FunctionCall>(parse_function_call);
const auto kNegotiate = parser<NegotiateProtocolVersion>(parse_negotiate_protocol_version);

INSTANTIATE_TEST_SUITE_P(
    Messages, BadBodyTest,
    testing::Values(
        BadCase{"QueryNoTerminator", parser<Query>(parse_query), "SELECT 1", "MissingTerminator"},
        BadCase{"QueryEmptyBody", parser<Query>(parse_query), "", "MissingTerminator"},
        BadCase{"ParseCountClaimsMore", parser<Parse>(parse_parse), Bytes().cstr("").cstr("x").i16(3).i32(1).i32(2).str(),
                "Truncated"},
        BadCase{"ParseCountAllOnes", parser<Parse>(parse_parse), Bytes().cstr("").cstr("x").i16(-1).str(), "Truncated"},
        BadCase{"BindValueLengthMinusTwo", kBind, Bytes().cstr("").cstr("").i16(0).i16(1).i32(-2).i16(0).str(),
                "BadFieldValue"},
        BadCase{"BindValueLengthIntMin", kBind, Bytes().cstr("").cstr("").i16(0).i16(1).i32(INT32_MIN).i16(0).str(),
                "BadFieldValue"},
        BadCase{"BindValueLengthPastEnd", kBind, Bytes().cstr("").cstr("").i16(0).i16(1).i32(100).raw("ab").str(),
                "Truncated"},
        BadCase{"BindValueLengthIntMax", kBind, Bytes().cstr("").cstr("").i16(0).i16(1).i32(INT32_MAX).i16(0).str(),
                "Truncated"},
        BadCase{"BindValueCountClaimsMore", kBind, Bytes().cstr("").cstr("").i16(0).i16(1000).i32(-1).i32(-1).str(),
                "Truncated"},
        BadCase{"BindFormatCountClaimsMore", kBind, Bytes().cstr("").cstr("").i16(-1).i16(0).i16(0).str(), "Truncated"},
        BadCase{"BindFormatCodeTwo", kBind, Bytes().cstr("").cstr("").i16(1).i16(2).i16(0).i16(0).str(),
                "BadFieldValue"},
        BadCase{"BindFormatCountMismatch", kBind,
                Bytes().cstr("").cstr("").i16(2).i16(0).i16(0).i16(3).i32(-1).i32(-1).i32(-1).i16(0).str(),
                "BadFieldValue"},
        BadCase{"BindResultFormatNegative", kBind, Bytes().cstr("").cstr("").i16(0).i16(0).i16(1).i16(-1).str(),
                "BadFieldValue"},
        BadCase{"BindNoResultFormatCount", kBind, Bytes().cstr("").cstr("").i16(0).i16(0).str(), "Truncated"},
        BadCase{"TargetBadKind", parser<Target>(parse_target), Bytes().u8('X').cstr("s").str(), "BadFieldValue"},
        BadCase{"TargetEmpty", parser<Target>(parse_target), "", "Truncated"},
        BadCase{"ExecuteShortMaxRows", parser<Execute>(parse_execute), Bytes().cstr("").i16(0).str(), "Truncated"},
        BadCase{"FunctionCallBadResultFormat", kFunctionCall, Bytes().i32(1).i16(0).i16(0).i16(7).str(),
                "BadFieldValue"},
        BadCase{"FunctionCallNegativeArgLength", kFunctionCall, Bytes().i32(1).i16(0).i16(1).i32(-3).i16(0).str(),
                "BadFieldValue"},
        BadCase{"FunctionCallArgCountClaimsMore", kFunctionCall, Bytes().i32(1).i16(0).i16(9).i32(-1).i16(0).str(),
                "Truncated"},
        BadCase{"ErrorFieldsEmptyBody", parser<ErrorFields>(parse_error_fields), "", "Truncated"},
        BadCase{"ErrorFieldsNoFinalZero", parser<ErrorFields>(parse_error_fields), Bytes().u8('S').cstr("ERROR").str(),
                "Truncated"},
        BadCase{"ErrorFieldsUnterminatedValue", parser<ErrorFields>(parse_error_fields), "Mhello", "MissingTerminator"},
        BadCase{"AuthUnknownCode", kAuth, Bytes().i32(6).str(), "BadFieldValue"},
        BadCase{"AuthNegativeCode", kAuth, Bytes().i32(-1).str(), "BadFieldValue"},
        BadCase{"AuthOkTrailing", kAuth, Bytes().i32(0).u8(0).str(), "TrailingBytes"},
        BadCase{"AuthMd5ShortSalt", kAuth, Bytes().i32(5).raw("abc").str(), "Truncated"},
        BadCase{"AuthMd5LongSalt", kAuth, Bytes().i32(5).raw("abcde").str(), "TrailingBytes"},
        BadCase{"AuthSaslNoFinalName", kAuth, Bytes().i32(10).cstr("SCRAM-SHA-256").str(), "MissingTerminator"},
        BadCase{"AuthShortCode", kAuth, Bytes().i16(0).str(), "Truncated"},
        BadCase{"BackendKeyDataShort", parser<BackendKeyData>(parse_backend_key_data), Bytes().i32(1).str(), "Truncated"},
        BadCase{"ReadyForQueryBadStatus", parser<ReadyForQuery>(parse_ready_for_query), "X", "BadFieldValue"},
        BadCase{"ReadyForQueryEmpty", parser<ReadyForQuery>(parse_ready_for_query), "", "Truncated"},
        BadCase{"ParameterDescriptionCountClaimsMore", parser<ParameterDescription>(parse_parameter_description),
                Bytes().i16(3).i32(23).i32(23).str(), "Truncated"},
        BadCase{"ParameterStatusMissingValue", parser<ParameterStatus>(parse_parameter_status),
                Bytes().cstr("TimeZone").str(), "MissingTerminator"},
        BadCase{"RowDescriptionCountClaimsMore", parser<RowDescription>(parse_row_description),
                Bytes().i16(2).cstr("a").i32(0).i16(0).i32(23).i16(4).i32(-1).i16(0).str(), "Truncated"},
        BadCase{"RowDescriptionBadFormat", parser<RowDescription>(parse_row_description),
                Bytes().i16(1).cstr("a").i32(0).i16(0).i32(23).i16(4).i32(-1).i16(2).str(), "BadFieldValue"},
        BadCase{"DataRowNegativeLength", kDataRow, Bytes().i16(1).i32(-5).str(), "BadFieldValue"},
        BadCase{"DataRowCountClaimsMore", kDataRow, Bytes().i16(3).i32(-1).i32(-1).str(), "Truncated"},
        BadCase{"DataRowCountAllOnes", kDataRow, Bytes().i16(-1).i32(-1).str(), "Truncated"},
        BadCase{"DataRowLengthPastEnd", kDataRow, Bytes().i16(1).i32(5).raw("abcd").str(), "Truncated"},
        BadCase{"CommandCompleteNoTerminator", parser<CommandComplete>(parse_command_complete), "SELECT 1",
                "MissingTerminator"},
        BadCase{"NegotiateNegativeCount", kNegotiate, Bytes().i32(0).i32(-1).str(), "BadFieldValue"},
        BadCase{"NegotiateCountClaimsMore", kNegotiate, Bytes().i32(0).i32(5).cstr("a").str(), "Truncated"},
        BadCase{"NegotiateCountIntMax", kNegotiate, Bytes().i32(0).i32(INT32_MAX).cstr("a").str(), "Truncated"}),
    test::CaseName());

// ---- Field-level round trips -------------------------------------------------

// Bind keeps NULL (-1), empty (0-length) and binary values apart, in order.
TEST(BindTest, RoundTripNullEmptyAndBinary) {
  const Bind in{"portal", "stmt", {0, 1, 0}, {std::nullopt, std::string_view(), std::string_view("\0\x01", 2)}, {1}};
  const std::string frame = build_bind(in);
  Bind out;
  ASSERT_EQ(errc_name(parse_bind(body_of(frame, 'B'), out)), "ok");
  EXPECT_EQ(out.portal, "portal");
  EXPECT_EQ(out.statement, "stmt");
  EXPECT_EQ(out.parameter_formats, (std::vector<std::int16_t>{0, 1, 0}));
  ASSERT_EQ(out.values.size(), 3U);
  EXPECT_EQ(out.values[0], std::nullopt);
  ASSERT_TRUE(out.values[1].has_value());
  EXPECT_EQ(*out.values[1], "");
  EXPECT_EQ(out.values[2], std::optional<std::string_view>(std::string_view("\0\x01", 2)));
  EXPECT_EQ(out.result_formats, (std::vector<std::int16_t>{1}));
  EXPECT_EQ(out.parameter_format(1), kFormatBinary);
  EXPECT_EQ(out.parameter_format(2), kFormatText);
}

// parameter_format applies the protocol's zero / one / per-parameter rule.
TEST(BindTest, ParameterFormatRule) {
  Bind b;
  b.values = {std::nullopt, std::nullopt};
  EXPECT_EQ(b.parameter_format(1), kFormatText);
  b.parameter_formats = {1};
  EXPECT_EQ(b.parameter_format(0), kFormatBinary);
  EXPECT_EQ(b.parameter_format(1), kFormatBinary);
  b.parameter_formats = {1, 0};
  EXPECT_EQ(b.parameter_format(1), kFormatText);
}

// Counts above 32767 are valid (PostgreSQL reads them unsigned); 65536 cannot be encoded.
TEST(BindTest, LargeParameterCounts) {
  Bind in;
  in.values.assign(40000, std::nullopt);
  const std::string frame = build_bind(in);
  ASSERT_EQ(frame.size(), 5U + 2 + 2 + 2 + 40000U * 4 + 2);
  Bind out;
  ASSERT_EQ(errc_name(parse_bind(body_of(frame, 'B'), out)), "ok");
  EXPECT_EQ(out.values.size(), 40000U);
  in.values.assign(65536, std::nullopt);
  EXPECT_EQ(build_bind(in), "");
}

// Parse keeps the statement name, the SQL and every OID including 0 and 2^32-1.
TEST(ParseTest, RoundTrip) {
  const std::string frame = build_parse("s1", "SELECT $1::int, $2", {23, 0, 0xffffffffU});
  Parse out;
  ASSERT_EQ(errc_name(parse_parse(body_of(frame, 'P'), out)), "ok");
  EXPECT_EQ(out.statement, "s1");
  EXPECT_EQ(out.sql, "SELECT $1::int, $2");
  EXPECT_EQ(out.parameter_types, (std::vector<std::uint32_t>{23, 0, 0xffffffffU}));
  EXPECT_EQ(build_parse("", "", std::vector<std::uint32_t>(65536, 0)), "");
}

// Describe, Close and Execute keep their kind, name and row limit.
TEST(TargetTest, RoundTrips) {
  // Parsed views point into the frame, so each frame is kept alive while read.
  const std::string describe = build_describe({'P', "cur"});
  Target t{};
  ASSERT_EQ(errc_name(parse_target(body_of(describe, 'D'), t)), "ok");
  EXPECT_EQ(t.kind, 'P');
  EXPECT_EQ(t.name, "cur");
  const std::string close = build_close({'S', ""});
  ASSERT_EQ(errc_name(parse_target(body_of(close, 'C'), t)), "ok");
  EXPECT_EQ(t.kind, 'S');
  EXPECT_EQ(t.name, "");
  EXPECT_EQ(build_describe({'X', "s"}), "");
  Execute e{};
  const std::string execute = build_execute({"cur", -1});
  ASSERT_EQ(errc_name(parse_execute(body_of(execute, 'E'), e)), "ok");
  EXPECT_EQ(e.portal, "cur");
  EXPECT_EQ(e.max_rows, -1);
}

// An ErrorResponse with no fields at all parses to an empty field list.
TEST(ErrorFieldsTest, NoFields) {
  ErrorFields f;
  f.fields.push_back({'X', "stale"});  // the parse replaces earlier contents
  ASSERT_EQ(errc_name(parse_error_fields(std::string(1, '\0'), f)), "ok");
  EXPECT_TRUE(f.fields.empty());
  EXPECT_EQ(f.sqlstate(), "");
  EXPECT_EQ(f.severity(), "");
  EXPECT_EQ(f.message(), "");
}

// Fields without 'C' parse; 'V' wins over a localized 'S'; unknown codes are kept.
TEST(ErrorFieldsTest, OptionalFieldsAndSeverity) {
  const std::string body = Bytes().u8('S').cstr("FEHLER").u8('V').cstr("ERROR").u8('M').cstr("boom").u8('q').cstr("?").u8(0).str();
  ErrorFields f;
  ASSERT_EQ(errc_name(parse_error_fields(body, f)), "ok");
  ASSERT_EQ(f.fields.size(), 4U);
  EXPECT_EQ(f.severity(), "ERROR");
  EXPECT_EQ(f.get('S'), "FEHLER");
  EXPECT_EQ(f.sqlstate(), "");
  EXPECT_EQ(f.message(), "boom");
  EXPECT_EQ(f.fields[3].code, 'q');
  EXPECT_EQ(f.fields[3].value, "?");

  const std::string only_s = Bytes().u8('S').cstr("FATAL").u8(0).str();
  ASSERT_EQ(errc_name(parse_error_fields(only_s, f)), "ok");
  EXPECT_EQ(f.severity(), "FATAL");
}

// build_error_response / build_notice_response round-trip, omitting empty D and H.
TEST(ErrorFieldsTest, BuildRoundTrip) {
  ErrorSpec spec;
  spec.severity = "FATAL";
  spec.sqlstate = "08P01";
  spec.message = "invalid startup packet";
  spec.hint = "use protocol 3.0";
  ErrorFields f;
  const std::string error = build_error_response(spec);
  ASSERT_EQ(errc_name(parse_error_fields(body_of(error, 'E'), f)), "ok");
  std::string codes;
  for (const auto& field : f.fields) codes += field.code;
  EXPECT_EQ(codes, "SVCMH");
  EXPECT_EQ(f.severity(), "FATAL");
  EXPECT_EQ(f.sqlstate(), "08P01");
  EXPECT_EQ(f.message(), "invalid startup packet");
  EXPECT_EQ(f.get('H'), "use protocol 3.0");

  spec.severity = "NOTICE";
  spec.detail = "d";
  const std::string notice = build_notice_response(spec);
  ASSERT_EQ(errc_name(parse_error_fields(body_of(notice, 'N'), f)), "ok");
  EXPECT_EQ(f.get('D'), "d");
  spec.message = std::string("a\0b", 3);
  EXPECT_EQ(build_error_response(spec), "");
}

// Authentication reports each code's data: salt, mechanisms, opaque SASL data.
TEST(AuthenticationTest, Codes) {
  Authentication a{};
  ASSERT_EQ(errc_name(parse_authentication(body_of(build_authentication_ok(), 'R'), a)), "ok");
  EXPECT_EQ(a.code, AuthCode::Ok);

  const std::string md5 = Bytes().i32(5).raw("\x01\x02\x03\x04").frame('R');
  ASSERT_EQ(errc_name(parse_authentication(body_of(md5, 'R'), a)), "ok");
  EXPECT_EQ(a.code, AuthCode::MD5Password);
  EXPECT_EQ(a.data, "\x01\x02\x03\x04");

  ASSERT_EQ(errc_name(parse_authentication(body_of(kTwoMechanisms, 'R'), a)), "ok");
  EXPECT_EQ(a.code, AuthCode::SASL);
  EXPECT_EQ(a.sasl_mechanisms, (std::vector<std::string_view>{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}));

  const std::string final_msg = Bytes().i32(12).raw("v=abc=").frame('R');
  ASSERT_EQ(errc_name(parse_authentication(body_of(final_msg, 'R'), a)), "ok");
  EXPECT_EQ(a.code, AuthCode::SASLFinal);
  EXPECT_EQ(a.data, "v=abc=");
  EXPECT_TRUE(a.sasl_mechanisms.empty());

  EXPECT_EQ(build_authentication_sasl({""}), "");
}

// BackendKeyData, ReadyForQuery and ParameterStatus round-trip their fields.
TEST(BackendSmallTest, RoundTrips) {
  BackendKeyData k{};
  ASSERT_EQ(errc_name(parse_backend_key_data(body_of(build_backend_key_data({77, INT32_MIN}), 'K'), k)), "ok");
  EXPECT_EQ(k.process_id, 77);
  EXPECT_EQ(k.secret_key, INT32_MIN);
  for (const auto s : {TransactionStatus::Idle, TransactionStatus::InBlock, TransactionStatus::Failed}) {
    ReadyForQuery r{};
    ASSERT_EQ(errc_name(parse_ready_for_query(body_of(build_ready_for_query(s), 'Z'), r)), "ok");
    EXPECT_EQ(r.status, s);
  }
  ParameterStatus p{};
  const std::string ps = build_parameter_status("application_name", "");
  ASSERT_EQ(errc_name(parse_parameter_status(body_of(ps, 'S'), p)), "ok");
  EXPECT_EQ(p.name, "application_name");
  EXPECT_EQ(p.value, "");
}

// ParameterDescription keeps every OID in order; zero parameters is valid.
TEST(ParameterDescriptionTest, RoundTrip) {
  ParameterDescription d;
  ASSERT_EQ(errc_name(parse_parameter_description(body_of(build_parameter_description({25, 23, 16}), 't'), d)), "ok");
  EXPECT_EQ(d.types, (std::vector<std::uint32_t>{25, 23, 16}));
  ASSERT_EQ(errc_name(parse_parameter_description(body_of(build_parameter_description({}), 't'), d)), "ok");
  EXPECT_TRUE(d.types.empty());
}

// RowDescription keeps every attribute of every field.
TEST(RowDescriptionTest, RoundTrip) {
  const std::vector<FieldDescription> in = {{"id", 16384, 1, 23, 4, -1, 0}, {"note", 16384, 2, 25, -1, -1, 1}};
  const std::string frame = build_row_description(in);
  RowDescription out;
  ASSERT_EQ(errc_name(parse_row_description(body_of(frame, 'T'), out)), "ok");
  ASSERT_EQ(out.fields.size(), 2U);
  EXPECT_EQ(out.fields[1].name, "note");
  EXPECT_EQ(out.fields[1].table_oid, 16384U);
  EXPECT_EQ(out.fields[1].column_number, 2);
  EXPECT_EQ(out.fields[1].type_oid, 25U);
  EXPECT_EQ(out.fields[1].type_size, -1);
  EXPECT_EQ(out.fields[1].type_modifier, -1);
  EXPECT_EQ(out.fields[1].format, 1);
  EXPECT_EQ(out.fields[0].name, "id");
}

// DataRow keeps NULL, empty and non-empty values apart.
TEST(DataRowTest, RoundTrip) {
  DataRow out;
  const std::string frame = build_data_row({std::nullopt, std::string_view(), std::string_view("x")});
  ASSERT_EQ(errc_name(parse_data_row(body_of(frame, 'D'), out)), "ok");
  ASSERT_EQ(out.values.size(), 3U);
  EXPECT_FALSE(out.values[0].has_value());
  EXPECT_EQ(out.values[1], std::optional<std::string_view>(""));
  EXPECT_EQ(out.values[2], std::optional<std::string_view>("x"));
}

// A body whose length would not fit the int32 length is refused before any copy.
TEST(DataRowTest, OversizedBodyRefused) {
  const std::string mib(1 << 20, 'x');
  // 2048 views of one MiB: 2 GiB of values, without allocating 2 GiB.
  const std::vector<std::optional<std::string_view>> values(2048, std::string_view(mib));
  EXPECT_EQ(build_data_row(values), "");
  EXPECT_EQ(build_data_row(std::vector<std::optional<std::string_view>>(65536, std::nullopt)), "");
}

struct TagCase {
  const char* name;
  std::string tag;
  std::string command;
  std::optional<std::uint64_t> rows;
};

class CommandCompleteTest : public testing::TestWithParam<TagCase> {};

// The tag splits into its command word and, where there is one, its row count.
TEST_P(CommandCompleteTest, CommandAndRows) {
  const TagCase& c = GetParam();
  const std::string frame = build_command_complete(c.tag);
  CommandComplete cc{};
  ASSERT_EQ(errc_name(parse_command_complete(body_of(frame, 'C'), cc)), "ok");
  EXPECT_EQ(cc.tag, c.tag);
  EXPECT_EQ(cc.command(), c.command);
  EXPECT_EQ(cc.rows(), c.rows);
}

INSTANTIATE_TEST_SUITE_P(
    Tags, CommandCompleteTest,
    testing::Values(TagCase{"Insert", "INSERT 0 5", "INSERT", 5}, TagCase{"Select", "SELECT 12", "SELECT", 12},
                    TagCase{"Begin", "BEGIN", "BEGIN", std::nullopt},
                    TagCase{"CreateTable", "CREATE TABLE", "CREATE", std::nullopt},
                    TagCase{"Empty", "", "", std::nullopt}, TagCase{"TrailingSpace", "SELECT ", "SELECT", std::nullopt},
                    TagCase{"MaxRows", "UPDATE 18446744073709551615", "UPDATE", UINT64_MAX},
                    TagCase{"Overflow", "UPDATE 18446744073709551616", "UPDATE", std::nullopt}),
    test::CaseName());

// NegotiateProtocolVersion keeps the minor version and every option name.
TEST(NegotiateProtocolVersionTest, RoundTrip) {
  NegotiateProtocolVersion out;
  const std::string frame = build_negotiate_protocol_version(2, {"_pq_.a", "_pq_.b"});
  ASSERT_EQ(errc_name(parse_negotiate_protocol_version(body_of(frame, 'v'), out)), "ok");
  EXPECT_EQ(out.newest_minor, 2);
  EXPECT_EQ(out.unrecognized_options, (std::vector<std::string_view>{"_pq_.a", "_pq_.b"}));
}

// FunctionCall keeps the OID, formats, NULL and non-NULL arguments and result format.
TEST(FunctionCallTest, RoundTrip) {
  const FunctionCall in{2147483648U, {1}, {std::nullopt, std::string_view("\x00\x01", 2)}, 1};
  FunctionCall out{};
  const std::string frame = build_function_call(in);
  ASSERT_EQ(errc_name(parse_function_call(body_of(frame, 'F'), out)), "ok");
  EXPECT_EQ(out.function_oid, 2147483648U);
  EXPECT_EQ(out.argument_formats, (std::vector<std::int16_t>{1}));
  ASSERT_EQ(out.arguments.size(), 2U);
  EXPECT_FALSE(out.arguments[0].has_value());
  EXPECT_EQ(out.arguments[1], std::optional<std::string_view>(std::string_view("\x00\x01", 2)));
  EXPECT_EQ(out.result_format, 1);
}

// Builders refuse C-string fields with an embedded NUL instead of misframing.
TEST(BuilderTest, RefusesEmbeddedNul) {
  const std::string_view nul("a\0b", 3);
  EXPECT_EQ(build_query(nul), "");
  EXPECT_EQ(build_parse(nul, "x", {}), "");
  EXPECT_EQ(build_bind(Bind{nul, "", {}, {}, {}}), "");
  EXPECT_EQ(build_parameter_status("a", nul), "");
  EXPECT_EQ(build_command_complete(nul), "");
  EXPECT_EQ(build_execute({nul, 0}), "");
  EXPECT_EQ(build_negotiate_protocol_version(0, {nul}), "");
  // A NUL inside a Bind *value* is fine: values are length-prefixed.
  EXPECT_NE(build_bind(Bind{"", "", {}, {nul}, {}}), "");
}

}  // namespace
}  // namespace pgshim::wire
