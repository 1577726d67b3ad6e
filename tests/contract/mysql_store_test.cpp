// The store contract for MariaDB/MySQL (a fresh database per test on the server named by
// CONCERTD_TEST_MYSQL_DSN, see scripts/mariadb-test-server; skipped when it is unset),
// and what only this store has: the shared server, its migrations under a lock, lost
// races run again, and connections that go away.
#include <mysql.h>

#include <array>
#include <atomic>
#include <barrier>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <cstdlib>
#include <latch>
#include <random>
#include <thread>

#include "common/metrics.hpp"
#include "contract/store_contract.hpp"
#include "store/audit.hpp"
#include "store/migration.hpp"
#include "store/mysql/batch.hpp"
#include "store/mysql/mysql_database.hpp"
#include "store/mysql/url.hpp"

namespace concertd::contract {
namespace {

using store::mysql::MysqlDatabase;

std::optional<std::string> test_dsn() {
  const char* dsn = std::getenv("CONCERTD_TEST_MYSQL_DSN");
  if (dsn == nullptr || *dsn == '\0') return std::nullopt;
  return std::string(dsn);
}

// `dsn` with its database replaced by `database`.
std::string with_database(const std::string& dsn, const std::string& database) {
  return dsn.substr(0, dsn.rfind('/') + 1) + database;
}

// A plain client connection for what the interfaces cannot show or do: counting rows,
// holding locks, killing connections. Text SQL, test-made values only.
class RawMysql final {
 public:
  explicit RawMysql(const std::string& url) : conn_(mysql_init(nullptr)) {
    const auto servers = store::mysql::parse_url(url);
    if (!servers) {
      ADD_FAILURE() << "bad DSN";
      return;
    }
    const auto* endpoint = &servers->front();
    const unsigned protocol = MYSQL_PROTOCOL_TCP;
    mysql_options(conn_, MYSQL_OPT_PROTOCOL, &protocol);
    if (mysql_real_connect(conn_, endpoint->host.c_str(), endpoint->user.c_str(),
                           endpoint->password.c_str(), endpoint->database.c_str(), endpoint->port,
                           nullptr, 0) == nullptr) {
      ADD_FAILURE() << "cannot connect: " << mysql_error(conn_);
    }
  }
  RawMysql(const RawMysql&) = delete;
  RawMysql& operator=(const RawMysql&) = delete;
  ~RawMysql() { mysql_close(conn_); }

  void exec(const std::string& sql) {
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
      ADD_FAILURE() << mysql_error(conn_) << " in: " << sql;
      return;
    }
    if (MYSQL_RES* result = mysql_store_result(conn_)) mysql_free_result(result);
  }

  std::vector<std::string> column(const std::string& sql) {
    std::vector<std::string> out;
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
      ADD_FAILURE() << mysql_error(conn_) << " in: " << sql;
      return out;
    }
    MYSQL_RES* result = mysql_store_result(conn_);
    if (result == nullptr) return out;
    while (MYSQL_ROW row = mysql_fetch_row(result)) out.emplace_back(row[0] ? row[0] : "NULL");
    mysql_free_result(result);
    return out;
  }

  std::int64_t scalar(const std::string& sql) {
    const auto values = column(sql);
    if (values.size() != 1) {
      ADD_FAILURE() << "expected one value from: " << sql;
      return -1;
    }
    return std::stoll(values[0]);
  }

 private:
  MYSQL* conn_;
};

// A database of its own on the test server, dropped when destroyed.
class TempDatabase final {
 public:
  explicit TempDatabase(const std::string& dsn) : admin_(dsn) {
    std::random_device random;
    name_ = "concertd_t_" + std::to_string(random()) + std::to_string(random());
    url_ = with_database(dsn, name_);
    admin_.exec("CREATE DATABASE " + name_ + " CHARACTER SET utf8mb4");
  }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;
  ~TempDatabase() { admin_.exec("DROP DATABASE IF EXISTS " + name_); }

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::string& url() const { return url_; }
  [[nodiscard]] RawMysql& admin() { return admin_; }

  // Kills every connection to this database but the admin's own.
  void kill_connections() {
    for (const auto& id :
         admin_.column("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '" + name_ +
                       "' AND ID <> CONNECTION_ID()")) {
      admin_.exec("KILL CONNECTION " + id);
    }
  }

 private:
  RawMysql admin_;
  std::string name_;
  std::string url_;
};

