// Token extents from libpg_query's scanner (see tokens.hpp).
#include "tokens.hpp"

#include <algorithm>

namespace pgshim::sql::detail {
namespace {

constexpr int kComma = ',';
constexpr int kOpenParen = '(';
constexpr int kCloseParen = ')';
constexpr int kOpenBracket = '[';
constexpr int kCloseBracket = ']';
constexpr int kSemicolon = ';';
constexpr int kDot = '.';

// Keywords that end a target-list or SET-list item when met outside parentheses.
// FROM after DISTINCT (`a IS DISTINCT FROM b`) and GROUP after WITHIN
// (`WITHIN GROUP (...)`) belong to the expression; item_end() checks that.
[[nodiscard]] bool ends_item(int kind) noexcept {
  switch (kind) {
    case PG_QUERY__TOKEN__FROM:
    case PG_QUERY__TOKEN__INTO:
    case PG_QUERY__TOKEN__WHERE:
    case PG_QUERY__TOKEN__GROUP_P:
    case PG_QUERY__TOKEN__HAVING:
    case PG_QUERY__TOKEN__WINDOW:
    case PG_QUERY__TOKEN__ORDER:
    case PG_QUERY__TOKEN__LIMIT:
    case PG_QUERY__TOKEN__OFFSET:
    case PG_QUERY__TOKEN__FETCH:
    case PG_QUERY__TOKEN__FOR:
    case PG_QUERY__TOKEN__UNION:
    case PG_QUERY__TOKEN__INTERSECT:
    case PG_QUERY__TOKEN__EXCEPT:
    case PG_QUERY__TOKEN__ON:
    case PG_QUERY__TOKEN__RETURNING:
      return true;
    default:  // PgQuery__Token has ~500 values; only these end an item.
      return false;
  }
}

[[nodiscard]] bool is_name_token(int kind) noexcept {
  // Identifiers and keywords (any keyword can be a quoted-less column label in
  // some position); never punctuation, operators, literals or parameters.
  return kind == PG_QUERY__TOKEN__IDENT || kind == PG_QUERY__TOKEN__UIDENT || kind > PG_QUERY__TOKEN__C_COMMENT;
}

}  // namespace

namespace {

// Protocol Buffers base-128 varint; false on truncation or overlong input.
[[nodiscard]] bool read_varint(const uint8_t*& p, const uint8_t* end, uint64_t& out) noexcept {
  out = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p >= end) return false;
    const uint8_t b = *p++;
    out |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// Skips one field of wire type `wire` (varint, 64-bit, length-delimited, 32-bit).
[[nodiscard]] bool skip_field(const uint8_t*& p, const uint8_t* end, uint64_t wire) noexcept {
  uint64_t v = 0;
  switch (wire) {
    case 0:
      return read_varint(p, end, v);
    case 1:
      if (end - p < 8) return false;
      p += 8;
      return true;
    case 2:
      if (!read_varint(p, end, v) || v > static_cast<uint64_t>(end - p)) return false;
      p += v;
      return true;
    case 5:
      if (end - p < 4) return false;
      p += 4;
      return true;
    default:
      return false;
  }
}

}  // namespace

bool TokenStream::decode(const uint8_t* data, std::size_t len) {
  tokens_.clear();
  tokens_.reserve(len / 8);
  const uint8_t* p = data;
  const uint8_t* end = data + len;
  while (p < end) {
    uint64_t key = 0;
    if (!read_varint(p, end, key)) return false;
    if (key != ((2U << 3) | 2U)) {  // not `tokens`
      if (!skip_field(p, end, key & 7U)) return false;
      continue;
    }
    uint64_t n = 0;
    if (!read_varint(p, end, n) || n > static_cast<uint64_t>(end - p)) return false;
    const uint8_t* q = p;
    const uint8_t* qend = p + n;
    p = qend;
    Token t;
    while (q < qend) {
      uint64_t k = 0;
      uint64_t v = 0;
      if (!read_varint(q, qend, k)) return false;
      if ((k & 7U) != 0) {
        if (!skip_field(q, qend, k & 7U)) return false;
        continue;
      }
      if (!read_varint(q, qend, v)) return false;
      switch (k >> 3) {
        case 1:
          t.start = static_cast<int>(v);
          break;
        case 2:
          t.end = static_cast<int>(v);
          break;
        case 4:
          t.kind = static_cast<int>(v);
          break;
        default:
          break;
      }
    }
    if (t.kind == PG_QUERY__TOKEN__SQL_COMMENT || t.kind == PG_QUERY__TOKEN__C_COMMENT) continue;
    tokens_.push_back(t);
  }
  return true;
}

std::size_t TokenStream::first_at_or_after(int location) const noexcept {
  auto it = std::lower_bound(tokens_.begin(), tokens_.end(), location,
                             [](const Token& t, int loc) { return t.start < loc; });
  return static_cast<std::size_t>(it - tokens_.begin());
}

std::size_t TokenStream::at(int location) const noexcept {
  std::size_t i = first_at_or_after(location);
  if (i < tokens_.size() && tokens_[i].start == location) return i;
  return kNoToken;
}

std::optional<Extent> TokenStream::column_ref(int location, std::size_t n_fields) const noexcept {
  std::size_t i = at(location);
  if (i == kNoToken || n_fields == 0) return std::nullopt;
  std::size_t last = i + 2 * (n_fields - 1);
  if (last >= tokens_.size()) return std::nullopt;
  for (std::size_t k = i; k <= last; ++k) {
    bool want_dot = ((k - i) % 2) == 1;
    if (want_dot ? tokens_[k].kind != kDot : !is_name_token(tokens_[k].kind)) return std::nullopt;
  }
  return Extent{static_cast<std::size_t>(tokens_[i].start), static_cast<std::size_t>(tokens_[last].end)};
}

std::size_t TokenStream::item_end(std::size_t first, std::size_t limit) const noexcept {
  limit = std::min(limit, tokens_.size());
  int depth = 0;
  std::size_t k = first;
  for (; k < limit; ++k) {
    const int kind = tokens_[k].kind;
    if (kind == kOpenParen || kind == kOpenBracket) {
      ++depth;
      continue;
    }
    if (kind == kCloseParen || kind == kCloseBracket) {
      if (depth == 0) break;
      --depth;
      continue;
    }
    if (depth > 0) continue;
    if (kind == kComma || kind == kSemicolon) break;
    if (k > first && ends_item(kind)) {
      const int prev = tokens_[k - 1].kind;
      if (kind == PG_QUERY__TOKEN__FROM && prev == PG_QUERY__TOKEN__DISTINCT) continue;
      if (kind == PG_QUERY__TOKEN__GROUP_P && prev == PG_QUERY__TOKEN__WITHIN) continue;
      break;
    }
  }
  return k;
}

std::optional<std::vector<Extent>> TokenStream::list_items(const std::vector<int>& starts,
                                                           std::size_t limit) const {
  std::vector<Extent> out;
  out.reserve(starts.size());
  std::vector<std::size_t> idx;
  idx.reserve(starts.size());
  for (int s : starts) {
    std::size_t i = at(s);
    if (i == kNoToken) return std::nullopt;
    if (!idx.empty() && i <= idx.back()) return std::nullopt;
    idx.push_back(i);
  }
  for (std::size_t n = 0; n < idx.size(); ++n) {
    std::size_t end_tok;  // one past the item's last token
    if (n + 1 < idx.size()) {
      end_tok = idx[n + 1] - 1;  // the ',' before the next item
      if (tokens_[end_tok].kind != kComma || end_tok <= idx[n]) return std::nullopt;
      // The walk must agree with the separator, or the parse tree and the
      // tokens disagree about where this item ends.
      if (item_end(idx[n], end_tok + 1) != end_tok) return std::nullopt;
    } else {
      end_tok = item_end(idx[n], limit);
      if (end_tok == idx[n]) return std::nullopt;
    }
    out.push_back(Extent{static_cast<std::size_t>(tokens_[idx[n]].start),
                         static_cast<std::size_t>(tokens_[end_tok - 1].end)});
  }
  return out;
}

std::optional<TokenStream::ValuesRows> TokenStream::values_rows(
    std::size_t values_token, std::size_t limit, const std::vector<std::size_t>& row_sizes) const {
  limit = std::min(limit, tokens_.size());
  if (values_token >= limit || tokens_[values_token].kind != PG_QUERY__TOKEN__VALUES) return std::nullopt;
  ValuesRows out;
  std::size_t k = values_token + 1;
  for (std::size_t r = 0; r < row_sizes.size(); ++r) {
    if (r > 0) {
      if (k >= limit || tokens_[k].kind != kComma) return std::nullopt;
      ++k;
    }
    if (k >= limit || tokens_[k].kind != kOpenParen) return std::nullopt;
    const std::size_t open = k++;
    std::vector<Extent> items;
    while (true) {
      const std::size_t item_first = k;
      int depth = 0;
      for (; k < limit; ++k) {
        const int kind = tokens_[k].kind;
        if (kind == kOpenParen || kind == kOpenBracket) {
          ++depth;
        } else if (kind == kCloseParen || kind == kCloseBracket) {
          if (depth == 0) break;
          --depth;
        } else if (kind == kComma && depth == 0) {
          break;
        }
      }
      if (k >= limit || k == item_first) return std::nullopt;
      items.push_back(Extent{static_cast<std::size_t>(tokens_[item_first].start),
                             static_cast<std::size_t>(tokens_[k - 1].end)});
      if (tokens_[k].kind == kCloseParen) break;
      ++k;  // the ','
    }
    if (items.size() != row_sizes[r]) return std::nullopt;
    out.rows.push_back(Extent{static_cast<std::size_t>(tokens_[open].start),
                              static_cast<std::size_t>(tokens_[k].end)});
    out.items.push_back(std::move(items));
    ++k;  // the ')'
  }
  return out;
}

}  // namespace pgshim::sql::detail
