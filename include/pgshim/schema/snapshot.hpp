#pragma once
// What pgshim knows about the configured pending columns at one moment: an
// immutable snapshot, published whole by the schema watcher and read by every
// session without locks or waits (sessions load the current pointer per
// statement; a new snapshot replaces it, the old one lives while in use).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/sql/missing_set.hpp"
#include "pgshim/sql/pending_column.hpp"

namespace pgshim::schema {

enum class ColumnState {
  Unknown,  // not checked yet, or the last check failed
  Missing,  // the table exists and lacks the column: rewrite
  Present,  // the column exists: relay untouched
};

[[nodiscard]] const char* to_string(ColumnState state) noexcept;

struct ColumnStatus {
  sql::PendingColumn column;
  ColumnState state = ColumnState::Unknown;
  std::chrono::system_clock::time_point since;  // when it entered this state
  bool detected_reactively = false;             // marked missing from a 42703, not by a poll
  // Why the column is in this state, for logs and /status: e.g. "table
  // public.nope does not exist" for an Unknown column whose table is absent
  // (the rewriter cannot help there), or the 42703 that marked it Missing.
  std::string reason;
};

struct Snapshot {
  // Part of the rewrite cache key. Strictly increases whenever a column's state
  // or the facts change; a snapshot that only refreshes the watcher's health
  // (last_poll*) keeps the version, since every rewrite would come out the same.
  std::uint64_t version = 0;
  std::vector<ColumnStatus> columns;
  // The Missing columns, ready for the rewriter (empty when none is missing:
  // then every statement takes the fast path).
  std::shared_ptr<const sql::MissingSet> missing;
  // Which other tables really have a column of each pending name. Null until a
  // poll succeeded (the rewriter then treats unqualified references next to
  // other tables as ambiguous and leaves them alone); kept across failed polls.
  std::shared_ptr<const sql::CatalogFacts> facts;
  // The watcher's own health: whether the last poll reached the database.
  bool last_poll_ok = false;
  std::string last_poll_error;
  std::chrono::system_clock::time_point last_poll;

  // The status of the configured column `schema.table.column` (exact, folded
  // names), or nullptr when it is not configured.
  [[nodiscard]] const ColumnStatus* find(std::string_view schema, std::string_view table,
                                         std::string_view column) const noexcept;
};

// The MissingSet of the columns whose state is Missing, stamped with `version`
// (the snapshot's). Never null: an empty set when nothing is missing. The
// columns must have passed MissingSet's validation already (the watcher builds
// the full configured set once at construction, so any subset is valid); a
// column that does not throws std::invalid_argument.
[[nodiscard]] std::shared_ptr<const sql::MissingSet> build_missing_set(const std::vector<ColumnStatus>& columns,
                                                                      std::uint64_t version);

}  // namespace pgshim::schema
