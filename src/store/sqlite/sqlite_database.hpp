#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/database.hpp"

namespace concertd::store::sqlite {

class Session;

struct Options {
  // Most write jobs committed together in one transaction (group commit).
  std::size_t max_batch = 512;
  // Read connections, opened on demand; a reader waits when all are in use.
  std::size_t max_readers = 8;
  // How long a statement waits for a lock held by another connection or process.
  std::chrono::milliseconds busy_timeout{5000};
};

// The embedded store: one SQLite file in WAL mode.
//
// Writes go through one writer thread that owns the only write connection. It takes
// every queued job (up to max_batch), runs them in one IMMEDIATE transaction, each in
// its own SAVEPOINT, commits once (synchronous=FULL: durable on return) and only then
// wakes their callers. A job that returns false or throws is rolled back to its
// savepoint and does not disturb the others; its exception goes to its own caller.
// When BEGIN or COMMIT fails, every caller of the batch gets StoreUnavailable.
// Jobs see the uncommitted writes of earlier jobs in the same batch, which is sound
// because they all commit or all fail together. A job must not call write() (it
// runs on the writer thread, which would wait for itself: std::logic_error).
//
// Reads run on a pool of read-only connections, each inside a deferred transaction,
// so a read sees one consistent snapshot of committed data.
//
// Thread-safe. Destroying it finishes the queued writes, then closes the file; no
// read may be in progress.
class SqliteDatabase final : public Database {
 public:
  // Opens or creates the file at `path` and applies pending migrations, each in one
  // transaction recorded in schema_migrations. Throws std::runtime_error with a
  // one-line message (no SQL) when the file cannot be opened, created or migrated,
  // or was migrated by a newer build.
  [[nodiscard]] static std::unique_ptr<SqliteDatabase> open(const std::string& path,
                                                            Options options = {});

  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;
  ~SqliteDatabase() override;

  void write(const std::function<bool(Tx&)>& work) override;
  void read(const std::function<void(Tx&)>& work) override;
  [[nodiscard]] bool ready() override;
  [[nodiscard]] AuditReport audit(Timestamp now) override;

 private:
  struct Job {
    const std::function<bool(Tx&)>* work;  // the caller's, alive until `done` is set
    std::promise<void> done;
  };
  class ReaderLease;

  SqliteDatabase(std::string path, Options options, std::unique_ptr<Session> writer);

  void writer_loop();
  void run_batch(std::vector<Job>& batch);
  // Runs `work` on a reader's session inside one read transaction (one snapshot).
  void snapshot(const std::function<void(Session&)>& work);
  [[nodiscard]] std::unique_ptr<Session> checkout_reader();
  void return_reader(std::unique_ptr<Session> reader);

  const std::string path_;
  const Options options_;

  std::unique_ptr<Session> writer_session_;  // used by writer_thread_ only
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;

  std::mutex readers_mutex_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Session>> idle_readers_;
  std::size_t open_readers_ = 0;

  std::thread writer_thread_;  // last: started once everything above exists
};

}  // namespace concertd::store::sqlite
