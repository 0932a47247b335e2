#pragma once
// Keeping the monitor connection's password out of everything the watcher
// reports: libpq echoes parts of a malformed conninfo in its errors (e.g. an
// invalid percent-escape inside the password of a URL), and the reasons end up
// in logs, /status and alerts.
#include <string>
#include <string_view>
#include <vector>

namespace pgshim::schema {

inline constexpr std::string_view kRedacted = "********";

// Every spelling of the password in `conninfo` (a libpq URL or key=value
// string): the value libpq parses, and the raw text of the URL's userinfo
// password or the `password=` value (percent-encoded or quoted as written), so
// a conninfo libpq rejects is still covered. Empty strings are never returned.
[[nodiscard]] std::vector<std::string> conninfo_secrets(std::string_view conninfo);

// `text` with every occurrence of each secret replaced by kRedacted (longest
// secrets first, so a secret containing another is replaced whole).
[[nodiscard]] std::string redact(std::string text, const std::vector<std::string>& secrets);

}  // namespace pgshim::schema
