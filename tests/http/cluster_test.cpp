// Three concertd nodes on one MariaDB database, with nginx in front of them: races through
// nginx and through the nodes directly at once, FIFO admission across nodes, the admitter
// killed mid-load, and the contract's §4 invariants checked with SQL afterwards.
// Skipped without CONCERTD_TEST_MYSQL_DSN or nginx.

#include "http/cluster.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/event_stream.hpp"
#include "http/late_join.hpp"

namespace concertd::test {
namespace {

std::string show(const std::vector<Response>& responses) {
  std::map<std::string, int> counts;
  for (const auto& r : responses) ++counts[std::to_string(r.status) + " " + r.code()];
  std::string s;
  for (const auto& [k, v] : counts) s += "[" + k + "] x" + std::to_string(v) + " ";
  return s;
}

}  // namespace

void Cluster::SetUp() {
  std::string why;
  if (!mysql_available(why)) GTEST_SKIP() << why;
  if (nginx_binary().empty()) GTEST_SKIP() << "nginx is not installed (scripts/setup)";
  database_.emplace();
}

void Cluster::TearDown() {
  nginx_.reset();
  nodes_.clear();
  database_.reset();
}

ServerOptions Cluster::placed(ServerOptions options, std::size_t /*node*/) const {
  options.database_url = database_->url();
  return options;
}

void Cluster::start(ServerOptions options) {
  nodes_.push_back(std::make_unique<ServerProcess>(placed(options, 0)));
  Db db(database());
  ASSERT_TRUE(eventually([&] { return !leader(db).empty(); }, 5s))
      << "node 0 did not take the admitter lease";
  first_leader_ = leader(db);
  for (std::size_t i = 1; i < kNodes; ++i) {
    nodes_.push_back(std::make_unique<ServerProcess>(placed(options, i)));
  }
  std::vector<Endpoint> upstreams;
  for (const auto& n : nodes_) upstreams.push_back(n->endpoint());
  nginx_.emplace(upstreams);
}

std::string Cluster::leader(Db& db) {
  const auto rows = db.rows("SELECT leader FROM queue_state WHERE id = 1");
  return rows.empty() || rows.front().front() == "NULL" ? std::string() : rows.front().front();
}

// (a) 40 fans race for each of three seats while 30 threads charge one user, every racer
// on its own entry point (nginx or one of the nodes): one hold per seat, exact sums.
void Cluster::race_through_nginx_and_nodes() {
  constexpr std::size_t kFans = 40;
  constexpr std::size_t kChargers = 30;
  constexpr std::int64_t kPerCharger = 10;
  start({.threads = 4});
  HttpClient http(lb());
  auto fans = make_accounts(lb(), kFans, 8);
  for (std::size_t i = 0; i < kFans; ++i) {
    HttpClient via(entry(i));
    join_queue(via, fans[i]);
  }
  for (std::size_t i = 0; i < kFans; ++i) {
    HttpClient via(entry(i + 1));
    wait_active(via, fans[i].queue);
  }
  const auto payer = make_account(node(1));
  const auto concert = create_concert(http, 3, 1000);
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (std::size_t i = 0; i < kFans + kChargers; ++i) {
    clients.push_back(std::make_unique<HttpClient>(entry(i)));
    ASSERT_EQ(clients.back()->get("/healthz").status, 200U);
  }
  std::int64_t expected = 0;
  for (std::size_t t = 0; t < kChargers; ++t) {
    for (std::int64_t i = 0; i < kPerCharger; ++i)
      expected += 1 + static_cast<std::int64_t>(t) * 37 + i;
  }
  std::int64_t charges_done = 0;
  std::set<std::int64_t> new_balances;
  for (std::int64_t seat = 1; seat <= 3; ++seat) {
    std::vector<Response> holds(kFans);
    std::vector<std::vector<Response>> charges(kChargers);
    // Charges only in the first round, alongside the first seat race.
    const std::size_t n = seat == 1 ? kFans + kChargers : kFans;
    run_together(n, [&](std::size_t i) {
      if (i < kFans) {
        holds[i] = hold(*clients[i], concert, seat, fans[i].queue);
        return;
      }
      const auto t = i - kFans;
      for (std::int64_t k = 0; k < kPerCharger; ++k) {
        const std::int64_t amount = 1 + static_cast<std::int64_t>(t) * 37 + k;
        charges[t].push_back(clients[i]->post("/api/v1/users/" + payer.id + "/balance",
                                              {{"userId", payer.id}, {"amount", amount}},
                                              payer.access));
      }
    });
    int created = 0;
    for (std::size_t i = 0; i < kFans; ++i) {
      if (holds[i].status == 201) {
        ++created;
      } else {
        EXPECT_TRUE(is_problem(holds[i], 409, "SEAT_UNAVAILABLE")) << "fan " << i;
      }
    }
    EXPECT_EQ(created, 1) << "seat " << seat << ": " << show(holds);
    for (const auto& per_thread : charges) {
      for (const auto& r : per_thread) {
        ASSERT_TRUE(has_status(r, 200));
        ++charges_done;
        new_balances.insert(r.integer("newBalance"));
      }
    }
  }
  EXPECT_EQ(charges_done, static_cast<std::int64_t>(kChargers) * kPerCharger);
  // Serial equivalence across nodes: every charge saw a different running balance.
  EXPECT_EQ(new_balances.size(), kChargers * static_cast<std::size_t>(kPerCharger));
  EXPECT_EQ(*new_balances.rbegin(), expected);
  for (std::size_t i = 0; i < kNodes; ++i) {
    HttpClient via(node(i));
    EXPECT_EQ(balance(via, payer), expected) << "node " << i;
  }
  Db db(database());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM reservations"), 3);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM seats WHERE state = 'HELD'"), 3);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM ledger WHERE user_id = ? AND kind = 'CHARGE'",
                      {uuid(payer.id)}),
            static_cast<std::int64_t>(kChargers) * kPerCharger);
  EXPECT_EQ(db.scalar("SELECT sum(amount) FROM ledger WHERE user_id = ?", {uuid(payer.id)}),
            expected);
  expect_invariants(database());
}

