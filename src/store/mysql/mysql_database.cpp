#include "store/mysql/mysql_database.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>

#include "common/error.hpp"
#include "common/metrics.hpp"
#include "store/audit.hpp"
#include "store/errors.hpp"
#include "store/migration.hpp"
#include "store/mysql/connection.hpp"
#include "store/mysql/queries.hpp"
#include "store/mysql/stores.hpp"

namespace concertd::store::mysql {
namespace {

namespace q = queries;

// How long open() waits for another node that is migrating the same database.
constexpr std::int64_t kMigrationLockSeconds = 30;
// Reads of the migration connection wait for GET_LOCK and for DDL, both slower than queries.
constexpr std::chrono::seconds kMigrationReadTimeout{120};

// "mysql: server has gone away" -> "server has gone away", for messages that name the
// database instead.
std::string reason(const std::exception& e) {
  constexpr std::string_view kPrefix = "mysql: ";
  std::string_view what = e.what();
  if (what.starts_with(kPrefix)) what.remove_prefix(kPrefix.size());
  return std::string(what);
}

// `connect(at)` (a Connection or a Session) of the first of `count` servers that
// answers, trying each once from `current` on; `current` becomes the one that answered.
// The last failure when none does.
template <class Connect>
auto connect_first(std::size_t count, std::atomic<std::size_t>& current, const Connect& connect) {
  const std::size_t first = current.load();
  for (std::size_t i = 0;; ++i) {
    const std::size_t at = (first + i) % count;
    try {
      auto connected = connect(at);
      if (at != first) {
        current.store(at);
        metrics::registry().database_failovers.add();
      }
      return connected;
    } catch (const StoreUnavailable&) {
      if (i + 1 == count) throw;
    }
  }
}

bool blank_or_comment(std::string_view statement) {
  while (!statement.empty()) {
    const auto end = statement.find('\n');
    auto line = statement.substr(0, end);
    const auto first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && !line.substr(first).starts_with("--")) return false;
    if (end == std::string_view::npos) break;
    statement.remove_prefix(end + 1);
  }
  return true;
}

// The statements of a migration file, in order: a ';' at the end of a line ends one.
// (The server runs one statement per call unless CLIENT_MULTI_STATEMENTS is set, which
// the store never sets, so that no text can smuggle in a second statement.)
std::vector<std::string_view> split_statements(std::string_view sql) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  std::size_t pos = 0;
  while (pos < sql.size()) {
    const auto end = std::min(sql.find('\n', pos), sql.size());
    auto line = sql.substr(pos, end - pos);
    const auto last = line.find_last_not_of(" \t\r");
    if (last != std::string_view::npos && line[last] == ';' &&
        !line.substr(line.find_first_not_of(" \t")).starts_with("--")) {
      const auto statement = sql.substr(start, pos + last - start);
      if (!blank_or_comment(statement)) out.push_back(statement);
      start = end + 1;
    }
    pos = end + 1;
  }
  if (start < sql.size() && !blank_or_comment(sql.substr(start))) {
    out.push_back(sql.substr(start));
  }
  return out;
}

void release_migration_lock(Connection& conn) noexcept {
  try {
    (void)conn.query(q::kReleaseMigrationLock).step();
  } catch (...) {
    // Closing the connection releases it too.
  }
}

// Queue numbers are AUTO_INCREMENT values and a queue position is the distance between two
// of them: a server that spaces them (Galera's wsrep_auto_increment_control spaces them by
// the cluster size, whatever a session asks for) would show every fan that many times as
// far back. Refused at startup, with the setting to change.
void require_consecutive_numbers(Connection& conn, const std::string& where) {
  auto row = conn.query(q::kAutoIncrementStep);
  const std::int64_t step = row.step() ? row.int64(0) : 0;
  if (step != 1) {
    throw std::runtime_error("cannot use database " + where + ": auto_increment_increment is " +
                             std::to_string(step) +
                             ", queue numbers must be consecutive (on Galera set "
                             "wsrep_auto_increment_control=OFF and auto_increment_increment=1)");
  }
}

