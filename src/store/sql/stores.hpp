#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "store/database.hpp"
#include "store/errors.hpp"
#include "store/sql/catalogue.hpp"
#include "store/sql/write.hpp"

// The store interfaces written once, over a dialect: each adapter's Dialect
// (sqlite/dialect.hpp, mysql/dialect.hpp) names its Connection and Query and holds what
// that adapter does its own way:
//   - the statements it writes otherwise: kLockUserByName, kHolderGate,
//     kPayerGate (row locks), kQueueCounters, kFillGap, kMarkPresent (its upsert clause),
//     kCreditBalance (which returns the new value where the dialect has UPDATE ...
//     RETURNING) and kSellSeat, which also confirms the reservation where kSellConfirms
//     (a multi-table UPDATE: two rows changed), else kSetReservationStatus does after it;
//   - the names it gives unique keys in DuplicateKey: kUsernameKey, kQueueNumberKey,
//     kLiveEntryKey (a user's one WAITING or ACTIVE entry);
//   - updated_value(conn, update, read_back, bind_key): the value the conditional UPDATE
//     `update` left in the one row it changed (its RETURNING, or `read_back` bound by
//     `bind_key`), nullopt when it changed none;
//   - run_unless_locked(query): runs it, false at once if a row it needs is locked by a
//     transaction still open;
//   - write(conn, statement, rows): a determined write (store/sql/write.hpp) that must
//     change `rows` rows, bound like a query and run() at once or deferred to the commit.
// Each store runs inside whatever transaction the connection has open; none begins or
// commits one. Stored data that does not parse throws StoreCorrupt.
namespace concertd::store::sql {

namespace detail {

inline queue::QueueStatus queue_status(std::string_view text) {
  if (auto status = queue::parse_queue_status(text)) return *status;
  throw StoreCorrupt("store: a stored queue status is unknown");
}

inline reservations::ReservationStatus reservation_status(std::string_view text) {
  if (auto status = reservations::parse_reservation_status(text)) return *status;
  throw StoreCorrupt("store: a stored reservation status is unknown");
}

// LIMIT takes a signed 64-bit value; anything larger means "all".
inline std::int64_t limit_bound(std::size_t limit) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(limit, static_cast<std::size_t>(INT64_MAX)));
}

// Every row a bound query yields, each as `read` makes it of the row.
template <class Query, class Read>
[[nodiscard]] auto collect(Query& rows, Read read) {
  std::vector<std::invoke_result_t<Read, const Query&>> out;
  while (rows.step()) out.push_back(read(std::as_const(rows)));
  return out;
}

// Columns: id, username, password_hash, failed_logins, login_locked_until.
template <class Row>
users::User read_user(const Row& row) {
  return users::User{.id = row.template id<UserId>(0),
                     .username = row.text(1),
                     .password_hash = row.text(2),
                     .login = {.count = static_cast<std::uint32_t>(row.int64(3)),
                               .locked_until = row.timestamp(4)}};
}

// Columns: number, user_id, status, created_at, expires_at.
template <class Row>
queue::QueueEntry read_entry(const Row& row) {
  return queue::QueueEntry{.number = row.int64(0),
                           .user = row.template id<UserId>(1),
                           .status = queue_status(row.text(2)),
                           .created_at = row.timestamp(3),
                           .expires_at = row.optional_timestamp(4)};
}

// The same columns; only a WAITING row is read as an entry (a placeholder has no user).
template <class Row>
queue::QueueSlot read_slot(const Row& row) {
  const bool waiting = queue_status(row.text(2)) == queue::QueueStatus::kWaiting;
  return {.number = row.int64(0),
          .waiting = waiting ? std::optional(read_entry(row)) : std::nullopt};
}

// Columns: id, name, date.
template <class Row>
concerts::Concert read_concert(const Row& row) {
  return {.id = row.template id<ConcertId>(0), .name = row.text(1), .date = row.date(2)};
}

