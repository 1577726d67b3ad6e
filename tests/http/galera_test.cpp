// The MariaDB store on a three-node Galera cluster (scripts/galera-test-cluster) when the
// server concertd uses dies or is cut off under load. The other Galera tests are the
// Stores/*/Galera instances of every store test; these take a node away, so they use the
// cluster's third node first (the others use the first) and bring it back before they end,
// one at a time (RESOURCE_LOCK in tests/schedule.cmake).
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>

#include "http/support.hpp"

namespace concertd::test {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kPrice = 1000;
constexpr std::int64_t kSeats = 2000;

// The cluster the test runs on, or nullopt (skip) without one.
struct Galera {
  std::string dsn;
  std::string dir;  // scripts/galera-test-cluster's DIR
};

std::optional<Galera> galera() {
  const char* dsn = std::getenv("CONCERTD_TEST_GALERA_DSN");
  const char* dir = std::getenv("CONCERTD_TEST_GALERA_DIR");
  if (dsn == nullptr || dir == nullptr || *dsn == '\0' || *dir == '\0') return std::nullopt;
  return Galera{dsn, dir};
}

// `url` with its server list turned so that the last server comes first.
std::string last_server_first(const std::string& url) {
  const auto at = url.rfind('@');
  const auto slash = url.find('/', at);
  const auto servers = url.substr(at + 1, slash - at - 1);
  const auto comma = servers.rfind(',');
  return url.substr(0, at + 1) + servers.substr(comma + 1) + "," + servers.substr(0, comma) +
         url.substr(slash);
}

pid_t node_pid(const Galera& g, int node) {
  std::ifstream in(g.dir + "/node" + std::to_string(node) + "/mariadbd.pid");
  pid_t pid = 0;
  in >> pid;
  return pid;
}

// scripts/galera-test-cluster `command` DIR `node`: rejoin, isolate or heal.
void cluster(const Galera& g, const std::string& command, int node) {
  const auto r =
      run_program({CONCERTD_GALERA_TEST_CLUSTER, command, g.dir, std::to_string(node)}, 120s);
  ASSERT_EQ(r.exit_code, 0) << command << " of node " << node << ":\n" << r.out << r.err;
}

void rejoin(const Galera& g, int node) { cluster(g, "rejoin", node); }

// What one buyer got acknowledged: holds (201) and the payments of them (201).
struct Bought {
  std::vector<std::string> held;
  std::vector<std::string> paid;
};

// Holds the next free seat and pays for it, over and over, until `stop`. A request that
// fails or is refused (the server went away under it) is simply not acknowledged; a fan
// whose turn ended meanwhile queues again.
Bought buy_until(const Endpoint& server, Account& a, const std::string& concert,
                 std::atomic<std::int64_t>& next_seat, const std::atomic<bool>& stop) {
  Bought out;
  std::optional<HttpClient> http;
  while (!stop) {
    try {
      if (!http) http.emplace(server, 5s);
      const auto held = hold(*http, concert, next_seat++, a.queue);
      if (held.status == 403) admit(*http, a);
      if (held.status != 201) {
        std::this_thread::sleep_for(20ms);
        continue;
      }
      const auto reservation = held.str("reservationId");
      out.held.push_back(reservation);
      if (pay(*http, reservation, kPrice, a.queue, "pay-" + reservation).status == 201) {
        out.paid.push_back(reservation);
        admit(*http, a);  // a payment ends the fan's turn: queue again for the next seat
      }
    } catch (const std::exception&) {
      http.reset();
      std::this_thread::sleep_for(20ms);
    }
  }
  return out;
}

// `lose()` takes the Galera node concertd writes to (node 3) away while charges, holds and
// payments run: concertd moves to the next server of its --database list, answers again
// within `back_within`, and nothing it acknowledged is missing afterwards; the invariants
// hold.
void lose_server_under_load(const Galera& g, const std::function<void()>& lose,
                            std::string_view what, std::chrono::seconds back_within) {
  TestDatabase database(g.dsn);
  ServerProcess server({.threads = 4, .database_url = last_server_first(database.url())});
  HttpClient setup(server.port());
  const auto concert = create_concert(setup, kSeats, kPrice);
  constexpr std::size_t kChargers = 4;
  constexpr std::size_t kBuyers = 4;
  auto accounts = make_accounts(server.endpoint(), kChargers + kBuyers + 1);
  const Account probe = accounts.back();  // its writes tell when service is back
  for (std::size_t i = kChargers; i < kChargers + kBuyers; ++i) {
    charge(setup, accounts[i], 10'000'000);
    admit(setup, accounts[i]);
  }

  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> next_seat{1};
  std::vector<ChargeLoad> charges(kChargers);
  std::vector<Bought> bought(kBuyers);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < kChargers; ++i) {
    threads.emplace_back(
        [&, i] { charges[i] = charge_until(server.endpoint(), accounts[i], stop, 5s); });
  }
  for (std::size_t i = 0; i < kBuyers; ++i) {
    threads.emplace_back([&, i] {
      bought[i] = buy_until(server.endpoint(), accounts[kChargers + i], concert, next_seat, stop);
    });
  }
  std::this_thread::sleep_for(1s);
  const auto lost_at = std::chrono::steady_clock::now();
  lose();
  // Service is back when a write goes through again.
  bool back = false;
  while (!back && std::chrono::steady_clock::now() - lost_at < 30s) {
    try {
      HttpClient after(server.endpoint(), 5s);
      back = after
                 .post("/api/v1/users/" + probe.id + "/balance",
                       {{"userId", probe.id}, {"amount", 1}}, probe.access)
                 .status == 200;
    } catch (const std::exception&) {
      back = false;
    }
    if (!back) std::this_thread::sleep_for(50ms);
  }
  const auto took = std::chrono::steady_clock::now() - lost_at;
  EXPECT_TRUE(back) << "no write succeeded within 30 s of the " << what;
  EXPECT_LT(took, back_within);
  std::this_thread::sleep_for(1s);
  stop = true;
  for (auto& t : threads) t.join();

