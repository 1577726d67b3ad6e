#include "store/mysql/stores.hpp"

#include <algorithm>
#include <stdexcept>

#include "store/mysql/queries.hpp"
#include "store/rows.hpp"

namespace concertd::store::mysql {
namespace {

namespace q = queries;
using concerts::ConcertSummary;
using concerts::SeatView;
using queue::QueueEntry;
using queue::QueueSlot;
using queue::QueueStatus;
using reservations::Reservation;
using reservations::ReservationStatus;

QueueStatus queue_status(std::string_view text) {
  if (auto status = queue::parse_queue_status(text)) return *status;
  throw MysqlError(0, "mysql: stored queue status is unknown");
}

ReservationStatus reservation_status(std::string_view text) {
  if (auto status = reservations::parse_reservation_status(text)) return *status;
  throw MysqlError(0, "mysql: stored reservation status is unknown");
}

// Columns: id, username, password_hash, failed_logins, login_locked_until.
users::User read_user(const Query& row) {
  return users::User{.id = row.id<UserId>(0),
                     .username = row.text(1),
                     .password_hash = row.text(2),
                     .login = {.count = static_cast<std::uint32_t>(row.int64(3)),
                               .locked_until = row.timestamp(4)}};
}

// Columns: number, user_id, status, created_at, expires_at.
QueueEntry read_entry(const Query& row) {
  return QueueEntry{.number = row.int64(0),
                    .user = row.id<UserId>(1),
                    .status = queue_status(row.text(2)),
                    .created_at = row.timestamp(3),
                    .expires_at = row.optional_timestamp(4)};
}

// The same columns; only a WAITING row is read as an entry (a placeholder has no user).
QueueSlot read_slot(const Query& row) {
  const bool waiting = queue_status(row.text(2)) == QueueStatus::kWaiting;
  return {.number = row.int64(0),
          .waiting = waiting ? std::optional(read_entry(row)) : std::nullopt};
}

// LIMIT takes a signed 64-bit value here; anything larger means "all".
std::int64_t limit_bound(std::size_t limit) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(limit, static_cast<std::size_t>(INT64_MAX)));
}

std::size_t changed_rows(const Connection& conn) {
  return static_cast<std::size_t>(std::max<std::int64_t>(conn.changes(), 0));
}

// The row an UPDATE just matched (CLIENT_FOUND_ROWS: also when no value changed).
bool matched_one(const Connection& conn) { return conn.changes() == 1; }

std::optional<Won> balance_of(Connection& conn, UserId user) {
  auto row = conn.query(q::kBalance);
  row.bind(1, user);
  if (!row.step()) return std::nullopt;
  return row.won(0);
}

}  // namespace

// UserStore

Result<void> MysqlUserStore::insert(const users::User& user) {
  try {
    conn_.query(q::kInsertUser)
        .bind(1, user.id)
        .bind(2, user.username)
        .bind(3, user.password_hash)
        .run();
  } catch (const MysqlError& e) {
    // The failed statement is undone; the transaction goes on, as after SQLite's DO NOTHING.
    if (e.code() == kErDupEntry && e.duplicate_key() == q::kUsernameKey) {
      return make_error(Errc::kUsernameTaken, "username is taken");
    }
    throw;
  }
  return {};
}

std::optional<users::User> MysqlUserStore::find_by_username(std::string_view username) {
  auto row = conn_.query(q::kFindUserByName);
  row.bind(1, username);
  if (!row.step()) return std::nullopt;
  return read_user(row);
}

bool MysqlUserStore::exists(UserId id) { return conn_.query(q::kUserExists).bind(1, id).step(); }

bool MysqlUserStore::lock(UserId id) { return conn_.query(q::kLockUser).bind(1, id).step(); }

std::optional<users::User> MysqlUserStore::lock_by_username(std::string_view username) {
  auto row = conn_.query(q::kLockUserByName);
  row.bind(1, username);
  if (!row.step()) return std::nullopt;
  return read_user(row);
}

