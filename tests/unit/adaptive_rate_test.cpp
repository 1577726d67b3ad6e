// AdaptiveRate: the AIMD admit rate, judged once a second on a fake clock from the hold and
// payment answers observed in that second.
#include "queue/adaptive_rate.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_clock.hpp"

namespace concertd::queue {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;

constexpr AdmissionTargets kTargets{.p95 = 50ms, .error_percent = 1};

// An AdaptiveRate under a ceiling of 100 per second (a step of 5), updated by a fake clock.
class Controller {
 public:
  explicit Controller(std::size_t ceiling = 100) : ceiling_(ceiling), rate_(kTargets, ceiling) {
    (void)rate_.update(clock_.now(), ceiling_, true);  // starts the first period
  }

  // `answers` answers of which the first `slow` took 80 ms (the rest 10 ms) and the first
  // `errors` were 5xx, then the second ends and the rate is judged.
  std::size_t second(std::uint64_t answers, std::uint64_t slow = 0, std::uint64_t errors = 0,
                     bool waiting = true) {
    for (std::uint64_t i = 0; i < answers; ++i) {
      rate_.observe(i < slow ? 80ms : 10ms, i < errors);
    }
    clock_.advance(AdaptiveRate::kPeriod);
    return rate_.update(clock_.now(), ceiling_, waiting);
  }
  void set_ceiling(std::size_t ceiling) { ceiling_ = ceiling; }
  [[nodiscard]] AdaptiveRate& rate() { return rate_; }
  [[nodiscard]] FakeClock& clock() { return clock_; }

 private:
  FakeClock clock_;
  std::size_t ceiling_;
  AdaptiveRate rate_;
};

TEST(AdaptiveRate, StartsAtOneStepOfTheCeiling) {
  EXPECT_EQ(AdaptiveRate(kTargets, 100).state().rate, 5u);
  EXPECT_EQ(AdaptiveRate(kTargets, 1000).state().rate, 50u);
  EXPECT_EQ(AdaptiveRate(kTargets, 3).state().rate, 1u);  // a step is at least 1
}

TEST(AdaptiveRate, HealthySecondsAddAStepUpToTheCeiling) {
  Controller c;
  EXPECT_EQ(c.second(100), 10u);
  EXPECT_EQ(c.second(100), 15u);
  for (int i = 0; i < 30; ++i) (void)c.second(100);
  EXPECT_EQ(c.rate().state().rate, 100u);
  EXPECT_EQ(c.rate().state().backoffs, 0u);
}

TEST(AdaptiveRate, IsJudgedOncePerSecond) {
  Controller c;
  for (int i = 0; i < 9; ++i) {
    c.clock().advance(100ms);
    EXPECT_EQ(c.rate().update(c.clock().now(), 100, true), 5u);
  }
  c.clock().advance(100ms);
  EXPECT_EQ(c.rate().update(c.clock().now(), 100, true), 10u);
}

TEST(AdaptiveRate, P95OverTheTargetHalvesTheRate) {
  Controller c;
  for (int i = 0; i < 7; ++i) (void)c.second(100);
  ASSERT_EQ(c.rate().state().rate, 40u);
  // 5 of 100 slower than 50 ms: the p95 is still within it.
  EXPECT_EQ(c.second(100, 5), 45u);
  // 6 of 100: the p95 is over it.
  EXPECT_EQ(c.second(100, 6), 22u);
  EXPECT_EQ(c.second(100, 100), 11u);
  const auto state = c.rate().state();
  EXPECT_EQ(state.backoffs, 2u);
  EXPECT_DOUBLE_EQ(state.slow_ratio, 1.0);
  EXPECT_DOUBLE_EQ(state.error_ratio, 0.0);
  EXPECT_EQ(c.second(100), 16u);  // and grows again additively
}

TEST(AdaptiveRate, ServerErrorsOverTheTargetHalveTheRate) {
  Controller c;
  for (int i = 0; i < 3; ++i) (void)c.second(100);
  ASSERT_EQ(c.rate().state().rate, 20u);
  EXPECT_EQ(c.second(100, 0, 1), 25u);  // 1% is the target: within it
  EXPECT_EQ(c.second(100, 0, 2), 12u);
  EXPECT_DOUBLE_EQ(c.rate().state().error_ratio, 0.02);
  // Errors count however few the answers: one failed of two.
  EXPECT_EQ(c.second(2, 0, 1), 6u);
  EXPECT_EQ(c.rate().state().backoffs, 2u);
}

TEST(AdaptiveRate, FewAnswersAreNotJudgedOnTheirLatency) {
  Controller c;
  EXPECT_EQ(c.second(AdaptiveRate::kMinAnswers - 1, AdaptiveRate::kMinAnswers - 1), 10u);
  EXPECT_EQ(c.second(AdaptiveRate::kMinAnswers, AdaptiveRate::kMinAnswers), 5u);
}

TEST(AdaptiveRate, AnswersOfAJudgedSecondDoNotCountInTheNext) {
  Controller c;
  EXPECT_EQ(c.second(100, 100), 2u);
  EXPECT_EQ(c.second(100), 7u);
}

TEST(AdaptiveRate, GrowsOnlyWhileFansWait) {
  Controller c;
  EXPECT_EQ(c.second(100, 0, 0, false), 5u);
  EXPECT_EQ(c.second(0, 0, 0, false), 5u);
  EXPECT_EQ(c.second(0), 10u);  // no answers, fans waiting: nothing says the backend is loaded
}

TEST(AdaptiveRate, NeverFallsBelowOnePerSecond) {
  Controller c;
  for (int i = 0; i < 10; ++i) (void)c.second(100, 100);
  EXPECT_EQ(c.rate().state().rate, AdaptiveRate::kMinRate);
}

TEST(AdaptiveRate, ALoweredCeilingCapsTheRateAtOnceAndItGrowsFromThere) {
  Controller c;
  for (int i = 0; i < 19; ++i) (void)c.second(100);
  ASSERT_EQ(c.rate().state().rate, 100u);
  c.set_ceiling(20);
  EXPECT_EQ(c.rate().update(c.clock().now(), 20, true), 20u);  // within the period
  EXPECT_EQ(c.second(100, 100), 10u);
  EXPECT_EQ(c.second(100), 11u);  // a step of the new ceiling
  c.set_ceiling(40);
  EXPECT_EQ(c.second(100), 13u);
}

}  // namespace
}  // namespace concertd::queue
