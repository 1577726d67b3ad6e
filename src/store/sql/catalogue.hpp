#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "store/statement.hpp"

// The statements of the store (sql/stores.hpp) that SQLite and MariaDB/MySQL read
// alike, written once. Values are always bound (`?`, bound in the order they appear;
// the order is noted where it is not the obvious one), never spliced. What a dialect
// writes its own way is in its Dialect (sqlite/dialect.hpp, mysql/dialect.hpp).
namespace concertd::store::sql {

// UserStore.
inline constexpr Statement kInsertUser{
    "INSERT INTO users (id, username, password_hash) VALUES (?, ?, ?)"};
inline constexpr Statement kFindUserByName{
    "SELECT id, username, password_hash, failed_logins, login_locked_until FROM users "
    "WHERE username = ?"};
inline constexpr Statement kSetLoginFailures{
    // failures, locked until, id
    "UPDATE users SET failed_logins = ?, login_locked_until = ? WHERE id = ?"};
inline constexpr Statement kUserExists{"SELECT 1 FROM users WHERE id = ?"};

// QueueStore.
inline constexpr Statement kFindLiveEntry{
    // user, now
    "SELECT number, user_id, status, created_at, expires_at FROM queue_entries"
    " WHERE user_id = ? AND (status = 'WAITING' OR (status = 'ACTIVE' AND expires_at > ?))"
    " ORDER BY number DESC LIMIT 1"};
inline constexpr Statement kEnqueue{
    // user, now; the number is the connection's insert_id()
    "INSERT INTO queue_entries (user_id, status, created_at) VALUES (?, 'WAITING', ?)"};
// An ACTIVE entry past its expiry still holds the user's live-entry key until the sweeper
// (kExpireLapsedEntries) or a join of that user ends it.
inline constexpr Statement kEndLapsedEntryOfUser{
    // user, now
    "UPDATE queue_entries SET status = 'EXPIRED'"
    " WHERE user_id = ? AND status = 'ACTIVE' AND expires_at <= ?"};
inline constexpr Statement kEntryIsActive{
    // number, user, now
    "SELECT 1 FROM queue_entries"
    " WHERE number = ? AND user_id = ? AND status = 'ACTIVE' AND expires_at > ?"};
inline constexpr Statement kEntriesAfter{
    // after, limit
    "SELECT number, user_id, status, created_at, expires_at FROM queue_entries"
    " WHERE number > ? ORDER BY number LIMIT ?"};
// A placeholder: the number is taken, by no one.
inline constexpr Statement kFillGap{
    // number, now
    "INSERT INTO queue_entries (number, user_id, status, created_at)"
    " VALUES (?, NULL, 'EXPIRED', ?)"};
inline constexpr Statement kActivateEntries{
    // expires_at, first, last
    "UPDATE queue_entries SET status = 'ACTIVE', expires_at = ?"
    " WHERE status = 'WAITING' AND number BETWEEN ? AND ?"};
inline constexpr Statement kExpireEntry{
    "UPDATE queue_entries SET status = 'EXPIRED' WHERE number = ?"};
// left_seq 0: a departure not yet published (kPublishDepartures numbers it).
inline constexpr Statement kExpireActiveOfUser{
    "UPDATE queue_entries SET status = 'EXPIRED', left_seq = 0"
    " WHERE user_id = ? AND status = 'ACTIVE'"};
inline constexpr Statement kPublishDepartures{
    "UPDATE queue_entries SET left_seq = ? WHERE left_seq = 0"};
inline constexpr Statement kSetChangeSeq{"UPDATE queue_state SET change_seq = ? WHERE id = 1"};
inline constexpr Statement kExpireLapsedEntries{
    "UPDATE queue_entries SET status = 'EXPIRED' WHERE status = 'ACTIVE' AND expires_at <= ?"};
inline constexpr Statement kSetAdmittedUpTo{
    "UPDATE queue_state SET admitted_up_to = ? WHERE id = 1"};
inline constexpr Statement kTakeLease{
    // node, lease_until, node, now
    "UPDATE queue_state SET leader = ?, lease_until = ?"
    " WHERE id = 1 AND (leader = ? OR leader IS NULL OR lease_until <= ?)"};
inline constexpr Statement kResignLease{
    "UPDATE queue_state SET leader = NULL, lease_until = 0 WHERE id = 1 AND leader = ?"};
inline constexpr Statement kActiveEntries{
    "SELECT number, user_id, status, created_at, expires_at FROM queue_entries"
    " WHERE status = 'ACTIVE' AND expires_at > ? ORDER BY number"};
inline constexpr Statement kAdmittedBetween{
    // after, up to, now
    "SELECT number, user_id, status, created_at, expires_at FROM queue_entries"
    " WHERE number > ? AND number <= ? AND status = 'ACTIVE' AND expires_at > ? ORDER BY number"};
inline constexpr Statement kLeftBetween{
    // after, up to
    "SELECT number FROM queue_entries WHERE left_seq > ? AND left_seq <= ?"};
// A fan leaves (DELETE /queue/entry): a WAITING entry is skipped when reached, an ACTIVE
// one's slot frees on every node; both are departures kPublishDepartures numbers.
inline constexpr Statement kLeaveEntry{
    // number, user, now
    "UPDATE queue_entries SET status = 'EXPIRED', left_seq = 0 WHERE number = ? AND user_id = ?"
    " AND (status = 'WAITING' OR (status = 'ACTIVE' AND expires_at > ?))"};
// Presence marks (docs/design.md, "Walked away, on every node"): kPresenceBatch numbers a
// statement, each followed by the dialect's clause that keeps a number's newer time.
inline constexpr Statement kMarkPresentRow{
    "INSERT INTO queue_presence (number, seen_at) VALUES (?, ?)"};
inline constexpr std::size_t kPresenceBatch = 100;
inline constexpr std::string_view kMarkPresentRows = ", (?, ?)";
inline constexpr Statement kPresenceBetween{
    // after, up to
    "SELECT number, seen_at FROM queue_presence WHERE number > ? AND number <= ?"
    " ORDER BY number"};
inline constexpr Statement kForgetPresence{"DELETE FROM queue_presence WHERE number <= ?"};

// ConcertStore.
inline constexpr Statement kInsertConcert{"INSERT INTO concerts (id, name, date) VALUES (?, ?, ?)"};
inline constexpr Statement kInsertSeat{
    "INSERT INTO seats (concert_id, seat_number, price) VALUES (?, ?, ?)"};
// Seats go in kSeatBatch at a time (then one by one), so that a concert of 100,000 seats
// is a few hundred statements rather than 100,000 (600 parameters: within both limits).
inline constexpr std::size_t kSeatBatch = 200;
namespace detail {
inline constexpr std::string_view kInsertSeatsRow = ", (?, ?, ?)";
// The text of `first` (one row's INSERT) followed by `more` for each of rows - 1 rows.
template <const Statement& first, const std::string_view& more, std::size_t rows>
constexpr auto rows_sql() {
  std::array<char, first.sql.size() + (rows - 1) * more.size()> out{};
  auto at = std::ranges::copy(first.sql, out.begin()).out;
  for (std::size_t row = 1; row < rows; ++row) at = std::ranges::copy(more, at).out;
  return out;
}
inline constexpr auto kInsertSeatsText = rows_sql<kInsertSeat, kInsertSeatsRow, kSeatBatch>();
}  // namespace detail
inline constexpr Statement kInsertSeats{
    std::string_view{detail::kInsertSeatsText.data(), detail::kInsertSeatsText.size()}};
namespace detail {
inline constexpr auto kMarkPresentText =
    rows_sql<kMarkPresentRow, kMarkPresentRows, kPresenceBatch>();
}  // namespace detail
// QueueStore's presence marks: kPresenceBatch rows (the dialect adds its upsert clause).
inline constexpr Statement kMarkPresent{
    std::string_view{detail::kMarkPresentText.data(), detail::kMarkPresentText.size()}};
inline constexpr Statement kUpcomingConcerts{
    // now, from
    "SELECT c.id, c.name, c.date, COUNT(s.seat_number) FROM concerts c"
    " LEFT JOIN seats s ON s.concert_id = c.id"
    "  AND (s.state = 'FREE' OR (s.state = 'HELD' AND s.hold_expires_at <= ?))"
    " WHERE c.date >= ? GROUP BY c.id, c.name, c.date ORDER BY c.date, c.name, c.id"};
inline constexpr Statement kConcertExists{"SELECT 1 FROM concerts WHERE id = ?"};
inline constexpr Statement kConcertSeats{
    // now, concert
    "SELECT seat_number, price,"
    " state = 'FREE' OR (state = 'HELD' AND hold_expires_at <= ?)"
    " FROM seats WHERE concert_id = ? ORDER BY seat_number"};
inline constexpr Statement kNextHoldLapse{
    // concert, now
    "SELECT MIN(hold_expires_at) FROM seats"
    " WHERE concert_id = ? AND state = 'HELD' AND hold_expires_at > ?"};
inline constexpr Statement kAnyConcert{"SELECT EXISTS (SELECT 1 FROM concerts)"};
// One pass over each concert's seats; its reservations and payments by index. SUM is
// DECIMAL in MariaDB: cast back to an integer (SIGNED INTEGER: a type both dialects take,
// INTEGER affinity in SQLite).
inline constexpr Statement kConcertSales{
    // now
    "SELECT c.id, c.name, c.date, COUNT(s.seat_number),"
    " CAST(COALESCE(SUM(s.state = 'SOLD'), 0) AS SIGNED INTEGER),"
    " CAST(COALESCE(SUM(s.state = 'HELD' AND s.hold_expires_at > ?), 0) AS SIGNED INTEGER),"
    " (SELECT COUNT(*) FROM reservations r WHERE r.concert_id = c.id),"
    " (SELECT CAST(COALESCE(SUM(p.amount), 0) AS SIGNED INTEGER) FROM reservations r"
    "  JOIN payments p ON p.reservation_id = r.id WHERE r.concert_id = c.id)"
    " FROM concerts c LEFT JOIN seats s ON s.concert_id = c.id"
    " GROUP BY c.id, c.name, c.date ORDER BY c.date, c.name, c.id"};

// ReservationStore. What a hold is decided on, read with the user's row: the dialect
// makes it a locking read of every row it reads (MariaDB: FOR UPDATE, which then reads
// the newest committed rows). Live holds are counted from the user's HELD reservations
// (a reservation and its seat carry the same expiry and change status together), rows no
// other user's request locks. The seat and the queue entry are one row at most (each by
// its key), so the count is not multiplied; GROUP BY yields no row for no user,
// MAX(t.price) NULL for no seat (a seat's price never changes).
// The dialect may name the index of the join on reservations between the two halves.
inline constexpr std::string_view kHolderGateHead =
    // concert, seat, number, now, now, user
    "SELECT COUNT(DISTINCT q.number), COUNT(r.id), MAX(t.price), MAX(t.state),"
    " MAX(t.hold_expires_at) FROM users u"
    " LEFT JOIN seats t ON t.concert_id = ? AND t.seat_number = ?"
    " LEFT JOIN queue_entries q ON q.number = ? AND q.user_id = u.id AND q.status = 'ACTIVE'"
    "  AND q.expires_at > ?"
    " LEFT JOIN reservations r";
inline constexpr std::string_view kHolderGateTail =
    " ON r.user_id = u.id AND r.status = 'HELD' AND r.expires_at > ? WHERE u.id = ? GROUP BY u.id";
inline constexpr Statement kHolderGate = joined<kHolderGateHead, kHolderGateTail>;
// The hold is one conditional UPDATE, run after the gate found the seat free under its
// lock: the condition is the write's own guard (a determined write, store/sql/write.hpp).
// The reservation is inserted after it.
inline constexpr Statement kTryHoldSeat{
    // holder, reservation, expires, concert, seat, now
    "UPDATE seats SET state = 'HELD', holder = ?, reservation_id = ?, hold_expires_at = ?"
    " WHERE concert_id = ? AND seat_number = ?"
    " AND (state = 'FREE' OR (state = 'HELD' AND hold_expires_at <= ?))"};
inline constexpr Statement kInsertReservation{
    "INSERT INTO reservations"
    " (id, user_id, concert_id, seat_number, price, status, created_at, expires_at, extended)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"};
inline constexpr Statement kFindReservation{
    "SELECT id, user_id, concert_id, seat_number, price, status, created_at, expires_at,"
    " extended FROM reservations WHERE id = ?"};
// Newest first; the id orders reservations made in the same millisecond.
inline constexpr Statement kReservationsOfUser{
    // user, limit
    "SELECT r.id, r.user_id, r.concert_id, r.seat_number, r.price, r.status, r.created_at,"
    " r.expires_at, r.extended, c.name, c.date"
    " FROM reservations r JOIN concerts c ON c.id = r.concert_id"
    " WHERE r.user_id = ? ORDER BY r.created_at DESC, r.id DESC LIMIT ?"};
inline constexpr Statement kReleaseSeat{
    // concert, seat, reservation, now
    "UPDATE seats SET state = 'FREE', holder = NULL, reservation_id = NULL,"
    " hold_expires_at = NULL"
    " WHERE concert_id = ? AND seat_number = ? AND state = 'HELD' AND reservation_id = ?"
    " AND hold_expires_at > ?"};
inline constexpr Statement kSellSeat{
    // concert, seat, reservation, now
    "UPDATE seats SET state = 'SOLD', hold_expires_at = NULL"
    " WHERE concert_id = ? AND seat_number = ? AND state = 'HELD' AND reservation_id = ?"
    " AND hold_expires_at > ?"};
// The extension: the reservation's row first (extended = 0 makes it once: of two at once
// the second waits for the first's row lock and then matches nothing), then its seat.
inline constexpr Statement kExtendReservation{
    // expires, id, now
    "UPDATE reservations SET expires_at = ?, extended = 1"
    " WHERE id = ? AND status = 'HELD' AND extended = 0 AND expires_at > ?"};
inline constexpr Statement kExtendSeatHold{
    // expires, concert, seat, reservation, now
    "UPDATE seats SET hold_expires_at = ?"
    " WHERE concert_id = ? AND seat_number = ? AND state = 'HELD' AND reservation_id = ?"
    " AND hold_expires_at > ?"};
inline constexpr Statement kSetReservationStatus{// status, id
                                                 "UPDATE reservations SET status = ? WHERE id = ?"};
inline constexpr Statement kFreeLapsedSeats{
    "UPDATE seats SET state = 'FREE', holder = NULL, reservation_id = NULL,"
    " hold_expires_at = NULL WHERE state = 'HELD' AND hold_expires_at <= ?"};
inline constexpr Statement kExpireLapsedReservations{
    "UPDATE reservations SET status = 'EXPIRED' WHERE status = 'HELD' AND expires_at <= ?"};

// LedgerStore. The balance column and the ledger row change in the same transaction;
// the WHERE clauses keep the balance within 0..INT64_MAX. A credit's new balance comes
// back by the dialect's RETURNING clause or is read after the UPDATE (kBalance), from the
// row it locked; a debit's is not needed (the rows it changed tell whether it ran).
inline constexpr Statement kBalance{"SELECT balance FROM users WHERE id = ?"};
inline constexpr Statement kCreditBalance{// amount, user, amount
                                          "UPDATE users SET balance = balance + ?"
                                          " WHERE id = ? AND balance <= 9223372036854775807 - ?"};
inline constexpr Statement kDebitBalance{
    // amount, user, amount
    "UPDATE users SET balance = balance - ? WHERE id = ? AND balance >= ?"};
inline constexpr Statement kInsertLedgerRow{
    "INSERT INTO ledger (user_id, kind, amount, payment_id, created_at)"
    " VALUES (?, ?, ?, ?, ?)"};

// PaymentStore. What a payment is decided on, read with the user's row (a locking read
// of every row it reads, as kHolderGate): the record under the key (a NULL key matches
// none) and the reservation.
inline constexpr Statement kPayerGate{
    // key, reservation, user
    "SELECT k.fingerprint, k.outcome, r.id, r.user_id, r.concert_id, r.seat_number, r.price,"
    " r.status, r.created_at, r.expires_at, r.extended, u.balance FROM users u"
    " LEFT JOIN idempotency_keys k ON k.user_id = u.id AND k.idempotency_key = ?"
    " LEFT JOIN reservations r ON r.id = ?"
    " WHERE u.id = ?"};
inline constexpr Statement kInsertPayment{
    "INSERT INTO payments (id, reservation_id, user_id, amount, created_at)"
    " VALUES (?, ?, ?, ?, ?)"};

// IdempotencyStore.
inline constexpr Statement kFindIdempotencyKey{
    "SELECT fingerprint, outcome FROM idempotency_keys"
    " WHERE user_id = ? AND idempotency_key = ?"};
inline constexpr Statement kInsertIdempotencyKey{
    "INSERT INTO idempotency_keys (user_id, idempotency_key, fingerprint, outcome, created_at)"
    " VALUES (?, ?, ?, ?, ?)"};
inline constexpr Statement kPurgeIdempotencyKeys{
    "DELETE FROM idempotency_keys WHERE created_at < ?"};

// SettingsStore. A setting is inserted, or on a duplicate key updated (neither dialect's
// upsert reads the same as the other's).
inline constexpr Statement kGetSetting{"SELECT value FROM settings WHERE name = ?"};
inline constexpr Statement kInsertSetting{"INSERT INTO settings (name, value) VALUES (?, ?)"};
inline constexpr Statement kUpdateSetting{// value, name
                                          "UPDATE settings SET value = ? WHERE name = ?"};

}  // namespace concertd::store::sql
