#pragma once
// `pgshim journal init|show`: the journal table of `journal: postgres`
// (pgshim/journal/pg_journal.hpp). init creates the schema and the table when
// missing (nothing else ever creates them) and says what it did; show counts
// what the table holds per replica and column. Exit status: 0 done, 2 it could
// not (usage, database unreachable, refused).
#include <string>
#include <vector>

namespace pgshim::app {

// args: everything after the word `journal`. Returns the exit status.
int run_journal_command(const std::vector<std::string>& args);

}  // namespace pgshim::app