// A MariaDB store on a fresh database, dropped after the store closed.
class TempMysqlDatabase final : public store::Database {
 public:
  explicit TempMysqlDatabase(const std::string& dsn)
      : database_(dsn), db_(MysqlDatabase::open(database_.url())) {}
  void write(const std::function<bool(store::Tx&)>& work) override { db_->write(work); }
  void read(const std::function<void(store::Tx&)>& work) override { db_->read(work); }
  [[nodiscard]] bool ready() override { return db_->ready(); }
  [[nodiscard]] store::AuditReport audit(Timestamp now) override { return db_->audit(now); }

 private:
  TempDatabase database_;  // declared first: dropped after the store closed
  std::unique_ptr<MysqlDatabase> db_;
};

StoreFactory mysql_factory() {
  return {.name = "Mysql", .make = []() -> std::unique_ptr<store::Database> {
            const auto dsn = test_dsn();
            if (!dsn) return nullptr;
            return std::make_unique<TempMysqlDatabase>(*dsn);
          }};
}

CONCERTD_INSTANTIATE_STORE_CONTRACT(Mysql, ::testing::Values(mysql_factory()));

class MysqlDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto dsn = test_dsn();
    if (!dsn) GTEST_SKIP() << "CONCERTD_TEST_MYSQL_DSN is not set";
    dsn_ = *dsn;
    database_.emplace(dsn_);
  }

  [[nodiscard]] TempDatabase& database() { return *database_; }
  [[nodiscard]] std::unique_ptr<MysqlDatabase> open(store::mysql::Options options = {}) {
    return MysqlDatabase::open(database_->url(), options);
  }

  static UserId add_user(store::Database& db, const std::string& name) {
    const users::User user{.id = UserId::random(), .username = name, .password_hash = "h"};
    EXPECT_TRUE(store::write(db, [&](store::Tx& tx) { return tx.users.insert(user); }));
    return user.id;
  }
  static std::optional<Won> balance(store::Database& db, UserId user) {
    return store::read(db, [&](store::Tx& tx) { return tx.ledger.balance(user); });
  }

  // Two transactions, alice's and bob's, each credit their own user (a row lock), wait for
  // each other, then run `then(tx, other user)`: a cycle InnoDB breaks by rolling one back
  // (1213). Gives the number of runs of both.
  template <class Then>
  static int cross_locks(store::Database& db, UserId alice, UserId bob, Then then) {
    std::barrier both(2);
    std::atomic<int> runs = 0;
    const auto transfer = [&](UserId first, UserId second) {
      bool first_run = true;
      db.write([&](store::Tx& tx) {
        ++runs;
        if (!tx.ledger.credit(first, Won{1}, kT0)) return false;
        if (first_run) {
          first_run = false;
          both.arrive_and_wait();
        }
        return then(tx, second);
      });
    };
    {
      std::jthread one([&] { transfer(alice, bob); });
      std::jthread two([&] { transfer(bob, alice); });
    }
    return runs.load();
  }

  std::string dsn_;
  std::optional<TempDatabase> database_;
};

void expect_one_line_open_error(const std::string& url, const std::string& expected,
                                const std::string& secret = "never-shown-secret") {
  try {
    (void)MysqlDatabase::open(url, {.connect_timeout = std::chrono::seconds{2}});
    ADD_FAILURE() << "opened " << url;
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.find(secret), std::string::npos) << message;
    EXPECT_EQ(message.find("SELECT"), std::string::npos) << message;
    EXPECT_EQ(message.find("CREATE"), std::string::npos) << message;
  }
}

TEST_F(MysqlDatabaseTest, MigrationsAreAppliedOnceAndRecorded) {
  (void)open();
  (void)open();
  const auto known = store::mysql::migrations();
  ASSERT_FALSE(known.empty());
  auto& raw = database().admin();
  const std::string db = database().name();
  EXPECT_EQ(raw.scalar("SELECT COUNT(*) FROM " + db + ".schema_migrations"),
            static_cast<std::int64_t>(known.size()));
  EXPECT_EQ(raw.scalar("SELECT MAX(version) FROM " + db + ".schema_migrations"),
            known.back().version);
  EXPECT_EQ(raw.scalar("SELECT COUNT(*) FROM " + db + ".queue_state"), 1);
  EXPECT_EQ(raw.scalar("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" +
                       db + "' AND ENGINE <> 'InnoDB'"),
            0);
}

