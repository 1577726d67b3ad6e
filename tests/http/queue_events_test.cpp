// GET /api/v1/queue/events on every store: the stream follows a waiting fan's position,
// ends with the admission, resumes after Last-Event-ID without repeating what the client
// saw, keeps idle streams alive, and counts as a connection.

#include <optional>
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

TEST_P(QueueEvents, StreamFollowsThePositionAndEndsWithTheAdmission) {
  ServerProcess server(options());
  HttpClient http(server.port());
  const auto concert = create_concert(http, 2, 1000);
  auto fans = make_accounts(server.endpoint(), 3);
  admit(http, fans[0]);
  join_queue(http, fans[1]);
  join_queue(http, fans[2]);

  EventStreamClient stream(server.endpoint(), fans[2].queue);
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

  pay_out(http, fans[0], concert, 1);
  const auto first = stream.next_event();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->event, "status");
  EXPECT_EQ(first->json.at("queuePosition"), 1);
  EXPECT_GT(id_of(*first), id_of(*second));

  pay_out(http, fans[1], concert, 2);
  const auto admitted = stream.next_event();
  ASSERT_TRUE(admitted);
  EXPECT_EQ(admitted->event, "admitted");
  EXPECT_EQ(admitted->json.at("status"), "ACTIVE");
  EXPECT_EQ(admitted->json.at("queuePosition"), 0);
  EXPECT_GT(id_of(*admitted), id_of(*first));
  EXPECT_FALSE(stream.next()) << "the stream stays open after the final event";
}

TEST_P(QueueEvents, StreamEndsWithSoldOutWhenEverySeatIsSold) {
  ServerProcess server(options());
  HttpClient http(server.port());
  const auto concert = create_concert(http, 1, 1000);
  auto fans = make_accounts(server.endpoint(), 3);
  admit(http, fans[0]);
  join_queue(http, fans[1]);
  join_queue(http, fans[2]);
  EventStreamClient stream(server.endpoint(), fans[2].queue);
  ASSERT_TRUE(stream.next_event());
  pay_out(http, fans[0], concert, 1);
  // Status events may come first (fans[1] is admitted meanwhile); then the last one.
  std::optional<StreamBlock> event;
  do {
    event = stream.next_event();
    ASSERT_TRUE(event) << "closed without a soldout event";
  } while (event->event == "status");
  EXPECT_EQ(event->event, "soldout");
  EXPECT_EQ(event->json.at("status"), "WAITING");
  EXPECT_FALSE(stream.next());
  // A stream opened now ends at once, the same way.
  EventStreamClient late(server.endpoint(), fans[2].queue);
  do {
    event = late.next_event();
    ASSERT_TRUE(event);
  } while (event->event == "status");
  EXPECT_EQ(event->event, "soldout");
}

TEST_P(QueueEvents, LastEventIdLeavesOutTheStateTheClientSaw) {
  start_one_waiting(options());
  auto& server = *server_;
  auto& fans = fans_;

  std::string seen;
  {
    EventStreamClient stream(server.endpoint(), fans[1].queue);
    const auto event = stream.next_event();
    ASSERT_TRUE(event);
    seen = event->id;
  }
  {
    // Nothing moved since: the first block after the hint is a keep-alive, not an event.
    EventStreamClient stream(server.endpoint(), fans[1].queue, seen);
    ASSERT_EQ(stream.status(), 200u);
    ASSERT_TRUE(stream.next());  // retry:
    const auto block = stream.next();
    ASSERT_TRUE(block);
    EXPECT_FALSE(block->is_event()) << block->event << " " << block->data;
    EXPECT_EQ(block->comment, "keep-alive");
  }
  {
    EventStreamClient stream(server.endpoint(), fans[1].queue,
                             std::to_string(std::stoll(seen) - 1));
    const auto event = stream.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, seen);
  }
  // An admitted fan gets the final event and the end of the stream; once they saw it, 204
  // (which stops EventSource from reconnecting).
  std::string admitted;
  {
    EventStreamClient stream(server.endpoint(), fans[0].queue);
    const auto event = stream.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->event, "admitted");
    admitted = event->id;
    EXPECT_FALSE(stream.next());
  }
  EventStreamClient again(server.endpoint(), fans[0].queue, admitted);
  EXPECT_EQ(again.status(), 204u) << again.header();
}

TEST_P(QueueEvents, IdleStreamGetsKeepAlivesAndIsCounted) {
  start_one_waiting(options());
  auto& server = *server_;
  HttpClient http(server.port());
  {
    EventStreamClient stream(server.endpoint(), fans_[1].queue);
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
  ServerProcess server(options());
  EventStreamClient stream(server.endpoint(), "not-a-token");
  EXPECT_EQ(stream.status(), 401u);
  EXPECT_NE(stream.header().find("application/problem+json"), std::string::npos);
}

// A stream is a connection: it counts against --max-connections-per-client until it ends.
TEST_P(QueueEvents, StreamCountsAgainstTheConnectionLimits) {
  auto opts = options();
  opts.extra_args.insert(opts.extra_args.end(), {"--max-connections-per-client", "2"});
  start_one_waiting(opts);
  auto& server = *server_;
  auto& fans = fans_;
  std::optional<EventStreamClient> first(std::in_place, server.endpoint(), fans[1].queue);
  EventStreamClient second(server.endpoint(), fans[1].queue);
  ASSERT_TRUE(first->next_event());
  ASSERT_TRUE(second.next_event());
  const auto refused = [&] {
    HttpClient http(server.port());
    return http.get("/healthz").status == 503;
  };
  EXPECT_TRUE(eventually(refused));
  first.reset();
  EXPECT_TRUE(eventually([&] { return !refused(); }));
}

}  // namespace
}  // namespace concertd::test
