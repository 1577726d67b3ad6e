#include "http/limits.hpp"

#include <fmt/format.h>

#include "common/metrics.hpp"
#include "http/errors.hpp"

namespace concertd::http {

std::optional<Response> take(RateLimiter& limiter, std::string_view key, std::string_view what) {
  const auto wait = limiter.acquire(key, SystemClock().now());
  if (!wait) return std::nullopt;
  metrics::registry().rate_limited.add();
  const RateLimit& limit = limiter.limit();
  return problem(problems::kRateLimited,
                 fmt::format("at most {} {} per {} s; try again in {} s", limit.burst, what,
                             limit.period.count(), wait->count()),
                 *wait);
}

}  // namespace concertd::http
