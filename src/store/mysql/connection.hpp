#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/mysql/batch.hpp"
#include "store/mysql/url.hpp"
#include "store/sql/typed_query.hpp"
#include "store/statement.hpp"

struct st_mysql;
struct st_mysql_stmt;

namespace concertd::store::mysql {

// Server and client error numbers the adapter acts on.
inline constexpr unsigned kErUnknownCom = 1047;  // on Galera: a node that does not serve
inline constexpr unsigned kErDupEntry = 1062;
inline constexpr unsigned kErNoReferencedRow = 1452;
inline constexpr unsigned kErLockWaitTimeout = 1205;
inline constexpr unsigned kErLockDeadlock = 1213;

// A MariaDB/MySQL failure that is not the database being unavailable (those throw
// StoreUnavailable) nor a duplicate key (DuplicateKey): a constraint the domain should
// have prevented, misuse, a bug, or a lost race (deadlock, lock wait timeout) that
// MysqlDatabase::write runs again. The message is log-safe: error number and SQLSTATE,
// never SQL, values or server text.
class MysqlError final : public std::runtime_error {
 public:
  MysqlError(unsigned code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  [[nodiscard]] unsigned code() const noexcept { return code_; }
  // Deadlock or lock wait timeout: the transaction lost a race and may be run again.
  [[nodiscard]] bool retryable() const noexcept {
    return code_ == kErLockDeadlock || code_ == kErLockWaitTimeout;
  }

 private:
  unsigned code_;
};

struct Timeouts {
  std::chrono::seconds connect{2};
  std::chrono::seconds read{10};
  std::chrono::seconds write{10};
};

struct CloseConnection {
  void operator()(st_mysql* conn) const noexcept;
};
struct CloseStatement {
  void operator()(st_mysql_stmt* stmt) const noexcept;
};
using ConnectionHandle = std::unique_ptr<st_mysql, CloseConnection>;
using StatementHandle = std::unique_ptr<st_mysql_stmt, CloseStatement>;

class Connection;
struct Prepared;

// One use of a prepared statement: bind, execute, read rows. Values are copied when
// bound. The first step() or run() executes the statement and buffers its whole result
// on the client, so that other statements may run while rows are read. Parameter
// indexes are 1-based (the Nth `?` of the SQL), columns 0-based. An INSERT that breaks a
// unique key (1062) throws DuplicateKey, named as the server names the key
// ("users_username", "PRIMARY"); the statement is undone and the transaction goes on.
class Query final : public sql::TypedQuery<Query> {
 public:
  Query(Connection& conn, Prepared& stmt);
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query();

  using TypedQuery::bind;
  Query& bind(int index, std::int64_t value);
  // Text in the connection's character set (utf8mb4).
  Query& bind(int index, std::string_view value);
  // Bytes compared and stored as they are (BINARY, VARBINARY and BLOB columns).
  Query& bind_bytes(int index, std::string_view value);
  Query& bind_blob(int index, std::string_view value) { return bind_bytes(index, value); }
  // Throws std::invalid_argument outside 1000-01-01..9999-12-31 (DATE's range).
  Query& bind(int index, std::chrono::year_month_day value);
  Query& bind_null(int index);

  // Executes on the first call; true when a row is ready, false when there are no more.
  [[nodiscard]] bool step();
  // Executes, for statements whose rows (if any) nobody reads.
  void run();

  [[nodiscard]] bool is_null(int column) const;
  [[nodiscard]] std::int64_t int64(int column) const;
  [[nodiscard]] std::string text(int column) const;
  // The stored bytes, valid until the next step.
  [[nodiscard]] std::string_view bytes(int column) const;
  // Throws StoreCorrupt unless the column holds a valid date.
  [[nodiscard]] std::chrono::year_month_day date(int column) const;

 private:
  void execute();
  [[nodiscard]] std::size_t checked(int column) const;

