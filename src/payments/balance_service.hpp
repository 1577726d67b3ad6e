#pragma once

#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/money.hpp"
#include "store/database.hpp"

namespace concertd::payments {

class BalanceService final {
 public:
  BalanceService(store::Database& db, const Clock& clock);

  // Adds `amount` and returns the new balance. With an idempotency key, a retry of
  // the same request returns the first answer and changes nothing.
  // kInvalidAmount (outside 1..10,000,000 or would overflow), kUserNotFound,
  // kIdempotencyKeyReused.
  [[nodiscard]] Result<Won> charge(UserId user, Won amount,
                                   const std::optional<std::string>& idempotency_key);
  // kUserNotFound.
  [[nodiscard]] Result<Won> balance(UserId user);
  // Forgets idempotency keys older than 48 h (the contract keeps them at least 24 h).
  std::size_t purge_idempotency_keys();

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace concertd::payments
