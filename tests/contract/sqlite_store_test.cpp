// The store contract for SQLite (a temp file per test), and what only SQLite has:
// the file, its migrations and reopening it.
#include <sqlite3.h>

#include <fstream>

#include "contract/store_contract.hpp"
#include "fakes/temp_dir.hpp"
#include "store/audit.hpp"
#include "store/errors.hpp"
#include "store/migration.hpp"
#include "store/sqlite/sqlite_database.hpp"

namespace concertd::contract {
namespace {

using store::sqlite::SqliteDatabase;

// A SQLite store in a directory of its own, removed (with -wal and -shm) after the store.
class TempSqliteDatabase final : public store::Database {
 public:
  TempSqliteDatabase() : db_(SqliteDatabase::open(dir_.file("store.db"))) {}
  void write(const std::function<bool(store::Tx&)>& work) override { db_->write(work); }
  void read(const std::function<void(store::Tx&)>& work) override { db_->read(work); }
  [[nodiscard]] bool ready() override { return db_->ready(); }
  [[nodiscard]] store::AuditReport audit(Timestamp now) override { return db_->audit(now); }

 private:
  testing::TempDir dir_;  // declared first: removed after the database closed
  std::unique_ptr<SqliteDatabase> db_;
};

StoreFactory sqlite_factory() {
  return {.name = "Sqlite", .make = [] { return std::make_unique<TempSqliteDatabase>(); }};
}

CONCERTD_INSTANTIATE_STORE_CONTRACT(Sqlite, ::testing::Values(sqlite_factory()));

// Raw access to the file, to check what the interfaces cannot show.
class RawSqlite final {
 public:
  explicit RawSqlite(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path;
    }
  }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;
  ~RawSqlite() { sqlite3_close_v2(db_); }

  std::int64_t scalar(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    std::int64_t out = -1;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = sqlite3_column_int64(stmt, 0);
    } else {
      ADD_FAILURE() << sqlite3_errmsg(db_);
    }
    sqlite3_finalize(stmt);
    return out;
  }
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db_);
    }
  }

 private:
  sqlite3* db_ = nullptr;
};

void expect_one_line_open_error(const std::string& path, const std::string& expected) {
  try {
    (void)SqliteDatabase::open(path);
    ADD_FAILURE() << "opened " << path;
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.find("SELECT"), std::string::npos) << message;
    EXPECT_EQ(message.find("CREATE"), std::string::npos) << message;
  }
}

TEST(SqliteDatabase, ReopenedFileHasTheCommittedData) {
  testing::TempDir dir;
  const auto path = dir.file("concert.db");
  const UserId user = UserId::random();
  {
    auto db = SqliteDatabase::open(path);
    ASSERT_TRUE(store::write(*db, [&](store::Tx& tx) {
      return tx.users.insert({.id = user, .username = "alice", .password_hash = "h"});
    }));
    ASSERT_TRUE(
        store::write(*db, [&](store::Tx& tx) { return tx.ledger.credit(user, Won{700}, kT0); }));
    (void)store::write(*db,
                       [&](store::Tx& tx) { return tx.queue.enqueue(user, kT0).value().entry; });
  }
  auto db = SqliteDatabase::open(path);
  EXPECT_EQ(store::read(*db, [&](store::Tx& tx) { return tx.ledger.balance(user); }), Won{700});
  const auto again = store::write(*db, [&](store::Tx& tx) { return tx.queue.enqueue(user, kT0); });
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);  // the live entry of before the restart
  EXPECT_EQ(again->entry.number, 1);
}

TEST(SqliteDatabase, MigrationsAreAppliedOnceAndRecorded) {
  testing::TempDir dir;
  const auto path = dir.file("concert.db");
  (void)SqliteDatabase::open(path);
  (void)SqliteDatabase::open(path);
  RawSqlite raw(path);
  const auto known = store::sqlite::migrations();
  ASSERT_FALSE(known.empty());
  EXPECT_EQ(raw.scalar("SELECT COUNT(*) FROM schema_migrations"),
            static_cast<std::int64_t>(known.size()));
  EXPECT_EQ(raw.scalar("SELECT MAX(version) FROM schema_migrations"), known.back().version);
  EXPECT_EQ(raw.scalar("SELECT COUNT(*) FROM queue_state"), 1);
}

