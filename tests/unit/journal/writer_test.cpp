// The journal writer on a real file: mode 0600, one line per record with
// replica/boot/seq filled in, a torn last line ended before appending, and
// rotation that keeps every record readable.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pgshim/journal/reader.hpp"
#include "pgshim/journal/writer.hpp"

namespace pgshim::journal {
namespace {
namespace fs = std::filesystem;

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/pgshim-journal-test.XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

Record record(const std::string& value) {
  Record r;
  r.schema = "public";
  r.table = "environments";
  r.column = "last_error";
  r.kind = std::string(kInsertValue);
  r.value = Value::text(value);
  r.key = {{"id", Value::text("env_1")}};
  return r;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(JournalWriter, CreatesAPrivateFileAndNumbersRecords) {
  TempDir dir;
  const fs::path file = dir.path / "j.jsonl";
  {
    Writer w({file.string(), "replica-a", FsyncPolicy::EveryWrite, {}, 0});
    ASSERT_TRUE(w.append(record("one")));
    ASSERT_TRUE(w.append(record("two")));
    EXPECT_EQ(w.written(), 2u);
  }
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const ReadResult read = read_journals({file.string()});
  ASSERT_EQ(read.records.size(), 2u);
  EXPECT_TRUE(read.bad.empty());
  EXPECT_EQ(read.records[0].replica, "replica-a");
  EXPECT_EQ(read.records[0].seq, 1u);
  EXPECT_EQ(read.records[1].seq, 2u);
  EXPECT_EQ(read.records[0].boot, read.records[1].boot);
  EXPECT_GT(read.records[0].time_unix_ms, 0);
}

TEST(JournalWriter, NarrowsAnExistingReadableFile) {
  TempDir dir;
  const fs::path file = dir.path / "old.jsonl";
  std::ofstream(file) << "";
  fs::permissions(file, fs::perms(0644));
  Writer w({file.string(), "a", FsyncPolicy::None, {}, 0});
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(JournalWriter, EndsATornLastLineBeforeAppending) {
  TempDir dir;
  const fs::path file = dir.path / "j.jsonl";
  const std::string whole = format_line(record("before"));
  {
    std::ofstream out(file);
    out << whole.substr(0, whole.size() / 2);  // a crash mid-record
  }
  fs::permissions(file, fs::perms(0600));
  {
    Writer w({file.string(), "a", FsyncPolicy::Interval, std::chrono::milliseconds(1000), 0});
    ASSERT_TRUE(w.append(record("after")));
  }
  const ReadResult read = read_journals({file.string()});
  ASSERT_EQ(read.records.size(), 1u) << slurp(file);
  EXPECT_EQ(read.records[0].value.bytes, "after");
  ASSERT_EQ(read.bad.size(), 1u);
  EXPECT_TRUE(read.bad[0].torn);
}

TEST(JournalWriter, RotatesPastMaxBytesAndKeepsEveryRecord) {
  TempDir dir;
  const fs::path file = dir.path / "j.jsonl";
  const std::size_t line = format_line(record("0123456789")).size();
  {
    Writer w({file.string(), "a", FsyncPolicy::None, {}, static_cast<std::uint64_t>(line * 3)});
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(w.append(record("0123456789")));
  }
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path)) {
    ++files;
    EXPECT_LE(fs::file_size(entry.path()), line * 3 + 64) << entry.path();
  }
  EXPECT_GE(files, 3u);
  const ReadResult read = read_journals({dir.path.string()});
  EXPECT_EQ(read.records.size(), 10u);
  EXPECT_TRUE(read.bad.empty());
}

TEST(JournalWriter, FsyncPolicyNamesRoundTrip) {
  for (const auto p : {FsyncPolicy::EveryWrite, FsyncPolicy::Interval, FsyncPolicy::None}) {
    EXPECT_EQ(parse_fsync_policy(to_string(p)), p);
  }
  EXPECT_FALSE(parse_fsync_policy("always"));
}

}  // namespace
}  // namespace pgshim::journal
