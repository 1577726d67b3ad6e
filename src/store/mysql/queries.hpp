#pragma once

#include <string_view>

#include "store/statement.hpp"

// The statements of the MariaDB/MySQL adapter: session setup, transactions, migrations,
// and what it writes otherwise than the store's shared catalogue (store/sql/catalogue.hpp).
// Values are always bound, never spliced. Each statement with parameters is prepared once
// per connection and cached under its Statement's address (Connection::query); those
// without run through the text protocol (Connection::exec).
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

// A session's transactions begin implicitly, at their first statement, which saves the
// START TRANSACTION round trip of every use case: under REPEATABLE READ, a read's snapshot
// is taken at its first read. COMMIT or ROLLBACK ends each one.
inline constexpr Statement kSetAutocommitOff{"SET SESSION autocommit = 0"};
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

// Where the store's SQL (store/sql/catalogue.hpp) reads otherwise here (Dialect).
inline constexpr Statement kLockUserByName{
    "SELECT id, username, password_hash, failed_logins, login_locked_until FROM users "
    "WHERE username = ? FOR UPDATE"};
// After kHolderGate, kPayerGate: every row the read joins is locked (and read as newest
// committed, not from a snapshot) until the transaction ends.
inline constexpr std::string_view kForUpdate = " FOR UPDATE";
// In sql::kHolderGate: the user's reservations by their index, whatever the statistics say.
// A range over reservations_status_expires would lock every fan's live holds.
inline constexpr std::string_view kByUserIndex = " FORCE INDEX (reservations_user)";
// sql::kSellSeat and the reservation CONFIRMED in one statement: two rows changed when the
// seat was HELD by the reservation, unexpired; none otherwise.
inline constexpr Statement kSellSeatAndConfirm{
    // concert, seat, reservation, now
    "UPDATE seats s JOIN reservations r ON r.id = s.reservation_id"
    " SET s.state = 'SOLD', s.hold_expires_at = NULL, r.status = 'CONFIRMED'"
    " WHERE s.concert_id = ? AND s.seat_number = ? AND s.state = 'HELD' AND s.reservation_id = ?"
    " AND s.hold_expires_at > ?"};
// Before a statement: it fails at once (1205) on a row an open transaction holds.
inline constexpr std::string_view kWithoutLockWait =
    "SET STATEMENT innodb_lock_wait_timeout = 0 FOR ";
inline constexpr Statement kQueueCounters{
    "SELECT admitted_up_to, (SELECT COALESCE(MAX(number), 0) FROM queue_entries), change_seq"
    " FROM queue_state WHERE id = 1"};
// After kMarkPresent: a number marked again keeps the newer of its two times.
inline constexpr std::string_view kKeepNewestSeen =
    " ON DUPLICATE KEY UPDATE seen_at = GREATEST(seen_at, VALUES(seen_at))";

}  // namespace concertd::store::mysql::queries
