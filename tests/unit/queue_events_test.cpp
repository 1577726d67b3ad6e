// The pure rules of live push: the polling hint, event ids and the stream's first answer.
#include "http/queue_events.hpp"

#include <gtest/gtest.h>

#include <set>

namespace concertd::http {
namespace {

using queue::QueueStatus;
using queue::QueueView;

QueueView waiting(std::int64_t position, std::int64_t remaining, bool paused = false) {
  return {.status = QueueStatus::kWaiting,
          .position = position,
          .remaining_seconds = remaining,
          .remaining_low = remaining,
          .remaining_high = remaining + 1,
          .paused = paused};
}

TEST(RefreshAfter, IsATenthOfTheWaitWithinOneToThirtySeconds) {
  // Entry numbers divisible by 16 get no stretch.
  EXPECT_EQ(refresh_after_tenths(waiting(1, 1), 16), 10);
  EXPECT_EQ(refresh_after_tenths(waiting(500, 50), 32), 50);
  EXPECT_EQ(refresh_after_tenths(waiting(100'000, 1000), 48), 300);
}

TEST(RefreshAfter, SpreadsFansWhoseWaitIsTheSame) {
  std::set<std::int64_t> seen;
  for (std::int64_t number = 0; number < 16; ++number) {
    const auto tenths = refresh_after_tenths(waiting(10, 100), number);
    EXPECT_GE(tenths, 100);
    EXPECT_LE(tenths, 124);
    seen.insert(tenths);
  }
  EXPECT_GE(seen.size(), 10u);
}

TEST(RefreshAfter, IsLongWhilePausedAndOnceNotWaiting) {
  EXPECT_EQ(refresh_after_tenths(waiting(3, 1, true), 16), 100);
  EXPECT_EQ(refresh_after_tenths({.status = QueueStatus::kActive, .remaining_seconds = 600}, 5),
            300);
  EXPECT_EQ(refresh_after_tenths({.status = QueueStatus::kExpired}, 5), 300);
}

TEST(EventId, NeverDecreasesOverAnEntrysLife) {
  constexpr std::int64_t kNumber = 40;
  EXPECT_EQ(event_id(waiting(3, 1), kNumber), 37);
  EXPECT_LT(event_id(waiting(3, 1), kNumber), event_id(waiting(1, 1), kNumber));
  EXPECT_LT(event_id(waiting(1, 1), kNumber),
            event_id({.status = QueueStatus::kActive, .remaining_seconds = 600}, kNumber));
  EXPECT_LT(event_id({.status = QueueStatus::kActive}, kNumber),
            event_id({.status = QueueStatus::kExpired}, kNumber));
}

TEST(OpenEventStream, SendsTheStateUnlessLastEventIdNamesIt) {
  const auto view = waiting(2, 1);
  const auto fresh = open_event_stream(12, view, "");
  EXPECT_EQ(fresh.content_type, "text/event-stream");
  ASSERT_TRUE(fresh.stream);
  EXPECT_TRUE(fresh.stream->follow);
  EXPECT_EQ(
      fresh.body,
      "retry: 3000\n\nid: 10\nevent: status\ndata: "
      R"({"status":"WAITING","queuePosition":2,"remainingTime":1,"remainingTimeRange":[1,2],"paused":false,"refreshAfter":1.1})"
      "\n\n");
  const auto resumed = open_event_stream(12, view, "10");
  EXPECT_EQ(resumed.body, "retry: 3000\n\n");
  ASSERT_TRUE(resumed.stream);
  EXPECT_TRUE(resumed.stream->follow);
  EXPECT_NE(open_event_stream(12, view, "9").body, "retry: 3000\n\n");
  EXPECT_NE(open_event_stream(12, view, "not a number").body, "retry: 3000\n\n");
}

TEST(OpenEventStream, EndsAtAFinalStateOrAnswers204WhenItWasSeen) {
  const QueueView active{.status = QueueStatus::kActive, .remaining_seconds = 600};
  const auto final_event = open_event_stream(12, active, "11");
  ASSERT_TRUE(final_event.stream);
  EXPECT_FALSE(final_event.stream->follow);
  EXPECT_NE(final_event.body.find("event: admitted\n"), std::string::npos);
  EXPECT_EQ(open_event_stream(12, active, "12").status, beast::http::status::no_content);
}

}  // namespace
}  // namespace concertd::http
