#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/id.hpp"
#include "common/money.hpp"
#include "reservations/reservation.hpp"

namespace concertd::payments {

struct Payment {
  PaymentId id;
  ReservationId reservation;
  UserId user;
  Won amount;
  Timestamp created_at;
};

// Balances are kept as a ledger: every charge and payment is a row, and the
// running balance (charges - payments) never goes below zero.
class LedgerStore {
 public:
  virtual ~LedgerStore() = default;
  // nullopt when the user does not exist.
  [[nodiscard]] virtual std::optional<Won> balance(UserId user) = 0;
  // Adds a CHARGE. Returns the new balance, or nullopt if it would exceed INT64_MAX.
  [[nodiscard]] virtual std::optional<Won> credit(UserId user, Won amount, Timestamp now) = 0;
  // Records a PAYMENT debit, after a gate (PaymentStore::lock_payer) that read under the
  // user's row lock a balance that covers it. A determined write (store/sql/write.hpp): the
  // write keeps its own guard (balance >= amount), and when the guard fails the transaction
  // commits nothing and throws LostRace.
  virtual void debit(UserId user, Won amount, PaymentId payment, Timestamp now) = 0;
};

// A finished request remembered under its Idempotency-Key.
struct IdempotencyRecord {
  std::string fingerprint;  // what was asked, e.g. "charge|<user>|<amount>"
  std::string outcome;      // what was answered, e.g. the new balance
};

// What a payment is decided on, read with the user's row lock (PaymentStore::lock_payer).
struct PaymentGate {
  std::optional<IdempotencyRecord> recorded;  // under the request's key
  std::optional<reservations::Reservation> reservation;
  Won balance{0};  // the user's
};

class PaymentStore {
 public:
  virtual ~PaymentStore() = default;
  // Locks the user's row (serializing the user's holds and payments) and the reservation's
  // until the transaction ends, and reads in the same statement the record under
  // `idempotency_key` (none without a key), reservation `reservation` (whoever owns it) and
  // the user's balance. nullopt when the user does not exist.
  [[nodiscard]] virtual std::optional<PaymentGate> lock_payer(
      UserId user, ReservationId reservation, std::optional<std::string_view> idempotency_key) = 0;
  virtual void insert(const Payment& payment) = 0;
};

class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;
  [[nodiscard]] virtual std::optional<IdempotencyRecord> find(UserId user,
                                                              std::string_view key) = 0;
  virtual void insert(UserId user, std::string_view key, const IdempotencyRecord& record,
                      Timestamp now) = 0;
  // Forgets keys recorded before `cutoff`; returns how many.
  virtual std::size_t purge(Timestamp cutoff) = 0;
};

}  // namespace concertd::payments
