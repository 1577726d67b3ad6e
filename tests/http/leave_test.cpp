// Fans who go: DELETE /api/v1/queue/entry ends a WAITING or ACTIVE entry (an ACTIVE one's
// slot goes to the next in line), and a WAITING fan who stops polling is skipped when their
// turn comes (--abandon-after), on every store.

#include <atomic>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "http/support.hpp"

namespace concertd::test {
namespace {

class Leave : public OnEveryStore {};
class WalkedAway : public OnEveryStore {};

CONCERTD_ON_EVERY_STORE(Leave);
CONCERTD_ON_EVERY_STORE(WalkedAway);

constexpr std::string_view kEntry = "/api/v1/queue/entry";

std::string status_of(HttpClient& http, const Account& a) {
  const auto r = queue_status(http, a.queue);
  return r.status == 200 ? r.str("status") : r.describe();
}

// Three fans on a server with one ACTIVE slot: the first admitted, the others waiting.
std::vector<Account> one_admitted_two_waiting(const ServerProcess& server, HttpClient& http) {
  auto fans = make_accounts(server.port(), 3);
  admit(http, fans[0]);
  join_queue(http, fans[1]);
  join_queue(http, fans[2]);
  return fans;
}

void expect_metric(HttpClient& http, const std::string& line) {
  const auto m = http.get("/metrics");
  ASSERT_TRUE(has_status(m, 200));
  EXPECT_NE(m.body.find("\n" + line + "\n"), std::string::npos) << line;
}

TEST_P(Leave, ActiveFanWhoLeavesFreesTheSlotForTheNextInLine) {
  ServerProcess server(on_store({.max_active = 1}));
  HttpClient http(server.port());
  const auto fans = one_admitted_two_waiting(server, http);
  const auto& [a, b, c] = std::tie(fans[0], fans[1], fans[2]);
  EXPECT_EQ(status_of(http, b), "WAITING");
  const auto left = http.del(kEntry, a.queue);
  ASSERT_TRUE(has_status(left, 204));
  EXPECT_TRUE(left.body.empty());
  EXPECT_TRUE(has_status(http.del(kEntry, a.queue), 204));  // idempotent
  EXPECT_EQ(status_of(http, a), "EXPIRED");
  EXPECT_NO_THROW(wait_active(http, b.queue, 5s));
  EXPECT_EQ(queue_status(http, c.queue).integer("queuePosition"), 1);
  expect_metric(http, "concertd_queue_left_total 1");
  const auto again = http.post("/api/v1/tokens", {{"userId", a.id}}, a.access);
  EXPECT_TRUE(has_status(again, 201)) << "a fan who left joins at the back";
  expect_invariants(server.database());
}

TEST_P(Leave, WaitingFanWhoLeavesIsSkippedWhenReached) {
  ServerProcess server(on_store({.max_active = 1}));
  HttpClient http(server.port());
  const auto fans = one_admitted_two_waiting(server, http);
  const auto& [a, b, c] = std::tie(fans[0], fans[1], fans[2]);
  ASSERT_TRUE(has_status(http.del(kEntry, b.queue), 204));
  EXPECT_EQ(status_of(http, b), "EXPIRED");
  ASSERT_TRUE(has_status(http.del(kEntry, a.queue), 204));
  EXPECT_NO_THROW(wait_active(http, c.queue, 5s));
  EXPECT_EQ(status_of(http, b), "EXPIRED");
  Db db(server.database());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM queue_entries WHERE status = 'ACTIVE'"), 1);
  expect_invariants(server.database());
}

TEST_P(Leave, WithoutAQueueTokenIsInvalidToken) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  EXPECT_TRUE(is_problem(http.del(kEntry), 401, "INVALID_TOKEN"));
  EXPECT_TRUE(is_problem(http.del(kEntry, a.access), 401, "INVALID_TOKEN"));
}

// b joins and never polls; c polls every 300 ms. When the slot frees, c is admitted and b
// skipped. On MariaDB the one node runs as a node of a cluster (presence marks and all).
TEST_P(WalkedAway, FanWhoStopsPollingIsSkippedWhenTheirTurnComes) {
  ServerProcess server(on_store({.max_active = 1, .extra_args = {"--abandon-after", "5"}}));
  HttpClient http(server.port());
  const auto fans = one_admitted_two_waiting(server, http);
  const auto& [a, b, c] = std::tie(fans[0], fans[1], fans[2]);
  const auto joined = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - joined < 7s) {
    ASSERT_EQ(status_of(http, c), "WAITING");
    std::this_thread::sleep_for(300ms);
  }
  ASSERT_TRUE(has_status(http.del(kEntry, a.queue), 204));
  EXPECT_NO_THROW(wait_active(http, c.queue, 5s));
  EXPECT_EQ(status_of(http, b), "EXPIRED");
  expect_metric(http, "concertd_queue_skipped_total 1");
  expect_invariants(server.database());
}

}  // namespace
}  // namespace concertd::test
