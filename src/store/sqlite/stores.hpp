#pragma once

#include <chrono>
#include <string>

#include "store/database.hpp"
#include "store/sql/stores.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/dialect.hpp"

namespace concertd::store::sqlite {

// A connection with every store bound to it. Neither copyable nor movable: the
// stores and the Tx refer to its members.
class Session final {
 public:
  Session(const std::string& path, Connection::Role role, std::chrono::milliseconds busy_timeout)
      : conn_(path, role, busy_timeout) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  [[nodiscard]] Connection& connection() noexcept { return conn_; }
  [[nodiscard]] Tx& tx() noexcept { return stores_.tx(); }

 private:
  Connection conn_;
  sql::Stores<Dialect> stores_{conn_};
};

}  // namespace concertd::store::sqlite
