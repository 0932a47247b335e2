#include "pgshim/auth/auth_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace pgshim::auth {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// A quoted field at `pos`: '"' ... '"', with "" standing for one '"'.
// On success `pos` is past the closing quote.
bool read_quoted(std::string_view line, std::size_t& pos, std::string& out) {
  if (pos >= line.size() || line[pos] != '"') return false;
  ++pos;
  out.clear();
  while (pos < line.size()) {
    const char c = line[pos++];
    if (c != '"') {
      out += c;
      continue;
    }
    if (pos < line.size() && line[pos] == '"') {
      out += '"';
      ++pos;
      continue;
    }
    return true;
  }
  return false;
}

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Classifies and parses one secret; "" on success, else the error message.
std::string make_secret(std::string_view user, std::string& text, UserSecret& out) {
  if (text.empty()) return "empty secret";
  if (text.substr(0, kScramSecretPrefix.size()) == kScramSecretPrefix) {
    ScramVerifier v;
    if (parse_scram_verifier(text, v)) return "malformed SCRAM-SHA-256 secret";
    out.scram = std::move(v);
    return {};
  }
  Md5Secret md5;
  if (!parse_md5_secret(text, md5)) {
    out.md5 = std::move(md5);
    return {};
  }
  // Plain text.
  ScramVerifier v;
  if (auto ec = make_scram_verifier(text, v)) return ec.message();
  out.scram = std::move(v);
  out.md5 = make_md5_secret(text, user);
  out.password = std::move(text);
  return {};
}

}  // namespace

const UserSecret* AuthFile::find(std::string_view user) const {
  const auto it = users_.find(user);
  return it == users_.end() ? nullptr : &it->second;
}

bool AuthFile::parse(std::string_view contents, std::string_view name, AuthFile& out, AuthFileError& error) {
  AuthFile file;
  std::map<std::string, std::size_t, std::less<>> first_line;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start <= contents.size()) {
    auto end = contents.find('\n', start);
    if (end == std::string_view::npos) end = contents.size();
    const std::string_view line = contents.substr(start, end - start);
    start = end + 1;
    ++line_no;
    auto fail = [&](std::string message) {
      error = {std::string(name) + ":" + std::to_string(line_no), std::move(message)};
      return false;
    };

    std::size_t pos = 0;
    while (pos < line.size() && is_blank(line[pos])) ++pos;
    if (pos == line.size() || line[pos] == ';' || line[pos] == '#') continue;
    std::string user;
    std::string secret;
    if (line[pos] != '"') return fail("expected a double-quoted user name");
    if (!read_quoted(line, pos, user)) return fail("unterminated quoted user name");
    if (user.empty()) return fail("empty user name");
    const std::size_t after_user = pos;
    while (pos < line.size() && is_blank(line[pos])) ++pos;
    if (pos == line.size() || pos == after_user || line[pos] != '"') {
      return fail("expected a double-quoted secret after the user name");
    }
    if (!read_quoted(line, pos, secret)) {
      wipe(secret);
      return fail("unterminated quoted secret");
    }
    if (const auto seen = first_line.find(user); seen != first_line.end()) {
      wipe(secret);
      return fail("duplicate user \"" + user + "\" (first at line " + std::to_string(seen->second) + ")");
    }
    UserSecret entry;
    std::string problem = make_secret(user, secret, entry);
    wipe(secret);
    if (!problem.empty()) return fail(problem + " for user \"" + user + "\"");
    first_line.emplace(user, line_no);
    file.users_.emplace(std::move(user), std::move(entry));
    if (end == contents.size()) break;
  }
  out = std::move(file);
  return true;
}

bool load_auth_file(const std::string& path, AuthFile& out, AuthFileError& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = {path, std::string("cannot open auth file: ") + std::strerror(errno)};
    return false;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  // fstat on the open descriptor: the checked file is the file read.
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error = {path, std::string("cannot stat auth file: ") + std::strerror(errno)};
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = {path, "auth file is not a regular file"};
    return false;
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    error = {path, "auth file is accessible by group or others (mode " + octal_mode(st.st_mode) +
                       "); it holds password equivalents: chmod 600 it"};
    return false;
  }
  std::string contents;
  char buf[8192];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = {path, std::string("cannot read auth file: ") + std::strerror(errno)};
      wipe(contents);
      return false;
    }
    if (n == 0) break;
    contents.append(buf, static_cast<std::size_t>(n));
  }
  wipe(buf, sizeof buf);
  const bool ok = AuthFile::parse(contents, path, out, error);
  wipe(contents);
  return ok;
}

}  // namespace pgshim::auth
