// The use cases end to end over a real SQLite file, with time under test control.
#include <gtest/gtest.h>

#include "concerts/concert_service.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/temp_dir.hpp"
#include "payments/balance_service.hpp"
#include "payments/payment_service.hpp"
#include "queue/queue_service.hpp"
#include "reservations/reservation_service.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "users/user_service.hpp"

namespace concertd {
namespace {

using namespace std::chrono_literals;
using queue::QueueStatus;
using reservations::ReservationStatus;

struct Fan {
  UserId id;
  std::int64_t queue_number = 0;
};

class ServicesTest : public ::testing::Test {
 protected:
  ServicesTest() {
    queue_.restore();
    concert_ = concerts_
                   .create("Test Concert", std::chrono::year{2026} / 12 / 24,
                           {{1, Won{2000}},
                            {2, Won{2000}},
                            {3, Won{3000}},
                            {4, Won{2000}},
                            {5, Won{2000}},
                            {6, Won{2000}}})
                   .value();
  }

  Fan queued_fan() {
    const auto user = users_.sign_up("fan" + std::to_string(++fans_), "correct horse").value();
    return {user.id, queue_.join(user.id).value().entry.number};
  }

  Fan active_fan() {
    const auto fan = queued_fan();
    clock_.advance(1s);
    queue_.admit();
    EXPECT_EQ(queue_.status(fan.queue_number).status, QueueStatus::kActive);
    return fan;
  }

  Result<reservations::Reservation> hold(const Fan& fan, std::int32_t seat) {
    return reservations_.hold(fan.id, fan.queue_number, concert_, seat);
  }

