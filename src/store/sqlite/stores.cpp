#include "store/sqlite/stores.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <stdexcept>

#include "store/rows.hpp"
#include "store/sqlite/queries.hpp"

namespace concertd::store::sqlite {
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
  throw SqliteError(SQLITE_MISMATCH, "sqlite: stored queue status is unknown");
}

ReservationStatus reservation_status(std::string_view text) {
  if (auto status = reservations::parse_reservation_status(text)) return *status;
  throw SqliteError(SQLITE_MISMATCH, "sqlite: stored reservation status is unknown");
}

// 'YYYY-MM-DD': fixed width, so that text order is date order.
std::string to_text(std::chrono::year_month_day date) {
  const int year = static_cast<int>(date.year());
  if (!date.ok() || year < 0 || year > 9999) {
    throw std::invalid_argument("sqlite: date outside 0000-01-01..9999-12-31");
  }
  char out[40];  // room for any int and unsigned, so that no truncation is possible
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", year, static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()));
  return out;
}

std::chrono::year_month_day parse_date(const std::string& text) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  const char* end = text.data() + text.size();
  bool ok = text.size() == 10 && text[4] == '-' && text[7] == '-';
  ok = ok && std::from_chars(text.data(), text.data() + 4, year).ptr == text.data() + 4;
  ok = ok && std::from_chars(text.data() + 5, text.data() + 7, month).ptr == text.data() + 7;
  ok = ok && std::from_chars(text.data() + 8, end, day).ptr == end;
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                         std::chrono::day(day)};
  if (!ok || !date.ok()) throw SqliteError(SQLITE_MISMATCH, "sqlite: stored date is malformed");
  return date;
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

// LIMIT takes a signed 64-bit value; anything larger means "all".
std::int64_t limit_bound(std::size_t limit) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(limit, static_cast<std::size_t>(INT64_MAX)));
}

std::size_t changed_rows(const Connection& conn) {
  return static_cast<std::size_t>(conn.changes());
}

}  // namespace

// UserStore

Result<void> SqliteUserStore::insert(const users::User& user) {
  conn_.query(q::kInsertUser)
      .bind(1, user.id)
      .bind(2, user.username)
      .bind(3, user.password_hash)
      .run();
  // ON CONFLICT (username) DO NOTHING: no row means the name was taken.
  if (conn_.changes() == 0) return make_error(Errc::kUsernameTaken, "username is taken");
  return {};
}

std::optional<users::User> SqliteUserStore::find_by_username(std::string_view username) {
  auto row = conn_.query(q::kFindUserByName);
  row.bind(1, username);
  if (!row.step()) return std::nullopt;
  return read_user(row);
}

bool SqliteUserStore::exists(UserId id) { return conn_.query(q::kUserExists).bind(1, id).step(); }

// The one writer connection already runs every write transaction alone.
bool SqliteUserStore::lock(UserId id) { return exists(id); }

std::optional<users::User> SqliteUserStore::lock_by_username(std::string_view username) {
  return find_by_username(username);
}

void SqliteUserStore::set_login_failures(UserId id, const users::LoginFailures& failures) {
  conn_.query(q::kSetLoginFailures)
      .bind(1, id)
      .bind(2, static_cast<std::int64_t>(failures.count))
      .bind(3, failures.locked_until)
      .run();
}

// QueueStore

std::optional<QueueEntry> SqliteQueueStore::find_live(UserId user, Timestamp now) {
  auto row = conn_.query(q::kFindLiveEntry);
  row.bind(1, user).bind(2, now);
  if (!row.step()) return std::nullopt;
  return read_entry(row);
}

QueueEntry SqliteQueueStore::enqueue(UserId user, Timestamp now) {
  auto row = conn_.query(q::kEnqueue);
  row.bind(1, user).bind(2, now);
  if (!row.step()) throw SqliteError(SQLITE_INTERNAL, "sqlite: enqueue returned no number");
  return QueueEntry{.number = row.int64(0),
                    .user = user,
                    .status = QueueStatus::kWaiting,
                    .created_at = now,
                    .expires_at = std::nullopt};
}

bool SqliteQueueStore::is_active(std::int64_t number, UserId user, Timestamp now) {
  return conn_.query(q::kEntryIsActive).bind(1, number).bind(2, user).bind(3, now).step();
}

