#pragma once
// `pgshim rewrite`: preview what pgshim would do to one SQL string.
#include <string>
#include <vector>

namespace pgshim::app {

// args: everything after the word `rewrite`. Returns the exit status.
int run_rewrite_command(const std::vector<std::string>& args);

}  // namespace pgshim::app
