// The rewriter's tokenizer and parse-tree reader agree with libpg_query's own
// scanner and protobuf output, on the corpus and on lexical corner cases.
#include <pg_query.h>

#include <gtest/gtest.h>

#include "json_tree.hpp"
#include "lexer.hpp"
#include "pg_query_handles.hpp"
#include "tokens.hpp"
#include "unit/sql/corpus.hpp"

namespace pgshim::sql::detail {
namespace {

// Token kinds the rewriter relies on; others only need the same extent.
bool kind_matters(int kind) {
  switch (kind) {
    case '(': case ')': case '[': case ']': case ',': case ';': case '.': case '=':
    case PG_QUERY__TOKEN__VALUES: case PG_QUERY__TOKEN__FROM: case PG_QUERY__TOKEN__DISTINCT:
    case PG_QUERY__TOKEN__GROUP_P: case PG_QUERY__TOKEN__WITHIN: case PG_QUERY__TOKEN__WHERE:
    case PG_QUERY__TOKEN__RETURNING: case PG_QUERY__TOKEN__ON: case PG_QUERY__TOKEN__ORDER:
    case PG_QUERY__TOKEN__TYPECAST: case PG_QUERY__TOKEN__PARAM:
      return true;
    default:
      return false;
  }
}

void expect_same_tokens(const std::string& sql) {
  SCOPED_TRACE(sql);
  const ScanTokens scan(sql.c_str());
  TokenStream reference;
  std::vector<Token> mine;
  const bool ours_ok = lex(sql, mine);
  if (!scan.ok()) {
    // libpg_query rejects it; the lexer may or may not, the parser will.
    return;
  }
  ASSERT_TRUE(reference.decode(scan.data(), scan.size()));
  ASSERT_TRUE(ours_ok);
  ASSERT_EQ(mine.size(), reference.size());
  for (std::size_t i = 0; i < mine.size(); ++i) {
    EXPECT_EQ(mine[i].start, reference[i].start) << "token " << i;
    EXPECT_EQ(mine[i].end, reference[i].end) << "token " << i;
    if (kind_matters(reference[i].kind)) {
      EXPECT_EQ(mine[i].kind, reference[i].kind) << "token " << i;
    }
  }
}

// Every corpus statement (input and expected output) tokenizes exactly as
// PostgreSQL's scanner does.
TEST(Lexer, MatchesScannerOnCorpus) {
  for (const auto& c : pgshim::sql::testing::load_corpus(PGSHIM_SQL_CORPUS_DIR)) {
    expect_same_tokens(c.input);
    if (c.expect_rewritten) expect_same_tokens(c.expect_sql);
  }
}

// Lexical corner cases: string flavours and continuation, dollar quotes, nested
// comments, operators next to comments, numbers, parameters, Unicode.
TEST(Lexer, MatchesScannerOnCornerCases) {
  const char* cases[] = {
      "select 'it''s', E'it\\'s', e'\\\\', B'101', X'ff', N'nat' from t",
      "select 'a'\n  'b', 'c' 'd' from t",
      "select 'a' -- c\n 'b'",
      "select $$a'b$$, $tag$ $$ x $tag$, $1, $12::int from t",
      "select /* a /* nested */ still */ 1 -- tail",
      "select a--b\n, c/*x*/+d, e-/*x*/f from t",
      "select 1.5, .5, 1e10, 1.5e-3, 1..2, 0x1F, 1_000 from t",
      "select a<=b, a>=b, a<>b, a!=b, a=>b, a||b, a->>'k', a@>b, -1, +1, a*-1 from t",
      "select x::text, y::\"public\".\"T\"[], z[1:2] from t",
      "select \"a\"\"b\", \"Last_Error\", caf\xc3\xa9 from t",
      "update t set a = $1, b = $2 where c := 1",
      "select * from t where a ~ 'x' and b !~~* 'y' and c+-1 > 0",
      "select a.b.c.d, t.* from t",
      "insert into t (a) values (1),(2) on conflict do nothing returning *",
  };
  for (const char* sql : cases) expect_same_tokens(sql);
}

// U&'...' and U&"...": libpg_query's scanner reports a truncated extent for
// these (its token end is not the literal's end); ours spans the literal.
TEST(Lexer, UnicodeEscapeLiteralsSpanWholeLiteral) {
  const std::string sql = "select U&'\\0061', U&\"\\0061\" from t";
  std::vector<Token> mine;
  ASSERT_TRUE(lex(sql, mine));
  ASSERT_EQ(mine.size(), 6U);
  EXPECT_EQ(sql.substr(mine[1].start, mine[1].end - mine[1].start), "U&'\\0061'");
  EXPECT_EQ(sql.substr(mine[3].start, mine[3].end - mine[3].start), "U&\"\\0061\"");
  EXPECT_EQ(mine[3].kind, PG_QUERY__TOKEN__UIDENT);
}

// The JSON reader builds the same tree as libpg_query's protobuf output: both
// serialize to identical protobuf bytes.
TEST(JsonTree, SameTreeAsProtobufOnCorpus) {
  for (const auto& c : pgshim::sql::testing::load_corpus(PGSHIM_SQL_CORPUS_DIR)) {
    SCOPED_TRACE(c.name);
    const JsonTree mine(c.input.c_str());
    const ParseTree reference(c.input.c_str());
    ASSERT_EQ(mine.ok(), reference.ok()) << mine.error_message();
    if (!mine.ok()) continue;
    const auto* a = reinterpret_cast<const ProtobufCMessage*>(mine.tree());
    const auto* b = reinterpret_cast<const ProtobufCMessage*>(reference.tree());
    const std::size_t na = protobuf_c_message_get_packed_size(a);
    const std::size_t nb = protobuf_c_message_get_packed_size(b);
    ASSERT_EQ(na, nb);
    std::vector<uint8_t> pa(na);
    std::vector<uint8_t> pb(nb);
    protobuf_c_message_pack(a, pa.data());
    protobuf_c_message_pack(b, pb.data());
    EXPECT_TRUE(pa == pb);
  }
}

// Malformed JSON and unknown fields are rejected, never half-read.
TEST(JsonTree, RejectsMalformedDocuments) {
  JsonTree t("select 1");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t.convert("{\"version\":1,\"stmts\":[{\"stmt\":{\"NoSuchNode\":{}}}]}"));
  EXPECT_FALSE(t.convert("{\"version\":1,\"stmts\":["));
  EXPECT_FALSE(t.convert("{\"version\":\"x\"}"));
  EXPECT_TRUE(t.convert("{\"version\":150001,\"stmts\":[]}"));
}

}  // namespace
}  // namespace pgshim::sql::detail
