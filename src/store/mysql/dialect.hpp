#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/error.hpp"
#include "common/money.hpp"
#include "store/mysql/connection.hpp"
#include "store/mysql/queries.hpp"
#include "store/sql/catalogue.hpp"
#include "store/statement.hpp"

namespace concertd::store::mysql {

// What the MariaDB/MySQL store does its own way (see store/sql/stores.hpp): row locks
// are taken with FOR UPDATE, a join may hold a queue number the admitter wants to close,
// a sale changes the seat and the reservation in one multi-table UPDATE, and an UPDATE
// returns no values (neither MariaDB nor MySQL has UPDATE ... RETURNING), so they are
// read back from the row it locked; determined writes wait for the COMMIT and go with it.
struct Dialect {
  using Connection = mysql::Connection;
  using Query = mysql::Query;

  // The server names a unique key by the index name (PRIMARY for the primary key).
  static constexpr std::string_view kUsernameKey = "users_username";
  static constexpr std::string_view kQueueNumberKey = "PRIMARY";
  static constexpr std::string_view kLiveEntryKey = "queue_entries_live_user";

  static constexpr const Statement& kLockUserByName = queries::kLockUserByName;
  static constexpr const Statement& kHolderGate =
      joined<sql::kHolderGateHead, queries::kByUserIndex, sql::kHolderGateTail,
             queries::kForUpdate>;
  static constexpr const Statement& kPayerGate = joined<sql::kPayerGate, queries::kForUpdate>;
  static constexpr const Statement& kFillGap = joined<queries::kWithoutLockWait, sql::kFillGap>;
  static constexpr const Statement& kQueueCounters = queries::kQueueCounters;
  static constexpr const Statement& kMarkPresent =
      joined<sql::kMarkPresent, queries::kKeepNewestSeen>;
  static constexpr const Statement& kCreditBalance = sql::kCreditBalance;
  static constexpr const Statement& kSellSeat = queries::kSellSeatAndConfirm;
  static constexpr bool kSellConfirms = true;

  // The UPDATE decided already; `read_back` reads the value from the row it locked, which
  // stays locked until the transaction ends.
  template <class BindKey>
  static std::optional<Won> updated_value(Connection& conn, Query& update,
                                          const Statement& read_back, BindKey&& bind_key) {
    update.run();
    if (conn.changes() != 1) return std::nullopt;
    auto row = conn.query(read_back);
    bind_key(row);
    if (!row.step()) throw StoreCorrupt("mysql: the updated row vanished");
    return row.won(0);
  }

  // A determined write (store/sql/write.hpp), deferred: it reaches the server with the
  // transaction's COMMIT, in the same round trip (Connection::commit).
  static BatchWrite write(Connection& conn, const Statement& statement, std::int64_t rows) {
    return conn.defer(statement, rows);
  }

  // kFillGap waits for no lock: a join that took the number and has not committed holds
  // its row, and the answer then is "still open" (1205), not a wait for that commit.
  static bool run_unless_locked(Query& query) {
    try {
      query.run();
    } catch (const MysqlError& e) {
      if (e.code() == kErLockWaitTimeout) return false;
      throw;
    }
    return true;
  }
};

}  // namespace concertd::store::mysql
