// PostgreSQL-compatible token extents (see lexer.hpp). The rules follow
// src/backend/parser/scan.l of PostgreSQL 15 with standard_conforming_strings on.
#include "lexer.hpp"

#include <pg_query/pg_query.pb-c.h>

#include <cstring>

namespace pgshim::sql::detail {
namespace {

[[nodiscard]] bool ident_start(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
[[nodiscard]] bool ident_cont(unsigned char c) noexcept {
  return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}
[[nodiscard]] bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
[[nodiscard]] bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
// scan.l's op_chars.
[[nodiscard]] bool op_char(char c) noexcept { return c != '\0' && std::strchr("~!@#^&|`?+-*/%<>=", c) != nullptr; }

struct Keyword {
  const char* word;
  int kind;
};

// The keywords the rewriter tests for; other words are IDENT.
constexpr Keyword kKeywords[] = {
    {"as", PG_QUERY__TOKEN__AS},           {"distinct", PG_QUERY__TOKEN__DISTINCT}, {"except", PG_QUERY__TOKEN__EXCEPT},
    {"fetch", PG_QUERY__TOKEN__FETCH},     {"for", PG_QUERY__TOKEN__FOR},           {"from", PG_QUERY__TOKEN__FROM},
    {"group", PG_QUERY__TOKEN__GROUP_P},   {"having", PG_QUERY__TOKEN__HAVING},     {"intersect", PG_QUERY__TOKEN__INTERSECT},
    {"into", PG_QUERY__TOKEN__INTO},       {"limit", PG_QUERY__TOKEN__LIMIT},       {"offset", PG_QUERY__TOKEN__OFFSET},
    {"on", PG_QUERY__TOKEN__ON},           {"order", PG_QUERY__TOKEN__ORDER},       {"returning", PG_QUERY__TOKEN__RETURNING},
    {"union", PG_QUERY__TOKEN__UNION},     {"values", PG_QUERY__TOKEN__VALUES},     {"where", PG_QUERY__TOKEN__WHERE},
    {"window", PG_QUERY__TOKEN__WINDOW},   {"within", PG_QUERY__TOKEN__WITHIN},
};

[[nodiscard]] int word_kind(std::string_view w) noexcept {
  if (w.size() > 9) return PG_QUERY__TOKEN__IDENT;
  char lower[10];
  for (std::size_t i = 0; i < w.size(); ++i) {
    const char c = w[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  const std::string_view l(lower, w.size());
  for (const Keyword& k : kKeywords) {
    if (l == k.word) return k.kind;
  }
  return PG_QUERY__TOKEN__IDENT;
}

class Lexer {
 public:
  Lexer(std::string_view s, std::vector<Token>& out) : s_(s), out_(out) {}

  bool run() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (is_space(c)) {
        ++i_;
        continue;
      }
      if (c == '-' && at(1) == '-') {
        while (i_ < s_.size() && s_[i_] != '\n' && s_[i_] != '\r') ++i_;
        continue;
      }
      if (c == '/' && at(1) == '*') {
        if (!block_comment()) return false;
        continue;
      }
      const std::size_t start = i_;
      if (!token()) return false;
      out_.push_back(Token{static_cast<int>(start), static_cast<int>(i_), kind_});
    }
    return true;
  }

 private:
  [[nodiscard]] char at(std::size_t k) const noexcept { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }

  bool block_comment() {
    int depth = 0;
    while (i_ < s_.size()) {
      if (s_[i_] == '/' && at(1) == '*') {
        ++depth;
        i_ += 2;
      } else if (s_[i_] == '*' && at(1) == '/') {
        --depth;
        i_ += 2;
        if (depth == 0) return true;
      } else {
        ++i_;
      }
    }
    return false;
  }

  // '...' with '' doubling; `backslash` also honours \x escapes (E'...').
  // Literals separated only by whitespace containing a newline continue the
  // same literal, as in scan.l ({quotecontinue}); a comment in between ends it
  // (what libpg_query's scanner does).
  bool quoted_string(bool backslash) {
    ++i_;  // opening quote
    while (true) {
      while (i_ < s_.size()) {
        const char c = s_[i_];
        if (backslash && c == '\\') {
          i_ += 2;
          continue;
        }
        if (c == '\'') {
          if (at(1) == '\'') {
            i_ += 2;
            continue;
          }
          break;
        }
        ++i_;
      }
      if (i_ >= s_.size()) return false;
      ++i_;  // closing quote
      std::size_t j = i_;
      bool newline = false;
      while (j < s_.size()) {
        if (s_[j] == '\n' || s_[j] == '\r') {
          newline = true;
          ++j;
        } else if (is_space(s_[j])) {
          ++j;
        } else {
          break;
        }
      }
      if (newline && j < s_.size() && s_[j] == '\'') {
        i_ = j + 1;
        continue;
      }
      return true;
    }
  }

  bool quoted_ident() {
    ++i_;
    while (i_ < s_.size()) {
      if (s_[i_] == '"') {
        if (at(1) == '"') {
          i_ += 2;
          continue;
        }
        ++i_;
        return true;
      }
      ++i_;
    }
    return false;
  }

  // $tag$...$tag$ at i_ (already checked to be one); false if unterminated.
  bool dollar_quote(std::size_t tag_end) {
    const std::string_view tag = s_.substr(i_, tag_end - i_ + 1);  // "$tag$"
    const std::size_t close = s_.find(tag, tag_end + 1);
    if (close == std::string_view::npos) return false;
    i_ = close + tag.size();
    return true;
  }

  void number() {
    kind_ = PG_QUERY__TOKEN__ICONST;
    if (s_[i_] == '0' && (at(1) == 'x' || at(1) == 'X' || at(1) == 'o' || at(1) == 'O' || at(1) == 'b' || at(1) == 'B')) {
      i_ += 2;
      while (i_ < s_.size() && (ident_cont(static_cast<unsigned char>(s_[i_])))) ++i_;
      return;
    }
    while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    // "1..2" is 1 followed by "..": a '.' begins a fraction only if not doubled.
    if (i_ < s_.size() && s_[i_] == '.' && at(1) != '.') {
      kind_ = PG_QUERY__TOKEN__FCONST;
      ++i_;
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      std::size_t j = i_ + 1;
      if (j < s_.size() && (s_[j] == '+' || s_[j] == '-')) ++j;
      if (j < s_.size() && is_digit(s_[j])) {
        kind_ = PG_QUERY__TOKEN__FCONST;
        i_ = j;
        while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
      }
    }
    // scan.l's {integer_junk}/{numeric_junk}: trailing identifier characters
    // make one (erroneous) token with the number.
    while (i_ < s_.size() && ident_cont(static_cast<unsigned char>(s_[i_]))) ++i_;
  }

  void op() {
    // scan.l {operator}: a run of op_chars, cut before a comment start, and
    // trailing '+'/'-' dropped unless the run holds one of ~!@#^&|`?%.
    std::size_t j = i_;
    while (j < s_.size() && op_char(s_[j])) {
      if (j > i_ && ((s_[j] == '-' && j + 1 < s_.size() && s_[j + 1] == '-') ||
                     (s_[j] == '/' && j + 1 < s_.size() && s_[j + 1] == '*'))) {
        break;
      }
      ++j;
    }
    std::size_t len = j - i_;
    if (len > 1) {
      bool special = false;
      for (std::size_t k = i_; k < j; ++k) {
        if (std::strchr("~!@#^&|`?%", s_[k]) != nullptr) special = true;
      }
      if (!special) {
        while (len > 1 && (s_[i_ + len - 1] == '+' || s_[i_ + len - 1] == '-')) --len;
      }
    }
    if (len == 0) len = 1;
    kind_ = len == 1 ? static_cast<int>(static_cast<unsigned char>(s_[i_])) : static_cast<int>(PG_QUERY__TOKEN__Op);
    if (len == 2) {
      const std::string_view two = s_.substr(i_, 2);
      if (two == "<=") kind_ = PG_QUERY__TOKEN__LESS_EQUALS;
      if (two == ">=") kind_ = PG_QUERY__TOKEN__GREATER_EQUALS;
      if (two == "<>" || two == "!=") kind_ = PG_QUERY__TOKEN__NOT_EQUALS;
      if (two == "=>") kind_ = PG_QUERY__TOKEN__EQUALS_GREATER;
    }
    i_ += len;
  }

  bool token() {
    const char c = s_[i_];
    const char n = at(1);
    // Prefixed literals and identifiers: E'..', B'..', X'..', N'..', U&'..', U&"..".
    if ((c == 'e' || c == 'E') && n == '\'') {
      ++i_;
      kind_ = PG_QUERY__TOKEN__SCONST;
      return quoted_string(true);
    }
    if ((c == 'b' || c == 'B' || c == 'x' || c == 'X') && n == '\'') {
      ++i_;
      kind_ = PG_QUERY__TOKEN__BCONST;
      return quoted_string(false);
    }
    if ((c == 'n' || c == 'N') && n == '\'') {
      // N'...': scan.l returns the N (as NCHAR) and the string separately.
      ++i_;
      kind_ = PG_QUERY__TOKEN__IDENT;
      return true;
    }
    if ((c == 'u' || c == 'U') && n == '&' && (at(2) == '\'' || at(2) == '"')) {
      i_ += 2;
      if (s_[i_] == '\'') {
        kind_ = PG_QUERY__TOKEN__USCONST;
        return quoted_string(false);
      }
      kind_ = PG_QUERY__TOKEN__UIDENT;
      return quoted_ident();
    }
    if (ident_start(static_cast<unsigned char>(c))) {
      const std::size_t start = i_;
      while (i_ < s_.size() && ident_cont(static_cast<unsigned char>(s_[i_]))) ++i_;
      kind_ = word_kind(s_.substr(start, i_ - start));
      return true;
    }
    if (c == '"') {
      kind_ = PG_QUERY__TOKEN__IDENT;
      return quoted_ident();
    }
    if (c == '\'') {
      kind_ = PG_QUERY__TOKEN__SCONST;
      return quoted_string(false);
    }
    if (c == '$') {
      if (is_digit(n)) {
        ++i_;
        while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
        while (i_ < s_.size() && ident_cont(static_cast<unsigned char>(s_[i_]))) ++i_;  // {param_junk}
        kind_ = PG_QUERY__TOKEN__PARAM;
        return true;
      }
      // $tag$ or $$: a dollar quote; a bare '$' is an error in scan.l.
      std::size_t j = i_ + 1;
      if (j < s_.size() && ident_start(static_cast<unsigned char>(s_[j]))) {
        while (j < s_.size() && ident_cont(static_cast<unsigned char>(s_[j])) && s_[j] != '$') ++j;
      }
      if (j < s_.size() && s_[j] == '$') {
        kind_ = PG_QUERY__TOKEN__SCONST;
        return dollar_quote(j);
      }
      return false;
    }
    if (is_digit(c) || (c == '.' && is_digit(n))) {
      if (c == '.') {
        kind_ = PG_QUERY__TOKEN__FCONST;
        ++i_;
        while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
        if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
          std::size_t j = i_ + 1;
          if (j < s_.size() && (s_[j] == '+' || s_[j] == '-')) ++j;
          if (j < s_.size() && is_digit(s_[j])) {
            i_ = j;
            while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
          }
        }
        while (i_ < s_.size() && ident_cont(static_cast<unsigned char>(s_[i_]))) ++i_;
        return true;
      }
      number();
      return true;
    }
    if (c == ':' && n == ':') {
      i_ += 2;
      kind_ = PG_QUERY__TOKEN__TYPECAST;
      return true;
    }
    if (c == ':' && n == '=') {
      i_ += 2;
      kind_ = PG_QUERY__TOKEN__COLON_EQUALS;
      return true;
    }
    if (c == '.' && n == '.') {
      i_ += 2;
      kind_ = PG_QUERY__TOKEN__DOT_DOT;
      return true;
    }
    if (op_char(c)) {
      op();
      return true;
    }
    // ( ) [ ] , ; : . and anything else: one character.
    ++i_;
    kind_ = static_cast<unsigned char>(c);
    return true;
  }

  std::string_view s_;
  std::vector<Token>& out_;
  std::size_t i_ = 0;
  int kind_ = 0;
};

}  // namespace

bool lex(std::string_view sql, std::vector<Token>& out) {
  out.reserve(out.size() + sql.size() / 4);
  return Lexer(sql, out).run();
}

}  // namespace pgshim::sql::detail
