#pragma once

#include <concepts>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "concerts/concert.hpp"
#include "payments/payment.hpp"
#include "queue/queue_entry.hpp"
#include "reservations/reservation.hpp"
#include "users/user.hpp"

namespace concertd::store {

struct AuditReport;  // store/audit.hpp

// Small named values the service keeps in its database (e.g. the generated JWT key).
class SettingsStore {
 public:
  virtual ~SettingsStore() = default;
  [[nodiscard]] virtual std::optional<std::string> get(std::string_view name) = 0;
  // Stores `value` unless `name` is already set; returns the value now stored.
  [[nodiscard]] virtual std::string put_if_absent(std::string_view name,
                                                  std::string_view value) = 0;
  // Stores `value` under `name`, replacing any value set before.
  virtual void put(std::string_view name, std::string_view value) = 0;
};

// The stores of one transaction. Valid only inside the callback it was passed to.
struct Tx {
  users::UserStore& users;
  queue::QueueStore& queue;
  concerts::ConcertStore& concerts;
  reservations::ReservationStore& reservations;
  payments::LedgerStore& ledger;
  payments::PaymentStore& payments;
  payments::IdempotencyStore& idempotency;
  SettingsStore& settings;
};

// A transactional database. Thread-safe; calls block the calling thread, so
// they belong on a blocking pool, never on an io thread.
class Database {
 public:
  virtual ~Database() = default;

  // Runs `work` in a transaction and commits when it returns true; when it returns
  // false or throws, everything it wrote is rolled back. Returns only once the
  // commit is durable. Implementations may run `work` on another thread, may
  // batch it with other callers' work, and may run it again after a lost race.
  // Throws StoreUnavailable when the database cannot be reached or written.
  virtual void write(const std::function<bool(Tx&)>& work) = 0;
  // Runs `work` against a consistent snapshot; nothing it does is kept.
  virtual void read(const std::function<void(Tx&)>& work) = 0;
  // True when the database answers.
  [[nodiscard]] virtual bool ready() = 0;
  // Checks the invariants of contract §4 (store/audit.hpp) against one consistent snapshot
  // of committed data, as of `now`. Writes nothing. Throws StoreUnavailable like read().
  [[nodiscard]] virtual AuditReport audit(Timestamp now) = 0;
};

template <class T>
concept Fallible = requires(const T& t) {
  { t.has_value() } -> std::convertible_to<bool>;
};

// Runs `work` in a write transaction. When it returns a Result, an error rolls
// back everything it wrote; any other value commits.
template <class Work>
[[nodiscard]] auto write(Database& db, Work&& work) -> std::invoke_result_t<Work&, Tx&> {
  using Out = std::invoke_result_t<Work&, Tx&>;
  std::optional<Out> out;
  db.write([&](Tx& tx) {
    out.emplace(work(tx));
    if constexpr (Fallible<Out>) {
      return out->has_value();
    } else {
      return true;
    }
  });
  return std::move(*out);
}

template <class Work>
[[nodiscard]] auto read(Database& db, Work&& work) -> std::invoke_result_t<Work&, Tx&> {
  std::optional<std::invoke_result_t<Work&, Tx&>> out;
  db.read([&](Tx& tx) { out.emplace(work(tx)); });
  return std::move(*out);
}

}  // namespace concertd::store
