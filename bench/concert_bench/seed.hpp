#pragma once

#include "cli.hpp"

namespace concertd::bench {

// Writes the fans, their balances and queue entries, and a concert, in bulk transactions;
// prints what it wrote. Throws std::runtime_error (one line) when it cannot.
void seed(const SeedOptions& options);

}  // namespace concertd::bench
