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

#include "common/clock.hpp"
#include "common/id.hpp"
#include "common/money.hpp"
#include "store/mysql/url.hpp"
#include "store/statement.hpp"

struct st_mysql;
struct st_mysql_stmt;

namespace concertd::store::mysql {

// Server and client error numbers the adapter acts on.
inline constexpr unsigned kErDupEntry = 1062;
inline constexpr unsigned kErLockWaitTimeout = 1205;
inline constexpr unsigned kErLockDeadlock = 1213;

// A MariaDB/MySQL failure that is not the database being unavailable (those throw
// StoreUnavailable): a constraint the domain should have prevented, misuse, a bug, or a
// lost race (deadlock, lock wait timeout) that MysqlDatabase::write runs again. The
// message is log-safe: error number and SQLSTATE, never SQL, values or server text.
class MysqlError final : public std::runtime_error {
 public:
  MysqlError(unsigned code, const std::string& message, std::string duplicate_key = {})
      : std::runtime_error(message), code_(code), duplicate_key_(std::move(duplicate_key)) {}
  [[nodiscard]] unsigned code() const noexcept { return code_; }
  // Deadlock or lock wait timeout: the transaction lost a race and may be run again.
  [[nodiscard]] bool retryable() const noexcept {
    return code_ == kErLockDeadlock || code_ == kErLockWaitTimeout;
  }
  // For a duplicate (1062): the name of the unique key, e.g. "users_username".
  [[nodiscard]] const std::string& duplicate_key() const noexcept { return duplicate_key_; }

 private:
  unsigned code_;
  std::string duplicate_key_;
};

// Thrown by a store when its transaction lost a race that a rerun settles (e.g. another
// node inserted the same idempotency key first): MysqlDatabase::write runs the work again.
class LostRace final : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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
// indexes are 1-based (the Nth `?` of the SQL), columns 0-based.
class Query final {
 public:
  Query(Connection& conn, Prepared& stmt);
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query();

  Query& bind(int index, std::int64_t value);
  // Text in the connection's character set (utf8mb4).
  Query& bind(int index, std::string_view value);
  // Bytes compared and stored as they are (BINARY, VARBINARY and BLOB columns).
  Query& bind_bytes(int index, std::string_view value);
  Query& bind(int index, const Uuid& value);
  Query& bind(int index, Timestamp value);
  Query& bind(int index, Won value);
  Query& bind(int index, std::optional<Timestamp> value);
  Query& bind(int index, std::chrono::year_month_day value);
  template <class Tag>
  Query& bind(int index, const StrongId<Tag>& value) {
    return bind(index, value.uuid());
  }
  Query& bind_null(int index);

  // Executes on the first call; true when a row is ready, false when there are no more.
  [[nodiscard]] bool step();
  // Executes, for statements whose rows (if any) nobody reads.
  void run();

  [[nodiscard]] bool is_null(int column) const;
  [[nodiscard]] std::int64_t int64(int column) const;
  [[nodiscard]] std::string text(int column) const;
  [[nodiscard]] Uuid uuid(int column) const;
  [[nodiscard]] Timestamp timestamp(int column) const;
  [[nodiscard]] std::optional<Timestamp> optional_timestamp(int column) const;
  [[nodiscard]] Won won(int column) const;
  [[nodiscard]] std::chrono::year_month_day date(int column) const;
  template <class Id>
  [[nodiscard]] Id id(int column) const {
    return Id(uuid(column));
  }

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
  // Rows matched by the last INSERT, UPDATE or DELETE run through query().
  [[nodiscard]] std::int64_t changes() const noexcept { return changes_; }
  // The AUTO_INCREMENT value the last INSERT run through query() generated (0: none). It
  // comes with the INSERT's answer: no round trip (prepared statements cannot RETURNING).
  [[nodiscard]] std::int64_t insert_id() const noexcept { return insert_id_; }

  [[nodiscard]] bool broken() const noexcept { return broken_; }
  // Runs START TRANSACTION (`sql`). After a deadlock the server has rolled back the whole
  // transaction (after a lock wait timeout, the statement): until the next
  // begin_transaction(), every statement throws that error again, so that nothing runs
  // outside the transaction the work believes it is in.
  void begin_transaction(const Statement& statement);
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

  std::unordered_map<const Statement*, std::unique_ptr<Prepared>> cache_;
  std::int64_t changes_ = 0;
  std::int64_t insert_id_ = 0;
  bool broken_ = false;
  unsigned aborted_by_ = 0;  // the deadlock or lock wait timeout that ended the transaction
};

}  // namespace concertd::store::mysql
