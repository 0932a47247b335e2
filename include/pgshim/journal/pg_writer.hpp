#pragma once
// Journals records into the table pg_journal.hpp describes, off the client
// path: append() fills in replica, boot and seq (as Writer does) and pushes
// the record into a bounded in-memory queue; it never blocks on I/O and never
// fails the client's statement. A thread of its own, with its own connection
// (the monitor login), inserts what is queued in batches — every
// `flush_interval` or as soon as `batch_size` records wait — one multi-row
// INSERT each (ON CONFLICT DO NOTHING, so a retry after a lost answer is
// harmless).
//
// When a batch cannot be written (the database is down, the table is missing
// or refuses the INSERT), its records go back to the front of the queue, the
// connection is dropped and a new one is tried after a backoff (doubling from
// `backoff_min` to `backoff_max`). Past `max_queued` records the oldest are
// dropped and counted as lost. Every failed attempt, every loss and the
// recovery after a failure streak are reported (on the writer's thread)
// through `on_report`: pgshim logs and counts them.
//
// The table is never created here: with no table (`pgshim journal init` not
// run) every attempt fails with an error naming the command, records stay
// queued (bounded) and are written once the table exists — the proxy keeps
// serving clients either way.
//
// close() (and the destructor) flushes what is queued, trying for at most
// `stop_wait` (plus one connection or statement timeout, `timeout`); what is
// still queued then is counted as lost.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "pgshim/journal/sink.hpp"

namespace pgshim::migrations {
class PgDatabase;
}

namespace pgshim::journal {

struct PgWriterReport {
  enum class Kind {
    WriteFailed,  // a batch could not be written: its records stay queued
    Recovered,    // a batch was written after one or more failures
    Lost,         // records dropped: the queue was full, or close() gave up
  };
  Kind kind = Kind::WriteFailed;
  std::string error;         // WriteFailed: why (the server's or libpq's message)
  std::uint64_t records = 0;  // WriteFailed: the batch's size; Lost: how many
  std::uint64_t streak = 0;   // WriteFailed: failures in a row, this one included; Recovered: how many there were
};

struct PgWriterOptions {
  std::string conninfo;  // the monitor login: it needs INSERT on the table
  std::string schema = "pgshim";
  std::string replica;  // empty: the host name
  std::size_t max_queued = 100000;
  std::size_t batch_size = 500;  // at most kMaxRowsPerInsert
  std::chrono::milliseconds flush_interval{100};
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds timeout{5000};  // connect and statement timeout
  std::chrono::milliseconds stop_wait{5000};
  std::function<void(const PgWriterReport&)> on_report;
};

class PgWriter final : public Sink {
 public:
  // Starts the writer's thread; connects only there. Throws
  // std::invalid_argument when the schema name cannot be one.
  explicit PgWriter(PgWriterOptions options);
  ~PgWriter() override;
  PgWriter(const PgWriter&) = delete;
  PgWriter& operator=(const PgWriter&) = delete;

  // Queues the record; false only after close().
  bool append(Record record) override;
  [[nodiscard]] const std::string& replica() const noexcept override { return options_.replica; }
  [[nodiscard]] std::string last_error() const override;
  void close() override;

  [[nodiscard]] std::uint64_t boot() const noexcept { return boot_; }
  [[nodiscard]] std::uint64_t written() const;
  [[nodiscard]] std::uint64_t lost() const;
  [[nodiscard]] std::size_t queued() const;

 private:
  void loop();
  // Writes `batch` (connecting first when needed); false with last_error_ set.
  bool write(const std::deque<Record>& batch);
  void report(const PgWriterReport& r) const;

  PgWriterOptions options_;
  std::uint64_t boot_ = 0;
  std::unique_ptr<migrations::PgDatabase> db_;  // the writer thread's only
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Record> queue_;  // oldest first
  std::uint64_t seq_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t lost_unreported_ = 0;
  std::string last_error_;
  bool closing_ = false;
  std::thread thread_;
};

}  // namespace pgshim::journal
