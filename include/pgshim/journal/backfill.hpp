#pragma once
// `pgshim backfill`: the journaled values applied to the rows they belong to,
// once their column exists. Two halves:
// - plan() is pure: from the records and what the catalog says about each
//   table, it decides which record speaks for each row and column (last write
//   wins), which ones lost to a later write (superseded) and which ones cannot
//   be applied at all (unrecoverable, with the reason). Nothing is guessed.
// - apply() (backfill_pg.cpp) runs the plan against the database, in batches
//   of one transaction each, with a guard that never overwrites a value the
//   application wrote since: a row is updated only while its column still
//   holds what the migration put there (NULL or the column's constant default).
//
// The rule for "last": within one replica, the highest (boot, seq) — the
// order that pgshim process wrote them; across replicas, the later
// time_unix_ms (clocks of different hosts are only comparable by time), ties
// broken by replica id so the choice is the same on every run.
//
// Observed records (record.hpp) are writes the application made after the
// column appeared: they take part in "last" like any record and are never
// applied; a row whose last write is one is left as the application wrote it.
//
// The row: a record names its row by the values the statement stated for the
// other columns (record.hpp `key`). Backfill uses the first unique index of
// the table — the primary key first, then unique indexes by name; never a
// partial or expression index — whose columns all have a non-null text or
// binary value in the record. With none, the record is unrecoverable.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "pgshim/journal/record.hpp"

namespace pgshim::journal {

// A table's column that records were journaled for.
struct Target {
  std::string schema;
  std::string table;
  std::string column;
  friend auto operator<=>(const Target&, const Target&) = default;
};

struct UniqueKey {
  std::string name;  // the index, as regclass prints it
  std::vector<std::string> columns;
  std::vector<std::uint32_t> types;  // each column's type OID
  std::vector<std::string> type_names;  // each column's type as format_type prints it
};

// What the catalog says about a target (backfill_pg.cpp reads it).
struct TargetFacts {
  bool column_exists = false;
  std::uint32_t type = 0;  // the column's type OID
  std::string type_name;   // as format_type prints it (`text`, `"EnvironmentStatus"`)
  // What a row the migration added the column to holds: "" for NULL, else the
  // column's default as pg_get_expr prints it.
  std::string default_expr;
  bool default_is_constant = true;  // false: now(), gen_random_uuid(), ...
  std::vector<UniqueKey> keys;      // primary key first, then by name
};

using Facts = std::map<Target, TargetFacts>;

// One value to apply: the winning record for its row and column.
struct Planned {
  Target target;
  const TargetFacts* facts = nullptr;  // into the Facts plan() was given
  const UniqueKey* key = nullptr;      // one of facts->keys
  std::vector<Value> key_values;   // one per key->columns
  Value value;
  const Record* record = nullptr;  // the record that won (into plan()'s input)
};

struct Unrecoverable {
  const Record* record = nullptr;
  std::string reason;
};

struct Plan {
  std::vector<Planned> apply;               // in journal order of the winners
  std::vector<Unrecoverable> unrecoverable;
  std::uint64_t superseded = 0;             // records a later write of the same row and column replaced
  std::uint64_t observed = 0;               // records of the application's writes after the column appeared
  // Rows whose last write is the application's own after the column
  // appeared: nothing to apply (counted as kept, like `newer`).
  std::uint64_t written_since = 0;
  std::vector<Target> missing_columns;      // targets whose column does not exist yet: nothing planned for them
};

// Whether `expression` is `excluded.<column>` (any quoting or case of the
// keyword): an upsert's DO UPDATE value that is the INSERT's own value.
[[nodiscard]] bool is_excluded_reference(std::string_view expression, std::string_view column);

// Whether a default as pg_get_expr prints it is a constant: literals and casts
// (`'x'::text`, `0`, `'{}'::jsonb`, `'a'::"Status"`), nothing that calls.
[[nodiscard]] bool is_constant_default(std::string_view expression);

// `records` and `facts` must outlive the returned plan (it points into them).
[[nodiscard]] Plan plan(const std::vector<Record>& records, const Facts& facts);

}  // namespace pgshim::journal