std::vector<QueueSlot> SqliteQueueStore::entries_after(std::int64_t after, std::size_t limit) {
  std::vector<QueueSlot> out;
  if (limit == 0) return out;
  auto row = conn_.query(q::kEntriesAfter);
  row.bind(1, after).bind(2, limit_bound(limit));
  while (row.step()) out.push_back(read_slot(row));
  return out;
}

// The one writer never leaves a number open for another: every gap is closed at once.
bool SqliteQueueStore::fill_gap(std::int64_t number, Timestamp now) {
  conn_.query(q::kFillGap).bind(1, number).bind(2, now).run();
  return true;
}

void SqliteQueueStore::activate(std::int64_t first, std::int64_t last, Timestamp expires_at) {
  conn_.query(q::kActivateEntries).bind(1, first).bind(2, last).bind(3, expires_at).run();
}

void SqliteQueueStore::expire(std::int64_t number) {
  conn_.query(q::kExpireEntry).bind(1, number).run();
}

void SqliteQueueStore::expire_active_of(UserId user) {
  conn_.query(q::kExpireActiveOfUser).bind(1, user).run();
}

std::size_t SqliteQueueStore::publish_departures(std::int64_t seq) {
  conn_.query(q::kPublishDepartures).bind(1, seq).run();
  return changed_rows(conn_);
}

void SqliteQueueStore::set_change_seq(std::int64_t seq) {
  conn_.query(q::kSetChangeSeq).bind(1, seq).run();
}

std::size_t SqliteQueueStore::expire_lapsed(Timestamp now) {
  conn_.query(q::kExpireLapsedEntries).bind(1, now).run();
  return changed_rows(conn_);
}

void SqliteQueueStore::set_admitted_up_to(std::int64_t number) {
  conn_.query(q::kSetAdmittedUpTo).bind(1, number).run();
}

bool SqliteQueueStore::try_lead(std::string_view node, Timestamp now, Timestamp lease_until) {
  conn_.query(q::kTakeLease).bind(1, node).bind(2, now).bind(3, lease_until).run();
  return conn_.changes() == 1;
}

void SqliteQueueStore::resign(std::string_view node) {
  conn_.query(q::kResignLease).bind(1, node).run();
}

queue::QueueCounters SqliteQueueStore::counters() {
  auto row = conn_.query(q::kQueueCounters);
  if (!row.step()) throw SqliteError(SQLITE_INTERNAL, "sqlite: queue_state is missing");
  return {.admitted_up_to = row.int64(0), .last_number = row.int64(1), .change_seq = row.int64(2)};
}

