#pragma once
// `pgshim check`: the deploy gate. Lists the migrations the database has not
// applied, what pgshim would mitigate while they are pending and what it could
// not. Exit status: 0 nothing pending, 1 something pending, 2 error (bad
// usage, unreadable directory, database unreachable, SQL that does not parse).
#include <string>
#include <vector>

namespace pgshim::app {

// args: everything after the word `check`. Returns the exit status.
int run_check_command(const std::vector<std::string>& args);

}  // namespace pgshim::app
