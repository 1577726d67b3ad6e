#pragma once

#include <cstdint>
#include <string>

#include "common/id.hpp"

namespace concertd::bench {

// Seeded fans have ids and names that follow from their index (1, 2, ...), so that a run
// finds them again without asking the database.
inline constexpr std::string_view kFanPassword = "concert-bench-password";

// A version 4 UUID: a fixed prefix, then the index in the last 6 bytes.
[[nodiscard]] UserId fan_id(std::int64_t index);
[[nodiscard]] std::string fan_name(std::int64_t index);
// The name seed gives its concert and run looks for.
[[nodiscard]] std::string concert_name(std::int64_t seats);

}  // namespace concertd::bench
