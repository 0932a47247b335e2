#pragma once
// The scanner's view of a statement (internal to pgshim_sql): every token's byte
// extent, comments dropped. Parse-tree nodes carry only a start location; the
// extents of what the rewriter edits (a column reference, a list item, a VALUES
// row) come from here, so that the bytes around an edit stay exactly as written.
#include <pg_query/pg_query.pb-c.h>

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace pgshim::sql::detail {

struct Token {
  int start = 0;  // byte offsets into the whole input: [start, end)
  int end = 0;
  int kind = 0;   // PgQuery__Token value; single characters are their ASCII code
};

struct Extent {
  std::size_t begin = 0;  // byte offsets: [begin, end)
  std::size_t end = 0;
};

inline constexpr std::size_t kNoToken = static_cast<std::size_t>(-1);

class TokenStream {
 public:
  TokenStream() = default;
  explicit TokenStream(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}
  // Decodes pg_query_scan's serialized ScanResult directly (ScanResult.tokens = 2;
  // ScanToken: start = 1, end = 2, token = 4): unpacking it with protobuf-c costs
  // a malloc per token. False if the bytes are not such a message.
  [[nodiscard]] bool decode(const uint8_t* data, std::size_t len);

  [[nodiscard]] std::size_t size() const noexcept { return tokens_.size(); }
  [[nodiscard]] const std::vector<Token>& tokens() const noexcept { return tokens_; }
  [[nodiscard]] const Token& operator[](std::size_t i) const noexcept { return tokens_[i]; }

  // Index of the token starting exactly at `location`, or kNoToken.
  [[nodiscard]] std::size_t at(int location) const noexcept;
  // Index of the first token starting at or after `location` (size() if none).
  [[nodiscard]] std::size_t first_at_or_after(int location) const noexcept;

  // Extent of a column reference of `n_fields` names starting at `location`:
  // `name ( '.' name ){n-1}`. nullopt if the tokens do not have that shape.
  [[nodiscard]] std::optional<Extent> column_ref(int location, std::size_t n_fields) const noexcept;

  // Index one past the last token of the expression/list item starting at token
  // `first`, not going past token `limit`: stops at a top-level ',' or ')' or ';'
  // or at a clause keyword (FROM, WHERE, RETURNING, ...). Aliases are included.
  [[nodiscard]] std::size_t item_end(std::size_t first, std::size_t limit) const noexcept;

  // Extents of the items of a comma-separated list whose items start at the token
  // locations `starts` (in order), the last one ending before token `limit`.
  // nullopt if a separator is not where the parse tree says it is.
  [[nodiscard]] std::optional<std::vector<Extent>> list_items(const std::vector<int>& starts,
                                                              std::size_t limit) const;

  // The rows of `VALUES (a, b), (c, d)`: starting at token `values_token` (the
  // VALUES keyword), the extent of each item of each row, and of each row's
  // parentheses. nullopt unless exactly `row_sizes` rows of those sizes follow.
  struct ValuesRows {
    std::vector<std::vector<Extent>> items;
    std::vector<Extent> rows;  // '(' ... ')'
  };
  [[nodiscard]] std::optional<ValuesRows> values_rows(std::size_t values_token, std::size_t limit,
                                                      const std::vector<std::size_t>& row_sizes) const;

 private:
  std::vector<Token> tokens_;
};

}  // namespace pgshim::sql::detail