// (b) With two active slots, A, B, C, D join in that order through different nodes and are
// admitted in that order, seen through yet other nodes.
void Cluster::admit_in_queue_order_across_nodes() {
  start({.max_active = 2, .admit_rate = 1000, .threads = 2});
  HttpClient admin(lb());
  const auto concert = create_concert(admin, 4, 1000);
  std::vector<Account> users;
  for (std::size_t i = 0; i < 4; ++i) users.push_back(make_account(node(i % kNodes)));
  for (std::size_t i = 0; i < 4; ++i) {
    HttpClient via(node(i % kNodes));
    join_queue(via, users[i]);
  }
  // Polled through the node after the one the user joined on.
  const auto status_of = [&](std::size_t i) {
    HttpClient via(node((i + 1) % kNodes));
    return queue_status(via, users[i].queue);
  };
  // Each user's "STATUS:position" as the other nodes serve it, e.g. "ACTIVE:0 WAITING:1".
  const auto states = [&] {
    std::string out;
    for (std::size_t i = 0; i < 4; ++i) {
      const auto r = status_of(i);
      if (!out.empty()) out += ' ';
      out += r.status == 200 ? r.str("status") + ":" + std::to_string(r.integer("queuePosition"))
                             : r.describe();
    }
    return out;
  };
  // Nodes catch up with each other's counters every 200 ms: wait for it, however busy the
  // machine, rather than sleep a fixed time.
  const auto expect_states = [&](const std::string& expected) {
    std::string seen;
    EXPECT_TRUE(eventually(
        [&] {
          seen = states();
          return seen == expected;
        },
        5s))
        << "expected " << expected << ", nodes serve " << seen;
  };
  for (std::size_t i = 0; i < 2; ++i) {
    HttpClient via(node((i + 2) % kNodes));
    wait_active(via, users[i].queue, 5s);
  }
  expect_states("ACTIVE:0 ACTIVE:0 WAITING:1 WAITING:2");

  // A pays: its entry expires, which frees one slot: C's, not D's.
  const auto pay_out = [&](std::size_t i, std::int64_t seat) {
    HttpClient via(node((i + 2) % kNodes));
    charge(via, users[i], 1000);
    const auto rid = hold_ok(via, concert, seat, users[i].queue);
    const auto r = pay(via, rid, 1000, users[i].queue);
    ASSERT_TRUE(has_status(r, 201));
  };
  pay_out(0, 1);
  {
    HttpClient via(node(0));
    wait_active(via, users[2].queue, 5s);
  }
  expect_states("EXPIRED:0 ACTIVE:0 ACTIVE:0 WAITING:1");
  pay_out(1, 2);
  {
    HttpClient via(node(2));
    wait_active(via, users[3].queue, 5s);
  }
  expect_invariants(database());
}

