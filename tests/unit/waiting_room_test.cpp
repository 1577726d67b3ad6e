#include "queue/waiting_room.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_clock.hpp"

namespace concertd::queue {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;

class WaitingRoomTest : public ::testing::Test {
 protected:
  explicit WaitingRoomTest(WaitingRoomConfig config = {.max_active = 3,
                                                       .admit_rate = 2,
                                                       .active_ttl = 60s,
                                                       .abandon_after = 30s})
      : room_(config) {
    room_.restore({}, clock_.now());
  }

  void enqueue(std::int64_t count) {
    for (std::int64_t i = 0; i < count; ++i) room_.on_enqueued(++last_, clock_.now());
  }

  // Admits in number order what the budget allows, as QueueService::admit does.
  std::size_t admit_round() {
    const auto budget = room_.admission_budget(clock_.now());
    std::vector<QueueEntry> admitted;
    auto reached = room_.admitted_up_to();
    while (admitted.size() < budget && reached < last_) {
      ++reached;
      if (room_.abandoned(reached, clock_.now())) continue;
      admitted.push_back({reached, UserId(Uuid::random()), QueueStatus::kActive, clock_.now(),
                          clock_.now() + room_.active_ttl()});
    }
    room_.on_admitted(admitted, reached, clock_.now());
    return admitted.size();
  }