  Connection& conn_;
  Prepared& stmt_;
  bool executed_ = false;
};

// One MariaDB/MySQL connection (TCP) with its statement cache and session settings.
// Not thread-safe: one thread at a time. Errors that mean the connection is gone mark it
// broken() and throw StoreUnavailable; the owner then closes it instead of reusing it.
class Connection final {
 public:
  // Connects and sets up the session: utf8mb4, UTC, strict SQL mode, READ COMMITTED,
  // `lock_wait` as innodb_lock_wait_timeout, on MariaDB the read timeout as
  // idle_transaction_timeout. CLIENT_FOUND_ROWS: changes() counts the
  // rows an UPDATE matched, as SQLite does, so an UPDATE that leaves a row as it was (a
  // debit of 0) still counts. Throws StoreUnavailable with a one-line reason (never the
  // password) when the server cannot be reached or refuses the login.
  Connection(const Endpoint& endpoint, const Timeouts& timeouts, std::chrono::seconds lock_wait);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // The statement prepared from `statement` (cached under its address, see Statement).
  // A statement is used by one Query at a time.
  [[nodiscard]] Query query(const Statement& statement);
  Query query(const Statement&& statement) = delete;
  // SQL made at run time: prepared for this call, handed to `use` (which binds and runs
  // or steps it), and closed after it; never cached.
  void run_once(std::string_view sql, const std::function<void(Query&)>& use);
  // Runs a statement without parameters through the text protocol and discards any rows:
  // transaction control, session setup and migration DDL, which take no values.
  void exec(std::string_view sql);
  void exec(const Statement& statement) { exec(statement.sql); }
  // A determined write (store/sql/write.hpp) of the open transaction, kept until commit()
  // or the next query() sends it: `rows` is how many rows it must change (sql::kAnyRows).
  [[nodiscard]] BatchWrite defer(const Statement& statement, std::int64_t rows);
  // Ends the open transaction: COMMIT, with the deferred writes before it in the same round
  // trip. A deferred write that changes other than its rows, or that breaks a unique key
  // (another transaction inserted the row, which no gate can lock before it exists),
  // throws LostRace and nothing is committed; other errors throw as query() does.
  void commit();
  // Rows matched by the last INSERT, UPDATE or DELETE run through query().
  [[nodiscard]] std::int64_t changes() const noexcept { return changes_; }
  // The AUTO_INCREMENT value the last INSERT run through query() generated (0: none). It
  // comes with the INSERT's answer: no round trip (prepared statements cannot RETURNING).
  [[nodiscard]] std::int64_t insert_id() const noexcept { return insert_id_; }

  [[nodiscard]] bool broken() const noexcept { return broken_; }
  // The server answered that it serves no one now (1047: a Galera node outside the primary
  // component, which refuses every statement that reads or writes a table until it is back
  // in): the connection is broken(), and the servers after it in the list are the ones to
  // try. Other servers of the cluster answer in its place.
  [[nodiscard]] bool server_out() const noexcept { return server_out_; }
  // The server refused before this transaction's commit() was sent: nothing of it can have
  // been committed anywhere, so it may run again in full on another server.
  [[nodiscard]] bool refused_before_commit() const noexcept { return server_out_ && !committing_; }
  // Marks where a transaction begins; no round trip. A Session runs with autocommit off,
  // so the server starts the transaction at the first statement, and COMMIT or ROLLBACK
  // ends it. After a deadlock the server has rolled back the whole transaction (after a
  // lock wait timeout, the statement): until the next begin_transaction(), every statement
  // throws that error again, so that nothing runs outside the transaction the work
  // believes it is in. Deferred writes of a transaction that rolled back are dropped.
  void begin_transaction() noexcept;
  // Calls to the server (prepares, executions, text statements) since begin_transaction(),
  // the one that failed included.
  [[nodiscard]] std::size_t calls() const noexcept { return calls_; }
  // The deadlock or lock wait timeout that ended the current transaction, else 0.
  [[nodiscard]] unsigned aborted_by() const noexcept { return aborted_by_; }

  // Throws for the error of the last call on the connection (stmt: on that statement).
  [[noreturn]] void fail(st_mysql_stmt* stmt = nullptr);

 private:
  friend class Query;

  ConnectionHandle conn_;
  [[nodiscard]] std::unique_ptr<Prepared> prepare(std::string_view sql);
  // Until the next begin_transaction(), after a deadlock or lock wait timeout.
  void throw_if_aborted() const;
  // Sends the deferred writes, then COMMIT when `commit`: on MariaDB as one compound
  // statement, elsewhere (MySQL has none) one text statement each, rows checked here.
  void send_batch(bool commit);

  std::unordered_map<const Statement*, std::unique_ptr<Prepared>> cache_;
  std::int64_t changes_ = 0;
  std::int64_t insert_id_ = 0;
  std::size_t calls_ = 0;
  bool broken_ = false;
  bool server_out_ = false;
  bool committing_ = false;  // commit() was called in this transaction
  bool mariadb_ = false;     // has compound statements (BEGIN NOT ATOMIC)
  Batch batch_;
  unsigned aborted_by_ = 0;  // the deadlock or lock wait timeout that ended the transaction
};

}  // namespace concertd::store::mysql