// Columns from `first` on: id, user_id, concert_id, seat_number, price, status, created_at,
// expires_at, extended.
template <class Row>
reservations::Reservation read_reservation(const Row& row, int first = 0) {
  return reservations::Reservation{.id = row.template id<ReservationId>(first),
                                   .user = row.template id<UserId>(first + 1),
                                   .concert = row.template id<ConcertId>(first + 2),
                                   .seat_number = static_cast<std::int32_t>(row.int64(first + 3)),
                                   .price = row.won(first + 4),
                                   .status = reservation_status(row.text(first + 5)),
                                   .created_at = row.timestamp(first + 6),
                                   .expires_at = row.timestamp(first + 7),
                                   .extended = row.int64(first + 8) != 0};
}

// Rows an UPDATE or DELETE changed (MariaDB: matched, CLIENT_FOUND_ROWS).
template <class Connection>
std::size_t changed_rows(const Connection& conn) {
  return static_cast<std::size_t>(std::max<std::int64_t>(conn.changes(), 0));
}

}  // namespace detail

template <class D>
class SqlUserStore final : public users::UserStore {
 public:
  explicit SqlUserStore(typename D::Connection& conn) : conn_(conn) {}

  [[nodiscard]] Result<void> insert(const users::User& user) override {
    try {
      conn_.query(kInsertUser)
          .bind(1, user.id)
          .bind(2, user.username)
          .bind(3, user.password_hash)
          .run();
    } catch (const DuplicateKey& e) {
      if (e.key() != D::kUsernameKey) throw;
      return make_error(Errc::kUsernameTaken, "username is taken");
    }
    return {};
  }
  [[nodiscard]] std::optional<users::User> find_by_username(std::string_view username) override {
    return user_by_name(kFindUserByName, username);
  }
  [[nodiscard]] bool exists(UserId id) override {
    return conn_.query(kUserExists).bind(1, id).step();
  }
  [[nodiscard]] std::optional<users::User> lock_by_username(std::string_view username) override {
    return user_by_name(D::kLockUserByName, username);
  }
  void set_login_failures(UserId id, const users::LoginFailures& failures) override {
    conn_.query(kSetLoginFailures)
        .bind(1, static_cast<std::int64_t>(failures.count))
        .bind(2, failures.locked_until)
        .bind(3, id)
        .run();
  }

 private:
  std::optional<users::User> user_by_name(const Statement& statement, std::string_view name) {
    auto row = conn_.query(statement);
    row.bind(1, name);
    if (!row.step()) return std::nullopt;
    return detail::read_user(row);
  }

  typename D::Connection& conn_;
};

template <class D>
class SqlQueueStore final : public queue::QueueStore {
 public:
  explicit SqlQueueStore(typename D::Connection& conn) : conn_(conn) {}