// (c) kill -9 of the admitter while charges run through every entry point: another node
// takes the lease and admits within 5 s, and every 2xx charge is in the ledger.
void Cluster::kill_admitter_under_load() {
  constexpr std::size_t kWorkers = 8;
  start({.threads = 2});
  auto workers = make_accounts(lb(), kWorkers, 4);
  auto late = make_account(node(1));
  std::atomic<bool> stop{false};
  // Per worker: the charges answered 200, and those without (errors, 5xx, the killed node's
  // lost connections), each of which may or may not have committed.
  std::vector<ChargeLoad> loads(kWorkers);
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] { loads[w] = charge_until(entry(w), workers[w], stop, 5s); });
  }
  std::this_thread::sleep_for(1s);
  nodes_[0]->kill9();
  // Joins after the admitter died: admitted through another node once the lease moved.
  const auto killed_at = std::chrono::steady_clock::now();
  {
    HttpClient via(node(1));
    join_queue(via, late);
  }
  HttpClient poll(node(2));
  EXPECT_NO_THROW(wait_active(poll, late.queue, 5s));
  const auto took = std::chrono::steady_clock::now() - killed_at;
  EXPECT_LT(took, 5s);
  std::this_thread::sleep_for(1s);
  stop = true;
  for (auto& t : threads) t.join();

  Db db(database());
  const auto now_leader = leader(db);
  EXPECT_FALSE(now_leader.empty());
  EXPECT_NE(now_leader, first_leader_) << "the lease did not move off the killed node";
  for (std::size_t w = 0; w < kWorkers; ++w) {
    const auto& acknowledged = loads[w].acknowledged;
    const auto unanswered = loads[w].refused.size() + loads[w].unanswered;
    EXPECT_GT(acknowledged.size(), 0U) << "worker " << w << " got no 200 at all";
    const auto in_ledger = charges_in_ledger(db, workers[w]);
    for (const auto amount : acknowledged) {
      EXPECT_TRUE(in_ledger.count(amount) == 1)
          << "worker " << w << ": the acknowledged charge of " << amount << " is lost";
    }
    // Only requests without a 200 may have landed unacknowledged.
    EXPECT_LE(in_ledger.size(), acknowledged.size() + unanswered) << "worker " << w;
    // Workers that never touched the killed node lost nothing and gained nothing.
    if (unanswered == 0) {
      EXPECT_EQ(in_ledger.size(), acknowledged.size()) << "worker " << w;
    }
  }
  expect_invariants(database());
}

// A PATCH of the admission settings on one node is in force on every node within a second,
// and a fan queued through another node waits while paused and is admitted on resume.
TEST_F(Cluster, AdmissionChangeOnOneNodeIsAppliedByEveryNodeWithinASecond) {
  start({.threads = 2});
  const Headers key{{"X-Admin-Key", std::string(kAdminKey)}};
  const auto settings_of = [&](std::size_t i) {
    HttpClient via(node(i));
    return via.get("/api/v1/admin/queue", {}, key);
  };
  const auto patch = [&](std::size_t i, std::string body) {
    HttpClient via(node(i));
    return via.send(beast::http::verb::patch, "/api/v1/admin/queue", std::move(body),
                    "application/json", key);
  };
  ASSERT_TRUE(has_status(patch(1, R"({"paused":true,"admitRate":77})"), 200));
  const auto patched_at = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < kNodes; ++i) {
    EXPECT_TRUE(eventually(
        [&] {
          const auto r = settings_of(i);
          return r.status == 200 && r.object().at("paused").as_bool() &&
                 r.integer("admitRate") == 77;
        },
        1s))
        << "node " << i << ": " << settings_of(i).describe();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - patched_at, 1s);

  auto fan = make_account(node(2));
  {
    HttpClient via(node(2));
    const auto r = via.post("/api/v1/tokens", {{"userId", fan.id}}, fan.access);
    ASSERT_TRUE(has_status(r, 201));
    fan.queue = r.str("token");
  }
  // Node 0 holds the admitter lease: paused there too, it admits nobody.
  HttpClient poll(node(0));
  EXPECT_FALSE(
      eventually([&] { return queue_status(poll, fan.queue).str("status") != "WAITING"; }, 500ms));
  EXPECT_TRUE(queue_status(poll, fan.queue).object().at("paused").as_bool());
  ASSERT_TRUE(has_status(patch(2, R"({"paused":false})"), 200));
  EXPECT_NO_THROW(wait_active(poll, fan.queue, 2s));
}