  bool seat_available(std::int32_t seat) {
    const auto map = concerts_.seat_map(concert_).value();
    const auto index = static_cast<std::size_t>(seat - 1);
    if (index >= map.seats.size()) {
      ADD_FAILURE() << "no seat " << seat;
      return false;
    }
    return map.seats[index].available;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> db_ = store::sqlite::SqliteDatabase::open(dir_.file("t.db"));
  users::UserService users_{*db_, clock_};
  queue::QueueService queue_{
      *db_, clock_, {.max_active = 10, .admit_rate = 100, .active_ttl = 600s}};
  concerts::ConcertService concerts_{*db_, clock_};
  reservations::ReservationService reservations_{*db_, concerts_, clock_, 300s};
  payments::BalanceService balances_{*db_, clock_};
  payments::PaymentService payments_{*db_, queue_, clock_};
  ConcertId concert_;
  int fans_ = 0;
};

TEST_F(ServicesTest, ActiveFanHoldsAFreeSeat) {
  const auto fan = active_fan();
  const auto held = hold(fan, 1);
  ASSERT_TRUE(held);
  EXPECT_EQ(held->status, ReservationStatus::kHeld);
  EXPECT_EQ(held->price, Won{2000});
  EXPECT_EQ(held->expires_at, clock_.now() + 300s);
  EXPECT_FALSE(seat_available(1));
}

TEST_F(ServicesTest, WaitingFanCannotHold) {
  const auto fan = queued_fan();
  EXPECT_EQ(hold(fan, 1).error().code, Errc::kQueueNotActive);
}

TEST_F(ServicesTest, SeatHeldByAnotherFanIsUnavailable) {
  const auto first = active_fan();
  const auto second = active_fan();
  ASSERT_TRUE(hold(first, 1));
  EXPECT_EQ(hold(second, 1).error().code, Errc::kSeatUnavailable);
}

TEST_F(ServicesTest, UnknownSeatIsNotFound) {
  EXPECT_EQ(hold(active_fan(), 99).error().code, Errc::kSeatNotFound);
}

TEST_F(ServicesTest, LapsedHoldFreesTheSeatAndReadsExpired) {
  const auto first = active_fan();
  const auto held = hold(first, 1).value();
  const auto second = active_fan();
  clock_.advance(298s);  // the hold began 1 s before the second fan was admitted
  EXPECT_FALSE(seat_available(1));
  clock_.advance(1s);
  EXPECT_TRUE(seat_available(1));
  EXPECT_EQ(reservations_.get(first.id, held.id).value().status, ReservationStatus::kExpired);
  EXPECT_TRUE(hold(second, 1));
  EXPECT_EQ(reservations_.get(first.id, held.id).value().status, ReservationStatus::kExpired);
}

TEST_F(ServicesTest, ListShowsTheFansReservationsNewestFirstWithLapsedHoldsExpired) {
  const auto fan = active_fan();
  const auto lapsing = hold(fan, 1).value();
  clock_.advance(1s);
  const auto live = hold(fan, 3).value();
  ASSERT_TRUE(hold(active_fan(), 2));  // admitting another fan takes 1 s
  clock_.advance(298s);                // the first hold lapsed now, the second has 1 s left

  const auto listed = reservations_.list(fan.id);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].reservation.id, live.id);
  EXPECT_EQ(listed[0].reservation.status, ReservationStatus::kHeld);
  EXPECT_EQ(listed[0].reservation.price, Won{3000});
  EXPECT_EQ(listed[0].concert_name, "Test Concert");
  EXPECT_EQ(listed[1].reservation.id, lapsing.id);
  EXPECT_EQ(listed[1].reservation.status, ReservationStatus::kExpired);
  EXPECT_EQ(reservations_.get(fan.id, lapsing.id).value().status, ReservationStatus::kExpired);
}

TEST_F(ServicesTest, FifthHoldIsOverTheLimit) {
  const auto fan = active_fan();
  for (std::int32_t seat = 1; seat <= 4; ++seat) ASSERT_TRUE(hold(fan, seat));
  EXPECT_EQ(hold(fan, 5).error().code, Errc::kHoldLimit);
}

TEST_F(ServicesTest, CancelledHoldReleasesTheSeat) {
  const auto fan = active_fan();
  const auto held = hold(fan, 2).value();
  EXPECT_EQ(reservations_.cancel(fan.id, held.id).value().status, ReservationStatus::kCancelled);
  EXPECT_TRUE(seat_available(2));
  EXPECT_EQ(reservations_.cancel(fan.id, held.id).error().code, Errc::kHoldExpired);
}

TEST_F(ServicesTest, OthersCannotSeeOrCancelAReservation) {
  const auto owner = active_fan();
  const auto other = active_fan();
  const auto held = hold(owner, 1).value();
  EXPECT_EQ(reservations_.get(other.id, held.id).error().code, Errc::kForbidden);
  EXPECT_EQ(reservations_.cancel(other.id, held.id).error().code, Errc::kForbidden);
  EXPECT_EQ(reservations_.get(owner.id, ReservationId::random()).error().code,
            Errc::kReservationNotFound);
}

TEST_F(ServicesTest, PaymentSellsTheSeatDebitsAndEndsTheQueueEntry) {
  const auto fan = active_fan();
  ASSERT_TRUE(balances_.charge(fan.id, Won{5000}, std::nullopt));
  const auto held = hold(fan, 3).value();
  ASSERT_TRUE(payments_.pay(fan.id, held.id, Won{3000}, std::nullopt));
  EXPECT_EQ(balances_.balance(fan.id).value(), Won{2000});
  EXPECT_EQ(reservations_.get(fan.id, held.id).value().status, ReservationStatus::kConfirmed);
  EXPECT_EQ(queue_.status(fan.queue_number).status, QueueStatus::kExpired);
  clock_.advance(1h);  // a sold seat never lapses
  EXPECT_FALSE(seat_available(3));
  EXPECT_EQ(reservations_.get(fan.id, held.id).value().status, ReservationStatus::kConfirmed);
}

TEST_F(ServicesTest, FailedPaymentChangesNothing) {
  const auto fan = active_fan();
  ASSERT_TRUE(balances_.charge(fan.id, Won{2999}, std::nullopt));
  const auto held = hold(fan, 3).value();
  EXPECT_EQ(payments_.pay(fan.id, held.id, Won{3000}, std::nullopt).error().code,
            Errc::kInsufficientBalance);
  EXPECT_EQ(payments_.pay(fan.id, held.id, Won{2999}, std::nullopt).error().code,
            Errc::kAmountMismatch);
  EXPECT_EQ(balances_.balance(fan.id).value(), Won{2999});
  EXPECT_EQ(reservations_.get(fan.id, held.id).value().status, ReservationStatus::kHeld);
  EXPECT_FALSE(seat_available(3));
  EXPECT_EQ(queue_.status(fan.queue_number).status, QueueStatus::kActive);
}

TEST_F(ServicesTest, PaymentAfterTheHoldLapsedIsHoldExpired) {
  const auto fan = active_fan();
  ASSERT_TRUE(balances_.charge(fan.id, Won{5000}, std::nullopt));
  const auto held = hold(fan, 1).value();
  clock_.advance(300s);
  EXPECT_EQ(payments_.pay(fan.id, held.id, Won{2000}, std::nullopt).error().code,
            Errc::kHoldExpired);
  EXPECT_EQ(balances_.balance(fan.id).value(), Won{5000});
}

TEST_F(ServicesTest, ExtensionAddsTheHoldTtlToTheCurrentExpiryOnce) {
  const auto fan = active_fan();
  const auto held = hold(fan, 1).value();
  clock_.advance(200s);  // 100 s left
  const auto extended = reservations_.extend(fan.id, fan.queue_number, held.id);
  ASSERT_TRUE(extended);
  EXPECT_EQ(extended->expires_at, held.expires_at + 300s);
  EXPECT_TRUE(extended->extended);
  EXPECT_EQ(extended->status, ReservationStatus::kHeld);
  EXPECT_EQ(reservations_.get(fan.id, held.id).value().expires_at, held.expires_at + 300s);
  EXPECT_EQ(reservations_.extend(fan.id, fan.queue_number, held.id).error().code,
            Errc::kAlreadyExtended);
}

TEST_F(ServicesTest, ExtendedHoldLapsesAtTheNewExpiryNotTheOld) {
  const auto fan = active_fan();
  const auto held = hold(fan, 1).value();
  ASSERT_TRUE(reservations_.extend(fan.id, fan.queue_number, held.id));
  clock_.advance(300s);  // the old expiry
  EXPECT_EQ(reservations_.sweep(), 0u);
  EXPECT_FALSE(seat_available(1));
  EXPECT_EQ(reservations_.get(fan.id, held.id).value().status, ReservationStatus::kHeld);
  clock_.advance(300s);  // the new one
  EXPECT_TRUE(seat_available(1));
  EXPECT_EQ(reservations_.get(fan.id, held.id).value().status, ReservationStatus::kExpired);
  EXPECT_EQ(reservations_.sweep(), 1u);
  EXPECT_EQ(reservations_.extend(fan.id, fan.queue_number, held.id).error().code,
            Errc::kHoldExpired);
}

TEST_F(ServicesTest, ExtendedHoldIsPayableUntilTheNewExpiry) {
  const auto fan = active_fan();
  ASSERT_TRUE(balances_.charge(fan.id, Won{5000}, std::nullopt));
  const auto held = hold(fan, 1).value();
  ASSERT_TRUE(reservations_.extend(fan.id, fan.queue_number, held.id));
  clock_.advance(599s);
  ASSERT_TRUE(payments_.pay(fan.id, held.id, Won{2000}, std::nullopt));
  EXPECT_EQ(reservations_.get(fan.id, held.id).value().status, ReservationStatus::kConfirmed);
  EXPECT_EQ(reservations_.extend(fan.id, fan.queue_number, held.id).error().code,
            Errc::kAlreadyPaid);
}

TEST_F(ServicesTest, ExtensionNeedsTheOwnersActiveEntry) {
  const auto fan = active_fan();
  const auto other = active_fan();
  const auto held = hold(fan, 1).value();
  EXPECT_EQ(reservations_.extend(other.id, other.queue_number, held.id).error().code,
            Errc::kForbidden);
  EXPECT_EQ(reservations_.extend(fan.id, fan.queue_number, ReservationId::random()).error().code,
            Errc::kReservationNotFound);
  // Another fan's entry is not this fan's, even when ACTIVE.
  EXPECT_EQ(reservations_.extend(fan.id, other.queue_number, held.id).error().code,
            Errc::kQueueNotActive);
  clock_.advance(599s);  // the other fan's entry has 1 s left
  const auto late = hold(other, 2).value();
  clock_.advance(1s);
  EXPECT_EQ(reservations_.extend(other.id, other.queue_number, late.id).error().code,
            Errc::kQueueNotActive);
  EXPECT_FALSE(reservations_.get(other.id, late.id).value().extended);
}

TEST_F(ServicesTest, CancelledHoldCannotBeExtended) {
  const auto fan = active_fan();
  const auto held = hold(fan, 1).value();
  ASSERT_TRUE(reservations_.cancel(fan.id, held.id));
  EXPECT_EQ(reservations_.extend(fan.id, fan.queue_number, held.id).error().code,
            Errc::kHoldExpired);
}

TEST_F(ServicesTest, SecondPaymentIsAlreadyPaidButAKeyedRetryReplays) {
  const auto fan = active_fan();
  ASSERT_TRUE(balances_.charge(fan.id, Won{10000}, std::nullopt));
  const auto held = hold(fan, 1).value();
  const auto first = payments_.pay(fan.id, held.id, Won{2000}, "pay-1").value();
  EXPECT_EQ(payments_.pay(fan.id, held.id, Won{2000}, "pay-1").value(), first);
  EXPECT_EQ(payments_.pay(fan.id, held.id, Won{2000}, std::nullopt).error().code,
            Errc::kAlreadyPaid);
  EXPECT_EQ(balances_.balance(fan.id).value(), Won{8000});
}

TEST_F(ServicesTest, KeyedChargeRetryChargesOnce) {
  const auto fan = queued_fan();
  EXPECT_EQ(balances_.charge(fan.id, Won{700}, "k1").value(), Won{700});
  EXPECT_EQ(balances_.charge(fan.id, Won{700}, "k1").value(), Won{700});
  EXPECT_EQ(balances_.charge(fan.id, Won{800}, "k1").error().code, Errc::kIdempotencyKeyReused);
  EXPECT_EQ(balances_.charge(fan.id, Won{700}, "k2").value(), Won{1400});
  EXPECT_EQ(balances_.balance(fan.id).value(), Won{1400});
}

TEST_F(ServicesTest, UnparsableIdempotencyOutcomeIsAFaultNotAValue) {
  const auto fan = active_fan();
  ASSERT_TRUE(balances_.charge(fan.id, Won{10000}, std::nullopt));
  const auto held = hold(fan, 1).value();
  // Records as the services would have written them, with outcomes that do not parse.
  const std::string pay_fingerprint = "pay|" + held.id.to_string() + "|2000";
  const std::string charge_fingerprint = "charge|" + fan.id.to_string() + "|700";
  db_->write([&](store::Tx& tx) {
    tx.idempotency.insert(fan.id, "bad-pay", {pay_fingerprint, "not-a-uuid"}, clock_.now());
    tx.idempotency.insert(fan.id, "bad-charge", {charge_fingerprint, "12x"}, clock_.now());
    return true;
  });
  EXPECT_THROW((void)payments_.pay(fan.id, held.id, Won{2000}, "bad-pay"), StoreCorrupt);
  EXPECT_THROW((void)balances_.charge(fan.id, Won{700}, "bad-charge"), StoreCorrupt);
  EXPECT_EQ(balances_.balance(fan.id).value(), Won{10000});
}

TEST_F(ServicesTest, ChargeOutOfBoundsIsInvalidAmount) {
  const auto fan = queued_fan();
  EXPECT_EQ(balances_.charge(fan.id, Won{0}, std::nullopt).error().code, Errc::kInvalidAmount);
  EXPECT_EQ(balances_.charge(fan.id, Won{10'000'001}, std::nullopt).error().code,
            Errc::kInvalidAmount);
  EXPECT_EQ(balances_.charge(UserId::random(), Won{5}, std::nullopt).error().code,
            Errc::kUserNotFound);
}

TEST_F(ServicesTest, JoiningTwiceReturnsTheSameEntry) {
  const auto fan = queued_fan();
  const auto again = queue_.join(fan.id).value();
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.entry.number, fan.queue_number);
  EXPECT_EQ(again.view.status, QueueStatus::kWaiting);
}