TEST_F(MysqlDatabaseTest, ThreeNodesStartingAtOnceOnAnEmptyDatabaseMigrateExactlyOnce) {
  constexpr int kNodes = 3;
  std::latch start(kNodes);
  std::vector<std::unique_ptr<MysqlDatabase>> nodes(kNodes);
  std::atomic<int> failures = 0;
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kNodes; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        try {
          nodes[static_cast<std::size_t>(i)] = open();
        } catch (const std::exception& e) {
          ADD_FAILURE() << "node " << i << ": " << e.what();
          ++failures;
        }
      });
    }
  }
  ASSERT_EQ(failures.load(), 0);
  const std::string db = database().name();
  EXPECT_EQ(database().admin().scalar("SELECT COUNT(*) FROM " + db + ".schema_migrations"),
            static_cast<std::int64_t>(store::mysql::migrations().size()));
  EXPECT_EQ(database().admin().scalar("SELECT COUNT(*) FROM " + db + ".queue_state"), 1);
  // Every node works on the one schema, and sees what the others wrote.
  std::vector<UserId> users;
  for (int i = 0; i < kNodes; ++i) {
    users.push_back(add_user(*nodes[static_cast<std::size_t>(i)], "node-" + std::to_string(i)));
  }
  for (const auto& node : nodes) {
    for (const auto& user : users) EXPECT_EQ(balance(*node, user), Won{0});
  }
}

TEST_F(MysqlDatabaseTest, OpenOfANewerSchemaFails) {
  (void)open();
  database().admin().exec("INSERT INTO " + database().name() +
                          ".schema_migrations (version, name, applied_at)"
                          " VALUES (9999, 'future', 0)");
  expect_one_line_open_error(database().url(), "newer than this build");
}

TEST_F(MysqlDatabaseTest, OpenWithAWrongPasswordFailsWithOneLineWithoutThePassword) {
  const auto servers = store::mysql::parse_url(database().url());
  ASSERT_TRUE(servers);
  const auto* endpoint = &servers->front();
  const std::string url = "mysql://" + endpoint->user + ":never-shown-secret@" + endpoint->host +
                          ":" + std::to_string(endpoint->port) + "/" + endpoint->database;
  expect_one_line_open_error(url, "cannot open database mysql://" + endpoint->user + "@");
}

TEST_F(MysqlDatabaseTest, OpenOfAMissingDatabaseFails) {
  expect_one_line_open_error(with_database(dsn_, "concertd_no_such_db"), "concertd_no_such_db");
}

TEST(MysqlDatabase, OpenOfAnUnreachableServerFailsQuicklyWithOneLine) {
  const auto started = std::chrono::steady_clock::now();
  expect_one_line_open_error("mysql://u:never-shown-secret@127.0.0.1:1/db",
                             "cannot open database mysql://u@127.0.0.1:1/db");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{5});
}

TEST(MysqlDatabase, OpenOfAMalformedUrlFails) {
  for (const char* url : {"mysql://", "mysql://host/db", "mysql://u:never-shown-secret@h:0/db",
                          "mysql://u:never-shown-secret@h:99999/db",
                          "mysql://u:never-shown-secret@h:1/", "mysql://u:never-shown-secret@h/a/b",
                          "mysql://u:never-shown-secret@h/db?ssl=1", "sqlite:x.db"}) {
    expect_one_line_open_error(url, "bad database URL");
  }
}

TEST(MysqlUrl, PartsArePercentDecodedAndThePortDefaults) {
  const auto servers = store::mysql::parse_url("mysql://us%40er:p%3Ass%2Fw@db.example:3307/shop");
  ASSERT_TRUE(servers);
  ASSERT_EQ(servers->size(), 1u);
  const auto& endpoint = servers->front();
  EXPECT_EQ(endpoint.user, "us@er");
  EXPECT_EQ(endpoint.password, "p:ss/w");
  EXPECT_EQ(endpoint.host, "db.example");
  EXPECT_EQ(endpoint.port, 3307);
  EXPECT_EQ(endpoint.database, "shop");
  EXPECT_EQ(endpoint.redacted(), "mysql://us@er@db.example:3307/shop");
  EXPECT_EQ(store::mysql::parse_url("mysql://u:p@[::1]/d")->front().host, "::1");
  EXPECT_EQ(store::mysql::parse_url("mysql://u:p@10.0.0.2/d")->front().port, 3306);
}

