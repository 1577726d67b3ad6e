#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "common/clock.hpp"
#include "common/rate_limiter.hpp"
#include "http/message.hpp"

namespace concertd::http {

using namespace std::chrono_literals;

// The per-node abuse limits (docs/design.md "Abuse limits" says why per node suffices
// for these, and why failed logins per account are counted in the database instead).
struct RateLimits {
  RateLimit login{.burst = 20, .period = 60s};    // failed logins per client address
  RateLimit signup{.burst = 20, .period = 600s};  // sign-ups per client address
  RateLimit tokens{.burst = 60, .period = 60s};   // queue tokens issued per client address
  RateLimit holds{.burst = 30, .period = 60s};    // hold attempts per user
  friend bool operator==(const RateLimits&, const RateLimits&) = default;
};

struct Limiters {
  explicit Limiters(const RateLimits& limits)
      : login(limits.login), signup(limits.signup), tokens(limits.tokens), holds(limits.holds) {}

  RateLimiter login;
  RateLimiter signup;
  RateLimiter tokens;
  RateLimiter holds;
};

// Takes a token of `key` from `limiter`: nullopt when there was one, else the 429
// RATE_LIMITED problem (with Retry-After) to answer. `what` names the limit in the detail.
[[nodiscard]] std::optional<Response> take(RateLimiter& limiter, std::string_view key,
                                           std::string_view what);

}  // namespace concertd::http