TEST_F(ServicesTest, AfterPaymentJoiningGoesToTheBack) {
  const auto fan = active_fan();
  ASSERT_TRUE(balances_.charge(fan.id, Won{2000}, std::nullopt));
  ASSERT_TRUE(payments_.pay(fan.id, hold(fan, 1).value().id, Won{2000}, std::nullopt));
  const auto rejoined = queue_.join(fan.id).value();
  EXPECT_TRUE(rejoined.created);
  EXPECT_GT(rejoined.entry.number, fan.queue_number);
}

TEST_F(ServicesTest, AdmissionIsFirstComeFirstServed) {
  queue::QueueService narrow{*db_, clock_, {.max_active = 2, .admit_rate = 100, .active_ttl = 60s}};
  narrow.restore();
  std::vector<std::int64_t> numbers;
  for (int i = 0; i < 4; ++i) {
    const auto user = users_.sign_up("fifo" + std::to_string(i), "correct horse").value();
    numbers.push_back(narrow.join(user.id).value().entry.number);
  }
  clock_.advance(1s);
  EXPECT_EQ(narrow.admit(), 2u);
  EXPECT_EQ(narrow.status(numbers[0]).status, QueueStatus::kActive);
  EXPECT_EQ(narrow.status(numbers[1]).status, QueueStatus::kActive);
  EXPECT_EQ(narrow.status(numbers[2]).position, 1);
  EXPECT_EQ(narrow.status(numbers[3]).position, 2);
  clock_.advance(60s);
  EXPECT_EQ(narrow.admit(), 2u);
  EXPECT_EQ(narrow.status(numbers[0]).status, QueueStatus::kExpired);
  EXPECT_EQ(narrow.status(numbers[2]).status, QueueStatus::kActive);
  EXPECT_EQ(narrow.status(numbers[3]).status, QueueStatus::kActive);
}