  [[nodiscard]] std::optional<queue::QueueEntry> find_live(UserId user, Timestamp now) override {
    auto row = conn_.query(kFindLiveEntry);
    row.bind(1, user).bind(2, now);
    if (!row.step()) return std::nullopt;
    return detail::read_entry(row);
  }
  [[nodiscard]] std::optional<queue::Enqueued> enqueue(UserId user, Timestamp now) override {
    // Twice at most: the first insert may meet an ACTIVE entry past its expiry, ended here.
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        conn_.query(kEnqueue).bind(1, user).bind(2, now).run();
        return queue::Enqueued{.entry = {.number = conn_.insert_id(),
                                         .user = user,
                                         .status = queue::QueueStatus::kWaiting,
                                         .created_at = now,
                                         .expires_at = std::nullopt},
                               .created = true};
      } catch (const DuplicateKey& e) {
        // The admitter took the number as a gap before this row reached the index.
        if (e.key() == D::kQueueNumberKey) throw LostRace("the queue number was closed as a gap");
        if (e.key() != D::kLiveEntryKey) throw;
      } catch (const MissingReference&) {
        return std::nullopt;  // no such user
      }
      // The user has a live entry by the key; by the clock too unless it lapsed.
      if (auto live = find_live(user, now)) return queue::Enqueued{*live, false};
      conn_.query(kEndLapsedEntryOfUser).bind(1, user).bind(2, now).run();
    }
    // The live entry ended and another began between the statements: run the join again.
    throw LostRace("the user's live queue entry changed during the join");
  }
  [[nodiscard]] bool is_active(std::int64_t number, UserId user, Timestamp now) override {
    return conn_.query(kEntryIsActive).bind(1, number).bind(2, user).bind(3, now).step();
  }
  [[nodiscard]] std::vector<queue::QueueSlot> entries_after(std::int64_t after,
                                                            std::size_t limit) override {
    if (limit == 0) return {};
    return detail::collect(
        conn_.query(kEntriesAfter).bind(1, after).bind(2, detail::limit_bound(limit)),
        [](const auto& row) { return detail::read_slot(row); });
  }
  [[nodiscard]] bool fill_gap(std::int64_t number, Timestamp now) override {
    try {
      return D::run_unless_locked(conn_.query(D::kFillGap).bind(1, number).bind(2, now));
    } catch (const DuplicateKey&) {
      return true;  // its entry committed meanwhile
    }
  }
  void activate(std::int64_t first, std::int64_t last, Timestamp expires_at) override {
    conn_.query(kActivateEntries).bind(1, expires_at).bind(2, first).bind(3, last).run();
  }
  void expire(std::int64_t number) override { conn_.query(kExpireEntry).bind(1, number).run(); }
  void expire_active_of(UserId user) override {
    // No row when the entry lapsed or was ended meanwhile (the gate does not lock it).
    D::write(conn_, kExpireActiveOfUser, kAnyRows).bind(1, user).run();
  }
  std::size_t publish_departures(std::int64_t seq) override {
    conn_.query(kPublishDepartures).bind(1, seq).run();
    return detail::changed_rows(conn_);
  }
  void set_change_seq(std::int64_t seq) override { conn_.query(kSetChangeSeq).bind(1, seq).run(); }
  std::size_t expire_lapsed(Timestamp now) override {
    conn_.query(kExpireLapsedEntries).bind(1, now).run();
    return detail::changed_rows(conn_);
  }
  void set_admitted_up_to(std::int64_t number) override {
    conn_.query(kSetAdmittedUpTo).bind(1, number).run();
  }
  [[nodiscard]] bool try_lead(std::string_view node, Timestamp now,
                              Timestamp lease_until) override {
    conn_.query(kTakeLease).bind(1, node).bind(2, lease_until).bind(3, node).bind(4, now).run();
    return conn_.changes() == 1;
  }
  void resign(std::string_view node) override { conn_.query(kResignLease).bind(1, node).run(); }
  [[nodiscard]] queue::QueueCounters counters() override {
    auto row = conn_.query(D::kQueueCounters);
    if (!row.step()) throw StoreCorrupt("store: queue_state is missing");
    return {
        .admitted_up_to = row.int64(0), .last_number = row.int64(1), .change_seq = row.int64(2)};
  }
  [[nodiscard]] queue::QueueSnapshot snapshot(Timestamp now) override {
    const auto totals = counters();
    return queue::QueueSnapshot{.admitted_up_to = totals.admitted_up_to,
                                .last_number = totals.last_number,
                                .active = entries(conn_.query(kActiveEntries).bind(1, now)),
                                .change_seq = totals.change_seq};
  }
  [[nodiscard]] std::vector<queue::QueueEntry> admitted_between(std::int64_t after,
                                                                std::int64_t up_to,
                                                                Timestamp now) override {
    return entries(conn_.query(kAdmittedBetween).bind(1, after).bind(2, up_to).bind(3, now));
  }
  [[nodiscard]] std::vector<std::int64_t> left_between(std::int64_t after,
                                                       std::int64_t up_to) override {
    return detail::collect(conn_.query(kLeftBetween).bind(1, after).bind(2, up_to),
                           [](const auto& row) { return row.int64(0); });
  }
  [[nodiscard]] bool leave(std::int64_t number, UserId user, Timestamp now) override {
    conn_.query(kLeaveEntry).bind(1, number).bind(2, user).bind(3, now).run();
    return conn_.changes() == 1;
  }
  void mark_present(std::span<const queue::Presence> marks) override {
    // A short last batch repeats its last mark: the same row twice keeps the same time.
    for (std::size_t first = 0; first < marks.size(); first += kPresenceBatch) {
      auto batch = conn_.query(D::kMarkPresent);
      for (std::size_t row = 0; row < kPresenceBatch; ++row) {
        const auto& mark = marks[std::min(first + row, marks.size() - 1)];
        const auto index = static_cast<int>(2 * row);
        batch.bind(index + 1, mark.number).bind(index + 2, mark.seen_at);
      }
      batch.run();
    }
  }
  [[nodiscard]] std::vector<queue::Presence> presence_between(std::int64_t after,
                                                              std::int64_t up_to) override {
    return detail::collect(
        conn_.query(kPresenceBetween).bind(1, after).bind(2, up_to), [](const auto& row) {
          return queue::Presence{.number = row.int64(0), .seen_at = row.timestamp(1)};
        });
  }
  void forget_presence(std::int64_t up_to) override {
    conn_.query(kForgetPresence).bind(1, up_to).run();
  }

 private:
  template <class Query>
  static std::vector<queue::QueueEntry> entries(Query& rows) {
    return detail::collect(rows, [](const auto& row) { return detail::read_entry(row); });
  }

  typename D::Connection& conn_;
};

