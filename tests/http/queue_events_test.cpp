// GET /api/v1/queue/events on every store: the stream follows a waiting fan's position,
// ends with the admission, resumes after Last-Event-ID without repeating what the client
// saw, keeps idle streams alive, and counts as a connection.

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/event_stream.hpp"
#include "http/support.hpp"

namespace concertd::test {
namespace {

class QueueEvents : public OnEveryStore {
 protected:
  // One ACTIVE slot (so that fans wait until the one before them pays), keep-alives every
  // second.
  [[nodiscard]] ServerOptions options() const {
    return on_store({.max_active = 1, .extra_args = {"--stream-keepalive", "1"}});
  }
  // A server with `opts` whose ACTIVE slot fans_[0] holds, fans_[1] waiting behind. The
  // accounts are made one connection at a time (a test may cap connections per client).
  void start_one_waiting(const ServerOptions& opts) {
    server_.emplace(opts);
    fans_ = make_accounts(server_->endpoint(), 2, 1);
    HttpClient http(server_->port());
    admit(http, fans_[0]);
    join_queue(http, fans_[1]);
  }

  // A server with a concert of `seats` seats, fans_[0] ACTIVE, fans_[1] and fans_[2] waiting
  // behind; returns the concert's id.
  std::string start_two_waiting(std::int64_t seats) {
    server_.emplace(options());
    HttpClient http(server_->port());
    const auto concert = create_concert(http, seats, 1000);
    fans_ = make_accounts(server_->endpoint(), 3);
    admit(http, fans_[0]);
    join_queue(http, fans_[1]);
    join_queue(http, fans_[2]);
    return concert;
  }

  std::optional<ServerProcess> server_;
  std::vector<Account> fans_;
};
CONCERTD_ON_EVERY_STORE(QueueEvents);

// The fan pays for `seat`: their entry ends, which frees the ACTIVE slot.
void pay_out(HttpClient& http, Account& fan, const std::string& concert, std::int64_t seat) {
  wait_active(http, fan.queue);
  charge(http, fan, 1000);
  const auto rid = hold_ok(http, concert, seat, fan.queue);
  ASSERT_TRUE(has_status(pay(http, rid, 1000, fan.queue), 201));
}

std::int64_t id_of(const StreamBlock& block) { return std::stoll(block.id); }

// The first event after the `status` ones; throws if the stream ends first.
StreamBlock last_event(EventStreamClient& stream) {
  for (;;) {
    auto event = stream.next_event();
    if (!event) throw std::runtime_error("the stream ended without a final event");
    if (event->event != "status") return std::move(*event);
  }
}

TEST_P(QueueEvents, StreamFollowsThePositionAndEndsWithTheAdmission) {
  const auto concert = start_two_waiting(2);
  HttpClient http(server_->port());

  EventStreamClient stream(server_->endpoint(), fans_[2].queue);
  ASSERT_EQ(stream.status(), 200u) << stream.header();
  EXPECT_NE(stream.header().find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_EQ(stream.header().find("Content-Length"), std::string::npos);
  const auto hint = stream.next();
  ASSERT_TRUE(hint);
  EXPECT_EQ(hint->retry, "3000");

  const auto second = stream.next_event();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->event, "status");
  EXPECT_EQ(second->json.at("status"), "WAITING");
  EXPECT_EQ(second->json.at("queuePosition"), 2);
  EXPECT_FALSE(second->json.at("paused").as_bool());
  EXPECT_GE(second->json.at("refreshAfter").to_number<double>(), 1.0);
  EXPECT_TRUE(second->json.as_object().contains("remainingTime"));

  pay_out(http, fans_[0], concert, 1);
  const auto first = stream.next_event();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->event, "status");
  EXPECT_EQ(first->json.at("queuePosition"), 1);
  EXPECT_GT(id_of(*first), id_of(*second));

