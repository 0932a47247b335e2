#pragma once
// Appends journal records (record.hpp) to a file, durably and safely:
// - the file is created with mode 0600 (it holds the values clients wrote);
// - each record is one write(2) of a whole line with O_APPEND, so a crash can
//   tear only the last line, and a torn last line found when the file is
//   opened is ended with a newline first, so it never swallows a new record;
// - fsync policy: after every record, at most once per interval (checked when
//   a record is written, and at close), or never (the kernel's writeback);
// - size rotation: past `max_bytes` the file is renamed to
//   `<path>.<boot>-<n>` (never overwritten or deleted: backfill reads them
//   all) and a new one is started.
// Thread-safe. Failures to write are counted and returned, never thrown from
// append: a journal problem must not fail the client's statement.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "pgshim/journal/record.hpp"
#include "pgshim/journal/sink.hpp"

namespace pgshim::journal {

enum class FsyncPolicy { EveryWrite, Interval, None };

[[nodiscard]] std::string_view to_string(FsyncPolicy policy) noexcept;
// "every-write", "interval", "none" -> the policy; nullopt otherwise.
[[nodiscard]] std::optional<FsyncPolicy> parse_fsync_policy(std::string_view name) noexcept;

struct WriterOptions {
  std::string path;
  std::string replica;  // empty: the host name
  // Interval: a record is in the kernel once append returns (a crash of
  // pgshim loses nothing); only a crash of the machine can lose the last
  // second. EveryWrite costs one fdatasync per record on the session's I/O
  // thread (bench/journal: ~2.7 ms here, against ~3 us).
  FsyncPolicy fsync = FsyncPolicy::Interval;
  std::chrono::milliseconds fsync_interval{1000};
  std::uint64_t max_bytes = 0;  // 0: never rotate
};

class Writer final : public Sink {
 public:
  // Opens (creating, mode 0600) and repairs a torn last line. Throws
  // std::runtime_error naming the path and the system's reason.
  explicit Writer(WriterOptions options);
  ~Writer() override;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Fills in replica, boot, seq and (when 0) time_unix_ms, then appends.
  // Returns false when the line could not be written (the reason is kept in
  // last_error()); the next append tries again.
  bool append(Record record) override;

  [[nodiscard]] const std::string& replica() const noexcept override { return options_.replica; }
  [[nodiscard]] std::uint64_t boot() const noexcept { return boot_; }
  [[nodiscard]] std::uint64_t written() const;
  [[nodiscard]] std::uint64_t failures() const;
  [[nodiscard]] std::string last_error() const override;

 private:
  void open_file();  // throws
  bool write_all(const std::string& bytes);
  void rotate();     // under mutex_; on failure keeps appending to the current file

  WriterOptions options_;
  std::uint64_t boot_ = 0;
  mutable std::mutex mutex_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t failures_ = 0;
  std::uint64_t rotations_ = 0;
  std::string last_error_;
  std::chrono::steady_clock::time_point last_sync_{};
  bool unsynced_ = false;
};

}  // namespace pgshim::journal