// Adaptive admission changes how many are admitted a round, never who: the front first.
TEST_F(ServicesTest, AdaptiveAdmissionAdmitsTheFrontAtTheAdaptiveRate) {
  queue::QueueService adaptive{*db_,
                               clock_,
                               {.max_active = 100, .admit_rate = 100, .active_ttl = 600s},
                               std::nullopt,
                               queue::AdmissionTargets{.p95 = 50ms, .error_percent = 1}};
  adaptive.restore();
  std::vector<std::int64_t> numbers;
  for (int i = 0; i < 16; ++i) {
    const auto user = users_.sign_up("adaptive" + std::to_string(i), "correct horse").value();
    numbers.push_back(adaptive.join(user.id).value().entry.number);
  }
  EXPECT_EQ(adaptive.admit(), 0u);  // starts the first second at one step: 5/s
  EXPECT_EQ(adaptive.admission().rate, 5u);
  clock_.advance(1s);
  EXPECT_EQ(adaptive.admit(), 10u);  // a healthy second with fans waiting: 10/s
  for (int i = 0; i < 20; ++i) adaptive.observe_booking(80ms, false);
  clock_.advance(1s);
  EXPECT_EQ(adaptive.admit(), 5u);  // every answer over the p95 target: halved
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    const auto view = adaptive.status(numbers[i]);
    if (i < 15) {
      EXPECT_EQ(view.status, QueueStatus::kActive) << i;
    } else {
      EXPECT_EQ(view.position, 1) << i;
    }
  }
  const auto state = adaptive.admission();
  EXPECT_EQ(state.mode, queue::AdmissionMode::kAdaptive);
  EXPECT_EQ(state.rate, 5u);
  ASSERT_TRUE(state.adaptive);
  EXPECT_EQ(state.adaptive->backoffs, 1u);
  EXPECT_EQ(state.settings.admit_rate, 100u);  // the ceiling is the operator's, untouched
  // A lower operator's rate caps it at once.
  ASSERT_TRUE(adaptive.change_admission(
      {.paused = std::nullopt, .admit_rate = 2, .max_active = std::nullopt}));
  EXPECT_EQ(adaptive.admission().rate, 2u);
}

