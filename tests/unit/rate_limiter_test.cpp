// Token buckets by key with a fake clock: bursts, refill, Retry-After, give_back, memory.
#include "common/rate_limiter.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "fakes/fake_clock.hpp"

namespace concertd {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiterTest, AllowsABurstThenRefillsEvenly) {
  testing::FakeClock clock;
  RateLimiter limiter({.burst = 3, .period = 30s});  // a token every 10 s
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.acquire("a", clock.now())) << i;
  EXPECT_EQ(limiter.acquire("a", clock.now()), 10s);
  clock.advance(4s);
  EXPECT_EQ(limiter.acquire("a", clock.now()), 6s);
  clock.advance(6s);
  EXPECT_FALSE(limiter.acquire("a", clock.now()));
  EXPECT_EQ(limiter.acquire("a", clock.now()), 10s);
  // Refills stop at the burst, however long it was quiet.
  clock.advance(1h);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.acquire("a", clock.now())) << i;
  EXPECT_TRUE(limiter.acquire("a", clock.now()));
}

TEST(RateLimiterTest, KeysHaveTheirOwnBuckets) {
  testing::FakeClock clock;
  RateLimiter limiter({.burst = 1, .period = 60s});
  EXPECT_FALSE(limiter.acquire("a", clock.now()));
  EXPECT_TRUE(limiter.acquire("a", clock.now()));
  EXPECT_FALSE(limiter.acquire("b", clock.now()));
}

TEST(RateLimiterTest, RetryAfterIsAtLeastOneSecondRoundedUp) {
  testing::FakeClock clock;
  RateLimiter limiter({.burst = 10, .period = 1s});  // a token every 100 ms
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(limiter.acquire("a", clock.now()));
  EXPECT_EQ(limiter.acquire("a", clock.now()), 1s);
}

TEST(RateLimiterTest, GivenBackTokensCountAgainUpToTheBurst) {
  testing::FakeClock clock;
  RateLimiter limiter({.burst = 2, .period = 60s});
  for (int i = 0; i < 10; ++i) {
    ASSERT_FALSE(limiter.acquire("a", clock.now())) << i;
    limiter.give_back("a");
  }
  limiter.give_back("a");  // beyond the burst: no effect
  EXPECT_FALSE(limiter.acquire("a", clock.now()));
  EXPECT_FALSE(limiter.acquire("a", clock.now()));
  EXPECT_TRUE(limiter.acquire("a", clock.now()));
}

TEST(RateLimiterTest, ABurstOfZeroIsNoLimit) {
  testing::FakeClock clock;
  RateLimiter limiter({});
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(limiter.acquire("a", clock.now()));
}

TEST(RateLimiterTest, MemoryIsBoundedAndFullBucketsAreForgottenFirst) {
  testing::FakeClock clock;
  RateLimiter limiter({.burst = 1, .period = 60s}, 16 * 4);  // 4 keys per shard
  EXPECT_FALSE(limiter.acquire("limited", clock.now()));
  // Many keys, each used once: a shard at its share forgets its refilled buckets, or all.
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_FALSE(limiter.acquire(fmt::format("k{}", i), clock.now())) << i;
    ASSERT_LE(limiter.keys(), 16U * 4U) << i;
    if (i % 100 == 0) clock.advance(1s);
  }
  EXPECT_FALSE(limiter.acquire("fresh", clock.now()));
  // Keys refilled by now are forgotten before any other.
  RateLimiter small({.burst = 1, .period = 1s}, 16);  // one key per shard
  EXPECT_FALSE(small.acquire("a", clock.now()));
  clock.advance(1s);
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(small.acquire(fmt::format("b{}", i), clock.now()));
  EXPECT_LE(small.keys(), 16U);
}

}  // namespace
}  // namespace concertd
