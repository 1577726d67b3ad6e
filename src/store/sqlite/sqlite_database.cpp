#include "store/sqlite/sqlite_database.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "common/error.hpp"
#include "common/metrics.hpp"
#include "store/audit.hpp"
#include "store/migration.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/queries.hpp"
#include "store/sqlite/stores.hpp"

namespace concertd::store::sqlite {
namespace {

namespace q = queries;

// "sqlite: disk I/O error" -> "disk I/O error", for messages that name the file instead.
std::string reason(const std::exception& e) {
  constexpr std::string_view kPrefix = "sqlite: ";
  std::string_view what = e.what();
  if (what.starts_with(kPrefix)) what.remove_prefix(kPrefix.size());
  return std::string(what);
}

void enable_wal(Connection& conn) {
  auto row = conn.query(q::kJournalModeWal);
  if (!row.step() || row.text(0) != "wal") {
    throw std::runtime_error("the file does not support WAL mode");
  }
}

// Rolls back whatever transaction is open; false when the connection is unusable.
bool rollback_quietly(Connection& conn) noexcept {
  if (!conn.in_transaction()) return true;
  try {
    conn.exec(q::kRollback);
    return true;
  } catch (...) {
    return false;
  }
}

void migrate(Connection& conn, const std::string& path) {
  const auto all = migrations();
  const std::int64_t known = all.empty() ? 0 : all.back().version;
  try {
    conn.exec(q::kCreateSchemaMigrations);
    auto row = conn.query(q::kMaxAppliedVersion);
    if (row.step() && row.int64(0) > known) {
      throw std::runtime_error("database '" + path + "' has schema version " +
                               std::to_string(row.int64(0)) + ", newer than this build (" +
                               std::to_string(known) + ")");
    }
  } catch (const SqliteError& e) {
    throw std::runtime_error("cannot open database '" + path + "': " + reason(e));
  } catch (const StoreUnavailable& e) {
    throw std::runtime_error("cannot open database '" + path + "': " + reason(e));
  }
  for (const auto& migration : all) {
    try {
      // IMMEDIATE and re-checked inside: two processes starting at once apply each step once.
      conn.exec(q::kBeginImmediate);
      if (!conn.query(q::kMigrationApplied).bind(1, std::int64_t{migration.version}).step()) {
        conn.exec_script(migration.sql);
        conn.query(q::kRecordMigration)
            .bind(1, std::int64_t{migration.version})
            .bind(2, migration.name)
            .run();
      }
      conn.exec(q::kCommit);
    } catch (const std::exception& e) {
      rollback_quietly(conn);
      throw std::runtime_error("cannot migrate database '" + path + "' to version " +
                               std::to_string(migration.version) + " (" +
                               std::string(migration.name) + "): " + reason(e));
    }
  }
}

std::exception_ptr unavailable(const std::string& message) {
  return std::make_exception_ptr(StoreUnavailable(message));
}

}  // namespace

// A read connection borrowed from the pool for one read() or ready().
class SqliteDatabase::ReaderLease final {
 public:
  explicit ReaderLease(SqliteDatabase& db) : db_(db), session_(db.checkout_reader()) {}
  ReaderLease(const ReaderLease&) = delete;
  ReaderLease& operator=(const ReaderLease&) = delete;
  ~ReaderLease() { db_.return_reader(std::move(session_)); }

  [[nodiscard]] Session& session() noexcept { return *session_; }
  // The connection is in an unknown state: close it instead of pooling it.
  void discard() noexcept { session_.reset(); }

 private:
  SqliteDatabase& db_;
  std::unique_ptr<Session> session_;
};

std::unique_ptr<SqliteDatabase> SqliteDatabase::open(const std::string& path, Options options) {
  // Readers open the file by name, so a private in-memory database cannot work.
  if (path.empty() || path == ":memory:") {
    throw std::runtime_error("cannot open database '" + path + "': a file path is required");
  }
  options.max_batch = std::max<std::size_t>(options.max_batch, 1);
  options.max_readers = std::max<std::size_t>(options.max_readers, 1);
  std::unique_ptr<Session> writer;
  try {
    writer = std::make_unique<Session>(path, Connection::Role::kWriter, options.busy_timeout);
    enable_wal(writer->connection());
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot open database '" + path + "': " + reason(e));
  }
  migrate(writer->connection(), path);
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(path, options, std::move(writer)));
  try {
    db->return_reader(db->checkout_reader());  // fail now rather than on the first read
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot open database '" + path + "' for reading: " + reason(e));
  }
  return db;
}

SqliteDatabase::SqliteDatabase(std::string path, Options options, std::unique_ptr<Session> writer)
    : path_(std::move(path)), options_(options), writer_session_(std::move(writer)) {
  writer_thread_ = std::thread([this] { writer_loop(); });
}