TEST_F(ServicesTest, FixedAdmissionReportsTheOperatorsRate) {
  const auto state = queue_.admission();
  EXPECT_EQ(state.mode, queue::AdmissionMode::kFixed);
  EXPECT_EQ(state.rate, 100u);
  EXPECT_FALSE(state.adaptive);
  queue_.observe_booking(10s, true);  // nothing to feed
  EXPECT_EQ(queue_.admission().rate, 100u);
}

TEST_F(ServicesTest, WalkedAwayFanIsSkippedAndRejoinsAtTheBack) {
  const auto gone = queued_fan();
  const auto present = queued_fan();
  for (int i = 0; i < 4; ++i) {
    clock_.advance(60s);
    (void)queue_.status(present.queue_number);
  }
  clock_.advance(1s);
  queue_.admit();
  EXPECT_EQ(queue_.status(gone.queue_number).status, QueueStatus::kExpired);
  EXPECT_EQ(queue_.status(present.queue_number).status, QueueStatus::kActive);
  EXPECT_TRUE(queue_.join(gone.id).value().created);
}

TEST_F(ServicesTest, NodesSharingAStoreAdmitOnceInQueueOrder) {
  const queue::WaitingRoomConfig narrow{.max_active = 2, .admit_rate = 100, .active_ttl = 600s};
  queue::QueueService node_a{*db_, clock_, narrow, "node-a"};
  queue::QueueService node_b{*db_, clock_, narrow, "node-b"};
  node_a.restore();
  node_b.restore();
  std::vector<std::int64_t> numbers;
  for (int i = 0; i < 3; ++i) {
    const auto user = users_.sign_up("shared" + std::to_string(i), "correct horse").value();
    numbers.push_back((i % 2 == 0 ? node_a : node_b).join(user.id).value().entry.number);
  }
  clock_.advance(1s);
  node_a.refresh();
  EXPECT_EQ(node_a.admit(), 2u);  // takes the lease
  EXPECT_EQ(node_b.admit(), 0u);  // another node leads
  node_b.refresh();
  EXPECT_EQ(node_b.status(numbers[0]).status, QueueStatus::kActive);
  EXPECT_EQ(node_b.status(numbers[1]).status, QueueStatus::kActive);
  EXPECT_EQ(node_b.status(numbers[2]).position, 1);

  // node-a dies: its lease lapses and node-b admits the next in line once a slot frees.
  clock_.advance(601s);
  node_b.refresh();
  (void)node_b.status(numbers[2]);  // still there, so not skipped as walked away
  EXPECT_EQ(node_b.admit(), 1u);
  EXPECT_EQ(node_b.status(numbers[2]).status, QueueStatus::kActive);
}

// A payment on one node frees its ACTIVE slot on every node: the admitter publishes the
// departure in its next round and each node's refresh reads it (and only what changed).
TEST_F(ServicesTest, PaymentOnOneNodeFreesTheSlotOnEveryNode) {
  const queue::WaitingRoomConfig one{.max_active = 1, .admit_rate = 100, .active_ttl = 600s};
  queue::QueueService node_a{*db_, clock_, one, "node-a"};
  queue::QueueService node_b{*db_, clock_, one, "node-b"};
  payments::PaymentService pay_on_b{*db_, node_b, clock_};
  node_a.restore();
  node_b.restore();
  std::vector<Fan> fans;
  for (int i = 0; i < 2; ++i) {
    const auto user = users_.sign_up("payer" + std::to_string(i), "correct horse").value();
    fans.push_back({user.id, (i == 0 ? node_a : node_b).join(user.id).value().entry.number});
  }
  clock_.advance(1s);
  ASSERT_EQ(node_a.admit(), 1u);
  node_b.refresh();
  ASSERT_EQ(node_b.status(fans[0].queue_number).status, QueueStatus::kActive);

  const auto held = hold(fans[0], 3).value();
  ASSERT_TRUE(balances_.charge(fans[0].id, Won{3000}, std::nullopt));
  ASSERT_TRUE(pay_on_b.pay(fans[0].id, held.id, Won{3000}, std::nullopt));
  EXPECT_EQ(node_b.status(fans[0].queue_number).status, QueueStatus::kExpired);  // at once
  node_a.refresh();  // not published yet: node-a still counts the slot as taken
  EXPECT_EQ(node_a.status(fans[0].queue_number).status, QueueStatus::kActive);

  clock_.advance(1s);
  EXPECT_EQ(node_a.admit(), 0u);  // publishes the departure, admits on the next read of it
  node_a.refresh();
  EXPECT_EQ(node_a.status(fans[0].queue_number).status, QueueStatus::kExpired);
  EXPECT_EQ(node_a.admission().counts.active, 0u);
  EXPECT_EQ(node_a.admit(), 1u);
  node_b.refresh();
  EXPECT_EQ(node_b.status(fans[1].queue_number).status, QueueStatus::kActive);
  EXPECT_EQ(node_b.admission().counts.active, 1u);
}

