// The auth file: PgBouncer's userlist.txt format, file:line errors that never
// quote a secret, and the refusal of files other users can read.
#include "pgshim/auth/auth_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace pgshim::auth {
namespace {

const std::string kVerifier =
    "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
    "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";

// A temporary directory removed with its contents.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/pgshim-auth-test.XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  [[nodiscard]] std::string write(const std::string& name, const std::string& contents, mode_t mode) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p) << contents;
    ::chmod(p.c_str(), mode);
    return p;
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Entries of each kind, comments, blank lines, escaped quotes and ignored extra fields.
TEST(AuthFileParse, AllEntryKinds) {
  const std::string text =
      "; PgBouncer comment\n"
      "# another comment\n"
      "\n"
      "   \t\n"
      "\"alice\" \"" + kVerifier + "\"\n"
      "\"bob\"\t\"md520c46e3762c864548e296b33c3406aa9\"   \"ignored extra field\"\n"
      "  \"quo\"\"ted\" \"pa\"\"ss word\"\r\n"
      "\"carol\" \"plain text\"";  // no final newline
  AuthFile file;
  AuthFileError error;
  ASSERT_TRUE(AuthFile::parse(text, "users.txt", file, error)) << error.text();
  EXPECT_EQ(file.size(), 4u);

  const UserSecret* alice = file.find("alice");
  ASSERT_NE(alice, nullptr);
  ASSERT_TRUE(alice->scram);
  EXPECT_EQ(alice->scram->to_string(), kVerifier);
  EXPECT_FALSE(alice->md5);
  EXPECT_FALSE(alice->password);

  const UserSecret* bob = file.find("bob");
  ASSERT_NE(bob, nullptr);
  ASSERT_TRUE(bob->md5);
  EXPECT_EQ(bob->md5->hash, "20c46e3762c864548e296b33c3406aa9");
  EXPECT_FALSE(bob->scram);

  const UserSecret* quoted = file.find("quo\"ted");
  ASSERT_NE(quoted, nullptr);
  ASSERT_TRUE(quoted->password);
  EXPECT_EQ(*quoted->password, "pa\"ss word");
  ASSERT_TRUE(quoted->scram);
  EXPECT_TRUE(quoted->md5);
  EXPECT_EQ(quoted->md5->hash, make_md5_secret("pa\"ss word", "quo\"ted").hash);

  // The plain text's derived verifier checks the password.
  const UserSecret* carol = file.find("carol");
  ASSERT_NE(carol, nullptr);
  ASSERT_TRUE(carol->scram);
  ScramKeys keys;
  ASSERT_FALSE(derive_scram_keys("plain text", carol->scram->salt, carol->scram->iterations, keys));
  EXPECT_TRUE(client_key_matches(keys.client_key, *carol->scram));
  EXPECT_EQ(file.find("dave"), nullptr);
}

// Each malformed line is reported as file:line with a reason, never with the secret.
TEST(AuthFileParse, ErrorsNameFileAndLine) {
  const std::pair<std::string, std::string> cases[] = {
      {"alice \"secret-xyz\"", "expected a double-quoted user name"},
      {"\"alice \"secret-xyz\"", "expected a double-quoted secret"},
      {"\"alice", "unterminated quoted user name"},
      {"\"alice\"", "expected a double-quoted secret"},
      {"\"alice\"\"", "unterminated quoted user name"},
      {"\"alice\" secret-xyz", "expected a double-quoted secret"},
      {"\"alice\" \"secret-xyz", "unterminated quoted secret"},
      {"\"\" \"secret-xyz\"", "empty user name"},
      {"\"alice\" \"\"", "empty secret"},
      {"\"alice\" \"SCRAM-SHA-256$4096:secret-xyz\"", "malformed SCRAM-SHA-256 secret"},
      {"\"alice\" \"p\xc3\xa4ss-secret-xyz\"", "SASLprep"},
  };
  for (const auto& [line, reason] : cases) {
    AuthFile file;
    AuthFileError error;
    const std::string text = "; header\n\n" + line + "\n\"zed\" \"ok\"\n";
    ASSERT_FALSE(AuthFile::parse(text, "/etc/pgshim/users.txt", file, error)) << line;
    EXPECT_EQ(error.location, "/etc/pgshim/users.txt:3") << line;
    EXPECT_NE(error.message.find(reason), std::string::npos) << line << " -> " << error.message;
    EXPECT_EQ(error.text().find("secret-xyz"), std::string::npos) << error.text();
    EXPECT_EQ(file.size(), 0u);
  }
}

// A user listed twice is an error at the second line, naming the first.
TEST(AuthFileParse, DuplicateUser) {
  AuthFile file;
  AuthFileError error;
  ASSERT_FALSE(AuthFile::parse("\"a\" \"x\"\n\"b\" \"y\"\n\"a\" \"z\"\n", "u.txt", file, error));
  EXPECT_EQ(error.text(), "u.txt:3: duplicate user \"a\" (first at line 1)");
}

// A failed parse leaves the previously loaded file untouched (reloads keep the old one).
TEST(AuthFileParse, FailureKeepsPrevious) {
  AuthFile file;
  AuthFileError error;
  ASSERT_TRUE(AuthFile::parse("\"a\" \"x\"\n", "u.txt", file, error));
  ASSERT_FALSE(AuthFile::parse("\"b\" \"y\"\nbroken\n", "u.txt", file, error));
  EXPECT_NE(file.find("a"), nullptr);
  EXPECT_EQ(file.find("b"), nullptr);
}

// load_auth_file reads a 0600 file and refuses group/other permission bits.
TEST(AuthFileLoad, PermissionCheck) {
  TempDir dir;
  const std::string contents = "\"alice\" \"" + kVerifier + "\"\n";
  AuthFile file;
  AuthFileError error;
  ASSERT_TRUE(load_auth_file(dir.write("ok.txt", contents, 0600), file, error)) << error.text();
  EXPECT_NE(file.find("alice"), nullptr);
  ASSERT_TRUE(load_auth_file(dir.write("ro.txt", contents, 0400), file, error)) << error.text();

  for (mode_t mode : {0640, 0604, 0644, 0620, 0602, 0610}) {
    const std::string p = dir.write("m" + std::to_string(mode) + ".txt", contents, mode);
    AuthFile refused;
    ASSERT_FALSE(load_auth_file(p, refused, error)) << std::oct << mode;
    EXPECT_EQ(error.location, p);
    EXPECT_NE(error.message.find("accessible by group or others"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("chmod 600"), std::string::npos);
  }
}

// Missing files, directories and parse errors in a loaded file are reported with the path.
TEST(AuthFileLoad, OtherErrors) {
  TempDir dir;
  AuthFile file;
  AuthFileError error;
  ASSERT_FALSE(load_auth_file(dir.path() + "/missing.txt", file, error));
  EXPECT_NE(error.message.find("cannot open"), std::string::npos);
  ::chmod(dir.path().c_str(), 0700);
  ASSERT_FALSE(load_auth_file(dir.path(), file, error));
  EXPECT_NE(error.message.find("not a regular file"), std::string::npos);
  const std::string p = dir.write("bad.txt", "\"a\" \"x\"\n\"b\"\n", 0600);
  ASSERT_FALSE(load_auth_file(p, file, error));
  EXPECT_EQ(error.location, p + ":2");
}

}  // namespace
}  // namespace pgshim::auth
