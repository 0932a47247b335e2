#pragma once
// The savepoint commands of a statement string (pure), for the proxy's
// journal: a dropped write inside a savepoint that is rolled back never took
// effect, one before it did. SAVEPOINT, ROLLBACK [WORK|TRANSACTION] TO
// [SAVEPOINT] name and RELEASE [SAVEPOINT] name, by statement index.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pgshim::sql {

struct SavepointStep {
  enum class Kind { Savepoint, RollbackTo, Release };
  Kind kind = Kind::Savepoint;
  std::string name;           // as PostgreSQL folds it
  std::size_t statement = 0;  // index in the string
};

// Whether `sql` may hold one (a case-insensitive search for "savepoint" and
// "release"): the cheap test before parsing. ROLLBACK TO without the word
// SAVEPOINT is caught by searching " to " only when "rollback" is there too.
[[nodiscard]] bool may_hold_savepoint_step(std::string_view sql) noexcept;

// The steps in `sql`, in order; none when it does not parse.
[[nodiscard]] std::vector<SavepointStep> savepoint_steps(std::string_view sql);

}  // namespace pgshim::sql
