// The waiting-time estimate through a real concertd on every store: remainingTimeRange in join
// and status answers, and the admission pace measured on each node (on a shared store also on
// one that does not admit, from the horizon its refreshes read), shown in /metrics.

#include <charconv>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/support.hpp"

namespace concertd::test {
namespace {

class WaitEstimate : public OnEveryStore {};
CONCERTD_ON_EVERY_STORE(WaitEstimate);

// The value of concertd_queue_admission_pace in a node's /metrics.
double admission_pace(HttpClient& http) {
  const std::string body = http.get("/metrics").body;
  constexpr std::string_view kSeries = "\nconcertd_queue_admission_pace ";
  const auto at = body.find(kSeries);
  if (at == std::string::npos) throw std::runtime_error("no concertd_queue_admission_pace");
  const char* first = body.data() + at + kSeries.size();
  double value = 0;
  std::from_chars(first, body.data() + body.size(), value);
  return value;
}

// remainingTimeRange is [p10, p90] around remainingTime.
::testing::AssertionResult has_ordered_range(const Response& r) {
  const auto& range = r.object().at("remainingTimeRange").as_array();
  if (range.size() != 2) return ::testing::AssertionFailure() << r.describe();
  const auto low = range[0].as_int64();
  const auto high = range[1].as_int64();
  const auto mid = r.integer("remainingTime");
  if (low < 0 || low > mid || mid > high) return ::testing::AssertionFailure() << r.describe();
  return ::testing::AssertionSuccess();
}

TEST_P(WaitEstimate, ActiveAnswersCarryTheirExactRange) {
  ServerProcess server(on_store({.active_ttl = 600}));
  HttpClient http(server.port());
  auto a = make_account(server.port());
  const auto joined = http.post("/api/v1/tokens", {{"userId", a.id}}, a.access);
  ASSERT_TRUE(has_status(joined, 201));
  EXPECT_TRUE(has_ordered_range(joined));
  a.queue = joined.str("token");
  wait_active(http, a.queue);
  const auto s = queue_status(http, a.queue);
  ASSERT_TRUE(has_ordered_range(s));
  const auto& range = s.object().at("remainingTimeRange").as_array();
  EXPECT_EQ(range[0].as_int64(), s.integer("remainingTime"));
  EXPECT_EQ(range[1].as_int64(), s.integer("remainingTime"));
}

// 60 fans at --admit-rate 4: for ~15 s the horizon moves 4/s with fans waiting. Each node's
// pace stays near 4/s (a node that measured nothing would decay towards 0 with fans waiting),
// and a waiting fan's estimate is their position at that pace.
TEST_P(WaitEstimate, EveryNodeMeasuresThePaceOfTheHorizon) {
  ServerProcess server(on_store({.admit_rate = 4}));
  std::optional<ServerProcess> reader;  // on a shared store: a node that does not admit
  if (is_shared(GetParam())) reader.emplace(on_store({.admit_rate = 4}));
  const Endpoint observed = reader ? reader->endpoint() : server.endpoint();
  auto fans = make_accounts(server.endpoint(), 60);
  HttpClient http(server.port());
  for (auto& fan : fans) join_queue(http, fan);

  HttpClient node(observed);
  std::this_thread::sleep_for(10s);
  for (const auto& client : {&http, &node}) {
    const double pace = admission_pace(*client);
    EXPECT_GT(pace, 3.0);
    EXPECT_LT(pace, 5.0);
  }
  const auto last = queue_status(node, fans.back().queue);
  ASSERT_TRUE(has_status(last, 200));
  ASSERT_EQ(last.str("status"), "WAITING") << last.describe();
  EXPECT_TRUE(has_ordered_range(last));
  const auto position = last.integer("queuePosition");
  EXPECT_NEAR(static_cast<double>(last.integer("remainingTime")),
              static_cast<double>(position) / 4.0, 1.0 + static_cast<double>(position) / 16.0);
}

}  // namespace
}  // namespace concertd::test
