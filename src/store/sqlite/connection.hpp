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

#include "store/sql/typed_query.hpp"
#include "store/statement.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace concertd::store::sqlite {

// A SQLite failure that is not the database being unavailable (those throw
// StoreUnavailable): a constraint the domain should have prevented, misuse, a bug.
// The message is log-safe: the SQLite error name and code, never SQL or values.
class SqliteError final : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] int code() const noexcept { return code_; }  // extended result code

 private:
  int code_;
};

// Throws StoreUnavailable for BUSY, LOCKED, FULL, IOERR and the like, SqliteError otherwise.
[[noreturn]] void throw_error(int code);

struct CloseDb {
  void operator()(sqlite3* db) const noexcept;
};
struct FinalizeStmt {
  void operator()(sqlite3_stmt* stmt) const noexcept;
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, FinalizeStmt>;

// One use of a prepared statement: bind, step, read columns. Resets the statement and
// clears its bindings when destroyed, so text and blobs are bound without copying and
// must outlive the Query. Parameter indexes are 1-based (the Nth `?`), columns 0-based.
// A step that breaks a unique key throws DuplicateKey, named "table.column[, column]"
// as SQLite names it; the statement is undone and the transaction goes on.
class Query final : public sql::TypedQuery<Query> {
 public:
  Query(sqlite3_stmt* stmt, bool& in_use);
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query();

  using TypedQuery::bind;
  Query& bind(int index, std::int64_t value);
  Query& bind(int index, std::string_view value);
  // Text as well: SQLite compares text byte for byte (BINARY collation), and a blob
  // would never equal the TEXT values stored.
  Query& bind_bytes(int index, std::string_view value) { return bind(index, value); }
  Query& bind_blob(int index, std::string_view value);
  // As 'YYYY-MM-DD', whose text order is date order. Throws std::invalid_argument
  // outside 0000-01-01..9999-12-31.
  Query& bind(int index, std::chrono::year_month_day value);
  Query& bind_null(int index);

  // True when a row is ready, false when the statement is done.
  [[nodiscard]] bool step();
  // Steps to the end, for statements whose rows (if any) nobody reads.
  void run();

  [[nodiscard]] bool is_null(int column) const;
  [[nodiscard]] std::int64_t int64(int column) const;
  [[nodiscard]] std::string text(int column) const;
  // The stored bytes, valid until the next step.
  [[nodiscard]] std::string_view bytes(int column) const;
  // Throws StoreCorrupt unless the column holds a valid 'YYYY-MM-DD'.
  [[nodiscard]] std::chrono::year_month_day date(int column) const;

 private:
  sqlite3_stmt* stmt_;
  bool& in_use_;
};

// One SQLite connection with its statement cache. Not thread-safe: one thread at a time.
class Connection final {
 public:
  enum class Role { kWriter, kReader };

  // Opens (the writer also creates) the file and applies the per-connection pragmas.
  // Throws SqliteError or StoreUnavailable.
  Connection(const std::string& path, Role role, std::chrono::milliseconds busy_timeout);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // The statement prepared from `statement` (cached under its address, see Statement).
  // A statement is used by one Query at a time.
  [[nodiscard]] Query query(const Statement& statement);
  Query query(const Statement&& statement) = delete;
  // Runs a statement of the cache to its end.
  void exec(const Statement& statement);
  // SQL made at run time: prepared for this call, handed to `use` (which binds and steps
  // it), and finalized after it; never cached.
  void run_once(std::string_view sql, const std::function<void(Query&)>& use);
  // Runs a script of several statements without caching (migrations only).
  void exec_script(std::string_view sql);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  [[nodiscard]] std::int64_t changes() const noexcept;
  // The rowid (an INTEGER PRIMARY KEY) of the last row inserted.
  [[nodiscard]] std::int64_t insert_id() const noexcept;
  [[nodiscard]] bool in_transaction() const noexcept;

 private:
  struct Cached {
    StmtHandle stmt;
    bool in_use = false;
  };

  DbHandle db_;  // declared first: destroyed after the statements
  [[nodiscard]] StmtHandle prepare(std::string_view sql, unsigned flags);

  std::unordered_map<const Statement*, Cached> cache_;
};

}  // namespace concertd::store::sqlite