TEST(MysqlUrl, SeveralServersShareTheUserPasswordAndDatabase) {
  const auto servers =
      store::mysql::parse_url("mysql://app:p%2Cw@db1:3307,10.0.0.2,[fd00::3]:3309/shop");
  ASSERT_TRUE(servers);
  ASSERT_EQ(servers->size(), 3u);
  EXPECT_EQ((*servers)[0].host, "db1");
  EXPECT_EQ((*servers)[0].port, 3307);
  EXPECT_EQ((*servers)[1].host, "10.0.0.2");
  EXPECT_EQ((*servers)[1].port, 3306);
  EXPECT_EQ((*servers)[2].host, "fd00::3");
  EXPECT_EQ((*servers)[2].port, 3309);
  for (const auto& server : *servers) {
    EXPECT_EQ(server.user, "app");
    EXPECT_EQ(server.password, "p,w");
    EXPECT_EQ(server.database, "shop");
  }
  EXPECT_EQ(store::mysql::redacted(*servers),
            "mysql://app@db1:3307,10.0.0.2:3306,[fd00::3]:3309/shop");
}

TEST(MysqlUrl, AListWithAnEmptyOrBadServerIsRefusedWithoutThePassword) {
  std::string many = "mysql://u:never-shown-secret@h0";
  for (int i = 1; i <= 16; ++i) many += ",h" + std::to_string(i);
  for (const std::string& url : std::vector<std::string>{
           "mysql://u:never-shown-secret@h1,/db", "mysql://u:never-shown-secret@,h2/db",
           "mysql://u:never-shown-secret@h1,,h3/db", "mysql://u:never-shown-secret@h1,h2:0/db",
           "mysql://u:never-shown-secret@h1,h2:x/db", many + "/db"}) {
    std::string why;
    EXPECT_FALSE(store::mysql::parse_url(url, &why)) << url;
    EXPECT_FALSE(why.empty()) << url;
    EXPECT_EQ(why.find("never-shown-secret"), std::string::npos) << why;
  }
}

TEST_F(MysqlDatabaseTest, DeadlockedWritesAreRunAgainAndBothCommit) {
  auto db = open();
  const auto alice = add_user(*db, "alice");
  const auto bob = add_user(*db, "bob");
  const int runs = cross_locks(*db, alice, bob, [](store::Tx& tx, UserId other) {
    return tx.ledger.credit(other, Won{1}, kT0).has_value();
  });
  EXPECT_GE(runs, 3);
  EXPECT_EQ(balance(*db, alice), Won{2});
  EXPECT_EQ(balance(*db, bob), Won{2});
}

// The cycle closes inside the deferred writes that go with the COMMIT (one round trip):
// the victim's batch fails before its COMMIT, so nothing of it is kept, and it runs again.
TEST_F(MysqlDatabaseTest, DeadlockedDeferredWritesAreRunAgainAndBothCommitOnce) {
  auto db = open();
  const auto alice = add_user(*db, "alice");
  const auto bob = add_user(*db, "bob");
  ASSERT_TRUE(store::write(*db, [&](store::Tx& tx) {
    return tx.ledger.credit(alice, Won{100}, kT0) && tx.ledger.credit(bob, Won{100}, kT0);
  }));
  const auto deadlocks = metrics::registry().retries_deadlock.value();
  // The debit of the other's row is deferred to the commit: the two batches wait for each
  // other's row.
  const int runs = cross_locks(*db, alice, bob, [](store::Tx& tx, UserId other) {
    tx.ledger.debit(other, Won{10}, PaymentId::random(), kT0);
    return true;
  });
  EXPECT_GE(runs, 3);
  EXPECT_GT(metrics::registry().retries_deadlock.value(), deadlocks);
  EXPECT_EQ(balance(*db, alice), Won{91});
  EXPECT_EQ(balance(*db, bob), Won{91});
  auto& raw = database().admin();
  const auto db_name = database().name();
  EXPECT_EQ(raw.scalar("SELECT COUNT(*) FROM " + db_name + ".ledger WHERE kind = 'PAYMENT'"), 2);
}

// Values in a deferred write are inlined as literals: whatever bytes a key holds (quotes,
// backslashes, a NUL, a `?`, invalid UTF-8), they are stored and found as they were.
TEST_F(MysqlDatabaseTest, DeferredWritesStoreAnyBytesAsTheyAre) {
  auto db = open();
  const auto user = add_user(*db, "alice");
  const std::string key = std::string("k'); DROP TABLE users; -- \\' ?") + '\0' + "\xff" + "end";
  db->write([&](store::Tx& tx) {
    tx.idempotency.insert(user, key, {.fingerprint = "f'?", .outcome = "o\\"}, kT0);
    return true;
  });
  const auto found =
      store::read(*db, [&](store::Tx& tx) { return tx.idempotency.find(user, key); });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->fingerprint, "f'?");
  EXPECT_EQ(found->outcome, "o\\");
  EXPECT_TRUE(balance(*db, user));
}