  // On the surviving servers: every acknowledged charge, hold and payment.
  Db db(DatabaseUrl{database.url()});
  for (std::size_t i = 0; i < kChargers; ++i) {
    EXPECT_FALSE(charges[i].acknowledged.empty()) << "charger " << i << " got no 200 at all";
    const auto in_ledger = charges_in_ledger(db, accounts[i]);
    for (const auto amount : charges[i].acknowledged) {
      EXPECT_EQ(in_ledger.count(amount), 1U) << "charger " << i << ": charge " << amount << " lost";
    }
  }
  std::size_t payments = 0;
  for (std::size_t i = 0; i < kBuyers; ++i) {
    const auto& a = accounts[kChargers + i];
    for (const auto& reservation : bought[i].held) {
      EXPECT_TRUE(has_status(get_reservation(setup, reservation, a.access), 200))
          << "acknowledged hold " << reservation << " lost";
    }
    for (const auto& reservation : bought[i].paid) {
      EXPECT_EQ(get_reservation(setup, reservation, a.access).str("status"), "CONFIRMED")
          << "acknowledged payment of " << reservation << " lost";
    }
    payments += bought[i].paid.size();
  }
  EXPECT_GT(payments, 0U) << "no payment acknowledged: too little load to prove anything";
  std::size_t acknowledged_charges = 0;
  for (const auto& load : charges) acknowledged_charges += load.acknowledged.size();
  std::cout << "writes back " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after the " << what << "; " << acknowledged_charges << " charges and "
            << payments << " payments acknowledged, none lost\n";
  expect_invariants(DatabaseUrl{database.url()});
}

TEST(Galera, KillingTheServerInUseUnderLoadLosesNothingAcknowledged) {
  const auto g = galera();
  if (!g) GTEST_SKIP() << "CONCERTD_TEST_GALERA_DSN and CONCERTD_TEST_GALERA_DIR are not set";
  if (node_pid(*g, 3) <= 0 || ::kill(node_pid(*g, 3), 0) != 0) rejoin(*g, 3);  // a rerun
  lose_server_under_load(
      *g, [&] { EXPECT_EQ(::kill(node_pid(*g, 3), SIGKILL), 0); }, "kill -9", 5s);
  rejoin(*g, 3);
}

// The node stays up and keeps its connections, but is cut off from the other two: outside
// the primary component it refuses every statement on a table (1047) until it is let back.
// Writes stall until it knows that it is alone (the suspect timeout and a new view on
// each side, ~3.5 s here), so the bound is looser than a kill's.
TEST(Galera, IsolatingTheServerInUseUnderLoadLosesNothingAcknowledged) {
  const auto g = galera();
  if (!g) GTEST_SKIP() << "CONCERTD_TEST_GALERA_DSN and CONCERTD_TEST_GALERA_DIR are not set";
  cluster(*g, "heal", 3);  // a rerun after a test that was stopped while node 3 was out
  lose_server_under_load(
      *g, [&] { cluster(*g, "isolate", 3); }, "isolation", 8s);
  {
    // A node that starts while the first server of its list is out migrates and serves
    // on the next one.
    TestDatabase fresh(g->dsn);
    ServerProcess late({.database_url = last_server_first(fresh.url())});
    HttpClient http(late.port());
    EXPECT_EQ(http.get("/readyz").status, 200);
    auto fan = make_account(late.endpoint(), "late");
    EXPECT_EQ(charge(http, fan, 100), 100);
  }
  cluster(*g, "heal", 3);
}

}  // namespace
}  // namespace concertd::test
