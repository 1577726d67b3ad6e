#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/money.hpp"
#include "payments/payment.hpp"
#include "reservations/reservation.hpp"

namespace concertd::payments {

inline constexpr Won kMinCharge{1};
inline constexpr Won kMaxCharge{10'000'000};

// kInvalidAmount unless 1..10,000,000 won.
[[nodiscard]] Result<void> check_charge(Won amount);

// Why `user` may not pay `amount` for `reservation` at `now`, checked in this order:
// kForbidden, kAlreadyPaid, kHoldExpired, kAmountMismatch.
[[nodiscard]] Result<void> check_payable(const reservations::Reservation& reservation, UserId user,
                                         Won amount, Timestamp now);

// What to do with a request under an Idempotency-Key, given what the key recorded:
// nullopt to run it, the recorded outcome to answer again, or kIdempotencyKeyReused
// when the key was used for a different request.
[[nodiscard]] Result<std::optional<std::string>> replay(
    const std::optional<IdempotencyRecord>& recorded, std::string_view fingerprint);

}  // namespace concertd::payments
