#pragma once
// Process-wide logging: spdlog to stderr, as text or as one JSON object per line.
#include "pgshim/config/config.hpp"

namespace pgshim::app {

void setup_logging(const config::Config& config);

}  // namespace pgshim::app
