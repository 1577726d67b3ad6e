#pragma once

#include "app/config.hpp"

namespace concertd::app {

// Opens the store, wires the services and serves until SIGTERM/SIGINT.
// Returns the process exit code: 0 after a graceful stop, 2 when the database is
// unusable, 1 when the server cannot listen.
[[nodiscard]] int run(const Config& config);

}  // namespace concertd::app