TEST(SqliteDatabase, FileIsInWalMode) {
  testing::TempDir dir;
  const auto path = dir.file("concert.db");
  auto db = SqliteDatabase::open(path);
  RawSqlite raw(path);
  EXPECT_EQ(raw.scalar("SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
}

TEST(SqliteDatabase, LedgerRowsAddUpToTheBalance) {
  testing::TempDir dir;
  const auto path = dir.file("concert.db");
  const UserId user = UserId::random();
  {
    auto db = SqliteDatabase::open(path);
    ASSERT_TRUE(store::write(*db, [&](store::Tx& tx) {
      return tx.users.insert({.id = user, .username = "alice", .password_hash = "h"});
    }));
    ASSERT_TRUE(
        store::write(*db, [&](store::Tx& tx) { return tx.ledger.credit(user, Won{5000}, kT0); }));
    db->write([&](store::Tx& tx) {
      tx.ledger.debit(user, Won{1200}, PaymentId::random(), kT0);
      return true;
    });
    EXPECT_THROW(db->write([&](store::Tx& tx) {
      tx.ledger.debit(user, Won{9000}, PaymentId::random(), kT0);
      return true;
    }),
                 store::LostRace);
  }
  RawSqlite raw(path);
  EXPECT_EQ(raw.scalar("SELECT balance FROM users"), 3800);
  EXPECT_EQ(raw.scalar("SELECT SUM(CASE kind WHEN 'CHARGE' THEN amount ELSE -amount END)"
                       " FROM ledger"),
            3800);
  EXPECT_EQ(raw.scalar("SELECT COUNT(*) FROM ledger WHERE kind = 'PAYMENT'"
                       " AND payment_id IS NOT NULL"),
            1);
}

TEST(SqliteDatabase, StoredDataThatDoesNotParseIsStoreCorrupt) {
  testing::TempDir dir;
  const auto path = dir.file("concert.db");
  auto db = SqliteDatabase::open(path);
  const std::chrono::year_month_day date{std::chrono::year{2031}, std::chrono::June,
                                         std::chrono::day{1}};
  ASSERT_TRUE(store::write(*db, [&](store::Tx& tx) {
    tx.concerts.insert({.id = ConcertId::random(), .name = "Seoul", .date = date}, {});
    return tx.users.insert({.id = UserId::random(), .username = "alice", .password_hash = "h"});
  }));
  const auto from = std::chrono::sys_days{date} - std::chrono::days{1};
  ASSERT_EQ(store::read(*db, [&](store::Tx& tx) { return tx.concerts.upcoming(from, kT0); }).size(),
            1U);
  RawSqlite raw(path);
  raw.exec("UPDATE concerts SET date = '2031-13-01'");
  raw.exec("UPDATE users SET id = x'0102'");
  EXPECT_THROW(
      (void)store::read(*db, [&](store::Tx& tx) { return tx.concerts.upcoming(from, kT0); }),
      StoreCorrupt);
  EXPECT_THROW(
      (void)store::read(*db, [](store::Tx& tx) { return tx.users.find_by_username("alice"); }),
      StoreCorrupt);
}

TEST(SqliteDatabase, OpenOfAPathInAMissingDirectoryFailsWithOneLine) {
  testing::TempDir dir;
  expect_one_line_open_error(dir.file("missing/concert.db"), "cannot open database");
}

TEST(SqliteDatabase, OpenOfAFileThatIsNoDatabaseFailsWithOneLine) {
  testing::TempDir dir;
  const auto path = dir.file("concert.db");
  std::ofstream(path) << std::string(4096, 'x');
  expect_one_line_open_error(path, "file is not a database");
}

TEST(SqliteDatabase, OpenOfANewerSchemaFails) {
  testing::TempDir dir;
  const auto path = dir.file("concert.db");
  (void)SqliteDatabase::open(path);
  RawSqlite(path).exec(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)");
  expect_one_line_open_error(path, "newer than this build");
}

TEST(SqliteDatabase, OpenWithoutAFilePathFails) {
  expect_one_line_open_error(":memory:", "a file path is required");
  expect_one_line_open_error("", "a file path is required");
}

TEST(SqliteDatabase, WriteFromInsideAWriteJobIsRefused) {
  testing::TempDir dir;
  auto db = SqliteDatabase::open(dir.file("concert.db"));
  EXPECT_THROW(db->write([&](store::Tx&) {
    db->write([](store::Tx&) { return true; });
    return true;
  }),
               std::logic_error);
  EXPECT_TRUE(db->ready());
}

TEST(SqliteDatabase, SmallBatchesCommitEveryWrite) {
  testing::TempDir dir;
  const auto path = dir.file("concert.db");
  constexpr int kThreads = 8;
  std::vector<UserId> users;
  for (int i = 0; i < kThreads; ++i) users.push_back(UserId::random());
  {
    auto db = SqliteDatabase::open(path, {.max_batch = 2, .max_readers = 2});
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        const auto& id = users[static_cast<std::size_t>(i)];
        EXPECT_TRUE(store::write(*db, [&](store::Tx& tx) {
          return tx.users.insert(
              {.id = id, .username = "u" + std::to_string(i), .password_hash = "h"});
        }));
      });
    }
  }
  auto db = SqliteDatabase::open(path);
  for (const auto& id : users) {
    EXPECT_TRUE(store::read(*db, [&](store::Tx& tx) { return tx.users.exists(id); }));
  }
}

}  // namespace
}  // namespace concertd::contract