// Applies every migration not recorded yet. MySQL DDL commits on its own, so a
// transaction cannot make a step atomic: instead a named lock (GET_LOCK) keeps every
// other node out while one migrates, and the versions are read only once it is held.
void migrate(Connection& conn, const std::string& where) {
  const auto all = migrations();
  const std::int64_t known = all.empty() ? 0 : all.back().version;
  try {
    auto lock = conn.query(q::kGetMigrationLock);
    lock.bind(1, kMigrationLockSeconds);
    if (!lock.step() || lock.is_null(0) || lock.int64(0) != 1) {
      throw std::runtime_error("cannot migrate database " + where +
                               ": another node held the migration lock for " +
                               std::to_string(kMigrationLockSeconds) + " s");
    }
  } catch (const MysqlError& e) {
    throw std::runtime_error("cannot migrate database " + where + ": " + reason(e));
  } catch (const StoreUnavailable& e) {
    throw std::runtime_error("cannot migrate database " + where + ": " + reason(e));
  }
  std::int64_t applied = 0;
  try {
    conn.exec(q::kCreateSchemaMigrations);
    auto row = conn.query(q::kMaxAppliedVersion);
    if (row.step()) applied = row.int64(0);
  } catch (const std::exception& e) {
    release_migration_lock(conn);
    throw std::runtime_error("cannot migrate database " + where + ": " + reason(e));
  }
  if (applied > known) {
    release_migration_lock(conn);
    throw std::runtime_error("database " + where + " has schema version " +
                             std::to_string(applied) + ", newer than this build (" +
                             std::to_string(known) + ")");
  }
  for (const auto& migration : all) {
    try {
      if (conn.query(q::kMigrationApplied).bind(1, std::int64_t{migration.version}).step()) {
        continue;
      }
      for (const auto statement : split_statements(migration.sql)) conn.exec(statement);
      conn.query(q::kRecordMigration)
          .bind(1, std::int64_t{migration.version})
          .bind(2, migration.name)
          .run();
    } catch (const std::exception& e) {
      release_migration_lock(conn);
      throw std::runtime_error("cannot migrate database " + where + " to version " +
                               std::to_string(migration.version) + " (" +
                               std::string(migration.name) + "): " + reason(e));
    }
  }
  release_migration_lock(conn);
}

// A pause before running a transaction again, growing with each attempt; random so that
// two transactions that deadlocked do not meet again in step.
void back_off(int attempt) {
  thread_local std::minstd_rand random{std::random_device{}()};
  const auto base = std::chrono::milliseconds(std::min(5 << std::min(attempt, 5), 100));
  std::uniform_int_distribution<std::chrono::milliseconds::rep> jitter(base.count() / 2,
                                                                       base.count() * 3 / 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(jitter(random)));
}

}  // namespace