// --admission adaptive on every node: each node runs its own controller under the shared
// admit rate (one step of it at first), an operator's lower admit rate caps the rate on every
// node within a second, and fans joining through different nodes are admitted in queue order.
TEST_F(Cluster, AdaptiveAdmissionRunsOnEveryNodeUnderTheSharedAdmitRate) {
  start({.max_active = 1,
         .admit_rate = 1000,
         .threads = 2,
         .extra_args = {"--admission", "adaptive"}});
  const Headers key{{"X-Admin-Key", std::string(kAdminKey)}};
  const auto settings_of = [&](std::size_t i) {
    HttpClient via(node(i));
    return via.get("/api/v1/admin/queue", {}, key);
  };
  for (std::size_t i = 0; i < kNodes; ++i) {
    const auto r = settings_of(i);
    ASSERT_TRUE(has_status(r, 200)) << "node " << i;
    EXPECT_EQ(r.str("admission"), "adaptive") << "node " << i;
    EXPECT_GE(r.integer("currentAdmitRate"), 50) << "node " << i << ": " << r.describe();
    EXPECT_LE(r.integer("currentAdmitRate"), 1000) << "node " << i << ": " << r.describe();
  }
  HttpClient via_1(node(1));
  ASSERT_TRUE(has_status(via_1.send(beast::http::verb::patch, "/api/v1/admin/queue",
                                    R"({"admitRate":20})", "application/json", key),
                         200));
  for (std::size_t i = 0; i < kNodes; ++i) {
    EXPECT_TRUE(eventually(
        [&] {
          const auto r = settings_of(i);
          return r.status == 200 && r.integer("admitRate") == 20 &&
                 r.integer("currentAdmitRate") <= 20;
        },
        1s))
        << "node " << i << ": " << settings_of(i).describe();
  }
  auto first = make_account(node(0));
  auto second = make_account(node(1));
  HttpClient via_0(node(0));
  join_queue(via_0, first);
  join_queue(via_1, second);
  HttpClient via_2(node(2));
  wait_active(via_2, first.queue, 5s);
  EXPECT_TRUE(eventually(
      [&] {
        const auto r = queue_status(via_2, second.queue);
        return r.status == 200 && r.str("status") == "WAITING" && r.integer("queuePosition") == 1;
      },
      5s));
}

