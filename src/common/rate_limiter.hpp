#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.hpp"

namespace concertd {

// At most `burst` events at once per key, refilled evenly: a full bucket again after
// `period`. A burst of 0 is no limit at all.
struct RateLimit {
  std::uint32_t burst = 0;
  std::chrono::seconds period{1};

  [[nodiscard]] bool enabled() const noexcept { return burst > 0; }
  friend bool operator==(const RateLimit&, const RateLimit&) = default;
};

// Token buckets by key (a client address, a user id), in memory: one node's view.
// Thread-safe: keys are spread over shards, each with its own mutex, so that callers on
// different keys rarely wait for each other. Memory is bounded: a shard that reaches its
// share of `max_keys` first forgets the buckets that are full again (they carry no
// history), and starts afresh if none is.
class RateLimiter final {
 public:
  explicit RateLimiter(RateLimit limit, std::size_t max_keys = 200'000);

  // Takes a token of `key`'s bucket: nullopt when there was one, else how long until
  // there is (at least a second, rounded up: what Retry-After says).
  [[nodiscard]] std::optional<std::chrono::seconds> acquire(std::string_view key, Timestamp now);
  // Returns a token taken by acquire() (e.g. for a login that succeeded).
  void give_back(std::string_view key);

  [[nodiscard]] const RateLimit& limit() const noexcept { return limit_; }
  // The keys it has a bucket for.
  [[nodiscard]] std::size_t keys();

 private:
  struct Bucket {
    double tokens = 0;
    Timestamp updated;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr std::size_t kShards = 16;

  Shard& shard(std::string_view key);
  // The tokens `bucket` has at `now`, at most the burst.
  [[nodiscard]] double refilled(const Bucket& bucket, Timestamp now) const;
  void make_room(Shard& shard, Timestamp now);

  RateLimit limit_;
  double per_ms_ = 0;  // tokens refilled per millisecond
  std::size_t max_keys_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace concertd