void MysqlUserStore::set_login_failures(UserId id, const users::LoginFailures& failures) {
  conn_.query(q::kSetLoginFailures)
      .bind(1, static_cast<std::int64_t>(failures.count))
      .bind(2, failures.locked_until)
      .bind(3, id)
      .run();
}

// QueueStore

std::optional<QueueEntry> MysqlQueueStore::find_live(UserId user, Timestamp now) {
  auto row = conn_.query(q::kFindLiveEntry);
  row.bind(1, user).bind(2, now);
  if (!row.step()) return std::nullopt;
  return read_entry(row);
}

QueueEntry MysqlQueueStore::enqueue(UserId user, Timestamp now) {
  const std::int64_t number = [&] {
    try {
      conn_.query(q::kEnqueue).bind(1, user).bind(2, now).run();
      return conn_.insert_id();
    } catch (const MysqlError& e) {
      // The admitter took the number as a gap before this row reached the index.
      if (e.code() == kErDupEntry && e.duplicate_key() == q::kPrimaryKey) {
        throw LostRace("mysql: the queue number was closed as a gap");
      }
      throw;
    }
  }();
  return QueueEntry{.number = number,
                    .user = user,
                    .status = QueueStatus::kWaiting,
                    .created_at = now,
                    .expires_at = std::nullopt};
}

bool MysqlQueueStore::is_active(std::int64_t number, UserId user, Timestamp now) {
  return conn_.query(q::kEntryIsActive).bind(1, number).bind(2, user).bind(3, now).step();
}

std::vector<QueueSlot> MysqlQueueStore::entries_after(std::int64_t after, std::size_t limit) {
  std::vector<QueueSlot> out;
  if (limit == 0) return out;
  auto row = conn_.query(q::kEntriesAfter);
  row.bind(1, after).bind(2, limit_bound(limit));
  while (row.step()) out.push_back(read_slot(row));
  return out;
}

bool MysqlQueueStore::fill_gap(std::int64_t number, Timestamp now) {
  try {
    conn_.query(q::kFillGap).bind(1, number).bind(2, now).run();
  } catch (const MysqlError& e) {
    if (e.code() == kErLockWaitTimeout) return false;  // the join that took it is open
    if (e.code() != kErDupEntry) throw;                // its entry committed meanwhile
  }
  return true;
}

void MysqlQueueStore::activate(std::int64_t first, std::int64_t last, Timestamp expires_at) {
  conn_.query(q::kActivateEntries).bind(1, expires_at).bind(2, first).bind(3, last).run();
}

void MysqlQueueStore::expire(std::int64_t number) {
  conn_.query(q::kExpireEntry).bind(1, number).run();
}

void MysqlQueueStore::expire_active_of(UserId user) {
  conn_.query(q::kExpireActiveOfUser).bind(1, user).run();
}

std::size_t MysqlQueueStore::publish_departures(std::int64_t seq) {
  conn_.query(q::kPublishDepartures).bind(1, seq).run();
  return changed_rows(conn_);
}

void MysqlQueueStore::set_change_seq(std::int64_t seq) {
  conn_.query(q::kSetChangeSeq).bind(1, seq).run();
}

std::size_t MysqlQueueStore::expire_lapsed(Timestamp now) {
  conn_.query(q::kExpireLapsedEntries).bind(1, now).run();
  return changed_rows(conn_);
}

void MysqlQueueStore::set_admitted_up_to(std::int64_t number) {
  conn_.query(q::kSetAdmittedUpTo).bind(1, number).run();
}

bool MysqlQueueStore::try_lead(std::string_view node, Timestamp now, Timestamp lease_until) {
  conn_.query(q::kTakeLease).bind(1, node).bind(2, lease_until).bind(3, node).bind(4, now).run();
  return matched_one(conn_);
}

void MysqlQueueStore::resign(std::string_view node) {
  conn_.query(q::kResignLease).bind(1, node).run();
}

queue::QueueCounters MysqlQueueStore::counters() {
  auto row = conn_.query(q::kQueueCounters);
  if (!row.step()) throw MysqlError(0, "mysql: queue_state is missing");
  return {.admitted_up_to = row.int64(0), .last_number = row.int64(1), .change_seq = row.int64(2)};
}