TEST(MysqlBatch, InlinesIntegersAndHexLiteralsOutsideQuotes) {
  EXPECT_EQ(store::mysql::hex_literal(std::string("a'\0", 3)), "X'612700'");
  EXPECT_EQ(store::mysql::inline_values("UPDATE t SET a = ?, b = '?' WHERE c = ?", {"1", "X'00'"}),
            "UPDATE t SET a = 1, b = '?' WHERE c = X'00'");
  EXPECT_THROW((void)store::mysql::inline_values("SELECT ?", {}), std::logic_error);
  EXPECT_THROW((void)store::mysql::inline_values("SELECT 1", {"1"}), std::logic_error);
}

// The cycle closes inside a locking read that returns rows (the hold's gate): the victim's
// statement fails, and the transaction runs again at once on the same connection.
TEST_F(MysqlDatabaseTest, DeadlockedLockingReadsAreRunAgainAtOnce) {
  auto db = open();
  const auto alice = add_user(*db, "alice");
  const auto bob = add_user(*db, "bob");
  const concerts::Concert concert{
      .id = ConcertId::random(), .name = "c", .date = std::chrono::year{2027} / 1 / 1};
  ASSERT_TRUE(store::write(*db, [&](store::Tx& tx) {
    const std::vector<concerts::SeatSpec> seats{{.number = 1, .price = Won{10}},
                                                {.number = 2, .price = Won{20}}};
    tx.concerts.insert(concert, seats);
    return true;
  }));
  std::barrier both(2);
  std::atomic<int> runs = 0;
  const auto gates = [&](UserId user, std::int32_t first, std::int32_t second) {
    bool first_run = true;
    db->write([&](store::Tx& tx) {
      ++runs;
      if (!tx.reservations.lock_holder(user, 0, concert.id, first, kT0)) return false;
      if (first_run) {
        first_run = false;
        both.arrive_and_wait();
      }
      return tx.reservations.lock_holder(user, 0, concert.id, second, kT0).has_value();
    });
  };
  const auto start = std::chrono::steady_clock::now();
  {
    std::jthread one([&] { gates(alice, 1, 2); });
    std::jthread two([&] { gates(bob, 2, 1); });
  }
  EXPECT_GE(runs.load(), 3);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(MysqlDatabaseTest, WorkThatSwallowsADeadlockIsRunAgainNotHalfCommitted) {
  auto db = open();
  const auto alice = add_user(*db, "alice");
  const auto bob = add_user(*db, "bob");
  std::barrier both(2);
  std::atomic<int> runs = 0;
  const auto transfer = [&](UserId first, UserId second) {
    bool first_run = true;
    db->write([&](store::Tx& tx) {
      ++runs;
      if (!tx.ledger.credit(first, Won{1}, kT0)) return false;
      if (first_run) {
        first_run = false;
        both.arrive_and_wait();
      }
      try {
        (void)tx.ledger.credit(second, Won{1}, kT0);
      } catch (const std::exception&) {
        // A careless caller: the deadlock must not lead to committing the first credit alone.
      }
      return true;
    });
  };
  {
    std::jthread one([&] { transfer(alice, bob); });
    std::jthread two([&] { transfer(bob, alice); });
  }
  EXPECT_GE(runs.load(), 3);
  EXPECT_EQ(balance(*db, alice), Won{2});
  EXPECT_EQ(balance(*db, bob), Won{2});
}

TEST_F(MysqlDatabaseTest, LockWaitTimeoutIsRunAgain) {
  auto db = open({.lock_wait_timeout = std::chrono::seconds{1}});
  const auto alice = add_user(*db, "alice");
  std::latch locked(1);
  std::atomic<int> waiter_runs = 0;
  {
    std::jthread holder([&] {
      db->write([&](store::Tx& tx) {
        if (!tx.ledger.credit(alice, Won{1}, kT0)) return false;
        locked.count_down();
        std::this_thread::sleep_for(std::chrono::milliseconds{1600});
        return true;
      });
    });
    locked.wait();
    db->write([&](store::Tx& tx) {
      ++waiter_runs;
      return tx.ledger.credit(alice, Won{1}, kT0).has_value();
    });
  }
  EXPECT_GE(waiter_runs.load(), 2);
  EXPECT_EQ(balance(*db, alice), Won{2});
}

// The number of a join still open is a gap the admitter must not close (it may commit);
// once the join has ended, the gap closes: kept as the entry if it committed, a
// placeholder if it rolled back.
TEST_F(MysqlDatabaseTest, AGapStaysOpenWhileTheJoinThatTookItMayCommit) {
  auto db = open();
  const auto fill_gap = [&](std::int64_t number) {
    bool closed = false;
    db->write([&](store::Tx& tx) {
      closed = tx.queue.fill_gap(number, kT0);
      return closed;
    });
    return closed;
  };
  for (const bool commits : {true, false}) {
    SCOPED_TRACE(commits ? "the join commits" : "the join rolls back");
    // New fans each time: a fan whose entry committed would get that entry back.
    const std::string suffix = commits ? "-commits" : "-rolls-back";
    const auto early = add_user(*db, "early" + suffix);
    const auto late = add_user(*db, "late" + suffix);
    std::latch numbered(1);
    std::latch release(1);
    std::int64_t early_number = 0;
    std::jthread join([&] {
      db->write([&](store::Tx& tx) {
        early_number = tx.queue.enqueue(early, kT0).value().entry.number;
        numbered.count_down();
        release.wait();
        return commits;
      });
    });
    numbered.wait();
    const auto late_number = store::write(*db, [&](store::Tx& tx) {
                               return tx.queue.enqueue(late, kT0).value().entry;
                             }).number;
    EXPECT_EQ(late_number, early_number + 1);
    EXPECT_FALSE(fill_gap(early_number));
    release.count_down();
    join.join();
    EXPECT_TRUE(fill_gap(early_number));
    const auto slots = store::read(
        *db, [&](store::Tx& tx) { return tx.queue.entries_after(early_number - 1, 10); });
    ASSERT_EQ(slots.size(), 2u);
    EXPECT_EQ(slots[0].number, early_number);
    ASSERT_EQ(slots[0].waiting.has_value(), commits);
    if (commits) {
      EXPECT_EQ(slots[0].waiting->user, early);
    }
  }
}

TEST_F(MysqlDatabaseTest, WriteThatKeepsWaitingForALockGivesUpWithStoreUnavailable) {
  auto db = open({.lock_wait_timeout = std::chrono::seconds{1}, .max_attempts = 2});
  const auto alice = add_user(*db, "alice");
  RawMysql other(database().url());
  other.exec("START TRANSACTION");
  other.exec("SELECT balance FROM users WHERE username = 'alice' FOR UPDATE");
  int runs = 0;
  EXPECT_THROW(db->write([&](store::Tx& tx) {
    ++runs;
    return tx.ledger.credit(alice, Won{1}, kT0).has_value();
  }),
               StoreUnavailable);
  EXPECT_EQ(runs, 2);
  other.exec("ROLLBACK");
  EXPECT_EQ(balance(*db, alice), Won{0});
  EXPECT_TRUE(
      store::write(*db, [&](store::Tx& tx) { return tx.ledger.credit(alice, Won{1}, kT0); }));
}

TEST_F(MysqlDatabaseTest, OneUsernameSignedUpOnTwoNodesAtOnceHasOneWinner) {
  auto node_a = open();
  auto node_b = open();
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> created = 0;
  std::atomic<int> taken = 0;
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        auto& db = i % 2 == 0 ? *node_a : *node_b;
        const users::User user{.id = UserId::random(), .username = "alice", .password_hash = "h"};
        start.arrive_and_wait();
        const auto inserted =
            store::write(db, [&](store::Tx& tx) { return tx.users.insert(user); });
        if (inserted) {
          ++created;
        } else if (inserted.error().code == Errc::kUsernameTaken) {
          ++taken;
        }
      });
    }
  }
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(taken.load(), kThreads - 1);
}

