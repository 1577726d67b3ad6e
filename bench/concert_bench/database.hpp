#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "store/sqlite/connection.hpp"
#ifdef CONCERTD_WITH_MYSQL
#include "store/mysql/connection.hpp"
#endif

namespace concertd::bench {

// What a MariaDB server counted of the work its clients sent (SHOW GLOBAL STATUS): every
// client's, so between two readings, everything that ran against the server meanwhile.
// A compound statement (BEGIN NOT ATOMIC … END: concertd's deferred writes and their
// COMMIT) is one request but runs several statements, so the two are counted apart:
// requests from Questions, which counts the block once, statements from the Com_*
// counter of each kind, which count every statement also inside a block.
struct ServerCounters {
  // SELECT, INSERT, UPDATE, DELETE, REPLACE and SET run, in blocks or not (Com_*)
  std::int64_t statements = 0;
  std::int64_t commits = 0;      // COMMIT statements (concertd never commits by autocommit)
  std::int64_t round_trips = 0;  // Questions and prepares: each a request and its answer
  friend ServerCounters operator-(const ServerCounters& a, const ServerCounters& b) {
    return {.statements = a.statements - b.statements,
            .commits = a.commits - b.commits,
            .round_trips = a.round_trips - b.round_trips};
  }
};

// One connection to a concertd database, for seeding and for checking invariants after a
// run; SQL written once for both dialects (plain `?` parameters). Not thread-safe.
class SqlDatabase final {
 public:
  // sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB. Throws std::runtime_error (one line,
  // no password) when it cannot connect or concertd has not migrated the database.
  explicit SqlDatabase(const std::string& url);
  SqlDatabase(const SqlDatabase&) = delete;
  SqlDatabase& operator=(const SqlDatabase&) = delete;
  ~SqlDatabase();

  [[nodiscard]] bool is_mysql() const noexcept;
  // The server's counters now; nullopt on SQLite.
  [[nodiscard]] std::optional<ServerCounters> server_counters();
  // Calls fn(connection) with a store::sqlite::Connection& or a store::mysql::Connection&.
  template <class Fn>
  decltype(auto) visit(Fn&& fn) {
    return std::visit([&](auto& conn) -> decltype(auto) { return fn(*conn); }, conn_);
  }

  void begin();
  void commit();
  // MariaDB: this session skips foreign key checks and defers unique secondary keys, for
  // seeding rows that are consistent by construction (a fan's name follows from its id,
  // whose primary key is still checked). SQLite: nothing to do.
  void prepare_bulk_load();
  // The first column of the first row as an integer; 0 when there is no row.
  template <class... Values>
  [[nodiscard]] std::int64_t scalar(const store::Statement& statement, const Values&... values) {
    return visit([&](auto& conn) -> std::int64_t {
      auto query = conn.query(statement);
      int index = 1;
      (query.bind(index++, values), ...);
      return query.step() && !query.is_null(0) ? query.int64(0) : 0;
    });
  }

 private:
#ifdef CONCERTD_WITH_MYSQL
  std::variant<std::unique_ptr<store::sqlite::Connection>,
               std::unique_ptr<store::mysql::Connection>>
      conn_;
#else
  std::variant<std::unique_ptr<store::sqlite::Connection>> conn_;
#endif
};

// "INSERT ... VALUES " followed by `rows` copies of `row` separated by commas.
[[nodiscard]] std::string multi_row(std::string_view insert, std::string_view row,
                                    std::size_t rows);

}  // namespace concertd::bench