template <class D>
class SqlConcertStore final : public concerts::ConcertStore {
 public:
  explicit SqlConcertStore(typename D::Connection& conn) : conn_(conn) {}

  void insert(const concerts::Concert& concert,
              std::span<const concerts::SeatSpec> seats) override {
    conn_.query(kInsertConcert)
        .bind(1, concert.id)
        .bind(2, concert.name)
        .bind(3, concert.date)
        .run();
    while (seats.size() >= kSeatBatch) {
      auto batch = conn_.query(kInsertSeats);
      int index = 0;
      for (const auto& seat : seats.first(kSeatBatch)) {
        batch.bind(index + 1, concert.id).bind(index + 2, seat.number).bind(index + 3, seat.price);
        index += 3;
      }
      batch.run();
      seats = seats.subspan(kSeatBatch);
    }
    for (const auto& seat : seats) {
      conn_.query(kInsertSeat).bind(1, concert.id).bind(2, seat.number).bind(3, seat.price).run();
    }
  }
  [[nodiscard]] std::vector<concerts::ConcertSummary> upcoming(std::chrono::sys_days from,
                                                               Timestamp now) override {
    return detail::collect(
        conn_.query(kUpcomingConcerts).bind(1, now).bind(2, std::chrono::year_month_day(from)),
        [](const auto& row) {
          return concerts::ConcertSummary{.concert = detail::read_concert(row),
                                          .available_seats = row.int64(3)};
        });
  }
  [[nodiscard]] std::optional<std::vector<concerts::SeatView>> seats(ConcertId id,
                                                                     Timestamp now) override {
    if (!conn_.query(kConcertExists).bind(1, id).step()) return std::nullopt;
    return detail::collect(
        conn_.query(kConcertSeats).bind(1, now).bind(2, id), [](const auto& row) {
          return concerts::SeatView{.number = static_cast<std::int32_t>(row.int64(0)),
                                    .available = row.int64(2) != 0,
                                    .price = row.won(1)};
        });
  }
  [[nodiscard]] std::optional<Timestamp> next_hold_lapse(ConcertId id, Timestamp now) override {
    auto row = conn_.query(kNextHoldLapse);
    row.bind(1, id).bind(2, now);
    if (!row.step()) return std::nullopt;
    return row.optional_timestamp(0);
  }
  [[nodiscard]] std::vector<concerts::ConcertSales> sales(Timestamp now) override {
    return detail::collect(conn_.query(kConcertSales).bind(1, now), [](const auto& row) {
      return concerts::ConcertSales{.concert = detail::read_concert(row),
                                    .seat_count = row.int64(3),
                                    .sold = row.int64(4),
                                    .held = row.int64(5),
                                    .holds_total = row.int64(6),
                                    .revenue = row.won(7)};
    });
  }
  [[nodiscard]] bool any() override {
    auto row = conn_.query(kAnyConcert);
    return row.step() && row.int64(0) != 0;
  }

