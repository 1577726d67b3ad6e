// The cluster race over a real network: every concertd node and the MariaDB server in a
// network namespace of its own, so that every query crosses a veth hop (with 1 ms of netem
// delay each way where the kernel has sch_netem), as between machines in production.
// nginx and the test client stay in the root namespace:
//
//   root ── db            the test's own SQL checks; nginx and the client reach node i
//   root ── node i        over its HTTP link
//   node i ── db          node i's path to the database (its only one)
//
// Plus a partition: node 2's link to the database goes down while its HTTP link stays up.
// Skipped without CONCERTD_TEST_MYSQL_DSN (the MariaDB environment), nginx, or the right to
// make network namespaces (root).

#include <chrono>
#include <cstddef>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/cluster.hpp"
#include "http/netlab.hpp"

namespace concertd::test {
namespace {

class ClusterNetns : public Cluster {
 protected:
  void SetUp() override {
    std::string why;
    if (!mysql_available(why)) GTEST_SKIP() << why;
    if (nginx_binary().empty()) GTEST_SKIP() << "nginx is not installed (scripts/setup)";
    try {
      lab_.emplace();
      db_ns_ = lab_->add_namespace("db");
    } catch (const NetLab::Unavailable& e) {
      GTEST_SKIP() << "cannot make network namespaces here: " << e.what();
    }
    const auto root_to_db = lab_->connect("", db_ns_);
    // One address for the database, on the loopback of its namespace, routed to over
    // whichever link a peer has: the nodes all use the same DSN, as in production.
    const auto db_address = lab_->add_loopback_address(db_ns_);
    lab_->add_route("", db_address, root_to_db.b_addr);
    for (std::size_t i = 0; i < kNodes; ++i) {
      std::string role = "n";  // not "n" + std::to_string(i): g++ 12 -O2 warns on it
      role += std::to_string(i);
      const auto ns = lab_->add_namespace(role);
      const auto http = lab_->connect("", ns);
      const auto to_db = lab_->connect(ns, db_ns_);
      lab_->add_route(ns, db_address, to_db.b_addr);
      nodes_net_.push_back({ns, http.b_addr, to_db.b_dev});
    }
    if (const auto& no_delay = lab_->undelayed_because(); !no_delay.empty()) {
      std::cout << "note: links without the 1 ms delay: " << no_delay;
      RecordProperty("undelayed", no_delay);
    }
    mariadb_.emplace(lab_->exec_in(db_ns_), db_address);
    database_.emplace(mariadb_->dsn());
  }

  [[nodiscard]] ServerOptions placed(ServerOptions options, std::size_t node) const override {
    options = Cluster::placed(std::move(options), node);
    options.launcher = lab_->exec_in(nodes_net_.at(node).ns);
    options.host = nodes_net_.at(node).address;
    return options;
  }

  // Takes node i's link to the database down at the database's end, as when a switch port
  // dies: the node's link stays up, so its packets to the database vanish without an
  // error (no reset, no "unreachable"), and its HTTP link is untouched. The hard case:
  // only the store's timeouts end its waits.
  void partition(std::size_t i, bool cut) { lab_->set_link(db_ns_, nodes_net_.at(i).db_dev, !cut); }

 private:
  struct NodeNet {
    std::string ns;
    std::string address;  // on its HTTP link, where it listens
    std::string db_dev;   // the database's end of its link to the database
  };