queue::QueueSnapshot SqliteQueueStore::snapshot(Timestamp now) {
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

std::vector<QueueEntry> SqliteQueueStore::admitted_between(std::int64_t after, std::int64_t up_to,
                                                           Timestamp now) {
  return collect(conn_.query(q::kAdmittedBetween).bind(1, after).bind(2, up_to).bind(3, now),
                 read_entry);
}

std::vector<std::int64_t> SqliteQueueStore::left_between(std::int64_t after, std::int64_t up_to) {
  return collect(conn_.query(q::kLeftBetween).bind(1, after).bind(2, up_to),
                 [](const auto& row) { return row.int64(0); });
}

// ConcertStore

void SqliteConcertStore::insert(const concerts::Concert& concert,
                                std::span<const concerts::SeatSpec> seats) {
  const std::string date = to_text(concert.date);
  conn_.query(q::kInsertConcert).bind(1, concert.id).bind(2, concert.name).bind(3, date).run();
  for (const auto& seat : seats) {
    conn_.query(q::kInsertSeat).bind(1, concert.id).bind(2, seat.number).bind(3, seat.price).run();
  }
}

std::vector<ConcertSummary> SqliteConcertStore::upcoming(std::chrono::sys_days from,
                                                         Timestamp now) {
  const std::string from_text = to_text(std::chrono::year_month_day(from));
  auto row = conn_.query(q::kUpcomingConcerts);
  row.bind(1, from_text).bind(2, now);
  std::vector<ConcertSummary> out;
  while (row.step()) {
    out.push_back(ConcertSummary{.concert = {.id = row.id<ConcertId>(0),
                                             .name = row.text(1),
                                             .date = parse_date(row.text(2))},
                                 .available_seats = row.int64(3)});
  }
  return out;
}

std::optional<std::vector<SeatView>> SqliteConcertStore::seats(ConcertId id, Timestamp now) {
  if (!conn_.query(q::kConcertExists).bind(1, id).step()) return std::nullopt;
  auto row = conn_.query(q::kConcertSeats);
  row.bind(1, id).bind(2, now);
  std::vector<SeatView> out;
  while (row.step()) {
    out.push_back(SeatView{.number = static_cast<std::int32_t>(row.int64(0)),
                           .available = row.int64(2) != 0,
                           .price = row.won(1)});
  }
  return out;
}

std::optional<Timestamp> SqliteConcertStore::next_hold_lapse(ConcertId id, Timestamp now) {
  auto row = conn_.query(q::kNextHoldLapse);
  row.bind(1, id).bind(2, now);
  if (!row.step()) return std::nullopt;
  return row.optional_timestamp(0);
}

std::vector<concerts::ConcertSales> SqliteConcertStore::sales(Timestamp now) {
  auto row = conn_.query(q::kConcertSales);
  row.bind(1, now);
  std::vector<concerts::ConcertSales> out;
  while (row.step()) {
    out.push_back({.concert = {.id = row.id<ConcertId>(0),
                               .name = row.text(1),
                               .date = parse_date(row.text(2))},
                   .seat_count = row.int64(3),
                   .sold = row.int64(4),
                   .held = row.int64(5),
                   .holds_total = row.int64(6),
                   .revenue = row.won(7)});
  }
  return out;
}

bool SqliteConcertStore::any() {
  auto row = conn_.query(q::kAnyConcert);
  return row.step() && row.int64(0) != 0;
}

// ReservationStore

std::optional<Won> SqliteReservationStore::try_hold_seat(ConcertId concert, std::int32_t seat,
                                                         ReservationId reservation, UserId user,
                                                         Timestamp now, Timestamp expires_at) {
  auto row = conn_.query(q::kTryHoldSeat);
  row.bind(1, user)
      .bind(2, reservation)
      .bind(3, expires_at)
      .bind(4, concert)
      .bind(5, seat)
      .bind(6, now);
  // RETURNING yields the row only when the conditional UPDATE changed it.
  if (!row.step()) return std::nullopt;
  const Won price = row.won(0);
  row.run();
  return price;
}

bool SqliteReservationStore::seat_exists(ConcertId concert, std::int32_t seat) {
  return conn_.query(q::kSeatExists).bind(1, concert).bind(2, seat).step();
}

std::int64_t SqliteReservationStore::live_holds(UserId user, Timestamp now) {
  auto row = conn_.query(q::kLiveHolds);
  row.bind(1, user).bind(2, now);
  return row.step() ? row.int64(0) : 0;
}

void SqliteReservationStore::insert(const Reservation& r) {
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

std::optional<Reservation> SqliteReservationStore::find(ReservationId id) {
  auto row = conn_.query(q::kFindReservation);
  row.bind(1, id);
  if (!row.step()) return std::nullopt;
  return store::read_reservation(row, &reservation_status);
}

std::vector<reservations::ReservationListing> SqliteReservationStore::of_user(UserId user,
                                                                              std::size_t limit) {
  auto row = conn_.query(q::kReservationsOfUser);
  row.bind(1, user).bind(2, limit_bound(limit));
  std::vector<reservations::ReservationListing> out;
  while (row.step()) {
    out.push_back({.reservation = store::read_reservation(row, &reservation_status),
                   .concert_name = row.text(8),
                   .concert_date = parse_date(row.text(9))});
  }
  return out;
}

// Runs `statement` (release or sell) on the seat only while `r` holds it unexpired at `now`.
bool SqliteReservationStore::change_held_seat(const Statement& statement, const Reservation& r,
                                              Timestamp now) {
  conn_.query(statement).bind(1, r.concert).bind(2, r.seat_number).bind(3, r.id).bind(4, now).run();
  return conn_.changes() == 1;
}

bool SqliteReservationStore::release_seat(const Reservation& r, Timestamp now) {
  return change_held_seat(q::kReleaseSeat, r, now);
}

bool SqliteReservationStore::sell_seat(const Reservation& r, Timestamp now) {
  return change_held_seat(q::kSellSeat, r, now);
}

void SqliteReservationStore::set_status(ReservationId id, ReservationStatus status) {
  conn_.query(q::kSetReservationStatus).bind(1, id).bind(2, to_string(status)).run();
}

std::size_t SqliteReservationStore::sweep_lapsed(Timestamp now) {
  // Every lapsed HELD seat belongs to a lapsed HELD reservation (both carry the same
  // expiry), so the two statements free and expire the same holds.
  conn_.query(q::kFreeLapsedSeats).bind(1, now).run();
  conn_.query(q::kExpireLapsedReservations).bind(1, now).run();
  return changed_rows(conn_);
}

// LedgerStore

std::optional<Won> SqliteLedgerStore::balance(UserId user) {
  auto row = conn_.query(q::kBalance);
  row.bind(1, user);
  if (!row.step()) return std::nullopt;
  return row.won(0);
}

std::optional<Won> SqliteLedgerStore::credit(UserId user, Won amount, Timestamp now) {
  // The overflow guard in SQL (INT64_MAX - amount) is only sound for positive amounts.
  if (amount.value() <= 0) throw std::invalid_argument("sqlite: a charge must be positive");
  std::optional<Won> balance;
  {
    auto row = conn_.query(q::kCreditBalance);
    row.bind(1, user).bind(2, amount);
    if (!row.step()) return std::nullopt;
    balance = row.won(0);
    row.run();
  }
  conn_.query(q::kInsertLedgerRow)
      .bind(1, user)
      .bind(2, std::string_view("CHARGE"))
      .bind(3, amount)
      .bind_null(4)
      .bind(5, now)
      .run();
  return balance;
}

std::optional<Won> SqliteLedgerStore::debit(UserId user, Won amount, PaymentId payment,
                                            Timestamp now) {
  if (amount.value() < 0) throw std::invalid_argument("sqlite: a debit cannot be negative");
  std::optional<Won> balance;
  {
    auto row = conn_.query(q::kDebitBalance);
    row.bind(1, user).bind(2, amount);
    if (!row.step()) return std::nullopt;
    balance = row.won(0);
    row.run();
  }
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

void SqlitePaymentStore::insert(const payments::Payment& p) {
  conn_.query(q::kInsertPayment)
      .bind(1, p.id)
      .bind(2, p.reservation)
      .bind(3, p.user)
      .bind(4, p.amount)
      .bind(5, p.created_at)
      .run();
}

// IdempotencyStore

std::optional<payments::IdempotencyRecord> SqliteIdempotencyStore::find(UserId user,
                                                                        std::string_view key) {
  auto row = conn_.query(q::kFindIdempotencyKey);
  row.bind(1, user).bind(2, key);
  if (!row.step()) return std::nullopt;
  return payments::IdempotencyRecord{.fingerprint = row.text(0), .outcome = row.text(1)};
}

void SqliteIdempotencyStore::insert(UserId user, std::string_view key,
                                    const payments::IdempotencyRecord& record, Timestamp now) {
  conn_.query(q::kInsertIdempotencyKey)
      .bind(1, user)
      .bind(2, key)
      .bind(3, record.fingerprint)
      .bind(4, record.outcome)
      .bind(5, now)
      .run();
}

std::size_t SqliteIdempotencyStore::purge(Timestamp cutoff) {
  conn_.query(q::kPurgeIdempotencyKeys).bind(1, cutoff).run();
  return changed_rows(conn_);
}

// SettingsStore

std::optional<std::string> SqliteSettingsStore::get(std::string_view name) {
  auto row = conn_.query(q::kGetSetting);
  row.bind(1, name);
  if (!row.step()) return std::nullopt;
  return row.text(0);
}

std::string SqliteSettingsStore::put_if_absent(std::string_view name, std::string_view value) {
  conn_.query(q::kPutSettingIfAbsent).bind(1, name).bind(2, value).run();
  auto stored = get(name);
  if (!stored) throw SqliteError(SQLITE_INTERNAL, "sqlite: setting vanished after insert");
  return *stored;
}

void SqliteSettingsStore::put(std::string_view name, std::string_view value) {
  conn_.query(q::kPutSetting).bind(1, name).bind(2, value).run();
}

Session::Session(const std::string& path, Connection::Role role,
                 std::chrono::milliseconds busy_timeout)
    : conn_(path, role, busy_timeout) {}

}  // namespace concertd::store::sqlite
