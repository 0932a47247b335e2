#pragma once
// An SQL identifier quoted so that it reads back as exactly itself, whatever
// it holds (case, spaces, keywords, quotes): `Last "x"` -> `"Last ""x"""`.
#include <string>
#include <string_view>

namespace pgshim::util {

[[nodiscard]] inline std::string quote_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (const char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace pgshim::util
