#include "payments/rules.hpp"

namespace concertd::payments {

using reservations::ReservationStatus;

Result<void> check_charge(Won amount) {
  if (amount < kMinCharge || amount > kMaxCharge) {
    return make_error(Errc::kInvalidAmount, "amount must be 1-10000000 won");
  }
  return {};
}

Result<void> check_payable(const reservations::Reservation& reservation, UserId user, Won amount,
                           Timestamp now) {
  if (reservation.user != user) return make_error(Errc::kForbidden, "not your reservation");
  switch (effective_status(reservation, now)) {
    case ReservationStatus::kConfirmed:
      return make_error(Errc::kAlreadyPaid, "this reservation is already paid");
    case ReservationStatus::kExpired:
    case ReservationStatus::kCancelled:
      return make_error(Errc::kHoldExpired, "the hold ended before payment");
    case ReservationStatus::kHeld:
      break;
  }
  if (amount != reservation.price) {
    return make_error(Errc::kAmountMismatch, "amount must equal the seat price of " +
                                                 std::to_string(reservation.price.value()) +
                                                 " won");
  }
  return {};
}

Result<std::optional<std::string>> replay(const std::optional<IdempotencyRecord>& recorded,
                                          std::string_view fingerprint) {
  if (!recorded) return std::optional<std::string>{};
  if (recorded->fingerprint != fingerprint) {
    return make_error(Errc::kIdempotencyKeyReused,
                      "this Idempotency-Key was used for a different request");
  }
  return std::optional<std::string>{recorded->outcome};
}

}  // namespace concertd::payments
