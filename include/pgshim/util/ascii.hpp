#pragma once
// ASCII-only case helpers. PostgreSQL folds unquoted identifiers with an ASCII
// (locale-independent) rule for the characters that matter to pgshim, and the
// protocol's keywords are ASCII, so no locale is ever consulted.
#include <string>
#include <string_view>

namespace pgshim::util {

[[nodiscard]] constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

[[nodiscard]] constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace pgshim::util