queue::QueueSnapshot MysqlQueueStore::snapshot(Timestamp now) {
  const auto totals = counters();
  queue::QueueSnapshot out{.admitted_up_to = totals.admitted_up_to,
                           .last_number = totals.last_number,
                           .active = {},
                           .change_seq = totals.change_seq};
  auto row = conn_.query(q::kActiveEntries);
  row.bind(1, now);
  while (row.step()) out.active.push_back(read_entry(row));
  return out;
}

std::vector<QueueEntry> MysqlQueueStore::admitted_between(std::int64_t after, std::int64_t up_to,
                                                          Timestamp now) {
  return collect(conn_.query(q::kAdmittedBetween).bind(1, after).bind(2, up_to).bind(3, now),
                 read_entry);
}

std::vector<std::int64_t> MysqlQueueStore::left_between(std::int64_t after, std::int64_t up_to) {
  return collect(conn_.query(q::kLeftBetween).bind(1, after).bind(2, up_to),
                 [](const auto& row) { return row.int64(0); });
}

// ConcertStore

void MysqlConcertStore::insert(const concerts::Concert& concert,
                               std::span<const concerts::SeatSpec> seats) {
  conn_.query(q::kInsertConcert)
      .bind(1, concert.id)
      .bind(2, concert.name)
      .bind(3, concert.date)
      .run();
  while (seats.size() >= q::kSeatBatch) {
    auto batch = conn_.query(q::kInsertSeats);
    int index = 0;
    for (const auto& seat : seats.first(q::kSeatBatch)) {
      batch.bind(index + 1, concert.id).bind(index + 2, seat.number).bind(index + 3, seat.price);
      index += 3;
    }
    batch.run();
    seats = seats.subspan(q::kSeatBatch);
  }
  for (const auto& seat : seats) {
    conn_.query(q::kInsertSeat).bind(1, concert.id).bind(2, seat.number).bind(3, seat.price).run();
  }
}

std::vector<ConcertSummary> MysqlConcertStore::upcoming(std::chrono::sys_days from, Timestamp now) {
  auto row = conn_.query(q::kUpcomingConcerts);
  row.bind(1, now).bind(2, std::chrono::year_month_day(from));
  std::vector<ConcertSummary> out;
  while (row.step()) {
    out.push_back(ConcertSummary{
        .concert = {.id = row.id<ConcertId>(0), .name = row.text(1), .date = row.date(2)},
        .available_seats = row.int64(3)});
  }
  return out;
}

std::optional<std::vector<SeatView>> MysqlConcertStore::seats(ConcertId id, Timestamp now) {
  if (!conn_.query(q::kConcertExists).bind(1, id).step()) return std::nullopt;
  auto row = conn_.query(q::kConcertSeats);
  row.bind(1, now).bind(2, id);
  std::vector<SeatView> out;
  while (row.step()) {
    out.push_back(SeatView{.number = static_cast<std::int32_t>(row.int64(0)),
                           .available = row.int64(2) != 0,
                           .price = row.won(1)});
  }
  return out;
}

std::optional<Timestamp> MysqlConcertStore::next_hold_lapse(ConcertId id, Timestamp now) {
  auto row = conn_.query(q::kNextHoldLapse);
  row.bind(1, id).bind(2, now);
  if (!row.step()) return std::nullopt;
  return row.optional_timestamp(0);
}

std::vector<concerts::ConcertSales> MysqlConcertStore::sales(Timestamp now) {
  auto row = conn_.query(q::kConcertSales);
  row.bind(1, now);
  std::vector<concerts::ConcertSales> out;
  while (row.step()) {
    out.push_back(
        {.concert = {.id = row.id<ConcertId>(0), .name = row.text(1), .date = row.date(2)},
         .seat_count = row.int64(3),
         .sold = row.int64(4),
         .held = row.int64(5),
         .holds_total = row.int64(6),
         .revenue = row.won(7)});
  }
  return out;
}

bool MysqlConcertStore::any() {
  auto row = conn_.query(q::kAnyConcert);
  return row.step() && row.int64(0) != 0;
}

