#pragma once

#include <chrono>

#include "store/database.hpp"
#include "store/mysql/connection.hpp"
#include "store/mysql/dialect.hpp"
#include "store/sql/stores.hpp"

namespace concertd::store::mysql {

// The isolation level of the transactions a session starts.
enum class Isolation { kReadCommitted, kRepeatableRead };

// A connection with every store bound to it. Neither copyable nor movable: the
// stores and the Tx refer to its members.
class Session final {
 public:
  // Connects to `endpoint`, the `server`th of the database's list, with autocommit off
  // (queries::kSetAutocommitOff).
  Session(std::size_t server, const Endpoint& endpoint, const Timeouts& timeouts,
          std::chrono::seconds lock_wait);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  [[nodiscard]] Connection& connection() noexcept { return conn_; }
  [[nodiscard]] Tx& tx() noexcept { return stores_.tx(); }
  // Sets the level of the transactions it starts from now on; a no-op when already set
  // (connections start at READ COMMITTED).
  void set_isolation(Isolation isolation);
  [[nodiscard]] Isolation isolation() const noexcept { return isolation_; }
  // Where in the database's list of servers this session's server is.
  [[nodiscard]] std::size_t server() const noexcept { return server_; }

 private:
  std::size_t server_;
  Connection conn_;
  Isolation isolation_ = Isolation::kReadCommitted;
  sql::Stores<Dialect> stores_{conn_};
};

}  // namespace concertd::store::mysql