 private:
  typename D::Connection& conn_;
};

template <class D>
class SqlReservationStore final : public reservations::ReservationStore {
 public:
  explicit SqlReservationStore(typename D::Connection& conn) : conn_(conn) {}

  [[nodiscard]] std::optional<reservations::HoldGate> lock_holder(UserId user,
                                                                  std::int64_t queue_number,
                                                                  ConcertId concert,
                                                                  std::int32_t seat,
                                                                  Timestamp now) override {
    auto row = conn_.query(D::kHolderGate);
    row.bind(1, concert)
        .bind(2, seat)
        .bind(3, queue_number)
        .bind(4, now)
        .bind(5, now)
        .bind(6, user);
    if (!row.step()) return std::nullopt;
    reservations::HoldGate gate{
        .entry_active = row.int64(0) != 0,
        .live_holds = row.int64(1),
        .seat_price = row.is_null(2) ? std::nullopt : std::optional(row.won(2)),
        .seat_sold = false,
        .seat_held_until = std::nullopt};
    if (gate.seat_price) {
      const auto state = row.text(3);
      gate.seat_sold = state == "SOLD";
      if (state == "HELD") gate.seat_held_until = row.timestamp(4);
      if (!gate.seat_sold && !gate.seat_held_until && state != "FREE") {
        throw StoreCorrupt("store: a stored seat state is unknown");
      }
    }
    return gate;
  }
  void hold(const reservations::Reservation& r, Timestamp now) override {
    D::write(conn_, kTryHoldSeat, 1)
        .bind(1, r.user)
        .bind(2, r.id)
        .bind(3, r.expires_at)
        .bind(4, r.concert)
        .bind(5, r.seat_number)
        .bind(6, now)
        .run();
    D::write(conn_, kInsertReservation, 1)
        .bind(1, r.id)
        .bind(2, r.user)
        .bind(3, r.concert)
        .bind(4, r.seat_number)
        .bind(5, r.price)
        .bind(6, to_string(r.status))
        .bind(7, r.created_at)
        .bind(8, r.expires_at)
        .bind(9, std::int64_t{r.extended ? 1 : 0})
        .run();
  }
  [[nodiscard]] std::optional<reservations::Reservation> find(ReservationId id) override {
    auto row = conn_.query(kFindReservation);
    row.bind(1, id);
    if (!row.step()) return std::nullopt;
    return detail::read_reservation(row);
  }
  [[nodiscard]] std::vector<reservations::ReservationListing> of_user(UserId user,
                                                                      std::size_t limit) override {
    return detail::collect(
        conn_.query(kReservationsOfUser).bind(1, user).bind(2, detail::limit_bound(limit)),
        [](const auto& row) {
          return reservations::ReservationListing{.reservation = detail::read_reservation(row),
                                                  .concert_name = row.text(9),
                                                  .concert_date = row.date(10)};
        });
  }
  [[nodiscard]] bool release_seat(const reservations::Reservation& r, Timestamp now) override {
    return change_held_seat(kReleaseSeat, r, now);
  }
  void sell_seat(const reservations::Reservation& r, Timestamp now) override {
    D::write(conn_, D::kSellSeat, D::kSellConfirms ? 2 : 1)
        .bind(1, r.concert)
        .bind(2, r.seat_number)
        .bind(3, r.id)
        .bind(4, now)
        .run();
    if (!D::kSellConfirms) {
      D::write(conn_, kSetReservationStatus, 1)
          .bind(1, to_string(reservations::ReservationStatus::kConfirmed))
          .bind(2, r.id)
          .run();
    }
  }
  [[nodiscard]] bool extend_hold(const reservations::Reservation& r, Timestamp now,
                                 Timestamp expires_at) override {
    conn_.query(kExtendReservation).bind(1, expires_at).bind(2, r.id).bind(3, now).run();
    if (conn_.changes() != 1) return false;
    return change_held_seat(kExtendSeatHold, r, now, expires_at);
  }
  void set_status(ReservationId id, reservations::ReservationStatus status) override {
    conn_.query(kSetReservationStatus).bind(1, to_string(status)).bind(2, id).run();
  }
  std::size_t sweep_lapsed(Timestamp now) override {
    // Every lapsed HELD seat belongs to a lapsed HELD reservation (both carry the same
    // expiry), so the two statements free and expire the same holds.
    conn_.query(kFreeLapsedSeats).bind(1, now).run();
    conn_.query(kExpireLapsedReservations).bind(1, now).run();
    return detail::changed_rows(conn_);
  }

