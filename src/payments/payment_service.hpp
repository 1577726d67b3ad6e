#pragma once

#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/money.hpp"
#include "payments/payment.hpp"
#include "queue/queue_service.hpp"
#include "store/database.hpp"

namespace concertd::payments {

class PaymentService final {
 public:
  PaymentService(store::Database& db, queue::QueueService& queue, const Clock& clock);

  // In one transaction: debit the seat price, seat SOLD, reservation CONFIRMED,
  // payment recorded, the user's ACTIVE queue entry EXPIRED; or nothing at all.
  // kReservationNotFound, kForbidden, kAlreadyPaid, kHoldExpired, kAmountMismatch,
  // kInsufficientBalance, kIdempotencyKeyReused.
  [[nodiscard]] Result<PaymentId> pay(UserId user, ReservationId reservation, Won amount,
                                      const std::optional<std::string>& idempotency_key);

 private:
  store::Database& db_;
  queue::QueueService& queue_;
  const Clock& clock_;
};

}  // namespace concertd::payments
