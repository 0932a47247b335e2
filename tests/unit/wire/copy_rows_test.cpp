// Tests of CopyRowFilter and the COPY field decoders: every case is fed whole,
// split at every byte, split in three everywhere (short inputs) and one byte
// at a time, and every way must give the same bytes, error and decoded rows.
#include "pgshim/wire/copy_rows.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "wire_test_util.hpp"

namespace pgshim::wire {
namespace {

// A failing parameterized case prints as its name, not as a dump of its bytes.
template <class Case>
  requires requires(const Case& c) { c.name; }
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

// A spec written the way a table row reads: text(3, {2}).header().
struct Spec {
  CopyRowSpec s;
  [[nodiscard]] Spec header() const { Spec c = *this; c.s.header = true; return c; }
  [[nodiscard]] Spec delimiter(char d) const { Spec c = *this; c.s.delimiter = d; return c; }
  [[nodiscard]] Spec quote(char q) const { Spec c = *this; c.s.quote = q; return c; }
  [[nodiscard]] Spec escape(char e) const { Spec c = *this; c.s.escape = e; return c; }
  [[nodiscard]] Spec null(std::string n) const { Spec c = *this; c.s.null_string = std::move(n); return c; }
  [[nodiscard]] Spec max_row(std::size_t m) const { Spec c = *this; c.s.max_row_length = m; return c; }
  [[nodiscard]] Spec force_not_null(std::vector<std::size_t> f) const {
    Spec c = *this;
    c.s.force_not_null = std::move(f);
    return c;
  }
  [[nodiscard]] Spec force_null(std::vector<std::size_t> f) const {
    Spec c = *this;
    c.s.force_null = std::move(f);
    return c;
  }
  // A PostgreSQL 18 server: CSV "\." is a value, not the end of the data.
  [[nodiscard]] Spec pg18() const { Spec c = *this; c.s.csv_end_marker = false; return c; }
};
Spec text(std::size_t fields, std::vector<std::size_t> drop) {
  return Spec{CopyRowSpec{.format = CopyFormat::Text, .field_count = fields, .drop = std::move(drop)}};
}
Spec csv(std::size_t fields, std::vector<std::size_t> drop) {
  return Spec{CopyRowSpec{.format = CopyFormat::Csv, .field_count = fields, .drop = std::move(drop)}};
}

// Bytes as a C++ literal would spell them, so a diff shows \r, \t and \n.
std::string esc(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string lit(const std::optional<std::string>& v) { return v ? "'" + esc(*v) + "'" : "NULL"; }

// "row@line [v0, v1, ...]": one string per journaled row.
std::string show_row(const CopyRowValues& r) {
  std::string s = std::to_string(r.row_number) + "@" + std::to_string(r.line) + " [";
  for (std::size_t k = 0; k < r.fields.size(); ++k) s += (k ? ", " : "") + lit(r.fields[k]);
  return s + "]";
}

std::string errc_name(std::error_code ec) {
  if (!ec) return "ok";
  if (ec.category() != copy_category()) return "foreign:" + ec.message();
  switch (static_cast<CopyErrc>(ec.value())) {
    case CopyErrc::InvalidSpec: return "InvalidSpec";
    case CopyErrc::WrongFieldCount: return "WrongFieldCount";
    case CopyErrc::RowTooLong: return "RowTooLong";
    case CopyErrc::UnterminatedQuote: return "UnterminatedQuote";
    case CopyErrc::BadLineEnding: return "BadLineEnding";
    case CopyErrc::MisplacedEndMarker: return "MisplacedEndMarker";
    case CopyErrc::EndMarkerCollision: return "EndMarkerCollision";
  }
  return "CopyErrc(" + std::to_string(ec.value()) + ")";
}

struct Outcome {
  std::string out;
  std::string error;
  std::string message;
  std::vector<std::string> rows;

  [[nodiscard]] std::string show() const {
    std::string s = "out=\"" + esc(out) + "\" error=" + error + " message=\"" + message + "\" rows={";
    for (const auto& r : rows) s += r + "; ";
    return s + "}";
  }
};

// Feeds `input` cut at `cuts` (ascending), keeps feeding after an error (which
// must stay sticky), then finishes.
Outcome run(const CopyRowSpec& spec, std::string_view input, const std::vector<std::size_t>& cuts) {
  CopyRowFilter filter(spec);
  std::vector<CopyRowValues> rows;
  Outcome o;
  std::size_t at = 0;
  std::error_code first;
  const auto note = [&first](std::error_code ec) {
    if (!first) first = ec;
  };
  for (const std::size_t cut : cuts) {
    note(filter.feed(input.substr(at, cut - at), o.out, &rows));
    at = cut;
  }
  note(filter.feed(input.substr(at), o.out, &rows));
  const std::error_code last = filter.finish(o.out, &rows);
  note(last);
  o.error = errc_name(first);
  if (last != first) o.error += " then " + errc_name(last);  // an error that did not stick
  o.message = filter.error_message();
  for (const auto& r : rows) o.rows.push_back(show_row(r));
  return o;
}

// Every way of cutting `input` gives the same outcome as feeding it whole.
void expect_split_invariant(const CopyRowSpec& spec, const std::string& input, const Outcome& whole) {
  const std::string want = whole.show();
  const auto check = [&](const std::vector<std::size_t>& cuts, const std::string& how) {
    const std::string got = run(spec, input, cuts).show();
    if (got != want) ADD_FAILURE() << how << "\n  got:  " << got << "\n  want: " << want;
    return got == want;
  };
  for (std::size_t s = 0; s <= input.size(); ++s) {
    if (!check({s}, "split at " + std::to_string(s))) return;
  }
  if (input.size() <= 64) {
    for (std::size_t a = 0; a <= input.size(); ++a) {
      for (std::size_t b = a; b <= input.size(); ++b) {
        if (!check({a, b}, "split at " + std::to_string(a) + " and " + std::to_string(b))) return;
      }
    }
  }
  std::vector<std::size_t> bytes;
  for (std::size_t s = 1; s < input.size(); ++s) bytes.push_back(s);
  check(bytes, "one byte at a time");
}

struct FilterCase {
  const char* name;
  Spec spec;
  std::string input;
  std::string out;
  std::string error = "ok";
  std::vector<std::string> rows = {};
  std::string message_has = "";
};

class CopyRowFilterTest : public testing::TestWithParam<FilterCase> {};

// Each stream filters to exactly the stated bytes, error and decoded rows,
// however it is cut into CopyData messages.
TEST_P(CopyRowFilterTest, FiltersAtEverySplit) {
  const FilterCase& c = GetParam();
  const Outcome whole = run(c.spec.s, c.input, {});
  EXPECT_EQ(esc(whole.out), esc(c.out));
  EXPECT_EQ(whole.error, c.error) << whole.message;
  EXPECT_EQ(whole.rows, c.rows);
  if (c.error == "ok") {
    EXPECT_EQ(whole.message, "");
  } else {
    EXPECT_NE(whole.message.find(c.message_has), std::string::npos) << whole.message;
  }
  expect_split_invariant(c.spec.s, c.input, whole);
}

const FilterCase kTextCases[] = {
    {"TextDropLast", text(3, {2}), "1\ta\terr\n2\tb\t\\N\n", "1\ta\n2\tb\n", "ok",
     {"1@1 ['1', 'a', 'err']", "2@2 ['2', 'b', NULL]"}},
    {"TextDropFirst", text(3, {0}), "1\ta\terr\n", "a\terr\n", "ok", {"1@1 ['1', 'a', 'err']"}},
    {"TextDropMiddle", text(3, {1}), "1\ta\terr\n", "1\terr\n", "ok", {"1@1 ['1', 'a', 'err']"}},
    {"TextDropTwo", text(4, {1, 3}), "1\tx\ta\ty\n2\t\\N\tb\t\n", "1\ta\n2\tb\n", "ok",
     {"1@1 ['1', 'x', 'a', 'y']", "2@2 ['2', NULL, 'b', '']"}},
    {"TextDropFirstTwo", text(3, {0, 1}), "1\ta\te\n", "e\n", "ok", {"1@1 ['1', 'a', 'e']"}},
    {"TextEscapedDelimiter", text(3, {2}), "1\ta\\\tb\tc\\\td\n", "1\ta\\\tb\n", "ok",
     {"1@1 ['1', 'a\\tb', 'c\\td']"}},
    {"TextEscapedBackslashThenDelimiter", text(3, {1}), "1\ta\\\\\te\n", "1\te\n", "ok",
     {"1@1 ['1', 'a\\\\', 'e']"}},
    {"TextBackslashNewline", text(3, {1}), "1\tline1\\\nline2\terr\n", "1\terr\n", "ok",
     {"1@1 ['1', 'line1\\nline2', 'err']"}},
    {"TextBackslashCarriageReturn", text(3, {1}), "1\tx\\\ry\te\n", "1\te\n", "ok", {"1@1 ['1', 'x\\ry', 'e']"}},
    {"TextEscapesDecoded", text(3, {1}), "1\t\\t\\n\\\\\\101\\x41\\q\\Nz\te\n", "1\te\n", "ok",
     {"1@1 ['1', '\\t\\n\\\\AAqNz', 'e']"}},
    {"TextCustomNull", text(3, {2}).null("x"), "1\tx\tx\n2\t\\N\t\n", "1\tx\n2\t\\N\n", "ok",
     {"1@1 ['1', NULL, NULL]", "2@2 ['2', 'N', '']"}},
    {"TextEmptyNullString", text(3, {2}).null(""), "1\t\t\n", "1\t\n", "ok", {"1@1 ['1', NULL, NULL]"}},
    {"TextCrLf", text(3, {2}), "1\ta\te\r\n2\tb\tf\r\n", "1\ta\r\n2\tb\r\n", "ok",
     {"1@1 ['1', 'a', 'e']", "2@2 ['2', 'b', 'f']"}},
    {"TextCr", text(3, {2}), "1\ta\te\r2\tb\tf\r", "1\ta\r2\tb\r", "ok",
     {"1@1 ['1', 'a', 'e']", "2@2 ['2', 'b', 'f']"}},
    {"TextSingleCrAtEnd", text(3, {0}), "1\ta\te\r", "a\te\r", "ok", {"1@1 ['1', 'a', 'e']"}},
    {"TextFinalRowWithoutNewline", text(3, {2}), "1\ta\te\n2\tb\tf", "1\ta\n2\tb", "ok",
     {"1@1 ['1', 'a', 'e']", "2@2 ['2', 'b', 'f']"}},
    {"TextTrailingBackslashAtEnd", text(3, {1}), "1\ta\te\\", "1\te\\", "ok", {"1@1 ['1', 'a', 'e']"}},
    {"TextEndMarker", text(3, {2}), "1\ta\te\n\\.\nignored\tby\tserver\tanyway\n",
     "1\ta\n\\.\nignored\tby\tserver\tanyway\n", "ok", {"1@1 ['1', 'a', 'e']"}},
    {"TextEndMarkerCrLf", text(3, {2}), "1\ta\te\r\n\\.\r\n", "1\ta\r\n\\.\r\n", "ok", {"1@1 ['1', 'a', 'e']"}},
    {"TextEndMarkerCr", text(3, {2}), "1\ta\te\r\\.\rx", "1\ta\r\\.\rx", "ok", {"1@1 ['1', 'a', 'e']"}},
    {"TextEndMarkerWithoutLineEnding", text(3, {2}), "1\ta\te\n\\.", "1\ta\n", "MisplacedEndMarker",
     {"1@1 ['1', 'a', 'e']"}, "line 2: end-of-copy marker \\. has no line ending"},
    {"TextEndMarkerEvenWithCsvEndMarkerOff", text(3, {2}).pg18(), "1\ta\te\n\\.\nx\n", "1\ta\n\\.\nx\n", "ok",
     {"1@1 ['1', 'a', 'e']"}},
    {"TextHeader", text(3, {2}).header(), "id\tname\tlast_error\n1\ta\te\n", "id\tname\n1\ta\n", "ok",
     {"1@2 ['1', 'a', 'e']"}},
    {"TextHeaderOtherWidthPassesThrough", text(3, {2}).header(), "some header\n1\ta\te\n", "some header\n1\ta\n",
     "ok", {"1@2 ['1', 'a', 'e']"}},
    {"TextHeaderThenEndMarker", text(3, {2}).header(), "\\.\n1\ta\te\n", "\\.\n1\ta\te\n", "ok", {}},
    {"TextPipeDelimiter", text(3, {1}).delimiter('|'), "1|a\\|b|e\n2|x\ty|f\n", "1|e\n2|f\n", "ok",
     {"1@1 ['1', 'a|b', 'e']", "2@2 ['2', 'x\\ty', 'f']"}},
    {"TextEmptyInput", text(3, {2}), "", ""},
    {"TextAtMaxRowLength", text(3, {2}).max_row(7), "1\ta\te\r\n", "1\ta\r\n", "ok", {"1@1 ['1', 'a', 'e']"}},
    {"TextWrongWidthFewer", text(3, {2}), "1\ta\te\n2\tb\n3\tc\tf\n", "1\ta\n", "WrongFieldCount",
     {"1@1 ['1', 'a', 'e']"}, "COPY data line 2 has 2 fields, expected 3"},
    {"TextWrongWidthMore", text(3, {2}), "1\ta\te\tx\n", "", "WrongFieldCount", {}, "line 1 has 4 fields"},
    {"TextEmptyLineIsOneField", text(3, {2}), "\n", "", "WrongFieldCount", {}, "line 1 has 1 fields"},
    {"TextWrongWidthAfterHeader", text(3, {2}).header(), "id\tname\tlast_error\n1\ta\n", "id\tname\n",
     "WrongFieldCount", {}, "line 2 has 2 fields"},
    {"TextRowTooLong", text(3, {2}).max_row(10), "1\ta\te\n1\tabcdefgh\te\n", "1\ta\n", "RowTooLong",
     {"1@1 ['1', 'a', 'e']"}, "line 2 is longer than 10 bytes"},
    {"TextRowTooLongByItsNewline", text(3, {2}).max_row(6), "1\ta\te\r\n", "", "RowTooLong", {}, "line 1"},
    {"TextRowTooLongNeverEnding", text(3, {2}).max_row(8), "1\ta\tabcdefghijkl", "", "RowTooLong", {}, "line 1"},
    {"TextEndMarkerMidLine", text(3, {2}), "1\ta\\.\te\n", "", "MisplacedEndMarker", {},
     "line 1: end-of-copy marker \\. is not alone"},
    {"TextEndMarkerFollowedByData", text(3, {2}), "1\ta\te\n\\.x\n", "1\ta\n", "MisplacedEndMarker",
     {"1@1 ['1', 'a', 'e']"}, "line 2"},
    {"TextNewlineAfterCrLfLine", text(3, {2}), "1\ta\te\r\n2\tb\tf\n", "1\ta\r\n", "BadLineEnding",
     {"1@1 ['1', 'a', 'e']"}, "line 2: literal newline found in data"},
    {"TextCarriageReturnAfterNewlineLine", text(3, {2}), "1\ta\te\n2\tb\tf\r\n", "1\ta\n", "BadLineEnding",
     {"1@1 ['1', 'a', 'e']"}, "line 2: literal carriage return found in data"},
    {"TextBareCrAfterCrLfLine", text(3, {2}), "1\ta\te\r\n2\tb\tf\rx", "1\ta\r\n", "BadLineEnding",
     {"1@1 ['1', 'a', 'e']"}, "line 2: literal carriage return"},
    {"TextCrAtFinishAfterCrLfLine", text(3, {2}), "1\ta\te\r\n2\tb\tf\r", "1\ta\r\n", "BadLineEnding",
     {"1@1 ['1', 'a', 'e']"}, "line 2"},
};
INSTANTIATE_TEST_SUITE_P(Text, CopyRowFilterTest, testing::ValuesIn(kTextCases), test::CaseName());

const FilterCase kCsvCases[] = {
    {"CsvDropLast", csv(3, {2}), "1,a,err\n2,b,\n", "1,a\n2,b\n", "ok",
     {"1@1 ['1', 'a', 'err']", "2@2 ['2', 'b', NULL]"}},
    {"CsvDropFirst", csv(3, {0}), "1,a,err\n", "a,err\n", "ok", {"1@1 ['1', 'a', 'err']"}},
    {"CsvDropMiddleAndLast", csv(4, {1, 3}), "1,x,a,y\n", "1,a\n", "ok", {"1@1 ['1', 'x', 'a', 'y']"}},
    {"CsvNullVersusEmpty", csv(3, {1}), "1,,\"\"\n", "1,\"\"\n", "ok", {"1@1 ['1', NULL, '']"}},
    {"CsvQuotedDelimiter", csv(3, {1}), "1,\"a,b\",\"x,y\"\n", "1,\"x,y\"\n", "ok", {"1@1 ['1', 'a,b', 'x,y']"}},
    {"CsvQuotedNewlineInDroppedField", csv(3, {2}), "1,a,\"multi\nline\"\n2,b,c\n", "1,a\n2,b\n", "ok",
     {"1@1 ['1', 'a', 'multi\\nline']", "2@2 ['2', 'b', 'c']"}},
    {"CsvQuotedNewlineInKeptField", csv(3, {0}), "1,\"x\ny\",e\n", "\"x\ny\",e\n", "ok", {"1@1 ['1', 'x\\ny', 'e']"}},
    {"CsvQuotedCrLfInCrLfRows", csv(3, {2}), "1,\"x\r\ny\",e\r\n2,b,c\r\n", "1,\"x\r\ny\"\r\n2,b\r\n", "ok",
     {"1@1 ['1', 'x\\r\\ny', 'e']", "2@2 ['2', 'b', 'c']"}},
    {"CsvDoubledQuotes", csv(3, {2}), "1,\"say \"\"hi\"\"\",\"a\"\"\"\n", "1,\"say \"\"hi\"\"\"\n", "ok",
     {"1@1 ['1', 'say \"hi\"', 'a\"']"}},
    {"CsvQuoteInsideUnquotedField", csv(3, {1}), "ab\"c,d\"e,f,g\n", "ab\"c,d\"e,g\n", "ok",
     {"1@1 ['abc,de', 'f', 'g']"}},
    {"CsvBackslashEscapeBeforeQuote", csv(3, {1}).escape('\\'), "1,\"x\\\",y\",e\n", "1,e\n", "ok",
     {"1@1 ['1', 'x\",y', 'e']"}},
    {"CsvBackslashEscapeOfEscapeAndOther", csv(3, {2}).escape('\\'), "1,\"a\\,b\",\"c\\\\\"\n", "1,\"a\\,b\"\n",
     "ok", {"1@1 ['1', 'a\\\\,b', 'c\\\\']"}},
    {"CsvBackslashIsDataWithDefaultEscape", csv(3, {1}), "1,\"x\\\",y\",e\"\n", "1,y\",e\"\n", "ok",
     {"1@1 ['1', 'x\\\\', 'y,e']"}},
    {"CsvSemicolonAndSingleQuote", csv(3, {1}).delimiter(';').quote('\''), "1;'a;''b';c\n", "1;c\n", "ok",
     {"1@1 ['1', 'a;'b', 'c']"}},
    {"CsvCustomNull", csv(3, {1, 2}).null("NULL"), "1,NULL,\"NULL\"\n", "1\n", "ok", {"1@1 ['1', NULL, 'NULL']"}},
    {"CsvForceNotNullAndForceNull", csv(3, {1, 2}).force_not_null({1}).force_null({2}), "1,,\"\"\n", "1\n", "ok",
     {"1@1 ['1', '', NULL]"}},
    {"CsvCrOnly", csv(3, {2}), "1,a,e\r2,b,\"x\ry\"\r", "1,a\r2,b\r", "ok",
     {"1@1 ['1', 'a', 'e']", "2@2 ['2', 'b', 'x\\ry']"}},
    {"CsvFinalRowWithoutNewline", csv(3, {2}), "1,a,\"e\"", "1,a", "ok", {"1@1 ['1', 'a', 'e']"}},
    {"CsvEndMarker", csv(3, {2}), "1,a,e\n\\.\nx,y\n", "1,a\n\\.\nx,y\n", "ok", {"1@1 ['1', 'a', 'e']"}},
    {"CsvEndMarkerCrLf", csv(3, {2}), "1,a,e\r\n\\.\r\n", "1,a\r\n\\.\r\n", "ok", {"1@1 ['1', 'a', 'e']"}},
    {"CsvQuotedEndMarkerIsData", csv(2, {1}), "\"\\.\",x\n", "\"\\.\"\n", "ok", {"1@1 ['\\\\.', 'x']"}},
    {"CsvEndMarkerWithMoreIsData", csv(3, {2}), "\\.,x,y\n", "\\.,x\n", "ok", {"1@1 ['\\\\.', 'x', 'y']"}},
    {"CsvEndMarkerWithoutLineEndingIsData", csv(3, {2}), "1,a,e\n\\.", "1,a\n", "WrongFieldCount",
     {"1@1 ['1', 'a', 'e']"}, "line 2 has 1 fields"},
    {"CsvStrippedToEndMarkerAtEndIsData", csv(2, {0}), "x,\\.", "\\.", "ok", {"1@1 ['x', '\\\\.']"}},
    {"CsvEndMarkerIsDataOnPg18", csv(3, {2}).pg18(), "1,a,e\n\\.\n", "1,a\n", "WrongFieldCount",
     {"1@1 ['1', 'a', 'e']"}, "line 2 has 1 fields"},
    {"CsvNoCollisionOnPg18", csv(2, {0}).pg18(), "x,\\.\n", "\\.\n", "ok", {"1@1 ['x', '\\\\.']"}},
    {"CsvHeaderMatch", csv(3, {2}).header(), "id,name,last_error\r\n1,a,e\r\n", "id,name\r\n1,a\r\n", "ok",
     {"1@2 ['1', 'a', 'e']"}},
    {"CsvHeaderQuotedNames", csv(3, {1}).header(), "\"id\",\"last,error\",name\n1,a,e\n", "\"id\",name\n1,e\n",
     "ok", {"1@2 ['1', 'a', 'e']"}},
    {"CsvEndMarkerCollision", csv(2, {0}), "1,a\nx,\\.\n", "a\n", "EndMarkerCollision", {"1@1 ['1', 'a']"},
     "line 2 would become the end-of-copy marker"},
    {"CsvEndMarkerCollisionInHeader", csv(2, {1}).header(), "\\.,b\n", "", "EndMarkerCollision", {}, "line 1"},
    {"CsvUnterminatedQuote", csv(3, {2}), "1,a,e\n2,b,\"open\n", "1,a\n", "UnterminatedQuote",
     {"1@1 ['1', 'a', 'e']"}, "unterminated CSV quoted field at the end of COPY data (line 2)"},
    {"CsvUnterminatedAfterEscape", csv(3, {2}).escape('\\'), "1,a,\"x\\", "", "UnterminatedQuote", {}, "line 1"},
    {"CsvWrongWidth", csv(3, {2}), "1,a\n", "", "WrongFieldCount", {}, "line 1 has 2 fields, expected 3"},
    {"CsvQuotedEmptyLineIsOneField", csv(2, {1}), "\"\"\n", "", "WrongFieldCount", {}, "has 1 fields"},
    {"CsvUnquotedCrAfterNewlineLine", csv(3, {2}), "1,a,e\n2,b,x\ry\n", "1,a\n", "BadLineEnding",
     {"1@1 ['1', 'a', 'e']"}, "line 2: unquoted carriage return found in data"},
    {"CsvRowTooLongInsideQuotes", csv(3, {2}).max_row(12), "1,\"aaaa\nbbbbbbbbbb\",e\n", "", "RowTooLong", {},
     "line 1 is longer than 12 bytes"},
};
INSTANTIATE_TEST_SUITE_P(Csv, CopyRowFilterTest, testing::ValuesIn(kCsvCases), test::CaseName());

// A psql-sized stream (8 KiB CopyData chunks over thousands of rows, some with
// quoted newlines that straddle the chunk edges) filters to the rows built
// independently from the same values.
TEST(CopyRowFilter, PsqlChunksOverManyRows) {
  std::string input;
  std::string want;
  for (int i = 0; i < 3000; ++i) {
    const std::string id = std::to_string(i);
    const std::string name = "\"env " + id + (i % 7 == 0 ? "\nsecond line" : "") + ", ok\"";
    const std::string err = i % 3 == 0 ? "" : "\"" + std::string(static_cast<std::size_t>(i % 50), 'x') + "\"";
    input += id + "," + name + "," + err + "\r\n";
    want += id + "," + name + "\r\n";
  }
  CopyRowFilter filter(csv(3, {2}).s);
  std::string out;
  std::vector<CopyRowValues> rows;
  for (std::size_t at = 0; at < input.size(); at += 8192) {
    ASSERT_FALSE(filter.feed(std::string_view(input).substr(at, 8192), out, &rows)) << filter.error_message();
    EXPECT_LT(filter.buffered(), 200U);  // only the incomplete tail is kept
  }
  ASSERT_FALSE(filter.finish(out, &rows));
  EXPECT_EQ(out, want);
  ASSERT_EQ(rows.size(), 3000U);
  EXPECT_EQ(filter.data_rows(), 3000U);
  EXPECT_EQ(show_row(rows[7]), "8@8 ['7', 'env 7\\nsecond line, ok', 'xxxxxxx']");
  EXPECT_EQ(show_row(rows[9]), "10@10 ['9', 'env 9, ok', NULL]");
}

// The filter keeps exactly the incomplete row, and nothing once it completes.
TEST(CopyRowFilter, BuffersOnlyTheIncompleteRow) {
  CopyRowFilter filter(text(3, {2}).s);
  std::string out;
  ASSERT_FALSE(filter.feed("1\ta\te\n2\tb", out));
  EXPECT_EQ(out, "1\ta\n");
  EXPECT_EQ(filter.buffered(), 3U);
  ASSERT_FALSE(filter.feed("\tf\n", out));
  EXPECT_EQ(out, "1\ta\n2\tb\n");
  EXPECT_EQ(filter.buffered(), 0U);
}

// After a failure every call returns the same error and appends nothing, even
// for well-formed rows.
TEST(CopyRowFilter, ErrorsAreSticky) {
  CopyRowFilter filter(text(3, {2}).s);
  std::string out;
  EXPECT_EQ(filter.feed("1\ta\n", out), CopyErrc::WrongFieldCount);
  const std::string message = filter.error_message();
  EXPECT_EQ(filter.feed("2\tb\tc\n", out), CopyErrc::WrongFieldCount);
  EXPECT_EQ(filter.finish(out), CopyErrc::WrongFieldCount);
  EXPECT_EQ(out, "");
  EXPECT_EQ(filter.error_message(), message);
  EXPECT_EQ(filter.buffered(), 0U);
}

// ended() turns true at \. and at finish(), not before.
TEST(CopyRowFilter, EndedAtMarkerOrFinish) {
  CopyRowFilter a(csv(2, {1}).s);
  std::string out;
  ASSERT_FALSE(a.feed("1,2\n", out));
  EXPECT_FALSE(a.ended());
  ASSERT_FALSE(a.feed("\\.\n", out));
  EXPECT_TRUE(a.ended());
  CopyRowFilter b(csv(2, {1}).s);
  ASSERT_FALSE(b.feed("1,2", out));
  EXPECT_FALSE(b.ended());
  ASSERT_FALSE(b.finish(out));
  EXPECT_TRUE(b.ended());
  EXPECT_EQ(out, "1\n\\.\n1");
}

// Without a rows vector the filter still strips (the journal is optional).
TEST(CopyRowFilter, RowsAreOptional) {
  CopyRowFilter filter(csv(3, {0}).s);
  std::string out;
  ASSERT_FALSE(filter.feed("1,a,b\n", out, nullptr));
  ASSERT_FALSE(filter.finish(out, nullptr));
  EXPECT_EQ(out, "a,b\n");
  EXPECT_EQ(filter.data_rows(), 1U);
}

struct SpecCase {
  const char* name;
  Spec spec;
  std::string why;  // "" = valid; else a part of the reason
};

class ValidateSpecTest : public testing::TestWithParam<SpecCase> {};

// Each spec is accepted or refused with the stated reason, and a filter built
// from a refused one fails every call with InvalidSpec and emits nothing.
TEST_P(ValidateSpecTest, Validates) {
  const SpecCase& c = GetParam();
  std::string why;
  const std::error_code ec = validate_copy_row_spec(c.spec.s, why);
  CopyRowFilter filter(c.spec.s);
  std::string out;
  if (c.why.empty()) {
    EXPECT_FALSE(ec) << why;
    EXPECT_FALSE(filter.error());
    return;
  }
  EXPECT_EQ(errc_name(ec), "InvalidSpec");
  EXPECT_NE(why.find(c.why), std::string::npos) << why;
  EXPECT_EQ(filter.feed("1\t2\t3\n1,2,3\n", out), CopyErrc::InvalidSpec);
  EXPECT_EQ(filter.finish(out), CopyErrc::InvalidSpec);
  EXPECT_EQ(out, "");
  EXPECT_NE(filter.error_message().find(c.why), std::string::npos) << filter.error_message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValidateSpecTest,
    testing::Values(SpecCase{"TextDefaults", text(3, {2}), ""}, SpecCase{"CsvAllOptions",
                    csv(3, {0, 2}).delimiter(';').quote('\'').escape('\\').null("N").header().force_null({1}), ""},
                    SpecCase{"TextBackslashDelimiter", text(3, {2}).delimiter('\\'), "delimiter cannot be"},
                    SpecCase{"TextLetterDelimiter", text(3, {2}).delimiter('a'), "delimiter cannot be 'a'"},
                    SpecCase{"NewlineDelimiter", csv(3, {2}).delimiter('\n'), "newline or carriage return"},
                    SpecCase{"CsvDelimiterIsQuote", csv(3, {2}).delimiter('"'), "delimiter and quote"},
                    SpecCase{"CsvBackslashQuote", csv(3, {2}).quote('\\'), "quote cannot be"},
                    SpecCase{"CsvNewlineEscape", csv(3, {2}).escape('\r'), "escape cannot be"},
                    SpecCase{"TextWithQuote", text(3, {2}).quote('"'), "only in CSV mode"},
                    SpecCase{"TextWithForceNull", text(3, {2}).force_null({1}), "only in CSV mode"},
                    SpecCase{"NullHasDelimiter", text(3, {2}).null("a\tb"), "delimiter must not appear"},
                    SpecCase{"CsvNullHasQuote", csv(3, {2}).null("\"x"), "quote must not appear"},
                    SpecCase{"NullHasNewline", csv(3, {2}).null("a\nb"), "NULL string cannot contain"},
                    SpecCase{"OneField", text(1, {0}), "at least two fields"},
                    SpecCase{"NothingToDrop", text(3, {}), "no field to strip"},
                    SpecCase{"DropBeyondColumns", text(3, {3}), "beyond the column list"},
                    SpecCase{"DropEveryField", text(2, {1, 0}), "every field"},
                    SpecCase{"ForceBeyondColumns", csv(3, {2}).force_not_null({5}), "FORCE_* field 5"},
                    SpecCase{"ZeroMaxRow", text(3, {2}).max_row(0), "max_row_length"}),
    test::CaseName());

struct DecodeCase {
  const char* name;
  std::string raw;
  std::string want;  // as lit() shows it
};

class DecodeTextTest : public testing::TestWithParam<DecodeCase> {};

// Each raw text-format field decodes as CopyReadAttributesText would (NULL string "\N").
TEST_P(DecodeTextTest, Decodes) {
  EXPECT_EQ(lit(decode_text_field(GetParam().raw, "\\N")), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DecodeTextTest,
    testing::Values(DecodeCase{"Plain", "abc", "'abc'"}, DecodeCase{"Empty", "", "''"},
                    DecodeCase{"Null", "\\N", "NULL"}, DecodeCase{"NullPlusMoreIsN", "\\Nx", "'Nx'"},
                    DecodeCase{"Controls", "\\b\\f\\n\\r\\t\\v", "'\\x08\\x0c\\n\\r\\t\\x0b'"},
                    DecodeCase{"Backslash", "a\\\\b", "'a\\\\b'"},
                    DecodeCase{"OctalThree", "\\101\\1012", "'AA2'"}, DecodeCase{"OctalOne", "\\7x", "'\\x07x'"},
                    DecodeCase{"OctalTwo", "\\12", "'\\n'"}, DecodeCase{"OctalWraps", "\\777", "'\\xff'"},
                    DecodeCase{"OctalStopsAtEight", "\\18", "'\\x018'"},
                    DecodeCase{"HexTwo", "\\x41\\x4a", "'AJ'"}, DecodeCase{"HexOne", "\\x4z", "'\\x04z'"},
                    DecodeCase{"HexNone", "\\xg", "'xg'"}, DecodeCase{"HexAtEnd", "\\x", "'x'"},
                    DecodeCase{"OtherCharLiteral", "\\q\\.\\,", "'q.,'"},
                    DecodeCase{"EscapedDelimiter", "a\\\tb", "'a\\tb'"},
                    DecodeCase{"EscapedNewline", "a\\\nb", "'a\\nb'"},
                    DecodeCase{"TrailingBackslashDropped", "ab\\", "'ab'"}),
    test::CaseName());

class DecodeCsvTest : public testing::TestWithParam<DecodeCase> {};

// Each raw CSV field decodes as CopyReadAttributesCSV would (quote '"', escape
// '"', NULL string "").
TEST_P(DecodeCsvTest, Decodes) {
  EXPECT_EQ(lit(decode_csv_field(GetParam().raw, '"', '"', "")), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DecodeCsvTest,
    testing::Values(DecodeCase{"Plain", "abc", "'abc'"}, DecodeCase{"UnquotedEmptyIsNull", "", "NULL"},
                    DecodeCase{"QuotedEmpty", "\"\"", "''"}, DecodeCase{"Quoted", "\"a,b\"", "'a,b'"},
                    DecodeCase{"Doubled", "\"a\"\"b\"", "'a\"b'"}, DecodeCase{"OnlyAQuote", "\"\"\"\"", "'\"'"},
                    DecodeCase{"MidFieldQuotes", "a\"b\"c", "'abc'"},
                    DecodeCase{"SpacesKept", " a ", "' a '"}, DecodeCase{"Backslash", "\"a\\\"", "'a\\\\'"},
                    DecodeCase{"QuotedNewline", "\"a\r\nb\"", "'a\\r\\nb'"}),
    test::CaseName());

// With a distinct escape, it makes a quote or itself literal inside quotes only.
TEST(DecodeCsv, DistinctEscape) {
  EXPECT_EQ(lit(decode_csv_field("\"a\\\"b\\\\c\\d\"", '"', '\\', "")), "'a\"b\\\\c\\\\d'");
  EXPECT_EQ(lit(decode_csv_field("a\\b", '"', '\\', "")), "'a\\\\b'");
  EXPECT_EQ(lit(decode_csv_field("\"x\"\"\"", '"', '\\', "")), "'x'");  // close, reopen empty: no doubling
  EXPECT_EQ(lit(decode_csv_field("NULL", '"', '"', "NULL")), "NULL");
  EXPECT_EQ(lit(decode_csv_field("\"NULL\"", '"', '"', "NULL")), "'NULL'");
}

}  // namespace
}  // namespace pgshim::wire
