#pragma once

#include <string_view>

#include "store/statement.hpp"

// Every statement the SQLite store runs. Values are always bound (?N), never spliced.
// Each is prepared once per connection and cached under its Statement's address
// (Connection::query).
namespace concertd::store::sqlite::queries {

using store::Statement;

// Connection setup. journal_mode is stored in the file; the others are per connection.
inline constexpr Statement kJournalModeWal{"PRAGMA journal_mode = WAL"};
inline constexpr Statement kSynchronousFull{"PRAGMA synchronous = FULL"};
inline constexpr Statement kForeignKeysOn{"PRAGMA foreign_keys = ON"};
inline constexpr Statement kQueryOnly{"PRAGMA query_only = ON"};

inline constexpr Statement kBegin{"BEGIN"};
inline constexpr Statement kBeginImmediate{"BEGIN IMMEDIATE"};
inline constexpr Statement kCommit{"COMMIT"};
inline constexpr Statement kRollback{"ROLLBACK"};
inline constexpr Statement kSavepoint{"SAVEPOINT job"};
inline constexpr Statement kRelease{"RELEASE job"};
inline constexpr Statement kRollbackToSavepoint{"ROLLBACK TO job"};

inline constexpr Statement kReadyProbe{"SELECT 1 FROM queue_state WHERE id = 1"};

// Migrations.
inline constexpr Statement kCreateSchemaMigrations{
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"};
inline constexpr Statement kMaxAppliedVersion{
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"};
inline constexpr Statement kMigrationApplied{"SELECT 1 FROM schema_migrations WHERE version = ?1"};
inline constexpr Statement kRecordMigration{
    "INSERT INTO schema_migrations (version, name, applied_at)"
    " VALUES (?1, ?2, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))"};

// UserStore.
inline constexpr Statement kInsertUser{
    "INSERT INTO users (id, username, password_hash) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (username) DO NOTHING"};
inline constexpr Statement kFindUserByName{
    "SELECT id, username, password_hash, failed_logins, login_locked_until FROM users "
    "WHERE username = ?1"};
inline constexpr Statement kSetLoginFailures{
    "UPDATE users SET failed_logins = ?2, login_locked_until = ?3 WHERE id = ?1"};
inline constexpr Statement kUserExists{"SELECT 1 FROM users WHERE id = ?1"};

// QueueStore.
inline constexpr Statement kFindLiveEntry{
    "SELECT number, user_id, status, created_at, expires_at FROM queue_entries"
    " WHERE user_id = ?1 AND (status = 'WAITING' OR (status = 'ACTIVE' AND expires_at > ?2))"
    " ORDER BY number DESC LIMIT 1"};
inline constexpr Statement kEnqueue{
    "INSERT INTO queue_entries (user_id, status, created_at) VALUES (?1, 'WAITING', ?2)"
    " RETURNING number"};
inline constexpr Statement kEntryIsActive{
    "SELECT 1 FROM queue_entries"
    " WHERE number = ?1 AND user_id = ?2 AND status = 'ACTIVE' AND expires_at > ?3"};
inline constexpr Statement kEntriesAfter{
    "SELECT number, user_id, status, created_at, expires_at FROM queue_entries"
    " WHERE number > ?1 ORDER BY number LIMIT ?2"};
inline constexpr Statement kFillGap{
    "INSERT INTO queue_entries (number, user_id, status, created_at)"
    " VALUES (?1, NULL, 'EXPIRED', ?2) ON CONFLICT (number) DO NOTHING"};
inline constexpr Statement kActivateEntries{
    "UPDATE queue_entries SET status = 'ACTIVE', expires_at = ?3"
    " WHERE status = 'WAITING' AND number BETWEEN ?1 AND ?2"};
inline constexpr Statement kExpireEntry{
    "UPDATE queue_entries SET status = 'EXPIRED' WHERE number = ?1"};
// left_seq 0: a departure not yet published (kPublishDepartures numbers it).
inline constexpr Statement kExpireActiveOfUser{
    "UPDATE queue_entries SET status = 'EXPIRED', left_seq = 0"
    " WHERE user_id = ?1 AND status = 'ACTIVE'"};
inline constexpr Statement kPublishDepartures{
    "UPDATE queue_entries SET left_seq = ?1 WHERE left_seq = 0"};
inline constexpr Statement kSetChangeSeq{"UPDATE queue_state SET change_seq = ?1 WHERE id = 1"};
inline constexpr Statement kExpireLapsedEntries{
    "UPDATE queue_entries SET status = 'EXPIRED' WHERE status = 'ACTIVE' AND expires_at <= ?1"};
inline constexpr Statement kSetAdmittedUpTo{
    "UPDATE queue_state SET admitted_up_to = ?1 WHERE id = 1"};
inline constexpr Statement kTakeLease{
    // node, now, lease_until
    "UPDATE queue_state SET leader = ?1, lease_until = ?3"
    " WHERE id = 1 AND (leader = ?1 OR leader IS NULL OR lease_until <= ?2)"};
inline constexpr Statement kResignLease{
    "UPDATE queue_state SET leader = NULL, lease_until = 0 WHERE id = 1 AND leader = ?1"};
// sqlite_sequence keeps the highest number ever handed out, even if rows went away.
inline constexpr Statement kQueueCounters{
    "SELECT (SELECT admitted_up_to FROM queue_state WHERE id = 1),"
    " MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'queue_entries'), 0),"
    "     COALESCE((SELECT MAX(number) FROM queue_entries), 0)),"
    " (SELECT change_seq FROM queue_state WHERE id = 1)"};
inline constexpr Statement kActiveEntries{
    "SELECT number, user_id, status, created_at, expires_at FROM queue_entries"
    " WHERE status = 'ACTIVE' AND expires_at > ?1 ORDER BY number"};
inline constexpr Statement kAdmittedBetween{
    "SELECT number, user_id, status, created_at, expires_at FROM queue_entries"
    " WHERE number > ?1 AND number <= ?2 AND status = 'ACTIVE' AND expires_at > ?3"
    " ORDER BY number"};
inline constexpr Statement kLeftBetween{
    "SELECT number FROM queue_entries WHERE left_seq > ?1 AND left_seq <= ?2"};

// ConcertStore.
inline constexpr Statement kInsertConcert{
    "INSERT INTO concerts (id, name, date) VALUES (?1, ?2, ?3)"};
inline constexpr Statement kInsertSeat{
    "INSERT INTO seats (concert_id, seat_number, price) VALUES (?1, ?2, ?3)"};
inline constexpr Statement kUpcomingConcerts{
    "SELECT c.id, c.name, c.date, COUNT(s.seat_number) FROM concerts c"
    " LEFT JOIN seats s ON s.concert_id = c.id"
    "  AND (s.state = 'FREE' OR (s.state = 'HELD' AND s.hold_expires_at <= ?2))"
    " WHERE c.date >= ?1 GROUP BY c.id ORDER BY c.date, c.name, c.id"};
inline constexpr Statement kConcertExists{"SELECT 1 FROM concerts WHERE id = ?1"};
inline constexpr Statement kConcertSeats{
    "SELECT seat_number, price,"
    " state = 'FREE' OR (state = 'HELD' AND hold_expires_at <= ?2)"
    " FROM seats WHERE concert_id = ?1 ORDER BY seat_number"};
inline constexpr Statement kNextHoldLapse{
    "SELECT MIN(hold_expires_at) FROM seats"
    " WHERE concert_id = ?1 AND state = 'HELD' AND hold_expires_at > ?2"};
inline constexpr Statement kAnyConcert{"SELECT EXISTS (SELECT 1 FROM concerts)"};
// One pass over each concert's seats; its reservations and payments by index.
inline constexpr Statement kConcertSales{
    "SELECT c.id, c.name, c.date, COUNT(s.seat_number),"
    " COALESCE(SUM(s.state = 'SOLD'), 0),"
    " COALESCE(SUM(s.state = 'HELD' AND s.hold_expires_at > ?1), 0),"
    " (SELECT COUNT(*) FROM reservations r WHERE r.concert_id = c.id),"
    " (SELECT COALESCE(SUM(p.amount), 0) FROM reservations r"
    "  JOIN payments p ON p.reservation_id = r.id WHERE r.concert_id = c.id)"
    " FROM concerts c LEFT JOIN seats s ON s.concert_id = c.id"
    " GROUP BY c.id ORDER BY c.date, c.name, c.id"};

// ReservationStore. The hold is one conditional UPDATE: the row lock of the write
// settles races, and no value read earlier decides it.
inline constexpr Statement kTryHoldSeat{
    "UPDATE seats SET state = 'HELD', holder = ?1, reservation_id = ?2, hold_expires_at = ?3"
    " WHERE concert_id = ?4 AND seat_number = ?5"
    " AND (state = 'FREE' OR (state = 'HELD' AND hold_expires_at <= ?6))"
    " RETURNING price"};
inline constexpr Statement kSeatExists{
    "SELECT 1 FROM seats WHERE concert_id = ?1 AND seat_number = ?2"};
inline constexpr Statement kLiveHolds{
    "SELECT COUNT(*) FROM seats WHERE holder = ?1 AND state = 'HELD' AND hold_expires_at > ?2"};
inline constexpr Statement kInsertReservation{
    "INSERT INTO reservations"
    " (id, user_id, concert_id, seat_number, price, status, created_at, expires_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"};
inline constexpr Statement kFindReservation{
    "SELECT id, user_id, concert_id, seat_number, price, status, created_at, expires_at"
    " FROM reservations WHERE id = ?1"};
// Newest first; the id orders reservations made in the same millisecond.
inline constexpr Statement kReservationsOfUser{
    "SELECT r.id, r.user_id, r.concert_id, r.seat_number, r.price, r.status, r.created_at,"
    " r.expires_at, c.name, c.date FROM reservations r JOIN concerts c ON c.id = r.concert_id"
    " WHERE r.user_id = ?1 ORDER BY r.created_at DESC, r.id DESC LIMIT ?2"};
inline constexpr Statement kReleaseSeat{
    "UPDATE seats SET state = 'FREE', holder = NULL, reservation_id = NULL,"
    " hold_expires_at = NULL"
    " WHERE concert_id = ?1 AND seat_number = ?2 AND state = 'HELD' AND reservation_id = ?3"
    " AND hold_expires_at > ?4"};
inline constexpr Statement kSellSeat{
    "UPDATE seats SET state = 'SOLD', hold_expires_at = NULL"
    " WHERE concert_id = ?1 AND seat_number = ?2 AND state = 'HELD' AND reservation_id = ?3"
    " AND hold_expires_at > ?4"};
inline constexpr Statement kSetReservationStatus{
    "UPDATE reservations SET status = ?2 WHERE id = ?1"};
inline constexpr Statement kFreeLapsedSeats{
    "UPDATE seats SET state = 'FREE', holder = NULL, reservation_id = NULL,"
    " hold_expires_at = NULL WHERE state = 'HELD' AND hold_expires_at <= ?1"};
inline constexpr Statement kExpireLapsedReservations{
    "UPDATE reservations SET status = 'EXPIRED' WHERE status = 'HELD' AND expires_at <= ?1"};

// LedgerStore. The balance column and the ledger row change in the same transaction;
// the WHERE clauses keep the balance within 0..INT64_MAX.
inline constexpr Statement kBalance{"SELECT balance FROM users WHERE id = ?1"};
inline constexpr Statement kCreditBalance{
    "UPDATE users SET balance = balance + ?2"
    " WHERE id = ?1 AND balance <= 9223372036854775807 - ?2 RETURNING balance"};
inline constexpr Statement kDebitBalance{
    "UPDATE users SET balance = balance - ?2 WHERE id = ?1 AND balance >= ?2 RETURNING balance"};
inline constexpr Statement kInsertLedgerRow{
    "INSERT INTO ledger (user_id, kind, amount, payment_id, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)"};

// PaymentStore.
inline constexpr Statement kInsertPayment{
    "INSERT INTO payments (id, reservation_id, user_id, amount, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)"};

// IdempotencyStore.
inline constexpr Statement kFindIdempotencyKey{
    "SELECT fingerprint, outcome FROM idempotency_keys"
    " WHERE user_id = ?1 AND idempotency_key = ?2"};
inline constexpr Statement kInsertIdempotencyKey{
    "INSERT INTO idempotency_keys (user_id, idempotency_key, fingerprint, outcome, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)"};
inline constexpr Statement kPurgeIdempotencyKeys{
    "DELETE FROM idempotency_keys WHERE created_at < ?1"};

// SettingsStore.
inline constexpr Statement kGetSetting{"SELECT value FROM settings WHERE name = ?1"};
inline constexpr Statement kPutSettingIfAbsent{
    "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING"};
inline constexpr Statement kPutSetting{
    "INSERT INTO settings (name, value) VALUES (?1, ?2)"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value"};

}  // namespace concertd::store::sqlite::queries