  std::optional<NetLab> lab_;
  std::optional<MariadbTestServer> mariadb_;
  std::string db_ns_;
  std::vector<NodeNet> nodes_net_;
};

TEST_F(ClusterNetns, RacesThroughNginxAndNodesAtOnce) { race_through_nginx_and_nodes(); }

bool is_unavailable(const Response& r) {
  return is_problem(r, 503, "") && !r.header("Retry-After").empty();
}

// Node 2 (not the admitter) loses its path to the database in the middle of a hold: its
// first statement (the gate) has locked its user's row and waits for the seat's, which the
// test holds until the link is down. The server then finishes the statement and waits for
// the next, which never comes: a stranded transaction, holding its locks. Node 2 answers 503 with
// Retry-After, to that hold, to /readyz and to writes, within the store's timeouts (10 s
// for a statement in flight, 2 s for a new connection). Nodes 0 and 1 keep charging,
// holding and selling, even on the rows the stranded transaction locked, once the server
// ended it. When the link is back node 2 serves again within 5 s, and nothing it answered
// 503 to was written.
TEST_F(ClusterNetns, NodeCutOffFromTheDatabaseAnswers503WhileTheOthersCarryOn) {
  constexpr std::size_t kCut = 2;
  constexpr auto kCutSeat = static_cast<std::int64_t>(kCut) + 1;
  constexpr std::int64_t kPrice = 100;
  start({.threads = 2});
  HttpClient admin(lb());
  const auto concert = create_concert(admin, kNodes, kPrice);
  auto users = make_accounts(lb(), kNodes, kNodes);
  for (std::size_t i = 0; i < kNodes; ++i) {
    HttpClient via(node(i));
    charge(via, users[i], 1000);
    admit(via, users[i]);
  }

  Db locker(database());
  ASSERT_TRUE(locker.rows("START TRANSACTION").empty());
  ASSERT_EQ(locker
                .rows("SELECT 1 FROM seats WHERE concert_id = ? AND seat_number = ? FOR UPDATE",
                      {uuid(concert), kCutSeat})
                .size(),
            1U);
  Response held;
  std::string hold_failed;
  std::jthread holder([&] {
    try {
      HttpClient via(node(kCut), 30s);
      held = hold(via, concert, kCutSeat, users[kCut].queue);
    } catch (const std::exception& e) {
      hold_failed = e.what();
    }
  });
  Db db(database());
  ASSERT_TRUE(eventually(
      [&] {
        return db.scalar(
                   "SELECT count(*) FROM information_schema.processlist "
                   "WHERE info LIKE 'SELECT COUNT(DISTINCT q.number)%FOR UPDATE'") == 1;
      },
      10s))
      << "node " << kCut << "'s hold never waited for the seat";
  partition(kCut, true);
  EXPECT_TRUE(locker.rows("ROLLBACK").empty());

  Response readyz;
  Response charged;
  run_together(2, [&](std::size_t t) {
    HttpClient via(node(kCut), 30s);
    if (t == 0) {
      readyz = via.get("/readyz");
    } else {
      charged = via.post("/api/v1/users/" + users[kCut].id + "/balance",
                         {{"userId", users[kCut].id}, {"amount", 1}}, users[kCut].access);
    }
  });
  holder.join();
  EXPECT_EQ(hold_failed, "");
  EXPECT_TRUE(is_unavailable(held)) << held.describe();
  EXPECT_TRUE(is_unavailable(readyz)) << readyz.describe();
  EXPECT_TRUE(is_unavailable(charged)) << charged.describe();
  for (std::size_t i = 0; i < kNodes; ++i) {
    if (i == kCut) continue;
    HttpClient via(node(i));
    EXPECT_EQ(via.get("/readyz").status, 200U) << "node " << i;
    EXPECT_EQ(charge(via, users[i], 5), 1005) << "node " << i;
    const auto rid = hold_ok(via, concert, static_cast<std::int64_t>(i) + 1, users[i].queue);
    EXPECT_TRUE(has_status(pay(via, rid, kPrice, users[i].queue), 201)) << "node " << i;
  }
  {
    // The stranded transaction's user row: free again once the server ended it.
    HttpClient via(node(0), 60s);
    EXPECT_EQ(charge(via, users[kCut], 5), 1005);
  }

  partition(kCut, false);
  HttpClient healed(node(kCut), 10s);
  EXPECT_TRUE(eventually([&] { return healed.get("/readyz").status == 200; }, 5s))
      << "node " << kCut << " did not recover within 5 s";
  EXPECT_EQ(charge(healed, users[kCut], 5), 1010) << "a charge answered 503 was written";
  // The hold answered 503 was rolled back: the seat is still there to take.
  const auto rid = hold_ok(healed, concert, kCutSeat, users[kCut].queue);
  EXPECT_TRUE(has_status(pay(healed, rid, kPrice, users[kCut].queue), 201));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM seats WHERE state = 'SOLD'"),
            static_cast<std::int64_t>(kNodes));
  expect_invariants(database());
}

}  // namespace
}  // namespace concertd::test
