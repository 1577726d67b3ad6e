#pragma once

#include "cli.hpp"

namespace concertd::bench {

// Sets the scenario up, measures it, checks it and reports (summary on stdout, progress
// on stderr, files with --out). Returns the exit status: 0, or 1 when a check failed.
// Throws std::runtime_error (one line) when the run cannot happen.
[[nodiscard]] int run_scenario(const RunOptions& options);

}  // namespace concertd::bench
