#include "payments/payment_service.hpp"

#include "common/metrics.hpp"
#include "payments/rules.hpp"

namespace concertd::payments {

PaymentService::PaymentService(store::Database& db, queue::QueueService& queue, const Clock& clock)
    : db_(db), queue_(queue), clock_(clock) {}

Result<PaymentId> PaymentService::pay(UserId user, ReservationId reservation_id, Won amount,
                                      const std::optional<std::string>& idempotency_key) {
  const auto now = clock_.now();
  const std::string fingerprint =
      "pay|" + reservation_id.to_string() + "|" + std::to_string(amount.value());
  // Set by the run that committed (a write may run its work more than once).
  bool replayed = false;
  Won price{0};
  auto paid = store::write(db_, [&](store::Tx& tx) -> Result<PaymentId> {
    replayed = false;
    // Serializes this user's payments: a second payment of one reservation then reads
    // it CONFIRMED (ALREADY_PAID), and a keyed retry finds the first one's record. The
    // record and the reservation are read with the lock, in one statement.
    const auto gate = tx.payments.lock_payer(user, reservation_id, idempotency_key);
    if (!gate) return make_error(Errc::kUserNotFound, "no such user");
    if (idempotency_key) {
      auto earlier = replay(gate->recorded, fingerprint);
      if (!earlier) return earlier.error();
      if (*earlier) {
        replayed = true;
        const auto id = PaymentId::parse(**earlier);
        if (!id) throw StoreCorrupt("an idempotency record's payment id does not parse");
        return *id;
      }
    }
    const auto& reservation = gate->reservation;
    if (!reservation) return make_error(Errc::kReservationNotFound, "no such reservation");
    if (auto payable = check_payable(*reservation, user, amount, now); !payable) {
      return payable.error();
    }
    if (gate->balance < reservation->price) {
      return make_error(Errc::kInsufficientBalance, "the balance does not cover the price");
    }
    // Decided: the gate locked the user and the reservation, whose seat changes only with
    // it, so every write below applies (a conditional one that does not throws LostRace,
    // and the transaction commits nothing).
    const Payment payment{PaymentId::random(), reservation_id, user, reservation->price, now};
    price = payment.amount;
    tx.reservations.sell_seat(*reservation, now);
    tx.ledger.debit(user, payment.amount, payment.id, now);
    tx.payments.insert(payment);
    tx.queue.expire_active_of(user);
    if (idempotency_key) {
      tx.idempotency.insert(user, *idempotency_key, {fingerprint, payment.id.to_string()}, now);
    }
    return payment.id;
  });
  if (paid) queue_.on_paid(user);
  if (paid && !replayed) {
    auto& m = metrics::registry();
    m.sales.add();
    m.revenue_won.add(static_cast<std::uint64_t>(price.value()));
  }
  return paid;
}

}  // namespace concertd::payments
