// The journal table's writer (pg_writer.hpp).
#include "pgshim/journal/pg_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <stdexcept>

#include "pgshim/journal/pg_journal.hpp"
#include "pgshim/migrations/pg_database.hpp"

namespace pgshim::journal {
namespace {

using Clock = std::chrono::steady_clock;

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "pgshim";
  return buf;
}

// The server's message without its DETAIL (for a refused row: "Failing row
// contains (...)", the values clients wrote, which logs must not show) and
// without the statement's text that LINE quotes.
std::string without_detail(std::string message) {
  for (const char* cut : {"DETAIL:", " LINE "}) {
    if (const auto at = message.find(cut); at != std::string::npos) message.erase(at);
  }
  while (!message.empty() && message.back() == ' ') message.pop_back();
  return message;
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

PgWriter::PgWriter(PgWriterOptions options) : options_(std::move(options)) {
  if (const auto error = schema_name_error(options_.schema)) throw std::invalid_argument(*error);
  if (options_.replica.empty()) options_.replica = host_name();
  options_.batch_size = std::clamp<std::size_t>(options_.batch_size, 1, kMaxRowsPerInsert);
  options_.max_queued = std::max<std::size_t>(1, options_.max_queued);
  boot_ = static_cast<std::uint64_t>(now_unix_ms());
  thread_ = std::thread([this] { loop(); });
}

PgWriter::~PgWriter() { close(); }

void PgWriter::close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool PgWriter::append(Record record) {
  record.replica = options_.replica;
  record.boot = boot_;
  if (record.time_unix_ms == 0) record.time_unix_ms = now_unix_ms();
  bool full_batch = false;
  {
    std::lock_guard lock(mutex_);
    if (closing_) {
      last_error_ = "the journal is closed (pgshim is stopping)";
      return false;
    }
    record.seq = ++seq_;
    queue_.push_back(std::move(record));
    if (queue_.size() > options_.max_queued) {
      // The oldest goes: told by the writer's thread (no I/O here).
      queue_.pop_front();
      ++lost_;
      ++lost_unreported_;
    }
    full_batch = queue_.size() >= options_.batch_size;
  }
  if (full_batch) wake_.notify_one();
  return true;
}

void PgWriter::report(const PgWriterReport& r) const {
  if (options_.on_report) options_.on_report(r);
}

bool PgWriter::write(const std::deque<Record>& batch) {
  try {
    if (!db_) {
      db_ = std::make_unique<migrations::PgDatabase>(options_.conninfo, options_.timeout, "pgshim-journal");
      // Checked once per connection: a table dropped later fails the INSERT,
      // which drops the connection, and the next one says why.
      if (!table_exists(*db_, options_.schema)) {
        db_.reset();
        std::lock_guard lock(mutex_);
        last_error_ = "the journal table " + table_name(options_.schema) +
                      " does not exist: run `pgshim journal init` (pgshim never creates it)";
        return false;
      }
    }
    if (batch.empty()) return true;  // the start-up check: connected, and the table is there
    std::vector<migrations::PgDatabase::Param> params;
    params.reserve(batch.size() * kColumnsPerRow);
    for (const auto& r : batch) {
      auto row = row_params(r);
      std::move(row.begin(), row.end(), std::back_inserter(params));
    }
    (void)db_->query(insert_statement(options_.schema, batch.size()), params);
    return true;
  } catch (const std::exception& e) {
    db_.reset();  // a broken connection or not, the next attempt starts afresh
    std::lock_guard lock(mutex_);
    last_error_ = without_detail(e.what());
    return false;
  }
}

void PgWriter::loop() {
  std::uint64_t streak = 0;
  auto backoff = options_.backoff_min;
  std::optional<Clock::time_point> deadline;  // set once closing: the bounded flush
  // Connect at once: a missing table (or an unreachable database) is said at
  // start-up, not with the first dropped value.
  if (!write({})) {
    streak = 1;
    report(PgWriterReport{PgWriterReport::Kind::WriteFailed, last_error(), 0, streak});
  }
  std::unique_lock lock(mutex_);
  while (true) {
    if (!closing_ && queue_.size() < options_.batch_size) {
      wake_.wait_for(lock, options_.flush_interval,
                     [this] { return closing_ || queue_.size() >= options_.batch_size; });
    }
    if (closing_ && !deadline) deadline = Clock::now() + options_.stop_wait;
    if (deadline && Clock::now() >= *deadline && !queue_.empty()) {
      lost_ += queue_.size();
      lost_unreported_ += queue_.size();
      queue_.clear();
    }
    if (lost_unreported_ > 0) {
      const PgWriterReport lost{PgWriterReport::Kind::Lost, {}, lost_unreported_, 0};
      lost_unreported_ = 0;
      lock.unlock();
      report(lost);
      lock.lock();
    }
    if (queue_.empty()) {
      if (closing_) return;
      continue;
    }
    std::deque<Record> batch;
    const std::size_t n = std::min(queue_.size(), options_.batch_size);
    std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n), std::back_inserter(batch));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    lock.unlock();
    const bool ok = write(batch);
    if (ok && streak > 0) report(PgWriterReport{PgWriterReport::Kind::Recovered, {}, 0, streak});
    if (!ok) report(PgWriterReport{PgWriterReport::Kind::WriteFailed, last_error(), batch.size(), streak + 1});
    lock.lock();
    if (ok) {
      written_ += batch.size();
      streak = 0;
      backoff = options_.backoff_min;
      continue;
    }
    ++streak;
    // Back to the front, oldest first; past the bound the oldest go.
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
    while (queue_.size() > options_.max_queued) {
      queue_.pop_front();
      ++lost_;
      ++lost_unreported_;
    }
    // The backoff, cut short only when close() is called (then the flush
    // retries at once, still with the backoff between its own attempts).
    auto wait = backoff;
    if (deadline) wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()));
    const bool was_closing = closing_;
    if (wait.count() > 0) wake_.wait_for(lock, wait, [&] { return closing_ != was_closing; });
    backoff = std::min(backoff * 2, options_.backoff_max);
  }
}

std::string PgWriter::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

std::uint64_t PgWriter::written() const {
  std::lock_guard lock(mutex_);
  return written_;
}

std::uint64_t PgWriter::lost() const {
  std::lock_guard lock(mutex_);
  return lost_;
}

std::size_t PgWriter::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

}  // namespace pgshim::journal
