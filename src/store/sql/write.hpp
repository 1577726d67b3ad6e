#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "store/errors.hpp"
#include "store/sql/typed_query.hpp"

// Determined writes. A use case that begins with a gate (a locking read of every row it
// will decide on and write) decides in C++, and the writes that follow are then fixed by
// the locked rows: each changes a known number of rows, and none needs an answer before
// the next one runs. A store writes them through its dialect's `write(conn, statement,
// rows)`, which may defer them to the commit (MariaDB sends them with the COMMIT in one
// round trip) or run them at once (SQLite, in process). Either way a write that changes
// other than `rows` rows (kAnyRows: any number) keeps the transaction from committing and
// throws LostRace, so a use case is never committed half applied; the write's own
// conditions stay in its SQL as that guard, not as a rule.
namespace concertd::store::sql {

inline constexpr std::int64_t kAnyRows = -1;

inline LostRace unexpected_rows() {
  return LostRace("a determined write changed an unexpected number of rows");
}

// A determined write run at once on `Connection`'s `Query`, its rows checked after it.
template <class Connection>
class CheckedWrite final : public TypedQuery<CheckedWrite<Connection>> {
 public:
  using Query = decltype(std::declval<Connection&>().query(std::declval<const Statement&>()));

  CheckedWrite(Connection& conn, const Statement& statement, std::int64_t rows)
      : conn_(conn), query_(conn.query(statement)), rows_(rows) {}

  using TypedQuery<CheckedWrite>::bind;
  CheckedWrite& bind(int index, std::int64_t value) { return forward(query_.bind(index, value)); }
  CheckedWrite& bind(int index, std::string_view value) {
    return forward(query_.bind(index, value));
  }
  CheckedWrite& bind_bytes(int index, std::string_view value) {
    return forward(query_.bind_bytes(index, value));
  }
  CheckedWrite& bind_blob(int index, std::string_view value) {
    return forward(query_.bind_blob(index, value));
  }
  CheckedWrite& bind_null(int index) { return forward(query_.bind_null(index)); }

  void run() {
    query_.run();
    if (rows_ != kAnyRows && conn_.changes() != rows_) throw unexpected_rows();
  }

 private:
  CheckedWrite& forward(Query&) { return *this; }

  Connection& conn_;
  Query query_;
  std::int64_t rows_;
};

}  // namespace concertd::store::sql
