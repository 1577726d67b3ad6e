#include <gtest/gtest.h>

#include "fakes/fake_clock.hpp"
#include "payments/rules.hpp"

namespace concertd::payments {
namespace {

using namespace std::chrono_literals;
using reservations::Reservation;
using reservations::ReservationStatus;

class PaymentRulesTest : public ::testing::Test {
 protected:
  Reservation held() const {
    return {ReservationId::random(),  owner_,       ConcertId::random(), 7, Won{2000},
            ReservationStatus::kHeld, clock_.now(), clock_.now() + 300s};
  }

  testing::FakeClock clock_;
  UserId owner_ = UserId::random();
};

TEST(CheckCharge, AcceptsOneToTenMillionWon) {
  EXPECT_TRUE(check_charge(Won{1}));
  EXPECT_TRUE(check_charge(Won{10'000'000}));
  EXPECT_EQ(check_charge(Won{0}).error().code, Errc::kInvalidAmount);
  EXPECT_EQ(check_charge(Won{-5}).error().code, Errc::kInvalidAmount);
  EXPECT_EQ(check_charge(Won{10'000'001}).error().code, Errc::kInvalidAmount);
}

TEST_F(PaymentRulesTest, HeldReservationWithExactPriceIsPayable) {
  EXPECT_TRUE(check_payable(held(), owner_, Won{2000}, clock_.now()));
}

TEST_F(PaymentRulesTest, SomeoneElsesReservationIsForbidden) {
  EXPECT_EQ(check_payable(held(), UserId::random(), Won{2000}, clock_.now()).error().code,
            Errc::kForbidden);
}

TEST_F(PaymentRulesTest, WrongAmountIsAmountMismatch) {
  EXPECT_EQ(check_payable(held(), owner_, Won{1999}, clock_.now()).error().code,
            Errc::kAmountMismatch);
}

TEST_F(PaymentRulesTest, HoldLapsesExactlyAtExpiresAt) {
  const auto reservation = held();
  clock_.advance(299'999ms);
  EXPECT_TRUE(check_payable(reservation, owner_, Won{2000}, clock_.now()));
  clock_.advance(1ms);
  EXPECT_EQ(effective_status(reservation, clock_.now()), ReservationStatus::kExpired);
  EXPECT_EQ(check_payable(reservation, owner_, Won{2000}, clock_.now()).error().code,
            Errc::kHoldExpired);
}

TEST_F(PaymentRulesTest, ConfirmedIsAlreadyPaidAndCancelledIsExpired) {
  auto reservation = held();
  reservation.status = ReservationStatus::kConfirmed;
  EXPECT_EQ(check_payable(reservation, owner_, Won{2000}, clock_.now()).error().code,
            Errc::kAlreadyPaid);
  reservation.status = ReservationStatus::kCancelled;
  EXPECT_EQ(check_payable(reservation, owner_, Won{2000}, clock_.now()).error().code,
            Errc::kHoldExpired);
}

TEST(IdempotencyReplay, UnknownKeyRunsTheRequest) {
  const auto decision = replay(std::nullopt, "charge|u|100");
  ASSERT_TRUE(decision);
  EXPECT_FALSE(*decision);
}

TEST(IdempotencyReplay, SameRequestGetsTheRecordedOutcome) {
  const auto decision = replay(IdempotencyRecord{"charge|u|100", "600"}, "charge|u|100");
  ASSERT_TRUE(decision);
  EXPECT_EQ(*decision, "600");
}

TEST(IdempotencyReplay, DifferentRequestUnderTheSameKeyIsRefused) {
  EXPECT_EQ(replay(IdempotencyRecord{"charge|u|100", "600"}, "charge|u|200").error().code,
            Errc::kIdempotencyKeyReused);
}

}  // namespace
}  // namespace concertd::payments