TEST_F(MysqlDatabaseTest, OneIdempotencyKeyUsedOnTwoNodesAtOnceChargesOnce) {
  auto node_a = open();
  auto node_b = open();
  const auto alice = add_user(*node_a, "alice");
  std::barrier both(2);
  std::atomic<int> runs = 0;
  // The charge use case: look the key up, credit, record the key. Both requests look it
  // up before either records it; the one that records second must not charge again.
  const auto charge = [&](MysqlDatabase& db) {
    bool first_run = true;
    return store::write(db, [&](store::Tx& tx) -> std::string {
      ++runs;
      const auto earlier = tx.idempotency.find(alice, "key-1");
      if (first_run) {
        first_run = false;
        both.arrive_and_wait();
      }
      if (earlier) return earlier->outcome;
      const auto balance = tx.ledger.credit(alice, Won{100}, kT0);
      const auto outcome = std::to_string(balance->value());
      tx.idempotency.insert(alice, "key-1", {.fingerprint = "charge|100", .outcome = outcome}, kT0);
      return outcome;
    });
  };
  std::string answer_a;
  std::string answer_b;
  {
    std::jthread a([&] { answer_a = charge(*node_a); });
    std::jthread b([&] { answer_b = charge(*node_b); });
  }
  EXPECT_EQ(answer_a, "100");
  EXPECT_EQ(answer_b, "100");
  EXPECT_EQ(runs.load(), 3);
  EXPECT_EQ(balance(*node_a, alice), Won{100});
}

