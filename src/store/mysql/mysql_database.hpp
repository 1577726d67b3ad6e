#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"
#include "store/mysql/url.hpp"
#include "store/statement.hpp"

namespace concertd::store::mysql {

class Session;
enum class Isolation;

struct Options {
  // Most connections open at once; opened on demand, kept open while idle.
  std::size_t max_connections = 32;
  // How long a call waits for a free connection before StoreUnavailable.
  std::chrono::milliseconds acquire_timeout{5000};
  std::chrono::seconds connect_timeout{2};
  // Per network read or write of a statement; a statement that takes longer (or a
  // server that stopped answering) fails the call with StoreUnavailable.
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds write_timeout{10};
  // innodb_lock_wait_timeout: how long a statement waits for a row lock (error 1205).
  std::chrono::seconds lock_wait_timeout{5};
  // Runs of one write() when it keeps losing races (deadlock, lock wait timeout, a
  // concurrent duplicate of an idempotency key), with a short jittered pause between.
  int max_attempts = 5;
};

// The shared store: one MariaDB 10.6+ or MySQL 8 database that many nodes use at once.
//
// write() takes a connection from a bounded pool, runs START TRANSACTION, the work and
// COMMIT (or ROLLBACK when the work returned false or threw) at READ COMMITTED: every
// race is settled by conditional UPDATEs and unique keys, not by reading first. A
// transaction that loses a race (deadlock 1213, lock wait timeout 1205, LostRace) is
// rolled back and run again, up to max_attempts in all, then StoreUnavailable.
//
// When the connection is lost (server gone, restarting, unreachable), the call throws
// StoreUnavailable and the connection, with every idle one, is closed; later calls open
// new ones, so the store recovers by itself once the server is back. A connection lost
// during COMMIT leaves the outcome unknown: InnoDB commits all of the transaction or
// nothing, never part of it, but whether it did cannot be known here, so the caller gets
// StoreUnavailable (503) as for any fault and must not report success. Retrying the same
// request with its Idempotency-Key then answers as the first one did if it committed.
//
// read() and audit() run in a transaction at REPEATABLE READ, so they see one snapshot of
// committed data (taken at their first read).
//
// Sessions run with autocommit off: a transaction begins at its first statement, without
// a START TRANSACTION round trip of its own.
//
// A URL may list several servers, the nodes of one cluster (e.g. Galera): every new
// connection goes to the server the last one reached, and when that server cannot be
// reached the next one in the list is tried, then the next, each once per connection.
// A connection lost with its server fails its call (503) as above; the next ones open on
// the next server, so a node fails over within a connect timeout and stays there (no
// writes spread over several servers at once) until that server is lost in turn.
//
// Thread-safe. Each call uses one connection on the calling thread. Destroying the
// store closes its connections; no call may be in progress.
class MysqlDatabase final : public Database {
 public:
  // Connects to `url` (mysql://USER:PASS@HOST:PORT[,HOST:PORT...]/DB) and applies pending
  // migrations under GET_LOCK, so that nodes starting at once migrate exactly once. Throws
  // std::runtime_error with a one-line message (no SQL, no password) when the URL is
  // malformed or the database cannot be reached, logged into or migrated, or was
  // migrated by a newer build.
  [[nodiscard]] static std::unique_ptr<MysqlDatabase> open(const std::string& url,
                                                           Options options = {});

  MysqlDatabase(const MysqlDatabase&) = delete;
  MysqlDatabase& operator=(const MysqlDatabase&) = delete;
  ~MysqlDatabase() override;

  void write(const std::function<bool(Tx&)>& work) override;
  void read(const std::function<void(Tx&)>& work) override;
  // SELECT on a connection of its own (not the pool's, so a busy pool is still ready).
  [[nodiscard]] bool ready() override;
  [[nodiscard]] AuditReport audit(Timestamp now) override;

 private:
  class Lease;

  // Runs `work` on a session inside one REPEATABLE READ transaction.
  void snapshot(const std::function<void(Session&)>& work);

  // Runs `transaction` (which ends the transaction it begins) on a leased session at
  // `isolation`. A pooled connection that turns out to be gone (e.g. the server restarted
  // while it was idle) fails its first call, before anything ran on it: `transaction`
  // then runs again on another one, up to once per pooled connection. A server that
  // refuses to serve before the commit (Connection::server_out) is left for the next one,
  // where `transaction` runs again, up to once per other server.
  void transact(Isolation isolation, const std::function<void(Lease&)>& transaction);

  MysqlDatabase(std::vector<Endpoint> servers, std::size_t current, Options options);

  [[nodiscard]] std::unique_ptr<Session> connect() const;
  // New connections go to the server after `server` from now on, unless they already go
  // elsewhere: `server` refused to serve.
  void leave(std::size_t server) const;
  // An idle session, preferring one at `isolation`, or a new one while under the limit.
  [[nodiscard]] std::unique_ptr<Session> checkout(Isolation isolation, bool& reused);
  void checkin(std::unique_ptr<Session> session);
  // Closes every idle session: after one connection was lost, the others likely are too.
  void discard_idle();

  const std::vector<Endpoint> servers_;
  const Options options_;
  // The server the last new connection reached: where the next one goes first.
  mutable std::atomic<std::size_t> current_;

  std::mutex pool_mutex_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Session>> idle_;
  std::size_t open_ = 0;  // idle + leased

  std::mutex probe_mutex_;
  std::unique_ptr<Session> probe_;  // ready()'s own connection
};

}  // namespace concertd::store::mysql