  pay_out(http, fans_[1], concert, 2);
  const auto admitted = stream.next_event();
  ASSERT_TRUE(admitted);
  EXPECT_EQ(admitted->event, "admitted");
  EXPECT_EQ(admitted->json.at("status"), "ACTIVE");
  EXPECT_EQ(admitted->json.at("queuePosition"), 0);
  EXPECT_GT(id_of(*admitted), id_of(*first));
  EXPECT_FALSE(stream.next()) << "the stream stays open after the final event";
}

TEST_P(QueueEvents, StreamEndsWithSoldOutWhenEverySeatIsSold) {
  const auto concert = start_two_waiting(1);
  HttpClient http(server_->port());
  EventStreamClient stream(server_->endpoint(), fans_[2].queue);
  ASSERT_TRUE(stream.next_event());
  pay_out(http, fans_[0], concert, 1);
  // Status events may come first (fans_[1] is admitted meanwhile); then the last one.
  const auto event = last_event(stream);
  EXPECT_EQ(event.event, "soldout");
  EXPECT_EQ(event.json.at("status"), "WAITING");
  EXPECT_FALSE(stream.next());
  // A stream opened now ends at once, the same way.
  EventStreamClient late(server_->endpoint(), fans_[2].queue);
  EXPECT_EQ(last_event(late).event, "soldout");
}

TEST_P(QueueEvents, LastEventIdLeavesOutTheStateTheClientSaw) {
  start_one_waiting(options());

  std::string seen;
  {
    EventStreamClient stream(server_->endpoint(), fans_[1].queue);
    const auto event = stream.next_event();
    ASSERT_TRUE(event);
    seen = event->id;
  }
  {
    // Nothing moved since: the first block after the hint is a keep-alive, not an event.
    EventStreamClient stream(server_->endpoint(), fans_[1].queue, seen);
    ASSERT_EQ(stream.status(), 200u);
    ASSERT_TRUE(stream.next());  // retry:
    const auto block = stream.next();
    ASSERT_TRUE(block);
    EXPECT_FALSE(block->is_event()) << block->event << " " << block->data;
    EXPECT_EQ(block->comment, "keep-alive");
  }
  {
    EventStreamClient stream(server_->endpoint(), fans_[1].queue,
                             std::to_string(std::stoll(seen) - 1));
    const auto event = stream.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, seen);
  }
  // An admitted fan gets the final event and the end of the stream; once they saw it, 204
  // (which stops EventSource from reconnecting).
  std::string admitted;
  {
    EventStreamClient stream(server_->endpoint(), fans_[0].queue);
    const auto event = stream.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->event, "admitted");
    admitted = event->id;
    EXPECT_FALSE(stream.next());
  }
  EventStreamClient again(server_->endpoint(), fans_[0].queue, admitted);
  EXPECT_EQ(again.status(), 204u) << again.header();
}

TEST_P(QueueEvents, IdleStreamGetsKeepAlivesAndIsCounted) {
  start_one_waiting(options());
  HttpClient http(server_->port());
  {
    EventStreamClient stream(server_->endpoint(), fans_[1].queue);
    ASSERT_TRUE(stream.next_event());
    for (int i = 0; i < 2; ++i) {
      const auto block = stream.next(5s);
      ASSERT_TRUE(block);
      EXPECT_EQ(block->comment, "keep-alive");
    }
    const auto metrics = http.get("/metrics").body;
    EXPECT_NE(metrics.find("\nconcertd_queue_streams 1\n"), std::string::npos);
    EXPECT_NE(metrics.find("\nconcertd_queue_stream_notify_cpu_seconds_count "), std::string::npos);
  }
  EXPECT_TRUE(eventually([&] {
    return http.get("/metrics").body.find("\nconcertd_queue_streams 0\n") != std::string::npos;
  }));
}

TEST_P(QueueEvents, StreamNeedsAQueueToken) {
  server_.emplace(options());
  EventStreamClient stream(server_->endpoint(), "not-a-token");
  EXPECT_EQ(stream.status(), 401u);
  EXPECT_NE(stream.header().find("application/problem+json"), std::string::npos);
}

// A stream is a connection: it counts against --max-connections-per-client until it ends.
TEST_P(QueueEvents, StreamCountsAgainstTheConnectionLimits) {
  auto opts = options();
  opts.extra_args.insert(opts.extra_args.end(), {"--max-connections-per-client", "3"});
  start_one_waiting(opts);
  // The server ends the setup's connections when it reads their close: wait until the one
  // left is this client's (kept alive), so that two streams take the last two places.
  HttpClient kept(server_->port());
  ASSERT_TRUE(eventually([&] {
    return kept.get("/metrics").body.find("\nconcertd_http_connections 1\n") != std::string::npos;
  }));
  std::optional<EventStreamClient> first(std::in_place, server_->endpoint(), fans_[1].queue);
  EventStreamClient second(server_->endpoint(), fans_[1].queue);
  ASSERT_TRUE(first->next_event());
  ASSERT_TRUE(second.next_event());
  const auto refused = [&] {
    HttpClient http(server_->port());
    return http.get("/healthz").status == 503;
  };
  EXPECT_TRUE(eventually(refused));
  first.reset();
  EXPECT_TRUE(eventually([&] { return !refused(); }));
}

}  // namespace
}  // namespace concertd::test
