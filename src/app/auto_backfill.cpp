// `backfill: auto` (see auto_backfill.hpp).
#include "auto_backfill.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "pgshim/alert/json_writer.hpp"
#include "pgshim/journal/pg_journal.hpp"
#include "pgshim/journal/reader.hpp"

namespace pgshim::app {
namespace {

std::string label(const journal::Target& t) { return t.schema + "." + t.table + "." + t.column; }

}  // namespace

AutoBackfill::AutoBackfill(Options options, metrics::PgshimMetrics* metrics, std::function<void()> done)
    : options_(std::move(options)), metrics_(metrics), done_(std::move(done)), thread_([this] { loop(); }) {}

AutoBackfill::~AutoBackfill() { stop(); }

void AutoBackfill::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AutoBackfill::request() {
  {
    std::lock_guard lock(mutex_);
    requested_ = true;
  }
  wake_.notify_all();
}

bool AutoBackfill::busy() const {
  std::lock_guard lock(mutex_);
  return requested_ || running_;
}

void AutoBackfill::loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) return;
    // The grace period: requests arriving meanwhile join this run.
    if (wake_.wait_for(lock, options_.grace, [this] { return stopping_; })) return;
    requested_ = false;
    running_ = true;
    lock.unlock();
    run_once();
    lock.lock();
    running_ = false;
    lock.unlock();
    if (done_) done_();
    lock.lock();
  }
}

std::vector<std::string> AutoBackfill::journal_files() const {
  // The journal's whole directory, as `pgshim backfill --journal DIR` reads
  // it: with every replica's journal in one shared directory, the last write
  // wins across replicas whichever replica runs first (the others then find
  // the values already there). Its rotations live there too.
  namespace fs = std::filesystem;
  const fs::path path(options_.journal_path);
  return {path.has_parent_path() ? path.parent_path().string() : std::string(".")};
}

std::string AutoBackfill::journal_argument() const {
  return options_.journal_schema ? "postgres:" + *options_.journal_schema : options_.journal_path;
}

void AutoBackfill::run_once() {
  const auto started = std::chrono::steady_clock::now();
  std::optional<journal::Summary> summary;
  std::string error;
  try {
    journal::ReadResult read = options_.journal_schema ? journal::ReadResult{} : journal::read_journals(journal_files());
    migrations::PgDatabase db(options_.conninfo, std::chrono::seconds(30), "pgshim-backfill");
    // The table holds every replica's records (what pgshim queued a moment
    // ago is written within ~100 ms, well inside the grace period).
    if (options_.journal_schema) journal::read_table(db, *options_.journal_schema, read);
    journal::ApplyOptions apply;
    apply.batch_size = options_.batch_size;
    const auto run = journal::run_backfill(db, std::move(read), apply);
    summary = run->summary;
    const auto& s = run->summary;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    const auto line = fmt::format(
        "backfill: {} applied, {} already there, {} superseded, {} kept (written since), {} row gone, {} "
        "unrecoverable, {} torn, {} invalid, {} refused ({} records, {} ms)",
        s.applied, s.already, s.superseded, s.newer, s.gone, s.unrecoverable, s.torn, s.invalid, s.errors, s.records,
        ms.count());
    // Columns still missing wait for their own migration: not a failure here.
    if (s.unrecoverable + s.torn + s.invalid + s.errors == 0) {
      spdlog::info("{}", line);
    } else {
      spdlog::warn("{}; `pgshim backfill --journal {} --dry-run` lists them", line, journal_argument());
    }
    for (const auto& t : s.missing_columns) spdlog::info("backfill: {} is not there yet: its values wait", label(t));
    for (const auto& o : run->outcomes) {
      if (o.result == journal::Result::Error) {
        spdlog::warn("backfill: a value for {} was refused: {}", label(o.planned->target), o.error);
        break;  // one is enough for the log; the count is above
      }
    }
  } catch (const std::exception& e) {
    error = e.what();
    spdlog::error("backfill: could not run: {} (the journal is kept: `pgshim backfill --journal {}` applies it)",
                  error, journal_argument());
  }
  if (metrics_) {
    auto& family = metrics_->backfill_rows;
    if (summary) {
      const auto& s = *summary;
      family.with({"applied"}).inc(s.applied);
      family.with({"already"}).inc(s.already);
      family.with({"superseded"}).inc(s.superseded);
      family.with({"newer"}).inc(s.newer);
      family.with({"gone"}).inc(s.gone);
      family.with({"unrecoverable"}).inc(s.unrecoverable + s.torn + s.invalid);
      family.with({"error"}).inc(s.errors);
    }
    metrics_->backfill_runs.with({summary ? "ok" : "failed"}).inc();
  }
  std::lock_guard lock(mutex_);
  ++runs_;
  last_run_ = std::chrono::system_clock::now();
  last_ = summary;
  last_error_ = error;
}

void AutoBackfill::write_status(alert::JsonWriter& w) const {
  std::lock_guard lock(mutex_);
  w.key("backfill").begin_object();
  w.member("mode", "auto");
  w.member("state", running_ ? "running" : requested_ ? "waiting" : "idle");
  w.member("runs", runs_);
  if (runs_ > 0) {
    w.member("last_run_unix",
             static_cast<std::int64_t>(
                 std::chrono::duration_cast<std::chrono::seconds>(last_run_.time_since_epoch()).count()));
  }
  if (last_) {
    w.key("last").begin_object();
    w.member("records", last_->records).member("applied", last_->applied).member("already", last_->already);
    w.member("superseded", last_->superseded).member("newer", last_->newer).member("gone", last_->gone);
    w.member("unrecoverable", last_->unrecoverable).member("torn", last_->torn).member("invalid", last_->invalid);
    w.member("errors", last_->errors);
    w.end_object();
  }
  if (!last_error_.empty()) w.member("error", last_error_);
  w.end_object();
}

}  // namespace pgshim::app
