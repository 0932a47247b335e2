// Password redaction for the watcher's reports (see redact.hpp).
#include "pgshim/schema/redact.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>

namespace pgshim::schema {
namespace {

struct ConninfoOptionsDeleter {
  void operator()(PQconninfoOption* options) const noexcept { PQconninfoFree(options); }
};

void add_secret(std::vector<std::string>& secrets, std::string_view secret) {
  if (secret.empty()) return;
  if (std::find(secrets.begin(), secrets.end(), secret) == secrets.end()) secrets.emplace_back(secret);
}

// The password of a URL's userinfo as written: `scheme://user:PASSWORD@host...`.
// Found textually, so it works on a URL libpq itself rejects.
void add_url_password(std::vector<std::string>& secrets, std::string_view conninfo) {
  const std::size_t scheme = conninfo.find("://");
  if (scheme == std::string_view::npos) return;
  std::string_view rest = conninfo.substr(scheme + 3);
  // The userinfo ends at the last '@' before the path; a password may itself
  // contain an unescaped '@', so take the last one.
  const std::size_t path = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, path);
  const std::size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return;
  const std::string_view userinfo = authority.substr(0, at);
  const std::size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) return;
  add_secret(secrets, userinfo.substr(colon + 1));
}

// The value of `password=` in a key=value conninfo as written (quoted or not).
void add_keyword_password(std::vector<std::string>& secrets, std::string_view conninfo) {
  std::size_t from = 0;
  while ((from = conninfo.find("password", from)) != std::string_view::npos) {
    std::size_t i = from + 8;
    from = i;
    while (i < conninfo.size() && conninfo[i] == ' ') ++i;
    if (i >= conninfo.size() || conninfo[i] != '=') continue;
    ++i;
    while (i < conninfo.size() && conninfo[i] == ' ') ++i;
    std::size_t end = i;
    if (i < conninfo.size() && conninfo[i] == '\'') {
      end = conninfo.find('\'', i + 1);
      if (end == std::string_view::npos) end = conninfo.size();
      add_secret(secrets, conninfo.substr(i + 1, end - i - 1));
    } else {
      while (end < conninfo.size() && conninfo[end] != ' ') ++end;
      add_secret(secrets, conninfo.substr(i, end - i));
    }
  }
}

}  // namespace

std::vector<std::string> conninfo_secrets(std::string_view conninfo) {
  std::vector<std::string> secrets;
  const std::string text(conninfo);
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoOptionsDeleter> options(PQconninfoParse(text.c_str(), &error));
  if (error) PQfreemem(error);
  if (options) {
    for (const PQconninfoOption* option = options.get(); option->keyword; ++option) {
      if (option->val && std::string_view(option->keyword) == "password") add_secret(secrets, option->val);
    }
  }
  add_url_password(secrets, conninfo);
  add_keyword_password(secrets, conninfo);
  return secrets;
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  std::vector<std::string> ordered = secrets;
  std::sort(ordered.begin(), ordered.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& secret : ordered) {
    if (secret.empty()) continue;
    std::size_t at = 0;
    while ((at = text.find(secret, at)) != std::string::npos) {
      text.replace(at, secret.size(), kRedacted);
      at += kRedacted.size();
    }
  }
  return text;
}

}  // namespace pgshim::schema
