#pragma once

#include <string_view>

#include "store/statement.hpp"

// The statements of the SQLite adapter: connection setup, transactions, migrations, and
// what it writes otherwise than the store's shared catalogue (store/sql/catalogue.hpp).
// Values are always bound, never spliced. Each is prepared once per connection and cached
// under its Statement's address (Connection::query).
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

// Where the store's SQL (store/sql/catalogue.hpp) reads otherwise here (Dialect).
//
// sqlite_sequence keeps the highest number ever handed out, even if rows went away.
inline constexpr Statement kQueueCounters{
    "SELECT (SELECT admitted_up_to FROM queue_state WHERE id = 1),"
    " MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'queue_entries'), 0),"
    "     COALESCE((SELECT MAX(number) FROM queue_entries), 0)),"
    " (SELECT change_seq FROM queue_state WHERE id = 1)"};
// The value a conditional UPDATE left, from the row it changed (none: it changed none).
inline constexpr std::string_view kReturningBalance = " RETURNING balance";
// After kMarkPresent: a number marked again keeps the newer of its two times.
inline constexpr std::string_view kKeepNewestSeen =
    " ON CONFLICT (number) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)";

}  // namespace concertd::store::sqlite::queries