// Walked-away detection across nodes, and leaving. Node 0 admits. `present` polls only
// node 2 and is admitted (node 2's presence marks); `gone` stops polling after joining and
// is skipped; the others are admitted in queue order. Each slot is freed by a fan leaving
// through a node that does not admit.
TEST_F(Cluster, FanPollingANodeThatDoesNotAdmitIsAdmittedAndOneWhoStoppedIsSkipped) {
  start(
      {.max_active = 1, .admit_rate = 1000, .threads = 2, .extra_args = {"--abandon-after", "6"}});
  auto fans = make_accounts(node(1), 4);
  auto& occupier = fans[0];
  auto& gone = fans[1];
  auto& present = fans[2];
  auto& behind = fans[3];
  HttpClient n0(node(0));
  HttpClient n1(node(1));
  HttpClient n2(node(2));
  join_queue(n1, occupier);
  wait_active(n2, occupier.queue, 5s);
  join_queue(n2, gone);
  join_queue(n1, present);
  join_queue(n0, behind);
  const auto joined = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - joined < 9s) {
    ASSERT_EQ(queue_status(n2, present.queue).str("status"), "WAITING");
    ASSERT_EQ(queue_status(n1, behind.queue).str("status"), "WAITING");
    std::this_thread::sleep_for(300ms);
  }
  ASSERT_TRUE(has_status(n1.del("/api/v1/queue/entry", occupier.queue), 204));
  EXPECT_NO_THROW(wait_active(n2, present.queue, 5s));
  EXPECT_EQ(queue_status(n0, gone.queue).str("status"), "EXPIRED");
  // Node 1 catches up with the round within a refresh: next in line, still waiting.
  EXPECT_TRUE(eventually(
      [&] {
        const auto r = queue_status(n1, behind.queue);
        return r.str("status") == "WAITING" && r.integer("queuePosition") == 1;
      },
      2s))
      << queue_status(n1, behind.queue).describe();

  ASSERT_TRUE(has_status(n2.del("/api/v1/queue/entry", present.queue), 204));
  EXPECT_NO_THROW(wait_active(n1, behind.queue, 5s));
  EXPECT_TRUE(eventually([&] { return queue_status(n2, gone.queue).str("status") == "EXPIRED"; }));

  Db db(database());
  // Admitted in queue order; `gone` never was.
  const auto rows = db.rows(
      "SELECT user_id = ?, expires_at IS NULL FROM queue_entries WHERE user_id IS NOT NULL"
      " ORDER BY number",
      {uuid(gone.id)});
  ASSERT_EQ(rows.size(), 4U);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "1"}));
  for (std::size_t i : {0U, 2U, 3U}) EXPECT_EQ(rows[i][1], "0") << "entry " << i;
  const auto metric = [](HttpClient& http, std::string_view name) {
    const auto body = http.get("/metrics").body;
    const auto at = body.find("\n" + std::string(name) + " ");
    return at == std::string::npos ? -1 : std::stoll(body.substr(at + name.size() + 2));
  };
  EXPECT_EQ(metric(n0, "concertd_queue_skipped_total"), 1);
  EXPECT_EQ(metric(n1, "concertd_queue_left_total"), 1);
  EXPECT_EQ(metric(n2, "concertd_queue_left_total"), 1);
  EXPECT_GT(metric(n2, "concertd_queue_presence_marks_total"), 0);
  expect_invariants(database());
}

TEST_F(Cluster, RacesThroughNginxAndNodesAtOnce) { race_through_nginx_and_nodes(); }

TEST_F(Cluster, AdmitsInQueueOrderAcrossNodes) { admit_in_queue_order_across_nodes(); }

TEST_F(Cluster, AdmitterKilledUnderLoadIsTakenOver) { kill_admitter_under_load(); }

// One node's join commits after other nodes' later joins: the admitter waits for it.
TEST_F(Cluster, AJoinThatCommitsLateKeepsItsPlaceAcrossNodes) {
  start({.threads = 2});
  late_join_keeps_its_place({node(0), node(1), node(2)}, database(), true);
}

TEST_F(Cluster, AJoinThatRollsBackHoldsNoNodeUp) {
  start({.threads = 2});
  late_join_keeps_its_place({node(0), node(1), node(2)}, database(), false);
}

// A stream on a node that does not admit learns of the admission from that node's refresh.
TEST_F(Cluster, StreamOnANodeThatDoesNotAdmitGetsTheAdmission) {
  start({.max_active = 1, .admit_rate = 1000, .threads = 2});
  HttpClient admin(lb());
  const auto concert = create_concert(admin, 1, 1000);
  auto fans = make_accounts(node(1), 2);
  HttpClient via(node(1));
  admit(via, fans[0]);
  join_queue(via, fans[1]);
  EventStreamClient stream(node(1), fans[1].queue);
  const auto waiting = stream.next_event();
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->json.at("status"), "WAITING");
  EXPECT_EQ(waiting->json.at("queuePosition"), 1);

  HttpClient other(node(2));
  wait_active(other, fans[0].queue);
  charge(other, fans[0], 1000);
  const auto rid = hold_ok(other, concert, 1, fans[0].queue);
  ASSERT_TRUE(has_status(pay(other, rid, 1000, fans[0].queue), 201));
  Db db(database());
  EXPECT_EQ(leader(db), first_leader_) << "node 0 no longer admits";
  const auto admitted = stream.next_event();
  ASSERT_TRUE(admitted);
  EXPECT_EQ(admitted->event, "admitted");
  EXPECT_EQ(admitted->json.at("status"), "ACTIVE");
  EXPECT_FALSE(stream.next());
}

}  // namespace concertd::test
