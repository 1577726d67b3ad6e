#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "store/statement.hpp"

// Every statement the MariaDB/MySQL store runs. Values are always bound (`?`, in the
// order noted where it is not the obvious one), never spliced. Each statement with
// parameters is prepared once per connection and cached under its Statement's address
// (Connection::query); those without run through the text protocol (Connection::exec).
namespace concertd::store::mysql::queries {

using store::Statement;

// Session setup, once per connection.
//
// READ COMMITTED for writes: every race is settled by a conditional UPDATE, which locks
// the rows it changes whatever the level, and REPEATABLE READ would add gap and next-key
// locks on the ranges scanned, serialising unrelated inserts (seats of other concerts,
// queue entries, ledger rows) and making deadlocks more likely. Reads that need one
// snapshot switch the session to REPEATABLE READ (kSetRepeatableRead).
inline constexpr Statement kSetReadCommitted{
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"};
inline constexpr Statement kSetRepeatableRead{
    "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"};
inline constexpr Statement kSetSqlMode{
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,"
    "NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY'"};
inline constexpr Statement kSetTimeZoneUtc{"SET SESSION time_zone = '+00:00'"};
// Queue numbers must be consecutive (a position is the distance between two numbers);
// Galera's wsrep_auto_increment_control spaces them by the cluster size, whatever the
// session asks for.
inline constexpr Statement kAutoIncrementStep{"SELECT @@auto_increment_increment"};
// Seconds.
inline constexpr Statement kSetLockWaitTimeout{"SET SESSION innodb_lock_wait_timeout = ?"};
// Seconds; MariaDB only.
inline constexpr Statement kSetIdleTransactionTimeout{"SET SESSION idle_transaction_timeout = ?"};

inline constexpr Statement kStartTransaction{"START TRANSACTION"};
// A consistent snapshot from the first statement on (under REPEATABLE READ).
inline constexpr Statement kStartReadOnly{"START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"};
inline constexpr Statement kCommit{"COMMIT"};
inline constexpr Statement kRollback{"ROLLBACK"};

inline constexpr Statement kReadyProbe{"SELECT 1 FROM queue_state WHERE id = 1"};

// Migrations. GET_LOCK is server-wide, so the name carries the database: nodes of one
// database wait for each other, tests on other databases of the same server do not.
// (Names are at most 64 characters; two databases sharing 40 leading ones only wait.)
inline constexpr Statement kGetMigrationLock{
    "SELECT GET_LOCK(CONCAT('concertd_migrate.', LEFT(DATABASE(), 40)), ?)"};  // seconds
inline constexpr Statement kReleaseMigrationLock{
    "SELECT RELEASE_LOCK(CONCAT('concertd_migrate.', LEFT(DATABASE(), 40)))"};
inline constexpr Statement kCreateSchemaMigrations{
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL"
    ") ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin"};
inline constexpr Statement kMaxAppliedVersion{
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"};
inline constexpr Statement kMigrationApplied{"SELECT 1 FROM schema_migrations WHERE version = ?"};
inline constexpr Statement kRecordMigration{
    "INSERT INTO schema_migrations (version, name, applied_at)"
    " VALUES (?, ?, CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED))"};

// UserStore. A taken username is the duplicate key users_username (error 1062).
inline constexpr std::string_view kUsernameKey = "users_username";
// The key a duplicate queue number, or any other primary key, is reported under.
inline constexpr std::string_view kPrimaryKey = "PRIMARY";
inline constexpr Statement kInsertUser{
    "INSERT INTO users (id, username, password_hash) VALUES (?, ?, ?)"};
inline constexpr Statement kFindUserByName{
    "SELECT id, username, password_hash, failed_logins, login_locked_until FROM users "
    "WHERE username = ?"};
inline constexpr Statement kLockUserByName{
    "SELECT id, username, password_hash, failed_logins, login_locked_until FROM users "
    "WHERE username = ? FOR UPDATE"};
inline constexpr Statement kSetLoginFailures{
    // failures, locked until, id
    "UPDATE users SET failed_logins = ?, login_locked_until = ? WHERE id = ?"};
inline constexpr Statement kUserExists{"SELECT 1 FROM users WHERE id = ?"};
inline constexpr Statement kLockUser{"SELECT 1 FROM users WHERE id = ? FOR UPDATE"};

// QueueStore.
inline constexpr Statement kFindLiveEntry{
    // user, now
    "SELECT number, user_id, status, created_at, expires_at FROM queue_entries"
    " WHERE user_id = ? AND (status = 'WAITING' OR (status = 'ACTIVE' AND expires_at > ?))"
    " ORDER BY number DESC LIMIT 1"};
inline constexpr Statement kEnqueue{
    // user, now; the number is insert_id()
    "INSERT INTO queue_entries (user_id, status, created_at) VALUES (?, 'WAITING', ?)"};
inline constexpr Statement kEntryIsActive{
    // number, user, now
    "SELECT 1 FROM queue_entries"
    " WHERE number = ? AND user_id = ? AND status = 'ACTIVE' AND expires_at > ?"};
inline constexpr Statement kEntriesAfter{
    // after, limit
    "SELECT number, user_id, status, created_at, expires_at FROM queue_entries"
    " WHERE number > ? ORDER BY number LIMIT ?"};
// No wait for a lock: a join that took the number and has not committed holds its row,
// and the answer then is "still open" (1205), not a wait for that join's commit.
inline constexpr Statement kFillGap{
    // number, now
    "SET STATEMENT innodb_lock_wait_timeout = 0 FOR"
    " INSERT INTO queue_entries (number, user_id, status, created_at)"
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
inline constexpr Statement kQueueCounters{
    "SELECT admitted_up_to, (SELECT COALESCE(MAX(number), 0) FROM queue_entries), change_seq"
    " FROM queue_state WHERE id = 1"};
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

// ConcertStore.
inline constexpr Statement kInsertConcert{"INSERT INTO concerts (id, name, date) VALUES (?, ?, ?)"};
inline constexpr Statement kInsertSeat{
    "INSERT INTO seats (concert_id, seat_number, price) VALUES (?, ?, ?)"};
// Seats go in kSeatBatch at a time (then one by one), so that a concert of 100,000 seats
// is a few hundred round trips rather than 100,000.
inline constexpr std::size_t kSeatBatch = 200;
namespace detail {
inline constexpr std::string_view kInsertSeatsHead =
    "INSERT INTO seats (concert_id, seat_number, price) VALUES (?, ?, ?)";
inline constexpr std::string_view kInsertSeatsRow = ", (?, ?, ?)";
constexpr auto insert_seats_sql() {
  std::array<char, kInsertSeatsHead.size() + (kSeatBatch - 1) * kInsertSeatsRow.size()> out{};
  std::size_t n = 0;
  for (const char c : kInsertSeatsHead) out[n++] = c;
  for (std::size_t row = 1; row < kSeatBatch; ++row) {
    for (const char c : kInsertSeatsRow) out[n++] = c;
  }
  return out;
}
inline constexpr auto kInsertSeatsText = insert_seats_sql();
}  // namespace detail
inline constexpr Statement kInsertSeats{
    std::string_view{detail::kInsertSeatsText.data(), detail::kInsertSeatsText.size()}};
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
// DECIMAL in MySQL: cast back to BIGINT.
inline constexpr Statement kConcertSales{
    // now
    "SELECT c.id, c.name, c.date, COUNT(s.seat_number),"
    " CAST(COALESCE(SUM(s.state = 'SOLD'), 0) AS SIGNED),"
    " CAST(COALESCE(SUM(s.state = 'HELD' AND s.hold_expires_at > ?), 0) AS SIGNED),"
    " (SELECT COUNT(*) FROM reservations r WHERE r.concert_id = c.id),"
    " (SELECT CAST(COALESCE(SUM(p.amount), 0) AS SIGNED) FROM reservations r"
    "  JOIN payments p ON p.reservation_id = r.id WHERE r.concert_id = c.id)"
    " FROM concerts c LEFT JOIN seats s ON s.concert_id = c.id"
    " GROUP BY c.id, c.name, c.date ORDER BY c.date, c.name, c.id"};

// ReservationStore. The hold is one conditional UPDATE: the row lock of the write
// settles races, and no value read earlier decides it. Neither MariaDB nor MySQL has
// UPDATE ... RETURNING, so the price is read after the UPDATE took the seat (kSeatPrice):
// the write decided already, and the row stays locked until the transaction ends.
inline constexpr Statement kTryHoldSeat{
    // holder, reservation, expires, concert,
    // seat, now
    "UPDATE seats SET state = 'HELD', holder = ?, reservation_id = ?, hold_expires_at = ?"
    " WHERE concert_id = ? AND seat_number = ?"
    " AND (state = 'FREE' OR (state = 'HELD' AND hold_expires_at <= ?))"};
inline constexpr Statement kSeatPrice{
    "SELECT price FROM seats WHERE concert_id = ? AND seat_number = ?"};
inline constexpr Statement kSeatExists{
    "SELECT 1 FROM seats WHERE concert_id = ? AND seat_number = ?"};
inline constexpr Statement kLiveHolds{
    "SELECT COUNT(*) FROM seats WHERE holder = ? AND state = 'HELD' AND hold_expires_at > ?"};
inline constexpr Statement kInsertReservation{
    "INSERT INTO reservations"
    " (id, user_id, concert_id, seat_number, price, status, created_at, expires_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"};
inline constexpr Statement kFindReservation{
    "SELECT id, user_id, concert_id, seat_number, price, status, created_at, expires_at"
    " FROM reservations WHERE id = ?"};
// Newest first; the id orders reservations made in the same millisecond.
inline constexpr Statement kReservationsOfUser{
    // user, limit
    "SELECT r.id, r.user_id, r.concert_id, r.seat_number, r.price, r.status, r.created_at,"
    " r.expires_at, c.name, c.date FROM reservations r JOIN concerts c ON c.id = r.concert_id"
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
inline constexpr Statement kSetReservationStatus{// status, id
                                                 "UPDATE reservations SET status = ? WHERE id = ?"};
inline constexpr Statement kFreeLapsedSeats{
    "UPDATE seats SET state = 'FREE', holder = NULL, reservation_id = NULL,"
    " hold_expires_at = NULL WHERE state = 'HELD' AND hold_expires_at <= ?"};
inline constexpr Statement kExpireLapsedReservations{
    "UPDATE reservations SET status = 'EXPIRED' WHERE status = 'HELD' AND expires_at <= ?"};

// LedgerStore. The balance column and the ledger row change in the same transaction;
// the WHERE clauses keep the balance within 0..INT64_MAX. The new balance is read back
// after the UPDATE (no RETURNING), from the row it locked.
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

// PaymentStore.
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

// SettingsStore. On a duplicate the row is left as it was (unlike INSERT IGNORE, which
// would also turn other errors into warnings).
inline constexpr Statement kGetSetting{"SELECT value FROM settings WHERE name = ?"};
inline constexpr Statement kPutSettingIfAbsent{
    "INSERT INTO settings (name, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = name"};
// The value is bound twice (MySQL 8 deprecates VALUES() in the UPDATE clause).
inline constexpr Statement kPutSetting{
    // name, value, value
    "INSERT INTO settings (name, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = ?"};

}  // namespace concertd::store::mysql::queries
