#pragma once
// The prefilter: decides without parsing whether a statement can reference a
// pending column at all. Most statements an application sends never mention one,
// and they stop here: a case-insensitive substring search for each pending column
// name (unquoted identifiers fold to lower case, quoted ones are exact, so the
// case-insensitive search finds both). It can only err on the side of a hit (the
// name in a string literal, a comment, another table's column), never a miss for
// a plain or quoted identifier. Not covered: names spelled with Unicode escapes
// (U&"\0061..."), which are then not rewritten.
#include <string>
#include <string_view>
#include <vector>

namespace pgshim::sql {

// Case-insensitive (ASCII) search of `needle` in `haystack`. `needle` must be
// non-empty. No allocation; 16 bytes at a time with SSE2 where available.
[[nodiscard]] bool contains_ascii_icase(std::string_view haystack, std::string_view needle) noexcept;

class Prefilter {
 public:
  Prefilter() = default;
  // `names`: the distinct pending column names (empty names are ignored).
  // `star_tables`: names that matter only next to a `*` or a whole-row
  // reference passed to a function (the tables whose rows pgshim expands),
  // matched only when the text has a '*', or "json" or "hstore" (row_to_json,
  // to_jsonb, json_agg, ... take whole rows), at all.
  explicit Prefilter(std::vector<std::string> names, std::vector<std::string> star_tables = {});

  // True when `text` contains any of the names (or a '*' and any of the star
  // tables), ignoring ASCII case. No allocation, no exceptions.
  [[nodiscard]] bool may_reference(std::string_view text) const noexcept;
  [[nodiscard]] bool empty() const noexcept { return names_.empty(); }

 private:
  std::vector<std::string> names_;
  std::vector<std::string> star_tables_;
};

}  // namespace pgshim::sql