TEST_F(MysqlDatabaseTest, PooledConnectionsThatWereKilledAreReplaced) {
  auto db = open();
  const auto alice = add_user(*db, "alice");
  EXPECT_TRUE(db->ready());
  database().kill_connections();
  EXPECT_TRUE(
      store::write(*db, [&](store::Tx& tx) { return tx.ledger.credit(alice, Won{5}, kT0); }));
  EXPECT_EQ(balance(*db, alice), Won{5});
  EXPECT_TRUE(db->ready());
}

namespace net = boost::asio;
using tcp = net::ip::tcp;

// A TCP relay on 127.0.0.1 to one server: a server the test can take away. stop() closes
// the listener and every relayed connection, as a host that died would.
class TcpRelay final {
 public:
  explicit TcpRelay(const store::mysql::Endpoint& target)
      : target_(net::ip::make_address(target.host), target.port),
        acceptor_(ioc_, {net::ip::address_v4::loopback(), 0}) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;
  ~TcpRelay() { stop(); }

  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  [[nodiscard]] int accepted() const { return accepted_; }
  void stop() {
    if (!thread_.joinable()) return;
    ioc_.stop();
    thread_.join();
    acceptor_.close();
    for (const auto& pair : pairs_) {  // the stopped handlers still own them: close them here
      pair->client.close();
      pair->server.close();
    }
  }

 private:
  struct Pair {
    explicit Pair(tcp::socket c) : client(std::move(c)), server(client.get_executor()) {}
    tcp::socket client;
    tcp::socket server;
    std::array<char, 16384> up{};
    std::array<char, 16384> down{};
  };

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket client) {
      if (ec) return;
      ++accepted_;
      auto pair = std::make_shared<Pair>(std::move(client));
      pairs_.push_back(pair);
      pair->server.async_connect(target_, [pair](boost::system::error_code connect_ec) {
        if (connect_ec) return;
        pump(pair, pair->client, pair->server, pair->up);
        pump(pair, pair->server, pair->client, pair->down);
      });
      accept();
    });
  }

  static void pump(const std::shared_ptr<Pair>& pair, tcp::socket& from, tcp::socket& to,
                   std::array<char, 16384>& buffer) {
    from.async_read_some(net::buffer(buffer),
                         [pair, &from, &to, &buffer](boost::system::error_code ec, std::size_t n) {
                           if (ec) {
                             to.close();
                             return;
                           }
                           net::async_write(to, net::buffer(buffer.data(), n),
                                            [pair, &from, &to, &buffer](
                                                boost::system::error_code write_ec, std::size_t) {
                                              if (!write_ec) pump(pair, from, to, buffer);
                                            });
                         });
  }

  net::io_context ioc_;
  tcp::endpoint target_;
  tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<Pair>> pairs_;  // touched by the relay's thread only, until stop
  std::atomic<int> accepted_ = 0;
  std::thread thread_;
};

