#pragma once
// `pgshim check`: the deploy gate. Lists the migrations the database has not
// applied and, per change, what pgshim mitigates while they are pending and
// what it cannot (with the statement's file:line and the tool's command to
// apply them), as text, JSON or GitHub Actions annotations. Exit status: 0
// passes, 1 fails (--fail-on pending: something is pending; unmitigated: a
// pending change breaks queries or a migration failed), 2 error (bad usage,
// unreadable directory, database unreachable, SQL that does not parse).
#include <string>
#include <vector>

namespace pgshim::app {

// args: everything after the word `check`. Returns the exit status.
int run_check_command(const std::vector<std::string>& args);

}  // namespace pgshim::app
