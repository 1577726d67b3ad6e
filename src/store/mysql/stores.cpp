#include "store/mysql/stores.hpp"

#include "store/mysql/queries.hpp"

namespace concertd::store::mysql {

Session::Session(std::size_t server, const Endpoint& endpoint, const Timeouts& timeouts,
                 std::chrono::seconds lock_wait)
    : server_(server), conn_(endpoint, timeouts, lock_wait) {
  conn_.exec(queries::kSetAutocommitOff);
}

void Session::set_isolation(Isolation isolation) {
  if (isolation == isolation_) return;
  conn_.exec(isolation == Isolation::kReadCommitted ? queries::kSetReadCommitted
                                                    : queries::kSetRepeatableRead);
  isolation_ = isolation;
}

}  // namespace concertd::store::mysql