// Walked-away detection with a shared store: the admitter skips a fan no node has seen
// for abandon_after, and admits one who polls only another node (its presence marks).
// Leaving on another node frees the slot the admitter fills.
TEST_F(ServicesTest, FanPollingOnlyAnotherNodeIsAdmittedAndOneSeenByNoneIsSkipped) {
  const queue::WaitingRoomConfig one{
      .max_active = 1, .admit_rate = 100, .active_ttl = 600s, .abandon_after = 30s};
  queue::QueueService node_a{*db_, clock_, one, "node-a"};
  queue::QueueService node_b{*db_, clock_, one, "node-b"};
  node_a.restore();
  node_b.restore();
  const auto join = [&](queue::QueueService& node, const std::string& name) {
    const auto user = users_.sign_up(name, "correct horse").value();
    return Fan{user.id, node.join(user.id).value().entry.number};
  };
  const auto occupier = join(node_a, "occupier");
  clock_.advance(1s);
  ASSERT_EQ(node_a.admit(), 1U);  // node-a leads; the one slot is taken
  const auto gone = join(node_b, "gone");
  const auto present = join(node_b, "present");
  const auto behind = join(node_a, "behind");
  for (int second = 0; second < 40; ++second) {
    clock_.advance(1s);
    (void)node_b.status(present.queue_number);
    (void)node_a.status(behind.queue_number);
    node_a.flush_presence();
    node_b.flush_presence();
    node_a.refresh();
    node_b.refresh();
    EXPECT_EQ(node_a.admit(), 0U);
  }
  EXPECT_TRUE(node_b.leave(occupier.id, occupier.queue_number));
  EXPECT_FALSE(node_b.leave(occupier.id, occupier.queue_number));  // ended already
  EXPECT_EQ(node_b.status(occupier.queue_number).status, QueueStatus::kExpired);
  clock_.advance(1s);
  EXPECT_EQ(node_a.admit(), 0U);  // publishes the departure
  node_a.refresh();
  EXPECT_EQ(node_a.admission().counts.active, 0U);
  EXPECT_EQ(node_a.admit(), 1U);
  EXPECT_EQ(node_a.status(gone.queue_number).status, QueueStatus::kExpired);
  EXPECT_EQ(node_a.status(present.queue_number).status, QueueStatus::kActive);
  EXPECT_EQ(node_a.status(behind.queue_number).position, 1);
  EXPECT_TRUE(queue_.join(gone.id).value().created);  // back of the queue
}

// Without any mark, a fan nobody saw is skipped only where every node's marks would be
// complete: not by an admitter that has not been up for kPresenceSettle.
TEST_F(ServicesTest, NewAdmitterSkipsNobodyUntilThePresenceMarksHaveSettled) {
  const queue::WaitingRoomConfig config{
      .max_active = 10, .admit_rate = 100, .active_ttl = 600s, .abandon_after = 30s};
  const auto user = users_.sign_up("unseen", "correct horse").value();
  const auto number = queue_.join(user.id).value().entry.number;
  clock_.advance(60s);
  queue::QueueService node_a{*db_, clock_, config, "node-a"};
  node_a.restore();  // everyone waiting gets a fresh start: skipped 30 s from now at the earliest
  clock_.advance(31s);
  EXPECT_EQ(node_a.admit(), 1U);
  EXPECT_EQ(node_a.status(number).status, QueueStatus::kActive);
}

TEST_F(ServicesTest, WaitingFanWhoLeavesIsSkippedAndMayJoinAgainAtTheBack) {
  const auto leaver = queued_fan();
  const auto next = queued_fan();
  EXPECT_TRUE(queue_.leave(leaver.id, leaver.queue_number));
  EXPECT_EQ(queue_.status(leaver.queue_number).status, QueueStatus::kExpired);
  clock_.advance(1s);
  EXPECT_EQ(queue_.admit(), 1U);
  EXPECT_EQ(queue_.status(next.queue_number).status, QueueStatus::kActive);
  const auto again = queue_.join(leaver.id).value();
  EXPECT_TRUE(again.created);
  EXPECT_GT(again.entry.number, next.queue_number);
}

TEST_F(ServicesTest, ActiveFanWhoLeavesFreesTheSlotAndKeepsTheirHolds) {
  const auto leaver = active_fan();
  ASSERT_TRUE(hold(leaver, 1));
  EXPECT_TRUE(queue_.leave(leaver.id, leaver.queue_number));
  EXPECT_EQ(queue_.status(leaver.queue_number).status, QueueStatus::kExpired);
  EXPECT_EQ(queue_.admission().counts.active, 0U);
  EXPECT_FALSE(seat_available(1));  // the hold lasts until it lapses or is paid
}

TEST_F(ServicesTest, NodeShuttingDownHandsTheAdmitterLeaseOverAtOnce) {
  const queue::WaitingRoomConfig config{.max_active = 10, .admit_rate = 100, .active_ttl = 600s};
  queue::QueueService node_a{*db_, clock_, config, "node-a"};
  queue::QueueService node_b{*db_, clock_, config, "node-b"};
  node_a.restore();
  node_b.restore();
  const auto join = [&](const std::string& name) {
    const auto user = users_.sign_up(name, "correct horse").value();
    return node_b.join(user.id).value().entry.number;
  };
  const auto first = join("handover1");
  clock_.advance(1s);
  EXPECT_EQ(node_a.admit(), 1u);  // node-a leads until 3 s from now
  const auto second = join("handover2");
  clock_.advance(1s);
  EXPECT_EQ(node_b.admit(), 0u);
  node_a.resign();
  EXPECT_EQ(node_b.admit(), 1u);  // at once, not when node-a's lease would have run out
  node_b.refresh();
  EXPECT_EQ(node_b.status(first).status, QueueStatus::kActive);
  EXPECT_EQ(node_b.status(second).status, QueueStatus::kActive);
}

