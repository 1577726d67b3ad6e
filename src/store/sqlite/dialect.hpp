#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/money.hpp"
#include "store/sql/catalogue.hpp"
#include "store/sql/write.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/queries.hpp"
#include "store/statement.hpp"

namespace concertd::store::sqlite {

// What the SQLite store does its own way (see store/sql/stores.hpp). One writer
// connection runs every write transaction alone, so a read is already a lock and no row
// is ever locked by another open transaction; UPDATE ... RETURNING hands back new values.
struct Dialect {
  using Connection = sqlite::Connection;
  using Query = sqlite::Query;

  // SQLite names a unique key by its columns.
  static constexpr std::string_view kUsernameKey = "users.username";
  static constexpr std::string_view kQueueNumberKey = "queue_entries.number";
  static constexpr std::string_view kLiveEntryKey = "queue_entries.user_id";

  static constexpr const Statement& kLockUserByName = sql::kFindUserByName;
  static constexpr const Statement& kHolderGate = sql::kHolderGate;
  static constexpr const Statement& kPayerGate = sql::kPayerGate;
  static constexpr const Statement& kFillGap = sql::kFillGap;
  static constexpr const Statement& kQueueCounters = queries::kQueueCounters;
  static constexpr const Statement& kMarkPresent =
      joined<sql::kMarkPresent, queries::kKeepNewestSeen>;
  static constexpr const Statement& kCreditBalance =
      joined<sql::kCreditBalance, queries::kReturningBalance>;
  // UPDATE changes one table: kSetReservationStatus confirms the reservation after it.
  static constexpr const Statement& kSellSeat = sql::kSellSeat;
  static constexpr bool kSellConfirms = false;

  // `update` carries a RETURNING clause: the row it yields is the one it changed.
  template <class BindKey>
  static std::optional<Won> updated_value(Connection&, Query& update, const Statement&, BindKey&&) {
    if (!update.step()) return std::nullopt;
    const Won value = update.won(0);
    update.run();
    return value;
  }

  // A determined write (store/sql/write.hpp), run at once in process: no round trip to save.
  static sql::CheckedWrite<Connection> write(Connection& conn, const Statement& statement,
                                             std::int64_t rows) {
    return {conn, statement, rows};
  }

  static bool run_unless_locked(Query& query) {
    query.run();
    return true;
  }
};

}  // namespace concertd::store::sqlite