  FakeClock clock_;
  WaitingRoom room_;
  std::int64_t last_ = 0;
};

TEST_F(WaitingRoomTest, NewEntryWaitsWithPositionCountingEveryoneAhead) {
  enqueue(5);
  const auto view = room_.view(5, clock_.now());
  EXPECT_EQ(view.status, QueueStatus::kWaiting);
  EXPECT_EQ(view.position, 5);
  EXPECT_EQ(room_.view(1, clock_.now()).position, 1);
}

TEST_F(WaitingRoomTest, AdmitsNoFasterThanTheAdmitRate) {
  enqueue(3);
  clock_.advance(1s);
  EXPECT_EQ(admit_round(), 2u);
  EXPECT_EQ(admit_round(), 0u);
  clock_.advance(500ms);
  EXPECT_EQ(admit_round(), 1u);
}

TEST_F(WaitingRoomTest, AdmitsInQueueOrder) {
  enqueue(4);
  clock_.advance(1s);
  admit_round();
  EXPECT_EQ(room_.view(1, clock_.now()).status, QueueStatus::kActive);
  EXPECT_EQ(room_.view(2, clock_.now()).status, QueueStatus::kActive);
  EXPECT_EQ(room_.view(3, clock_.now()).status, QueueStatus::kWaiting);
  EXPECT_EQ(room_.view(3, clock_.now()).position, 1);
  EXPECT_EQ(room_.view(4, clock_.now()).position, 2);
}

TEST_F(WaitingRoomTest, NeverExceedsMaxActive) {
  enqueue(10);
  for (int i = 0; i < 10; ++i) {
    clock_.advance(1s);
    admit_round();
  }
  EXPECT_EQ(room_.counts().active, 3u);
  EXPECT_EQ(room_.view(4, clock_.now()).status, QueueStatus::kWaiting);
}

TEST_F(WaitingRoomTest, ActiveEntryExpiresAfterTtlAndFreesItsSlot) {
  enqueue(4);
  clock_.advance(1s);
  admit_round();
  clock_.advance(1s);
  admit_round();
  ASSERT_EQ(room_.counts().active, 3u);
  EXPECT_EQ(room_.view(1, clock_.now()).remaining_seconds, 59);
  clock_.advance(59s);
  EXPECT_EQ(room_.view(1, clock_.now()).status, QueueStatus::kExpired);
  EXPECT_EQ(room_.view(4, clock_.now()).status, QueueStatus::kWaiting);  // still polling
  EXPECT_EQ(admit_round(), 1u);
  EXPECT_EQ(room_.view(4, clock_.now()).status, QueueStatus::kActive);
}

// The adaptive rate refills the budget when it is below the admit rate, never above it.
TEST(WaitingRoom, BudgetRefillsAtTheLowerOfTheAdmitRateAndTheGivenRate) {
  FakeClock clock;
  WaitingRoom room({.max_active = 1000, .admit_rate = 10, .active_ttl = 600s});
  room.restore({}, clock.now());
  room.on_enqueued(100, clock.now());
  clock.advance(1s);
  EXPECT_EQ(room.admission_budget(clock.now(), 4.0), 4u);
  clock.advance(1s);
  EXPECT_EQ(room.admission_budget(clock.now(), 50.0), 10u);
  clock.advance(500ms);
  EXPECT_EQ(room.admission_budget(clock.now(), 1.0), 1u);  // at most one second's worth
}

TEST_F(WaitingRoomTest, PaymentEndsTheActiveEntryAndFreesItsSlot) {
  enqueue(1);
  clock_.advance(1s);
  const auto budget = room_.admission_budget(clock_.now());
  ASSERT_GE(budget, 1u);
  const UserId user(Uuid::random());
  room_.on_admitted({{1, user, QueueStatus::kActive, clock_.now(), clock_.now() + 60s}}, 1,
                    clock_.now());
  ASSERT_TRUE(room_.is_active(1, clock_.now()));
  room_.on_left(user);
  EXPECT_FALSE(room_.is_active(1, clock_.now()));
  EXPECT_EQ(room_.view(1, clock_.now()).status, QueueStatus::kExpired);
}

TEST_F(WaitingRoomTest, UserWhoStoppedPollingIsSkippedWhenTheirTurnComes) {
  enqueue(3);
  clock_.advance(20s);
  (void)room_.view(1, clock_.now());
  (void)room_.view(3, clock_.now());
  clock_.advance(20s);  // entry 2 silent for 40 s > abandon_after
  EXPECT_TRUE(room_.abandoned(2, clock_.now()));
  EXPECT_FALSE(room_.abandoned(1, clock_.now()));
  EXPECT_EQ(admit_round(), 2u);
  EXPECT_EQ(room_.view(1, clock_.now()).status, QueueStatus::kActive);
  EXPECT_EQ(room_.view(2, clock_.now()).status, QueueStatus::kExpired);
  EXPECT_EQ(room_.view(3, clock_.now()).status, QueueStatus::kActive);
}

// The admitter takes `now` before its transaction waits for the writer; a poll recorded
// meanwhile, in a later second, must not make the fan look gone (unsigned wraparound).
TEST_F(WaitingRoomTest, PollSeenAfterTheAdmittersClockReadingIsNotAbandonment) {
  enqueue(1);
  const Timestamp admitter_now = clock_.now();
  clock_.advance(2s);
  (void)room_.view(1, clock_.now());
  EXPECT_FALSE(room_.abandoned(1, admitter_now));
}

TEST_F(WaitingRoomTest, WaitEstimateFollowsTheAdmitRate) {
  enqueue(10);
  EXPECT_EQ(room_.view(10, clock_.now()).remaining_seconds, 5);  // 10 ahead at 2/s
}

// A node that does not admit (shared store) learns the pace from the horizon its refreshes
// read: here another node admits 10/s, read every 200 ms, while this node's admission timer
// ticks every 100 ms. A pause keeps the pace it had.
TEST(WaitingRoom, PaceOnANodeThatDoesNotAdmitFollowsTheHorizonItReads) {
  FakeClock clock;
  WaitingRoom room({.max_active = 1000, .admit_rate = 100, .active_ttl = 600s});
  room.restore({}, clock.now());
  room.on_enqueued(5000, clock.now());  // more than the test admits
  std::int64_t horizon = 0;
  const auto run = [&](int seconds, std::int64_t per_refresh) {
    for (int i = 0; i < seconds * 10; ++i) {
      (void)room.admission_budget(clock.now());
      if (i % 2 == 1) {
        horizon += per_refresh;
        room.catch_up({{horizon, 5000, 0}, {}, {}}, clock.now(), room.departures());
      }
      clock.advance(100ms);
    }
  };
  EXPECT_EQ(room.view(1000, clock.now()).remaining_seconds, 10);  // the admit rate, at first
  run(120, 2);
  EXPECT_NEAR(room.counts().pace, 10.0, 0.01);
  const auto view = room.view(horizon + 1000, clock.now());
  EXPECT_NEAR(static_cast<double>(view.remaining_seconds), 100.0, 1.0);
  EXPECT_LE(view.remaining_low, view.remaining_seconds);
  EXPECT_GE(view.remaining_high, view.remaining_seconds);
  EXPECT_FALSE(view.paused);

  room.set_admission({.paused = true, .admit_rate = 100, .max_active = 1000});
  const double learnt = room.counts().pace;
  run(60, 0);
  EXPECT_DOUBLE_EQ(room.counts().pace, learnt);
  const auto paused = room.view(horizon + 1000, clock.now());
  EXPECT_TRUE(paused.paused);
  EXPECT_EQ(paused.remaining_seconds, view.remaining_seconds);
}

TEST_F(WaitingRoomTest, ActiveAndExpiredEntriesHaveAnExactRange) {
  enqueue(1);
  clock_.advance(1s);
  ASSERT_EQ(admit_round(), 1u);
  clock_.advance(20s);
  const auto active = room_.view(1, clock_.now());
  EXPECT_EQ(active.remaining_seconds, 40);
  EXPECT_EQ(active.remaining_low, 40);
  EXPECT_EQ(active.remaining_high, 40);
  clock_.advance(40s);
  const auto expired = room_.view(1, clock_.now());
  EXPECT_EQ(expired.status, QueueStatus::kExpired);
  EXPECT_EQ(expired.remaining_low, 0);
  EXPECT_EQ(expired.remaining_high, 0);
}

TEST_F(WaitingRoomTest, EnqueueNoticeAfterAdmissionDoesNotReopenTheEntry) {
  enqueue(2);
  clock_.advance(1s);
  admit_round();
  room_.on_enqueued(1, clock_.now());
  EXPECT_EQ(room_.view(1, clock_.now()).status, QueueStatus::kActive);
  EXPECT_EQ(room_.counts().admitted_up_to, 2);
}

TEST_F(WaitingRoomTest, RestoreBringsBackCountersAndActiveEntries) {
  const UserId user(Uuid::random());
  QueueSnapshot snapshot{
      7, 12, {{7, user, QueueStatus::kActive, clock_.now(), clock_.now() + 30s}}, 0};
  room_.restore(snapshot, clock_.now());
  EXPECT_EQ(room_.view(7, clock_.now()).status, QueueStatus::kActive);
  EXPECT_EQ(room_.view(6, clock_.now()).status, QueueStatus::kExpired);
  EXPECT_EQ(room_.view(12, clock_.now()).position, 5);
  EXPECT_EQ(room_.counts().waiting, 5);
}

TEST_F(WaitingRoomTest, CatchUpFollowsAdmissionsByAnotherNode) {
  enqueue(3);
  const UserId user(Uuid::random());
  room_.catch_up(
      {{2, 5, 0}, {{2, user, QueueStatus::kActive, clock_.now(), clock_.now() + 30s}}, {}},
      clock_.now(), room_.departures());
  EXPECT_EQ(room_.view(1, clock_.now()).status, QueueStatus::kExpired);
  EXPECT_EQ(room_.view(2, clock_.now()).status, QueueStatus::kActive);
  EXPECT_EQ(room_.view(5, clock_.now()).position, 3);
  EXPECT_EQ(room_.counts().last_number, 5);
}

TEST_F(WaitingRoomTest, CatchUpFollowsDeparturesOnAnotherNode) {
  enqueue(3);
  const UserId a(Uuid::random());
  const UserId b(Uuid::random());
  const auto until = clock_.now() + 60s;
  room_.catch_up({{2, 3, 0},
                  {{1, a, QueueStatus::kActive, clock_.now(), until},
                   {2, b, QueueStatus::kActive, clock_.now(), until}},
                  {}},
                 clock_.now(), room_.departures());
  ASSERT_EQ(room_.counts().active, 2u);
  room_.catch_up({{2, 3, 1}, {}, {1}}, clock_.now(), room_.departures());  // a paid elsewhere
  EXPECT_EQ(room_.view(1, clock_.now()).status, QueueStatus::kExpired);
  EXPECT_EQ(room_.view(2, clock_.now()).status, QueueStatus::kActive);
  EXPECT_EQ(room_.counts().active, 1u);
  // Read again (a refresh that overlaps): nothing changes twice.
  room_.catch_up({{2, 3, 1}, {}, {1}}, clock_.now(), room_.departures());
  EXPECT_EQ(room_.counts().active, 1u);
  EXPECT_EQ(room_.view(3, clock_.now()).position, 1);
}

TEST_F(WaitingRoomTest, StaleCatchUpKeepsWhatThisNodeAdmittedSince) {
  enqueue(2);
  clock_.advance(1s);
  ASSERT_EQ(admit_round(), 2u);
  // Changes read before the round committed.
  room_.catch_up({{0, 2, 0}, {}, {}}, clock_.now(), room_.departures());
  EXPECT_EQ(room_.view(1, clock_.now()).status, QueueStatus::kActive);
  EXPECT_EQ(room_.view(2, clock_.now()).status, QueueStatus::kActive);
  EXPECT_EQ(room_.counts().admitted_up_to, 2);
}

// Changes read before a payment here committed still show the payer ACTIVE: applying them
// after the payment must not bring the entry back (it read ACTIVE for up to a refresh
// period on a shared store).
TEST_F(WaitingRoomTest, StaleCatchUpDoesNotBringBackAnEntryThatLeft) {
  enqueue(2);
  clock_.advance(1s);
  ASSERT_GE(room_.admission_budget(clock_.now()), 2u);
  const UserId payer(Uuid::random());
  const UserId other(Uuid::random());
  const std::vector<QueueEntry> active{
      {1, payer, QueueStatus::kActive, clock_.now(), clock_.now() + 60s},
      {2, other, QueueStatus::kActive, clock_.now(), clock_.now() + 60s}};
  room_.on_admitted(active, 2, clock_.now());
  const auto before_read = room_.departures();
  room_.on_left(payer);  // paid while the changes were being read
  room_.catch_up({{2, 2, 0}, active, {}}, clock_.now(), before_read);
  EXPECT_EQ(room_.view(1, clock_.now()).status, QueueStatus::kExpired);
  EXPECT_EQ(room_.view(2, clock_.now()).status, QueueStatus::kActive);
  // Changes read after the payment show its departure, and are applied as read.
  room_.catch_up({{2, 2, 1}, {}, {1}}, clock_.now(), room_.departures());
  EXPECT_EQ(room_.view(1, clock_.now()).status, QueueStatus::kExpired);
  EXPECT_EQ(room_.counts().active, 1u);
}

TEST_F(WaitingRoomTest, PausedRoomAdmitsNobodyAndKeepsEveryonesPlace) {
  enqueue(3);
  EXPECT_FALSE(room_.view(1, clock_.now()).paused);
  room_.set_admission({.paused = true, .admit_rate = 2, .max_active = 3});
  for (int i = 0; i < 5; ++i) {
    clock_.advance(1s);
    EXPECT_EQ(admit_round(), 0u);
  }
  for (std::int64_t number = 1; number <= 3; ++number) {
    const auto view = room_.view(number, clock_.now());
    EXPECT_EQ(view.status, QueueStatus::kWaiting);
    EXPECT_EQ(view.position, number);
    EXPECT_TRUE(view.paused);
  }
  EXPECT_EQ(room_.counts().admitted_up_to, 0);
}

TEST_F(WaitingRoomTest, ResumeAdmitsInQueueOrderFromWhereItStopped) {
  enqueue(2);
  clock_.advance(1s);
  ASSERT_EQ(admit_round(), 2u);
  room_.set_admission({.paused = true, .admit_rate = 2, .max_active = 10});
  enqueue(3);
  clock_.advance(10s);
  ASSERT_EQ(admit_round(), 0u);
  room_.set_admission({.paused = false, .admit_rate = 2, .max_active = 10});
  EXPECT_FALSE(room_.view(3, clock_.now()).paused);
  EXPECT_EQ(admit_round(), 2u);  // the rate's budget of one second, not ten
  EXPECT_EQ(room_.view(3, clock_.now()).status, QueueStatus::kActive);
  EXPECT_EQ(room_.view(4, clock_.now()).status, QueueStatus::kActive);
  EXPECT_EQ(room_.view(5, clock_.now()).status, QueueStatus::kWaiting);
  EXPECT_EQ(room_.view(5, clock_.now()).position, 1);
}

TEST_F(WaitingRoomTest, RaisedAdmitRateAppliesToTheNextRound) {
  enqueue(10);
  clock_.advance(1s);
  ASSERT_EQ(admit_round(), 2u);
  room_.set_admission({.paused = false, .admit_rate = 5, .max_active = 10});
  clock_.advance(1s);
  EXPECT_EQ(admit_round(), 5u);
  EXPECT_EQ(room_.view(8, clock_.now()).position, 1);
}

TEST_F(WaitingRoomTest, LoweredMaxActiveAppliesToTheNextRound) {
  enqueue(5);
  clock_.advance(1s);
  ASSERT_EQ(admit_round(), 2u);
  room_.set_admission({.paused = false, .admit_rate = 2, .max_active = 2});
  clock_.advance(1s);
  EXPECT_EQ(admit_round(), 0u);
  EXPECT_EQ(room_.view(3, clock_.now()).status, QueueStatus::kWaiting);
  room_.set_admission({.paused = false, .admit_rate = 2, .max_active = 3});
  EXPECT_EQ(admit_round(), 1u);
  EXPECT_EQ(room_.view(3, clock_.now()).status, QueueStatus::kActive);
}

// Processes sharing a store report the polls they saw near the front: each number within
// the window once per take, with the second it was last seen; joining counts as seen.
TEST(WaitingRoom, TakePresenceReportsNumbersSeenWithinTheWindowOnce) {
  FakeClock clock;
  WaitingRoom room({.max_active = 3,
                    .admit_rate = 2,
                    .active_ttl = 60s,
                    .abandon_after = 30s,
                    .presence_window = 2});
  room.restore({}, clock.now());
  for (std::int64_t n = 1; n <= 4; ++n) room.on_enqueued(n, clock.now());
  const auto joined = room.take_presence();
  ASSERT_EQ(joined.size(), 2U);
  EXPECT_EQ(joined[0].number, 1);
  EXPECT_EQ(joined[1].number, 2);
  EXPECT_EQ(joined[1].seen_at, clock.now());
  EXPECT_TRUE(room.take_presence().empty());

  clock.advance(5s);
  (void)room.view(2, clock.now());
  (void)room.view(4, clock.now());  // beyond the window: nobody needs it yet
  const auto polled = room.take_presence();
  ASSERT_EQ(polled.size(), 1U);
  EXPECT_EQ(polled[0].number, 2);
  EXPECT_EQ(polled[0].seen_at, clock.now());
}

TEST(WaitingRoom, NoPresenceIsReportedWithoutAWindow) {
  FakeClock clock;
  WaitingRoom room({.max_active = 3, .admit_rate = 2, .active_ttl = 60s, .abandon_after = 30s});
  room.restore({}, clock.now());
  room.on_enqueued(1, clock.now());
  (void)room.view(1, clock.now());
  EXPECT_TRUE(room.take_presence().empty());
}

// The admitter has not seen the fan for longer than abandon_after, but another node has.
TEST_F(WaitingRoomTest, FanSeenByAnotherProcessIsNotAbandoned) {
  enqueue(1);
  clock_.advance(40s);
  EXPECT_TRUE(room_.abandoned(1, clock_.now()));
  EXPECT_FALSE(room_.abandoned(1, clock_.now(), clock_.now() - 10s));
  EXPECT_TRUE(room_.abandoned(1, clock_.now(), clock_.now() - 31s));
}

TEST_F(WaitingRoomTest, WaitingFanWhoLeftReadsExpiredAndIsSkipped) {
  enqueue(3);
  room_.on_left_waiting(2);
  EXPECT_EQ(room_.view(2, clock_.now()).status, QueueStatus::kExpired);
  EXPECT_TRUE(room_.abandoned(2, clock_.now(), clock_.now()));
  clock_.advance(1s);
  EXPECT_EQ(admit_round(), 2U);
  EXPECT_EQ(room_.view(1, clock_.now()).status, QueueStatus::kActive);
  EXPECT_EQ(room_.view(3, clock_.now()).status, QueueStatus::kActive);
}

// A departure published by another node for a number not yet reached: that fan left.
TEST_F(WaitingRoomTest, CatchUpEndsAWaitingEntryThatLeftOnAnotherNode) {
  enqueue(2);
  room_.catch_up({.counters = {.admitted_up_to = 0, .last_number = 2, .change_seq = 1},
                  .admitted = {},
                  .left = {2}},
                 clock_.now(), room_.departures());
  EXPECT_EQ(room_.view(2, clock_.now()).status, QueueStatus::kExpired);
  EXPECT_EQ(room_.view(1, clock_.now()).status, QueueStatus::kWaiting);
}

TEST(WaitingRoom, ZeroAbandonAfterNeverSkipsAnyone) {
  testing::FakeClock clock;
  WaitingRoom room({.max_active = 3, .admit_rate = 2, .active_ttl = 60s, .abandon_after = 0s});
  room.restore({}, clock.now());
  room.on_enqueued(1, clock.now());
  clock.advance(24h);
  EXPECT_FALSE(room.abandoned(1, clock.now()));
}

}  // namespace
}  // namespace concertd::queue