 private:
  // Runs `statement` (release or extend) on the seat only while `r` holds it unexpired at
  // `now`. `expires_at`: the value of the statement's first placeholder (the extension's).
  bool change_held_seat(const Statement& statement, const reservations::Reservation& r,
                        Timestamp now, std::optional<Timestamp> expires_at = std::nullopt) {
    auto change = conn_.query(statement);
    if (expires_at) change.bind(1, *expires_at);
    const int first = expires_at ? 2 : 1;
    change.bind(first, r.concert)
        .bind(first + 1, r.seat_number)
        .bind(first + 2, r.id)
        .bind(first + 3, now)
        .run();
    return conn_.changes() == 1;
  }

  typename D::Connection& conn_;
};

template <class D>
class SqlLedgerStore final : public payments::LedgerStore {
 public:
  explicit SqlLedgerStore(typename D::Connection& conn) : conn_(conn) {}

  [[nodiscard]] std::optional<Won> balance(UserId user) override {
    auto row = conn_.query(kBalance);
    row.bind(1, user);
    if (!row.step()) return std::nullopt;
    return row.won(0);
  }
  [[nodiscard]] std::optional<Won> credit(UserId user, Won amount, Timestamp now) override {
    // The overflow guard in SQL (INT64_MAX - amount) is only sound for positive amounts.
    if (amount.value() <= 0) throw std::invalid_argument("store: a charge must be positive");
    auto change = conn_.query(D::kCreditBalance);
    change.bind(1, amount).bind(2, user).bind(3, amount);
    const auto balance =
        D::updated_value(conn_, change, kBalance, [&](auto& key) { key.bind(1, user); });
    if (balance) record(user, "CHARGE", amount, std::nullopt, now);
    return balance;
  }
  void debit(UserId user, Won amount, PaymentId payment, Timestamp now) override {
    if (amount.value() < 0) throw std::invalid_argument("store: a debit cannot be negative");
    D::write(conn_, kDebitBalance, 1).bind(1, amount).bind(2, user).bind(3, amount).run();
    record(user, "PAYMENT", amount, payment, now);
  }

 private:
  // The ledger row of a change of the balance.
  void record(UserId user, std::string_view kind, Won amount, std::optional<PaymentId> payment,
              Timestamp now) {
    auto row = D::write(conn_, kInsertLedgerRow, 1);
    row.bind(1, user).bind(2, kind).bind(3, amount).bind(5, now);
    (payment ? row.bind(4, *payment) : row.bind_null(4)).run();
  }

  typename D::Connection& conn_;
};

template <class D>
class SqlPaymentStore final : public payments::PaymentStore {
 public:
  explicit SqlPaymentStore(typename D::Connection& conn) : conn_(conn) {}

  [[nodiscard]] std::optional<payments::PaymentGate> lock_payer(
      UserId user, ReservationId reservation,
      std::optional<std::string_view> idempotency_key) override {
    auto row = conn_.query(D::kPayerGate);
    (idempotency_key ? row.bind_bytes(1, *idempotency_key) : row.bind_null(1))
        .bind(2, reservation)
        .bind(3, user);
    if (!row.step()) return std::nullopt;
    payments::PaymentGate gate;
    if (!row.is_null(0)) gate.recorded = {.fingerprint = row.text(0), .outcome = row.text(1)};
    if (!row.is_null(2)) gate.reservation = detail::read_reservation(row, 2);
    gate.balance = row.won(11);
    return gate;
  }
  void insert(const payments::Payment& p) override {
    D::write(conn_, kInsertPayment, 1)
        .bind(1, p.id)
        .bind(2, p.reservation)
        .bind(3, p.user)
        .bind(4, p.amount)
        .bind(5, p.created_at)
        .run();
  }

