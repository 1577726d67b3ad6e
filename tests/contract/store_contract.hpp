// The store contract: what every store::Database implementation must do, written once
// against the interfaces. Each store instantiates the suites with
// CONCERTD_INSTANTIATE_STORE_CONTRACT (see sqlite_store_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace concertd::contract {

using namespace std::chrono_literals;

// Makes a fresh, empty store for one test; the store cleans up after itself when
// destroyed. `make` may return nullptr when the store is not available here (e.g. no
// MySQL server configured): the test is skipped.
struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<store::Database>()> make;
};

inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

// 2026-11-24T10:00:00Z, the "now" of most tests.
inline constexpr Timestamp kT0{std::chrono::sys_days{std::chrono::year{2026} / 11 / 24} +
                               std::chrono::hours{10}};

class StoreTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    db_ = GetParam().make();
    if (!db_) GTEST_SKIP() << GetParam().name << " is not available";
  }

  [[nodiscard]] store::Database& db() { return *db_; }

  // Runs `work` in a committed write transaction and returns what it returned.
  template <class Work>
  auto commit(Work&& work) {
    return store::write(db(), [&](store::Tx& tx) { return work(tx); });
  }
  // Runs `work`, whose determined writes (store/sql/write.hpp) must apply, in a write
  // transaction: true when it committed. False when one of them changed other than its
  // rows and nothing was committed: at once (SQLite: LostRace) or at the commit, which
  // MariaDB runs again before it gives up (StoreUnavailable naming the cause).
  template <class Work>
  bool applies(Work&& work) {
    try {
      db().write([&](store::Tx& tx) {
        work(tx);
        return true;
      });
      return true;
    } catch (const std::runtime_error& e) {
      if (std::string_view(e.what()).find("unexpected number of rows") == std::string_view::npos) {
        throw;
      }
      return false;
    }
  }
  template <class Work>
  auto query(Work&& work) {
    return store::read(db(), [&](store::Tx& tx) { return work(tx); });
  }

  UserId add_user(const std::string& username = {}) {
    const users::User user{
        .id = UserId::random(),
        .username = username.empty() ? "user-" + std::to_string(++users_) : username,
        .password_hash = "$argon2id$v=19$m=65536,t=2,p=1$test"};
    const auto inserted = commit([&](store::Tx& tx) { return tx.users.insert(user); });
    EXPECT_TRUE(inserted) << "could not add " << user.username;
    return user.id;
  }

  // A concert with seats 1..count, each at `price`.
  ConcertId add_concert(std::int32_t count = 3, Won price = Won{1000},
                        std::chrono::year_month_day date = std::chrono::year{2026} / 12 / 24,
                        const std::string& name = "Concert") {
    std::vector<concerts::SeatSpec> seats;
    for (std::int32_t n = 1; n <= count; ++n) seats.push_back({.number = n, .price = price});
    return add_concert(seats, date, name);
  }
  ConcertId add_concert(const std::vector<concerts::SeatSpec>& seats,
                        std::chrono::year_month_day date, const std::string& name) {
    const concerts::Concert concert{.id = ConcertId::random(), .name = name, .date = date};
    commit([&](store::Tx& tx) {
      tx.concerts.insert(concert, seats);
      return true;
    });
    return concert.id;
  }

  // A HELD reservation of `seat` for `user` from `now` to `expires_at`, its price not set.
  static reservations::Reservation held_reservation(ConcertId concert, std::int32_t seat,
                                                    UserId user, ReservationId id, Timestamp now,
                                                    Timestamp expires_at) {
    return {.id = id,
            .user = user,
            .concert = concert,
            .seat_number = seat,
            .price = Won{0},
            .status = reservations::ReservationStatus::kHeld,
            .created_at = now,
            .expires_at = expires_at};
  }

  // A hold as the use case makes it, committed: the seat's price and state from the user's
  // gate, then the store's hold; nullopt when the gate found no seat or found it taken.
  std::optional<Won> try_hold(ConcertId concert, std::int32_t seat, UserId user,
                              ReservationId reservation, Timestamp now, Timestamp expires_at) {
    return commit([&](store::Tx& tx) -> std::optional<Won> {
      const auto gate = tx.reservations.lock_holder(user, 0, concert, seat, now);
      if (!gate || !gate->seat_price || !reservations::seat_free(*gate, now)) return std::nullopt;
      auto r = held_reservation(concert, seat, user, reservation, now, expires_at);
      r.price = *gate->seat_price;
      tx.reservations.hold(r, now);
      return r.price;
    });
  }

  // A held seat with its HELD reservation, as the hold use case writes them.
  std::optional<reservations::Reservation> hold(ConcertId concert, std::int32_t seat, UserId user,
                                                Timestamp now = kT0,
                                                std::chrono::milliseconds ttl = 5min) {
    auto r = held_reservation(concert, seat, user, ReservationId::random(), now, now + ttl);
    const auto price = try_hold(concert, seat, user, r.id, now, r.expires_at);
    if (!price) return std::nullopt;
    r.price = *price;
    return r;
  }

  // What the hold reads with the user's row lock (nullopt: no such user), committed.
  std::optional<reservations::HoldGate> gate(UserId user, std::int64_t number, ConcertId concert,
                                             std::int32_t seat, Timestamp now) {
    return commit([&](store::Tx& tx) {
      return tx.reservations.lock_holder(user, number, concert, seat, now);
    });
  }

  // The seats `user` holds under holds live at `now`, as the hold reads them with the
  // user's row lock (-1: no such user).
  std::int64_t live_holds(UserId user, Timestamp now) {
    const auto read = gate(user, 0, ConcertId::random(), 1, now);
    return read ? read->live_holds : -1;
  }

  std::optional<bool> seat_available(ConcertId concert, std::int32_t seat, Timestamp now) {
    const auto seats = query([&](store::Tx& tx) { return tx.concerts.seats(concert, now); });
    if (!seats) return std::nullopt;
    for (const auto& view : *seats) {
      if (view.number == seat) return view.available;
    }
    return std::nullopt;
  }

 private:
  std::unique_ptr<store::Database> db_;
  int users_ = 0;
};

