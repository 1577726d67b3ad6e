#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/id.hpp"
#include "common/money.hpp"

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
  // Records a PAYMENT debit only when the balance covers it; the new balance or nullopt.
  [[nodiscard]] virtual std::optional<Won> debit(UserId user, Won amount, PaymentId payment,
                                                 Timestamp now) = 0;
};

class PaymentStore {
 public:
  virtual ~PaymentStore() = default;
  virtual void insert(const Payment& payment) = 0;
};

// A finished request remembered under its Idempotency-Key.
struct IdempotencyRecord {
  std::string fingerprint;  // what was asked, e.g. "charge|<user>|<amount>"
  std::string outcome;      // what was answered, e.g. the new balance
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