 private:
  typename D::Connection& conn_;
};

template <class D>
class SqlIdempotencyStore final : public payments::IdempotencyStore {
 public:
  explicit SqlIdempotencyStore(typename D::Connection& conn) : conn_(conn) {}

  [[nodiscard]] std::optional<payments::IdempotencyRecord> find(UserId user,
                                                                std::string_view key) override {
    auto row = conn_.query(kFindIdempotencyKey);
    row.bind(1, user).bind_bytes(2, key);
    if (!row.step()) return std::nullopt;
    return payments::IdempotencyRecord{.fingerprint = row.text(0), .outcome = row.text(1)};
  }
  void insert(UserId user, std::string_view key, const payments::IdempotencyRecord& record,
              Timestamp now) override {
    try {
      D::write(conn_, kInsertIdempotencyKey, 1)
          .bind(1, user)
          .bind_bytes(2, key)
          .bind_bytes(3, record.fingerprint)
          .bind_bytes(4, record.outcome)
          .bind(5, now)
          .run();
    } catch (const DuplicateKey&) {
      // Another transaction (another node) recorded the key after this one looked it up
      // and committed first (InnoDB made this insert wait for it). Running the work again
      // finds that record and answers as the first request did, instead of a second charge.
      // (Where the write is deferred, the commit throws LostRace for it: the same rerun.)
      throw LostRace("idempotency key recorded concurrently");
    }
  }
  std::size_t purge(Timestamp cutoff) override {
    conn_.query(kPurgeIdempotencyKeys).bind(1, cutoff).run();
    return detail::changed_rows(conn_);
  }

 private:
  typename D::Connection& conn_;
};

template <class D>
class SqlSettingsStore final : public SettingsStore {
 public:
  explicit SqlSettingsStore(typename D::Connection& conn) : conn_(conn) {}

  [[nodiscard]] std::optional<std::string> get(std::string_view name) override {
    auto row = conn_.query(kGetSetting);
    row.bind_bytes(1, name);
    if (!row.step()) return std::nullopt;
    return row.text(0);
  }
  [[nodiscard]] std::string put_if_absent(std::string_view name, std::string_view value) override {
    try {
      conn_.query(kInsertSetting).bind_bytes(1, name).bind_bytes(2, value).run();
      return std::string(value);
    } catch (const DuplicateKey&) {
      auto stored = get(name);  // set before: that value stays
      if (!stored) throw StoreCorrupt("store: a setting vanished after its insert");
      return *stored;
    }
  }
  void put(std::string_view name, std::string_view value) override {
    try {
      conn_.query(kInsertSetting).bind_bytes(1, name).bind_bytes(2, value).run();
    } catch (const DuplicateKey&) {
      conn_.query(kUpdateSetting).bind_bytes(1, value).bind_bytes(2, name).run();
    }
  }

 private:
  typename D::Connection& conn_;
};

// Every store over one connection, and the Tx that hands them out. Neither copyable nor
// movable: the Tx refers to the stores.
template <class D>
class Stores final {
 public:
  explicit Stores(typename D::Connection& conn)
      : users_(conn),
        queue_(conn),
        concerts_(conn),
        reservations_(conn),
        ledger_(conn),
        payments_(conn),
        idempotency_(conn),
        settings_(conn) {}
  Stores(const Stores&) = delete;
  Stores& operator=(const Stores&) = delete;

  [[nodiscard]] Tx& tx() noexcept { return tx_; }

 private:
  SqlUserStore<D> users_;
  SqlQueueStore<D> queue_;
  SqlConcertStore<D> concerts_;
  SqlReservationStore<D> reservations_;
  SqlLedgerStore<D> ledger_;
  SqlPaymentStore<D> payments_;
  SqlIdempotencyStore<D> idempotency_;
  SqlSettingsStore<D> settings_;
  Tx tx_{users_, queue_, concerts_, reservations_, ledger_, payments_, idempotency_, settings_};
};

}  // namespace concertd::store::sql
