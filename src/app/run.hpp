#pragma once

#include "app/config.hpp"

namespace concertd::app {

// Opens the store, wires the services and serves until SIGTERM/SIGINT.
// Returns the process exit code: 0 after a graceful stop, 2 when the database is
// unusable, 1 when the server cannot listen.
[[nodiscard]] int run(const Config& config);

// Checks contract §4 against the configured database and prints the report to stdout.
// Returns 0 when every invariant holds, 1 when one does not, 2 when the database cannot
// be opened or read (a SQLite file that does not exist is not created).
[[nodiscard]] int audit(const Config& config);

}  // namespace concertd::app