TEST_F(ServicesTest, AdmissionChangesApplyAtOnceAndSurviveARestart) {
  const auto first = queued_fan();
  const auto paused = queue_.change_admission({.paused = true, .admit_rate = 7, .max_active = {}});
  ASSERT_TRUE(paused);
  EXPECT_EQ(paused->settings,
            (queue::AdmissionSettings{.paused = true, .admit_rate = 7, .max_active = 10}));
  EXPECT_EQ(paused->counts.waiting, 1);
  clock_.advance(5s);
  EXPECT_EQ(queue_.admit(), 0u);
  EXPECT_TRUE(queue_.status(first.queue_number).paused);

  // Another process on the same store starts with the stored settings, the rest from its flags.
  queue::QueueService restarted(*db_, clock_, {.max_active = 20, .admit_rate = 100});
  restarted.restore();
  EXPECT_EQ(restarted.admission().settings,
            (queue::AdmissionSettings{.paused = true, .admit_rate = 7, .max_active = 20}));
  ASSERT_TRUE(queue_.change_admission({.paused = false, .admit_rate = {}, .max_active = {}}));
  EXPECT_EQ(queue_.admit(), 1u);
  EXPECT_EQ(queue_.status(first.queue_number).status, QueueStatus::kActive);
}

TEST_F(ServicesTest, AdmissionChangeOutOfRangeOrEmptyIsInvalidAndChangesNothing) {
  using Change = queue::QueueService::AdmissionChange;
  for (const Change& change : {Change{}, Change{.paused = true, .admit_rate = 0, .max_active = {}},
                               Change{.paused = {}, .admit_rate = 1'000'001, .max_active = {}},
                               Change{.paused = {}, .admit_rate = {}, .max_active = 0},
                               Change{.paused = {}, .admit_rate = {}, .max_active = -1},
                               Change{.paused = {}, .admit_rate = {}, .max_active = 10'000'001}}) {
    EXPECT_EQ(queue_.change_admission(change).error().code, Errc::kInvalidArgument);
  }
  EXPECT_EQ(queue_.admission().settings,
            (queue::AdmissionSettings{.paused = false, .admit_rate = 100, .max_active = 10}));
  const auto edge =
      queue_.change_admission({.paused = {}, .admit_rate = 1'000'000, .max_active = 10'000'000});
  ASSERT_TRUE(edge);
  EXPECT_EQ(edge->settings.admit_rate, 1'000'000u);
  EXPECT_EQ(edge->settings.max_active, 10'000'000u);
}

TEST_F(ServicesTest, RestartKeepsTheWaitingRoom) {
  const auto active = active_fan();
  const auto waiting = queued_fan();
  queue::QueueService restarted{
      *db_, clock_, {.max_active = 10, .admit_rate = 100, .active_ttl = 600s}};
  restarted.restore();
  EXPECT_EQ(restarted.status(active.queue_number).status, QueueStatus::kActive);
  EXPECT_EQ(restarted.status(waiting.queue_number).status, QueueStatus::kWaiting);
  EXPECT_EQ(restarted.status(waiting.queue_number).position, 1);
}

