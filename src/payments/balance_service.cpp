#include "payments/balance_service.hpp"

#include <charconv>

#include "common/metrics.hpp"
#include "payments/rules.hpp"

namespace concertd::payments {
namespace {

constexpr std::chrono::hours kKeepKeys{48};

// An idempotency record's balance, as charge() wrote it.
Won parse_won(const std::string& text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 0) {
    throw StoreCorrupt("an idempotency record's balance does not parse");
  }
  return Won{value};
}

}  // namespace

BalanceService::BalanceService(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<Won> BalanceService::charge(UserId user, Won amount,
                                   const std::optional<std::string>& idempotency_key) {
  if (auto valid = check_charge(amount); !valid) return valid.error();
  const auto now = clock_.now();
  const std::string fingerprint =
      "charge|" + user.to_string() + "|" + std::to_string(amount.value());
  bool replayed = false;  // set by the run that committed
  auto charged = store::write(db_, [&](store::Tx& tx) -> Result<Won> {
    replayed = false;
    if (idempotency_key) {
      auto earlier = replay(tx.idempotency.find(user, *idempotency_key), fingerprint);
      if (!earlier) return earlier.error();
      if (*earlier) {
        replayed = true;
        return parse_won(**earlier);
      }
    }
    if (!tx.ledger.balance(user)) return make_error(Errc::kUserNotFound, "no such user");
    const auto balance = tx.ledger.credit(user, amount, now);
    if (!balance) return make_error(Errc::kInvalidAmount, "the balance would overflow");
    if (idempotency_key) {
      tx.idempotency.insert(user, *idempotency_key, {fingerprint, std::to_string(balance->value())},
                            now);
    }
    return *balance;
  });
  if (charged && !replayed) metrics::registry().charges.add();
  return charged;
}

Result<Won> BalanceService::balance(UserId user) {
  const auto balance = store::read(db_, [&](store::Tx& tx) { return tx.ledger.balance(user); });
  if (!balance) return make_error(Errc::kUserNotFound, "no such user");
  return *balance;
}

std::size_t BalanceService::purge_idempotency_keys() {
  const auto cutoff = clock_.now() - kKeepKeys;
  return store::write(db_, [&](store::Tx& tx) { return tx.idempotency.purge(cutoff); });
}

}  // namespace concertd::payments
