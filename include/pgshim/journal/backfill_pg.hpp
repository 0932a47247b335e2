#pragma once
// The database half of `pgshim backfill` (backfill.hpp has the rules): read
// what the catalog says about each target, then run a plan in batches.
//
// Per batch, table and key, one set-based statement (per value when the value
// or key is a client's binary parameter): lock each row (FOR UPDATE), see
// whether it already holds its value, and update it only while its column
// still holds what the migration put there (NULL or the constant default) —
//   same value            -> already (a re-run, or the app wrote it again)
//   untouched             -> applied
//   anything else         -> newer (the application wrote it since: kept)
//   no row with that key  -> gone
// A batch is one transaction. A batch that fails is rolled back and its values
// retried one per transaction, so one bad value (a type the column no longer
// accepts) is an error of its own and never holds back the others.
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "pgshim/journal/backfill.hpp"
#include "pgshim/journal/reader.hpp"
#include "pgshim/migrations/pg_database.hpp"

namespace pgshim::journal {

// Throws migrations::MigrationError when the catalog cannot be read.
[[nodiscard]] Facts read_facts(migrations::PgDatabase& db, const std::set<Target>& targets);

enum class Result { Applied, Already, Newer, Gone, Error };

[[nodiscard]] std::string_view to_string(Result result) noexcept;

struct Outcome {
  const Planned* planned = nullptr;
  Result result = Result::Error;
  // Result::Error: the server's message without what may quote the value
  // (a DETAIL line, a quoted input after a colon), fit for logs...
  std::string error;
  std::string detail;  // ...and whole (`pgshim backfill --show-values`)
};

// `message` without the parts of a PostgreSQL error that can quote a value
// clients wrote: from " DETAIL:" on, and from the first `: "` on.
[[nodiscard]] std::string without_values(std::string_view message);

struct ApplyOptions {
  bool dry_run = false;  // classify only: every batch is rolled back
  std::size_t batch_size = 500;
  // Called after each batch with how many of the plan's values are done.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// One Outcome per plan.apply entry, in the same order.
[[nodiscard]] std::vector<Outcome> apply(migrations::PgDatabase& db, const Plan& plan, const ApplyOptions& options);

// What one run did, counted (the command's summary, `backfill: auto`'s log,
// metrics and /status).
struct Summary {
  std::uint64_t records = 0;
  std::uint64_t applied = 0;  // with dry_run: would be applied
  std::uint64_t already = 0;
  std::uint64_t superseded = 0;
  std::uint64_t newer = 0;     // rows the application wrote since: kept
  std::uint64_t observed = 0;  // records of the application's writes after the column appeared
  std::uint64_t gone = 0;
  std::uint64_t unrecoverable = 0;
  std::uint64_t torn = 0;
  std::uint64_t invalid = 0;
  std::uint64_t errors = 0;
  std::vector<Target> missing_columns;
  // Every record accounted for: nothing unrecoverable, torn, invalid,
  // refused or waiting for its column.
  [[nodiscard]] bool complete() const noexcept {
    return unrecoverable == 0 && torn == 0 && invalid == 0 && errors == 0 && missing_columns.empty();
  }
};

// A whole run: the journals read, the catalog asked, the plan made and
// applied. Heap-held because the plan points into the records and facts.
struct Run {
  ReadResult read;
  Facts facts;
  Plan plan;
  std::vector<Outcome> outcomes;
  Summary summary;
};

// Plans and applies what `read` (read_journals) holds. Throws
// migrations::MigrationError when the catalog cannot be asked; per-value
// failures are outcomes.
[[nodiscard]] std::unique_ptr<Run> run_backfill(migrations::PgDatabase& db, ReadResult read,
                                                const ApplyOptions& options);

}  // namespace pgshim::journal
