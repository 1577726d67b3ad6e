// AdmissionPace: the measured pace of the admission horizon and the wait it predicts, driven
// by a fake clock in 100 ms admission rounds (as QueueService::admit runs them).
#include "queue/admission_pace.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_clock.hpp"

namespace concertd::queue {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;

constexpr double kMinRate = 1.0;
constexpr double kMaxRate = 1000.0;

// An AdmissionPace driven in 100 ms admission rounds on its own fake clock.
class Rounds {
 public:
  Rounds() { pace_.restart(clock_.now()); }

  // `seconds` of rounds passing `per_round` entries each, fans waiting throughout (`demand`).
  void run(int seconds, std::int64_t per_round, bool demand = true) {
    for (int i = 0; i < seconds * 10; ++i) round(per_round, demand);
  }
  void round(std::int64_t passed, bool demand = true) {
    pace_.tick(clock_.now(), demand);
    pace_.passed(passed);
    clock_.advance(100ms);
  }
  [[nodiscard]] WaitEstimate wait(std::int64_t position) const {
    return pace_.wait(position, kMinRate, kMaxRate);
  }
  [[nodiscard]] const AdmissionPace& pace() const { return pace_; }

 private:
  FakeClock clock_;
  AdmissionPace pace_{100.0};
};

class AdmissionPaceTest : public ::testing::Test {
 protected:
  void run(int seconds, std::int64_t per_round, bool demand = true) {
    rounds_.run(seconds, per_round, demand);
  }
  void round(std::int64_t passed, bool demand = true) { rounds_.round(passed, demand); }
  [[nodiscard]] WaitEstimate wait(std::int64_t position) const { return rounds_.wait(position); }
  [[nodiscard]] const AdmissionPace& pace() const { return rounds_.pace(); }

  Rounds rounds_;
};

void expect_ordered(const WaitEstimate& w) {
  EXPECT_LE(w.p10, w.seconds);
  EXPECT_LE(w.seconds, w.p90);
}

TEST_F(AdmissionPaceTest, BeforeAnyMeasurementTheInitialPaceIsUsed) {
  const auto w = wait(1000);
  EXPECT_EQ(w.seconds, 10);
  EXPECT_EQ(w.p10, 10);
  EXPECT_EQ(w.p90, 10);
}

TEST_F(AdmissionPaceTest, SteadyPaceIsLearntWithANarrowRange) {
  run(120, 3);  // 30/s: twelve time constants from the initial 100/s
  EXPECT_NEAR(pace().per_second(), 30.0, 0.01);
  const auto w = wait(300);
  EXPECT_NEAR(static_cast<double>(w.seconds), 10.0, 1.0);
  expect_ordered(w);
  EXPECT_LE(w.p90 - w.p10, 2);
}

// The documented convergence: from 100/s to 20/s, the wait of position 1000 goes from 10 s
// to within 10% of 50 s (>= 45 s) after 36 s, and not before 30 s (a time constant of 10 s).
TEST_F(AdmissionPaceTest, EstimateConvergesWhenThePaceChanges) {
  run(60, 10);  // 100/s for a minute
  EXPECT_EQ(wait(1000).seconds, 10);
  int slower = 0;
  std::int64_t previous = 0;
  for (int second = 1; second <= 60; ++second) {
    run(1, 2);  // 20/s
    const auto w = wait(1000);
    expect_ordered(w);
    EXPECT_GE(w.seconds, previous) << "after " << second << " s";
    previous = w.seconds;
    if (slower == 0 && w.seconds >= 45) slower = second;
    EXPECT_LE(w.seconds, 50) << "after " << second << " s";
  }
  EXPECT_GT(slower, 30);
  EXPECT_LE(slower, 37);
  EXPECT_EQ(wait(1000).seconds, 50);
}

TEST_F(AdmissionPaceTest, RangeWidensWhileThePaceVariesAndHoldsTheEstimate) {
  // Bursts: a slot frees, ten fans go in, then nothing for a second (5/s on average).
  for (int i = 0; i < 60; ++i) {
    run(1, 0);
    round(10);
    run(1, 0);
  }
  const auto w = wait(100);
  expect_ordered(w);
  EXPECT_GT(w.p90, w.p10 + 5);
  EXPECT_GT(pace().deviation(), 1.0);
}

TEST_F(AdmissionPaceTest, TimeWithoutDemandIsNotMeasured) {
  Rounds steady;
  run(30, 5);  // 50/s
  steady.run(30, 5);
  // The room runs dry for a minute, then fans arrive again: neither the empty minute nor the
  // round into the empty room is a sample, so the pace goes on as if the minute never was.
  run(60, 0, false);
  run(3, 5);
  steady.run(3, 5);
  EXPECT_DOUBLE_EQ(pace().per_second(), steady.pace().per_second());
  EXPECT_DOUBLE_EQ(pace().deviation(), steady.pace().deviation());
}

TEST_F(AdmissionPaceTest, ClampsTheRangeToTheGivenRates) {
  for (int i = 0; i < 30; ++i) {  // 0/s and 40/s seconds: about 19/s, widely spread
    run(1, 0);
    round(40);
    run(1, 0);
  }
  const auto w = pace().wait(100, 10.0, 20.0);
  EXPECT_EQ(w.p10, 5);   // 100 at the most 20/s
  EXPECT_EQ(w.p90, 10);  // 100 at the least 10/s
  expect_ordered(w);
}

}  // namespace
}  // namespace concertd::queue