// A session borrowed from the pool for one call, returned (or, when its connection is
// gone, closed) when destroyed.
class MysqlDatabase::Lease final {
 public:
  Lease(MysqlDatabase& db, Isolation isolation) : db_(db) {
    session_ = db.checkout(isolation, reused_);
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() {
    const bool broken = discard_ || session_->connection().broken();
    if (session_->connection().server_out()) db_.leave(session_->server());
    if (broken) session_.reset();
    db_.checkin(std::move(session_));
    if (broken) db_.discard_idle();
  }

  [[nodiscard]] Session& session() noexcept { return *session_; }
  [[nodiscard]] Connection& connection() noexcept { return session_->connection(); }
  // A pooled connection that died while idle: its first call failed, so nothing ran on it.
  [[nodiscard]] bool stale() noexcept {
    return reused_ && connection().broken() && connection().calls() <= 1;
  }

  // Ends whatever transaction is open. Never throws: a connection that cannot roll back
  // is closed, which makes the server roll back (as it does for one already lost).
  void rollback() noexcept {
    if (connection().broken()) return;
    try {
      connection().exec(q::kRollback);
    } catch (...) {
      discard_ = true;
    }
  }

 private:
  MysqlDatabase& db_;
  std::unique_ptr<Session> session_;
  bool reused_ = false;
  bool discard_ = false;
};

std::unique_ptr<MysqlDatabase> MysqlDatabase::open(const std::string& url, Options options) {
  std::string why;
  auto servers = parse_url(url, &why);
  if (!servers) throw std::runtime_error("bad database URL: " + why);
  options.max_connections = std::max<std::size_t>(options.max_connections, 1);
  options.max_attempts = std::max(options.max_attempts, 1);
  const std::string where = redacted(*servers);
  std::atomic<std::size_t> current = 0;
  const Timeouts timeouts{.connect = options.connect_timeout,
                          .read = kMigrationReadTimeout,
                          .write = options.write_timeout};
  // On the first server that answers and serves (a cluster node outside the primary
  // component answers but refuses the migration: the next one is asked).
  for (std::size_t refused = 0;; ++refused) {
    std::unique_ptr<Connection> conn;
    try {
      conn = connect_first(servers->size(), current, [&](std::size_t at) {
        return std::make_unique<Connection>((*servers)[at], timeouts, options.lock_wait_timeout);
      });
    } catch (const StoreUnavailable& e) {
      throw std::runtime_error("cannot open database " + where + ": " + reason(e));
    }
    try {
      migrate(*conn, where);
      require_consecutive_numbers(*conn, where);
      break;
    } catch (const std::runtime_error&) {
      if (!conn->server_out() || refused + 1 == servers->size()) throw;
      current = (current + 1) % servers->size();
    }
  }
  std::unique_ptr<MysqlDatabase> db(new MysqlDatabase(std::move(*servers), current, options));
  try {
    bool reused = false;  // fail now rather than on the first call
    db->checkin(db->checkout(Isolation::kReadCommitted, reused));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot open database " + where + ": " + reason(e));
  }
  return db;
}

MysqlDatabase::MysqlDatabase(std::vector<Endpoint> servers, std::size_t current, Options options)
    : servers_(std::move(servers)), options_(options), current_(current) {}

MysqlDatabase::~MysqlDatabase() = default;

std::unique_ptr<Session> MysqlDatabase::connect() const {
  const Timeouts timeouts{.connect = options_.connect_timeout,
                          .read = options_.read_timeout,
                          .write = options_.write_timeout};
  return connect_first(servers_.size(), current_, [&](std::size_t at) {
    return std::make_unique<Session>(at, servers_[at], timeouts, options_.lock_wait_timeout);
  });
}

void MysqlDatabase::leave(std::size_t server) const {
  std::size_t expected = server;
  if (current_.compare_exchange_strong(expected, (server + 1) % servers_.size())) {
    metrics::registry().database_failovers.add();
  }
}

std::unique_ptr<Session> MysqlDatabase::checkout(Isolation isolation, bool& reused) {
  std::unique_lock lock(pool_mutex_);
  const bool free = pool_cv_.wait_for(lock, options_.acquire_timeout, [this] {
    return !idle_.empty() || open_ < options_.max_connections;
  });
  if (!free) throw StoreUnavailable("mysql: every connection is busy");
  if (!idle_.empty()) {
    // Most recently used first (its connection is the least likely to have timed out),
    // preferring one already at the wanted isolation level.
    auto it = std::find_if(idle_.rbegin(), idle_.rend(),
                           [&](const auto& s) { return s->isolation() == isolation; });
    if (it == idle_.rend()) it = idle_.rbegin();
    auto session = std::move(*it);
    idle_.erase(std::next(it).base());
    reused = true;
    return session;
  }
  ++open_;
  lock.unlock();
  reused = false;
  try {
    return connect();
  } catch (...) {
    checkin(nullptr);
    throw;
  }
}

void MysqlDatabase::checkin(std::unique_ptr<Session> session) {
  std::unique_ptr<Session> closing;  // closed after the mutex is released
  {
    std::lock_guard lock(pool_mutex_);
    if (session && !session->connection().broken()) {
      idle_.push_back(std::move(session));
    } else {
      closing = std::move(session);
      --open_;
    }
  }
  pool_cv_.notify_one();
}

void MysqlDatabase::discard_idle() {
  std::vector<std::unique_ptr<Session>> closing;
  {
    std::lock_guard lock(pool_mutex_);
    closing.swap(idle_);
    open_ -= closing.size();
  }
  pool_cv_.notify_all();
}

void MysqlDatabase::transact(Isolation isolation, const std::function<void(Lease&)>& transaction) {
  std::size_t refusals = 0;
  for (std::size_t tries = 1;; ++tries) {
    Lease lease(*this, isolation);
    try {
      lease.connection().begin_transaction();
      lease.session().set_isolation(isolation);
      transaction(lease);
      return;
    } catch (const StoreUnavailable&) {
      // discard_idle() has closed the other idle ones: the next lease is a new connection,
      // to the server after one that refused to serve.
      const bool again =
          (lease.stale() && tries <= options_.max_connections) ||
          (lease.connection().refused_before_commit() && ++refusals < servers_.size());
      if (!again) throw;
    }
  }
}

void MysqlDatabase::write(const std::function<bool(Tx&)>& work) {
  for (int attempt = 1;; ++attempt) {
    std::string lost;  // why this attempt lost a race, if it did
    transact(Isolation::kReadCommitted, [&](Lease& lease) {
      Connection& conn = lease.connection();
      try {
        if (!work(lease.session().tx())) {
          lease.rollback();
          return;
        }
        // The work swallowed a deadlock or lock wait timeout: the server rolled back what
        // it wrote before, so committing the rest would keep part of it. Run it again.
        if (const unsigned code = conn.aborted_by(); code != 0) {
          throw MysqlError(
              code, "mysql: the transaction was rolled back (error " + std::to_string(code) + ")");
        }
        try {
          conn.commit();  // with the work's deferred writes
        } catch (const StoreUnavailable& e) {
          // Lost during COMMIT: committed or not, nobody here can tell (see the header).
          if (conn.broken() && !lease.stale()) {
            throw StoreUnavailable("mysql: connection lost during COMMIT, outcome unknown");
          }
          throw;
        }
      } catch (const MysqlError& e) {
        lease.rollback();
        if (!e.retryable()) throw;
        auto& m = metrics::registry();
        (e.code() == kErLockDeadlock ? m.retries_deadlock : m.retries_lock_wait).add();
        lost = e.what();
      } catch (const LostRace& e) {
        lease.rollback();
        metrics::registry().retries_lost_race.add();
        lost = e.what();
      } catch (...) {
        lease.rollback();
        throw;
      }
    });
    if (lost.empty()) return;
    if (attempt >= options_.max_attempts) {
      throw StoreUnavailable("mysql: gave up after " + std::to_string(attempt) +
                             " attempts: " + reason(std::runtime_error(lost)));
    }
    back_off(attempt);
  }
}

void MysqlDatabase::snapshot(const std::function<void(Session&)>& work) {
  transact(Isolation::kRepeatableRead, [&](Lease& lease) {
    try {
      work(lease.session());
      lease.connection().exec(q::kCommit);
    } catch (...) {
      lease.rollback();
      throw;
    }
  });
}

void MysqlDatabase::read(const std::function<void(Tx&)>& work) {
  snapshot([&](Session& session) { work(session.tx()); });
}

AuditReport MysqlDatabase::audit(Timestamp now) {
  AuditReport report;
  snapshot([&](Session& session) { report = run_audit(session.connection(), now); });
  return report;
}

bool MysqlDatabase::ready() {
  std::lock_guard lock(probe_mutex_);
  // Twice: the first attempt may find the probe's connection gone since the last call.
  for (int i = 0; i < 2; ++i) {
    try {
      if (!probe_) probe_ = connect();
      Connection& conn = probe_->connection();
      const bool ready = conn.query(q::kReadyProbe).step();
      conn.exec(q::kCommit);  // autocommit is off: no transaction stays open while idle
      return ready;
    } catch (const std::exception&) {
      if (probe_ && probe_->connection().server_out()) leave(probe_->server());
      probe_.reset();
    }
  }
  return false;
}

}  // namespace concertd::store::mysql