TEST_F(ServicesTest, UsernamesAreUniqueAndPasswordsChecked) {
  ASSERT_TRUE(users_.sign_up("alice", "correct horse"));
  EXPECT_EQ(users_.sign_up("alice", "other password").error().code, Errc::kUsernameTaken);
  EXPECT_TRUE(users_.authenticate("alice", "correct horse"));
  EXPECT_EQ(users_.authenticate("alice", "wrong horse").error().code, Errc::kBadCredentials);
  EXPECT_EQ(users_.authenticate("bob", "correct horse").error().code, Errc::kBadCredentials);
  EXPECT_EQ(users_.sign_up("a", "correct horse").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(users_.sign_up("carol", "short").error().code, Errc::kInvalidArgument);
}

TEST_F(ServicesTest, LockoutDoublesFromOneSecondAfterTheFreeFailuresUpToTheMaximum) {
  const users::LoginPolicy policy{.free_failures = 3, .max_lock = 60s};
  EXPECT_EQ(users::lockout_after(policy, 3), 0s);
  EXPECT_EQ(users::lockout_after(policy, 4), 1s);
  EXPECT_EQ(users::lockout_after(policy, 5), 2s);
  EXPECT_EQ(users::lockout_after(policy, 9), 32s);
  EXPECT_EQ(users::lockout_after(policy, 10), 60s);
  EXPECT_EQ(users::lockout_after(policy, 4'000'000'000U), 60s);
  EXPECT_EQ(users::lockout_after({.free_failures = 0}, 1000), 0s);
}

TEST_F(ServicesTest, FailedLoginsLockTheAccountWithoutCheckingThePassword) {
  users::UserService users(*db_, clock_, {.free_failures = 2, .max_lock = 900s});
  ASSERT_TRUE(users.sign_up("alice", "correct horse"));
  EXPECT_EQ(users.authenticate("alice", "wrong 1").error().code, Errc::kBadCredentials);
  EXPECT_EQ(users.authenticate("alice", "wrong 2").error().code, Errc::kBadCredentials);
  // The third failure locks for 1 s; even the right password is refused meanwhile.
  EXPECT_EQ(users.authenticate("alice", "wrong 3").error().code, Errc::kBadCredentials);
  const auto locked = users.authenticate("alice", "correct horse");
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().code, Errc::kLoginLocked);
  EXPECT_EQ(locked.error().retry_after, 1s);
  clock_.advance(1s);
  // The fourth failure locks for 2 s.
  EXPECT_EQ(users.authenticate("alice", "wrong 4").error().code, Errc::kBadCredentials);
  clock_.advance(1500ms);
  EXPECT_EQ(users.authenticate("alice", "correct horse").error().retry_after, 1s);
  clock_.advance(500ms);
  // A success resets the count: two more failures are free again.
  EXPECT_TRUE(users.authenticate("alice", "correct horse"));
  EXPECT_EQ(users.authenticate("alice", "wrong 5").error().code, Errc::kBadCredentials);
  EXPECT_EQ(users.authenticate("alice", "wrong 6").error().code, Errc::kBadCredentials);
  EXPECT_TRUE(users.authenticate("alice", "correct horse"));
  // The count is the account's: another service on the same database (another node) sees it.
  users::UserService other_node(*db_, clock_, {.free_failures = 2, .max_lock = 900s});
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(users.authenticate("alice", "wrong"));
  EXPECT_EQ(other_node.authenticate("alice", "correct horse").error().code, Errc::kLoginLocked);
}

TEST_F(ServicesTest, UnknownUsernamesAreNeverLocked) {
  users::UserService users(*db_, clock_, {.free_failures = 1, .max_lock = 900s});
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(users.authenticate("nobody", "wrong").error().code, Errc::kBadCredentials);
  }
}

TEST_F(ServicesTest, UpcomingListsFutureConcertsByDateWithAvailableSeats) {
  ASSERT_TRUE(concerts_.create("Earlier", std::chrono::year{2026} / 12 / 1, {{1, Won{10}}}));
  ASSERT_TRUE(concerts_.create("Past", std::chrono::year{2026} / 11 / 1, {{1, Won{10}}}));
  ASSERT_TRUE(hold(active_fan(), 1));
  const auto upcoming = concerts_.upcoming();
  ASSERT_EQ(upcoming.size(), 2u);
  EXPECT_EQ(upcoming[0].concert.name, "Earlier");
  EXPECT_EQ(upcoming[1].concert.name, "Test Concert");
  EXPECT_EQ(upcoming[1].available_seats, 5);
}

TEST_F(ServicesTest, DemoDataIsCreatedOnlyWhenThereAreNoConcerts) {
  EXPECT_FALSE(concerts_.seed_demo());
  testing::TempDir empty_dir;
  const auto empty = store::sqlite::SqliteDatabase::open(empty_dir.file("demo.db"));
  concerts::ConcertService demo{*empty, clock_};
  EXPECT_TRUE(demo.seed_demo());
  EXPECT_FALSE(demo.seed_demo());
  const auto upcoming = demo.upcoming();
  ASSERT_GE(upcoming.size(), 3u);
  EXPECT_GE(upcoming.front().available_seats, 100);
}

TEST_F(ServicesTest, SeatMapTellsUntilWhenItHoldsAndWhichChangesItSaw) {
  EXPECT_EQ(concerts_.seat_map(ConcertId::random()).error().code, Errc::kConcertNotFound);
  const auto fresh = concerts_.seat_map(concert_).value();
  EXPECT_EQ(fresh.seats.size(), 6u);
  EXPECT_EQ(fresh.as_of, clock_.now());
  EXPECT_EQ(fresh.valid_until, Timestamp::max());
  EXPECT_EQ(fresh.generation, 0u);

  const auto fan = active_fan();
  const auto first = hold(fan, 1).value();
  clock_.advance(10s);
  const auto second = hold(fan, 2).value();
  EXPECT_EQ(concerts_.seats_generation(concert_), 2u);
  const auto held = concerts_.seat_map(concert_).value();
  EXPECT_EQ(held.generation, 2u);
  EXPECT_EQ(held.valid_until, first.expires_at);  // the first live hold to lapse
  ASSERT_TRUE(reservations_.cancel(fan.id, first.id));
  const auto cancelled = concerts_.seat_map(concert_).value();
  EXPECT_EQ(cancelled.generation, 3u);
  EXPECT_EQ(cancelled.valid_until, second.expires_at);
  EXPECT_TRUE(cancelled.seats[0].available);
  EXPECT_FALSE(cancelled.seats[1].available);
  EXPECT_EQ(concerts_.seats_generation(ConcertId::random()), 0u);
}

}  // namespace
}  // namespace concertd