SqliteDatabase::~SqliteDatabase() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_thread_.joinable()) writer_thread_.join();
}

void SqliteDatabase::write(const std::function<bool(Tx&)>& work) {
  if (std::this_thread::get_id() == writer_thread_.get_id()) {
    throw std::logic_error("sqlite: write() called from inside a write job");
  }
  std::future<void> done;
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) throw StoreUnavailable("sqlite: the database is closing");
    queue_.push_back(Job{&work, {}});
    done = queue_.back().done.get_future();
  }
  queue_cv_.notify_one();
  done.get();
}

void SqliteDatabase::writer_loop() {
  std::vector<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and every queued job has run
      const auto n = std::min(queue_.size(), options_.max_batch);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    try {
      run_batch(batch);
    } catch (...) {
      // run_batch answers every job itself; this only guards against the unforeseen
      // (e.g. bad_alloc) so that no caller waits forever.
      for (auto& job : batch) {
        try {
          job.done.set_exception(unavailable("sqlite: write failed"));
        } catch (const std::future_error&) {
          // already answered
        }
      }
    }
    batch.clear();
  }
}

void SqliteDatabase::run_batch(std::vector<Job>& batch) {
  Connection& conn = writer_session_->connection();
  Tx& tx = writer_session_->tx();
  std::vector<std::exception_ptr> errors(batch.size());
  std::optional<std::string> failure;  // set: nothing of the batch was committed
  const auto start = std::chrono::steady_clock::now();
  try {
    conn.exec(q::kBeginImmediate);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      conn.exec(q::kSavepoint);
      bool keep = false;
      try {
        keep = (*batch[i].work)(tx);
      } catch (...) {
        errors[i] = std::current_exception();
      }
      // FULL, IOERR, NOMEM and BUSY may roll back the whole transaction, taking the
      // earlier jobs' writes with it: then no job of the batch may report success.
      if (!conn.in_transaction()) {
        throw StoreUnavailable("sqlite: the write transaction was rolled back");
      }
      if (!keep) conn.exec(q::kRollbackToSavepoint);
      conn.exec(q::kRelease);
    }
    conn.exec(q::kCommit);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (failure) {
    rollback_quietly(conn);
    // Every job gets the fault, even one that returned false or threw: it may have
    // decided on writes of earlier jobs that are now gone. One exception object per
    // caller, since they rethrow it on different threads.
    for (auto& job : batch) job.done.set_exception(unavailable(*failure));
    return;
  }
  auto& m = metrics::registry();
  m.commit_batch_size.observe(batch.size());
  m.commit_duration.observe(
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - start)
                                     .count()));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (errors[i]) {
      batch[i].done.set_exception(errors[i]);
    } else {
      batch[i].done.set_value();
    }
  }
}

void SqliteDatabase::snapshot(const std::function<void(Session&)>& work) {
  ReaderLease lease(*this);
  Connection& conn = lease.session().connection();
  try {
    // Deferred: the snapshot is taken at the first read and held until COMMIT.
    conn.exec(q::kBegin);
    work(lease.session());
    conn.exec(q::kCommit);
  } catch (...) {
    if (!rollback_quietly(conn)) lease.discard();
    throw;
  }
}

void SqliteDatabase::read(const std::function<void(Tx&)>& work) {
  snapshot([&](Session& session) { work(session.tx()); });
}

AuditReport SqliteDatabase::audit(Timestamp now) {
  AuditReport report;
  snapshot([&](Session& session) { report = run_audit(session.connection(), now); });
  return report;
}

bool SqliteDatabase::ready() {
  try {
    ReaderLease lease(*this);
    return lease.session().connection().query(q::kReadyProbe).step();
  } catch (const std::exception&) {
    return false;
  }
}

std::unique_ptr<Session> SqliteDatabase::checkout_reader() {
  std::unique_lock lock(readers_mutex_);
  readers_cv_.wait(
      lock, [this] { return !idle_readers_.empty() || open_readers_ < options_.max_readers; });
  if (!idle_readers_.empty()) {
    auto session = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    return session;
  }
  ++open_readers_;
  lock.unlock();
  try {
    return std::make_unique<Session>(path_, Connection::Role::kReader, options_.busy_timeout);
  } catch (...) {
    return_reader(nullptr);
    throw;
  }
}

void SqliteDatabase::return_reader(std::unique_ptr<Session> reader) {
  {
    std::lock_guard lock(readers_mutex_);
    if (reader) {
      idle_readers_.push_back(std::move(reader));
    } else {
      --open_readers_;
    }
  }
  readers_cv_.notify_one();
}

}  // namespace concertd::store::sqlite