// ReservationStore

std::optional<Won> MysqlReservationStore::try_hold_seat(ConcertId concert, std::int32_t seat,
                                                        ReservationId reservation, UserId user,
                                                        Timestamp now, Timestamp expires_at) {
  conn_.query(q::kTryHoldSeat)
      .bind(1, user)
      .bind(2, reservation)
      .bind(3, expires_at)
      .bind(4, concert)
      .bind(5, seat)
      .bind(6, now)
      .run();
  if (!matched_one(conn_)) return std::nullopt;
  auto row = conn_.query(q::kSeatPrice);
  row.bind(1, concert).bind(2, seat);
  if (!row.step()) throw MysqlError(0, "mysql: held seat vanished");
  return row.won(0);
}

bool MysqlReservationStore::seat_exists(ConcertId concert, std::int32_t seat) {
  return conn_.query(q::kSeatExists).bind(1, concert).bind(2, seat).step();
}

std::int64_t MysqlReservationStore::live_holds(UserId user, Timestamp now) {
  auto row = conn_.query(q::kLiveHolds);
  row.bind(1, user).bind(2, now);
  return row.step() ? row.int64(0) : 0;
}

void MysqlReservationStore::insert(const Reservation& r) {
  conn_.query(q::kInsertReservation)
      .bind(1, r.id)
      .bind(2, r.user)
      .bind(3, r.concert)
      .bind(4, r.seat_number)
      .bind(5, r.price)
      .bind(6, to_string(r.status))
      .bind(7, r.created_at)
      .bind(8, r.expires_at)
      .run();
}

std::optional<Reservation> MysqlReservationStore::find(ReservationId id) {
  auto row = conn_.query(q::kFindReservation);
  row.bind(1, id);
  if (!row.step()) return std::nullopt;
  return store::read_reservation(row, &reservation_status);
}

std::vector<reservations::ReservationListing> MysqlReservationStore::of_user(UserId user,
                                                                             std::size_t limit) {
  auto row = conn_.query(q::kReservationsOfUser);
  row.bind(1, user).bind(2, limit_bound(limit));
  std::vector<reservations::ReservationListing> out;
  while (row.step()) {
    out.push_back({.reservation = store::read_reservation(row, &reservation_status),
                   .concert_name = row.text(8),
                   .concert_date = row.date(9)});
  }
  return out;
}

// Runs `statement` (release or sell) on the seat only while `r` holds it unexpired at `now`.
bool MysqlReservationStore::change_held_seat(const Statement& statement, const Reservation& r,
                                             Timestamp now) {
  conn_.query(statement).bind(1, r.concert).bind(2, r.seat_number).bind(3, r.id).bind(4, now).run();
  return matched_one(conn_);
}

bool MysqlReservationStore::release_seat(const Reservation& r, Timestamp now) {
  return change_held_seat(q::kReleaseSeat, r, now);
}

bool MysqlReservationStore::sell_seat(const Reservation& r, Timestamp now) {
  return change_held_seat(q::kSellSeat, r, now);
}

void MysqlReservationStore::set_status(ReservationId id, ReservationStatus status) {
  conn_.query(q::kSetReservationStatus).bind(1, to_string(status)).bind(2, id).run();
}

std::size_t MysqlReservationStore::sweep_lapsed(Timestamp now) {
  // Every lapsed HELD seat belongs to a lapsed HELD reservation (both carry the same
  // expiry), so the two statements free and expire the same holds.
  conn_.query(q::kFreeLapsedSeats).bind(1, now).run();
  conn_.query(q::kExpireLapsedReservations).bind(1, now).run();
  return changed_rows(conn_);
}

// LedgerStore

std::optional<Won> MysqlLedgerStore::balance(UserId user) { return balance_of(conn_, user); }