// One fixture per store interface (and one for the transaction rules of Database).
class UserStore : public StoreTest {};
class SettingsStore : public StoreTest {};
class QueueStore : public StoreTest {};
class ConcertStore : public StoreTest {};
class SeatHoldStore : public StoreTest {};
class ReservationStore : public StoreTest {};
class LedgerStore : public StoreTest {};
class PaymentStore : public StoreTest {};
class IdempotencyStore : public StoreTest {};
class DatabaseTransactions : public StoreTest {};

inline std::string factory_name(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

}  // namespace concertd::contract

// Instantiates every contract suite for one store; `...` yields StoreFactory values.
// Use inside namespace concertd::contract.
#define CONCERTD_INSTANTIATE_STORE_CONTRACT(prefix, ...)                         \
  INSTANTIATE_TEST_SUITE_P(prefix, UserStore, __VA_ARGS__, factory_name);        \
  INSTANTIATE_TEST_SUITE_P(prefix, SettingsStore, __VA_ARGS__, factory_name);    \
  INSTANTIATE_TEST_SUITE_P(prefix, QueueStore, __VA_ARGS__, factory_name);       \
  INSTANTIATE_TEST_SUITE_P(prefix, ConcertStore, __VA_ARGS__, factory_name);     \
  INSTANTIATE_TEST_SUITE_P(prefix, SeatHoldStore, __VA_ARGS__, factory_name);    \
  INSTANTIATE_TEST_SUITE_P(prefix, ReservationStore, __VA_ARGS__, factory_name); \
  INSTANTIATE_TEST_SUITE_P(prefix, LedgerStore, __VA_ARGS__, factory_name);      \
  INSTANTIATE_TEST_SUITE_P(prefix, PaymentStore, __VA_ARGS__, factory_name);     \
  INSTANTIATE_TEST_SUITE_P(prefix, IdempotencyStore, __VA_ARGS__, factory_name); \
  INSTANTIATE_TEST_SUITE_P(prefix, DatabaseTransactions, __VA_ARGS__, factory_name)
