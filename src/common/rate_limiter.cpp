#include "common/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace concertd {

RateLimiter::RateLimiter(RateLimit limit, std::size_t max_keys)
    : limit_(limit),
      per_ms_(limit.enabled() ? limit.burst / static_cast<double>(
                                                  std::chrono::milliseconds(limit.period).count())
                              : 0),
      max_keys_per_shard_(std::max<std::size_t>(1, max_keys / kShards)) {}

RateLimiter::Shard& RateLimiter::shard(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

double RateLimiter::refilled(const Bucket& bucket, Timestamp now) const {
  const auto elapsed = std::max<std::int64_t>(0, (now - bucket.updated).count());
  return std::min<double>(limit_.burst, bucket.tokens + static_cast<double>(elapsed) * per_ms_);
}

void RateLimiter::make_room(Shard& shard, Timestamp now) {
  std::erase_if(shard.buckets,
                [&](const auto& entry) { return refilled(entry.second, now) >= limit_.burst; });
  if (shard.buckets.size() >= max_keys_per_shard_) shard.buckets.clear();
}

std::optional<std::chrono::seconds> RateLimiter::acquire(std::string_view key, Timestamp now) {
  if (!limit_.enabled()) return std::nullopt;
  Shard& s = shard(key);
  const std::lock_guard lock(s.mutex);
  auto it = s.buckets.find(std::string(key));
  if (it == s.buckets.end()) {
    if (s.buckets.size() >= max_keys_per_shard_) make_room(s, now);
    it = s.buckets
             .emplace(std::string(key),
                      Bucket{.tokens = static_cast<double>(limit_.burst), .updated = now})
             .first;
  }
  Bucket& bucket = it->second;
  bucket.tokens = refilled(bucket, now);
  bucket.updated = std::max(bucket.updated, now);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return std::nullopt;
  }
  const double wait_ms = (1 - bucket.tokens) / per_ms_;
  return std::chrono::seconds(std::max<std::int64_t>(1, std::llround(std::ceil(wait_ms / 1000))));
}

std::size_t RateLimiter::keys() {
  std::size_t n = 0;
  for (Shard& s : shards_) {
    const std::lock_guard lock(s.mutex);
    n += s.buckets.size();
  }
  return n;
}

void RateLimiter::give_back(std::string_view key) {
  if (!limit_.enabled()) return;
  Shard& s = shard(key);
  const std::lock_guard lock(s.mutex);
  if (auto it = s.buckets.find(std::string(key)); it != s.buckets.end()) {
    it->second.tokens = std::min<double>(limit_.burst, it->second.tokens + 1);
  }
}

}  // namespace concertd
