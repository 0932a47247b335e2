#include "pgshim/journal/writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pgshim::journal {
namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "pgshim";
  return buf;
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string system_error(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

std::string_view to_string(FsyncPolicy policy) noexcept {
  switch (policy) {
    case FsyncPolicy::EveryWrite: return "every-write";
    case FsyncPolicy::Interval: return "interval";
    case FsyncPolicy::None: return "none";
  }
  return "every-write";
}

std::optional<FsyncPolicy> parse_fsync_policy(std::string_view name) noexcept {
  for (const FsyncPolicy p : {FsyncPolicy::EveryWrite, FsyncPolicy::Interval, FsyncPolicy::None}) {
    if (to_string(p) == name) return p;
  }
  return std::nullopt;
}

Writer::Writer(WriterOptions options) : options_(std::move(options)) {
  if (options_.replica.empty()) options_.replica = host_name();
  boot_ = static_cast<std::uint64_t>(now_unix_ms());
  open_file();
}

Writer::~Writer() {
  if (fd_ < 0) return;
  if (unsynced_ && options_.fsync != FsyncPolicy::None) ::fdatasync(fd_);
  ::close(fd_);
}

void Writer::open_file() {
  // Read and write: the torn-line check reads the last byte.
  const int fd = ::open(options_.path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(system_error("journal: cannot open " + options_.path + " for appending"));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string why = system_error("journal: cannot stat " + options_.path);
    ::close(fd);
    throw std::runtime_error(why);
  }
  // It holds the values clients wrote: nobody but its owner reads it. An
  // existing file someone else could read (a journal of an older pgshim, a
  // umask of 022) is narrowed, not refused: refusing would stop the mitigation.
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0 && ::fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
    const std::string why = system_error("journal: cannot make " + options_.path + " private (mode 0600)");
    ::close(fd);
    throw std::runtime_error(why);
  }
  fd_ = fd;
  size_ = static_cast<std::uint64_t>(st.st_size);
  if (size_ > 0) {
    // A crash mid-write leaves a last line without its newline: end it, so
    // the torn fragment stays a line of its own that readers report.
    char last = '\n';
    if (::pread(fd_, &last, 1, st.st_size - 1) == 1 && last != '\n' && !write_all("\n")) {
      throw std::runtime_error("journal: cannot end the torn last line of " + options_.path + ": " + last_error_);
    }
  }
}

bool Writer::write_all(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      last_error_ = system_error("write " + options_.path);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += bytes.size();
  return true;
}

void Writer::rotate() {
  const std::string rotated = options_.path + "." + std::to_string(boot_) + "-" + std::to_string(++rotations_);
  if (options_.fsync != FsyncPolicy::None) ::fdatasync(fd_);
  if (::rename(options_.path.c_str(), rotated.c_str()) != 0) {
    last_error_ = system_error("rotate " + options_.path + " to " + rotated);
    ++failures_;
    return;  // keeps appending to the one it has
  }
  const int old = fd_;
  try {
    open_file();
    ::close(old);
  } catch (const std::exception& e) {
    fd_ = old;  // the renamed file: records still land somewhere backfill reads
    last_error_ = e.what();
    ++failures_;
  }
}

bool Writer::append(Record record) {
  record.replica = options_.replica;
  record.boot = boot_;
  if (record.time_unix_ms == 0) record.time_unix_ms = now_unix_ms();
  std::lock_guard lock(mutex_);
  record.seq = ++seq_;
  std::string line = format_line(record);
  line.push_back('\n');
  if (options_.max_bytes > 0 && size_ > 0 && size_ + line.size() > options_.max_bytes) rotate();
  if (!write_all(line)) {
    ++failures_;
    return false;
  }
  ++written_;
  switch (options_.fsync) {
    case FsyncPolicy::EveryWrite:
      if (::fdatasync(fd_) != 0) {
        last_error_ = system_error("fdatasync " + options_.path);
        ++failures_;
        return false;
      }
      break;
    case FsyncPolicy::Interval: {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_sync_ >= options_.fsync_interval) {
        ::fdatasync(fd_);
        last_sync_ = now;
        unsynced_ = false;
      } else {
        unsynced_ = true;
      }
      break;
    }
    case FsyncPolicy::None:
      break;
  }
  return true;
}

std::uint64_t Writer::written() const {
  std::lock_guard lock(mutex_);
  return written_;
}

std::uint64_t Writer::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

std::string Writer::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace pgshim::journal
