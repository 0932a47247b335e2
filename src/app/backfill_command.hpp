#pragma once
// `pgshim backfill`: once a pending column exists, applies the journaled
// values of dropped writes to the rows they belong to (pgshim/journal/
// backfill.hpp has the rules). Exit status: 0 every record accounted for
// (applied, already there, superseded, kept because newer, row gone), 1 some
// could not be applied (unrecoverable, torn or invalid lines, a column still
// missing, a value the server refused), 2 it could not run (usage, unreadable
// journal, database unreachable).
#include <string>
#include <vector>

namespace pgshim::app {

// args: everything after the word `backfill`. Returns the exit status.
int run_backfill_command(const std::vector<std::string>& args);

}  // namespace pgshim::app