// A URL listing several servers (the nodes of one cluster): a server that refuses is passed
// over, and when the one in use is lost the next calls go to the next server in the list.
// Here one MariaDB stands in for all of them: a dead port, a relay the test takes away, and
// the server itself.
TEST_F(MysqlDatabaseTest, AServerThatRefusesIsPassedOverAndALostOneFailsOverToTheNext) {
  const auto direct = store::mysql::parse_url(database().url())->front();
  TcpRelay relay(direct);
  const std::string url = "mysql://" + direct.user + ":" + direct.password + "@127.0.0.1:1," +
                          "127.0.0.1:" + std::to_string(relay.port()) + "," + direct.host + ":" +
                          std::to_string(direct.port) + "/" + direct.database;
  auto& failovers = metrics::registry().database_failovers;
  const auto before = failovers.value();
  auto db = MysqlDatabase::open(url);
  const auto alice = add_user(*db, "alice");
  EXPECT_GE(relay.accepted(), 1);
  EXPECT_EQ(failovers.value(), before + 1);  // past 127.0.0.1:1, to the relay

  relay.stop();  // the server in use is lost, with every connection to it
  // The pooled connection is found dead before anything runs on it and replaced: the
  // next server in the list answers.
  const auto bob = add_user(*db, "bob");
  EXPECT_EQ(failovers.value(), before + 2);
  EXPECT_EQ(balance(*db, alice), Won{0});
  EXPECT_EQ(balance(*db, bob), Won{0});
  // And it stays there: no more failovers while that server answers.
  for (int i = 0; i < 5; ++i) (void)add_user(*db, "carol" + std::to_string(i));
  EXPECT_EQ(failovers.value(), before + 2);
}

TEST_F(MysqlDatabaseTest, ConnectionLostInsideAWriteIsUnavailableAndKeepsNothing) {
  auto db = open();
  const users::User user{.id = UserId::random(), .username = "alice", .password_hash = "h"};
  EXPECT_THROW(db->write([&](store::Tx& tx) {
    EXPECT_TRUE(tx.users.insert(user));
    database().kill_connections();
    (void)tx.users.exists(user.id);
    return true;
  }),
               StoreUnavailable);
  EXPECT_FALSE(store::read(*db, [&](store::Tx& tx) { return tx.users.exists(user.id); }));
  EXPECT_NE(add_user(*db, "bob"), UserId{});
}

TEST_F(MysqlDatabaseTest, BusyPoolMakesCallersWaitThenGiveUp) {
  auto db = open({.max_connections = 1, .acquire_timeout = std::chrono::milliseconds{300}});
  std::latch inside(1);
  std::latch release(1);
  std::jthread holder([&] {
    db->read([&](store::Tx&) {
      inside.count_down();
      release.wait();
    });
  });
  inside.wait();
  EXPECT_THROW(db->read([](store::Tx&) {}), StoreUnavailable);
  EXPECT_TRUE(db->ready());  // its own connection
  release.count_down();
  holder.join();
  EXPECT_NO_THROW(db->read([](store::Tx&) {}));
}

TEST_F(MysqlDatabaseTest, LongAndBinaryValuesRoundTrip) {
  auto db = open();
  const std::string hash(200, 'h');
  std::string secret(5000, 'x');
  secret[10] = '\0';
  secret[11] = '\xff';
  const users::User user{.id = UserId::random(), .username = "alice", .password_hash = hash};
  ASSERT_TRUE(store::write(*db, [&](store::Tx& tx) { return tx.users.insert(user); }));
  EXPECT_EQ(
      store::write(*db, [&](store::Tx& tx) { return tx.settings.put_if_absent("s", secret); }),
      secret);
  EXPECT_EQ(store::read(*db, [&](store::Tx& tx) { return tx.settings.get("s"); }), secret);
  EXPECT_EQ(store::read(*db, [&](store::Tx& tx) { return tx.users.find_by_username("alice"); })
                ->password_hash,
            hash);
}

TEST_F(MysqlDatabaseTest, LargeConcertKeepsEverySeat) {
  auto db = open();
  constexpr std::int32_t kSeats = 1234;  // several batches and a remainder
  std::vector<concerts::SeatSpec> seats;
  for (std::int32_t n = 1; n <= kSeats; ++n) seats.push_back({.number = n, .price = Won{n}});
  const concerts::Concert concert{
      .id = ConcertId::random(), .name = "Big", .date = std::chrono::year{2026} / 12 / 24};
  (void)store::write(*db, [&](store::Tx& tx) {
    tx.concerts.insert(concert, seats);
    return true;
  });
  const auto stored =
      store::read(*db, [&](store::Tx& tx) { return tx.concerts.seats(concert.id, kT0); });
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), static_cast<std::size_t>(kSeats));
  for (std::int32_t n = 1; n <= kSeats; ++n) {
    const auto& seat = (*stored)[static_cast<std::size_t>(n - 1)];
    EXPECT_EQ(seat.number, n);
    EXPECT_EQ(seat.price, Won{n});
  }
}

}  // namespace
}  // namespace concertd::contract