std::optional<Won> MysqlLedgerStore::credit(UserId user, Won amount, Timestamp now) {
  // The overflow guard in SQL (INT64_MAX - amount) is only sound for positive amounts.
  if (amount.value() <= 0) throw std::invalid_argument("mysql: a charge must be positive");
  conn_.query(q::kCreditBalance).bind(1, amount).bind(2, user).bind(3, amount).run();
  if (!matched_one(conn_)) return std::nullopt;
  const auto balance = balance_of(conn_, user);
  if (!balance) throw MysqlError(0, "mysql: credited user vanished");
  conn_.query(q::kInsertLedgerRow)
      .bind(1, user)
      .bind(2, std::string_view("CHARGE"))
      .bind(3, amount)
      .bind_null(4)
      .bind(5, now)
      .run();
  return balance;
}

std::optional<Won> MysqlLedgerStore::debit(UserId user, Won amount, PaymentId payment,
                                           Timestamp now) {
  if (amount.value() < 0) throw std::invalid_argument("mysql: a debit cannot be negative");
  conn_.query(q::kDebitBalance).bind(1, amount).bind(2, user).bind(3, amount).run();
  if (!matched_one(conn_)) return std::nullopt;
  const auto balance = balance_of(conn_, user);
  if (!balance) throw MysqlError(0, "mysql: debited user vanished");
  conn_.query(q::kInsertLedgerRow)
      .bind(1, user)
      .bind(2, std::string_view("PAYMENT"))
      .bind(3, amount)
      .bind(4, payment)
      .bind(5, now)
      .run();
  return balance;
}

// PaymentStore

void MysqlPaymentStore::insert(const payments::Payment& p) {
  conn_.query(q::kInsertPayment)
      .bind(1, p.id)
      .bind(2, p.reservation)
      .bind(3, p.user)
      .bind(4, p.amount)
      .bind(5, p.created_at)
      .run();
}

// IdempotencyStore

std::optional<payments::IdempotencyRecord> MysqlIdempotencyStore::find(UserId user,
                                                                       std::string_view key) {
  auto row = conn_.query(q::kFindIdempotencyKey);
  row.bind(1, user).bind_bytes(2, key);
  if (!row.step()) return std::nullopt;
  return payments::IdempotencyRecord{.fingerprint = row.text(0), .outcome = row.text(1)};
}

void MysqlIdempotencyStore::insert(UserId user, std::string_view key,
                                   const payments::IdempotencyRecord& record, Timestamp now) {
  try {
    conn_.query(q::kInsertIdempotencyKey)
        .bind(1, user)
        .bind_bytes(2, key)
        .bind_bytes(3, record.fingerprint)
        .bind_bytes(4, record.outcome)
        .bind(5, now)
        .run();
  } catch (const MysqlError& e) {
    // Another transaction (another node) recorded the key after this one looked it up and
    // committed first (InnoDB made this insert wait for it). Running the work again finds
    // that record and answers as the first request did, instead of a second charge.
    if (e.code() == kErDupEntry) throw LostRace("mysql: idempotency key recorded concurrently");
    throw;
  }
}

std::size_t MysqlIdempotencyStore::purge(Timestamp cutoff) {
  conn_.query(q::kPurgeIdempotencyKeys).bind(1, cutoff).run();
  return changed_rows(conn_);
}

// SettingsStore

std::optional<std::string> MysqlSettingsStore::get(std::string_view name) {
  auto row = conn_.query(q::kGetSetting);
  row.bind_bytes(1, name);
  if (!row.step()) return std::nullopt;
  return row.text(0);
}

std::string MysqlSettingsStore::put_if_absent(std::string_view name, std::string_view value) {
  conn_.query(q::kPutSettingIfAbsent).bind_bytes(1, name).bind_bytes(2, value).run();
  auto stored = get(name);
  if (!stored) throw MysqlError(0, "mysql: setting vanished after insert");
  return *stored;
}

void MysqlSettingsStore::put(std::string_view name, std::string_view value) {
  conn_.query(q::kPutSetting).bind_bytes(1, name).bind_bytes(2, value).bind_bytes(3, value).run();
}

void Session::set_isolation(Isolation isolation) {
  if (isolation == isolation_) return;
  conn_.exec(isolation == Isolation::kReadCommitted ? queries::kSetReadCommitted
                                                    : queries::kSetRepeatableRead);
  isolation_ = isolation;
}

}  // namespace concertd::store::mysql
