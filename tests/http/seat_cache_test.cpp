// The seat-map cache (docs/design.md, "Seat maps"): every read below follows a read that
// filled the cache, so a cache that missed a change serves the stale map and fails.

#include <optional>
#include <string>

#include "http/support.hpp"

namespace concertd::test {
namespace {

TEST(SeatCache, MapFollowsHoldsPaymentsCancelsAndLapses) {
  ServerProcess server({.hold_ttl = 2});
  HttpClient http(server.port());
  auto fan = make_account(server.port());
  charge(http, fan, 5000);
  admit(http, fan);
  const auto concert = create_concert(http, 4, 1000);
  for (int seat = 1; seat <= 4; ++seat) EXPECT_TRUE(seat_available(http, concert, seat));

  const auto first = hold_ok(http, concert, 1, fan.queue);
  EXPECT_FALSE(seat_available(http, concert, 1));
  const auto second = hold_ok(http, concert, 2, fan.queue);
  EXPECT_FALSE(seat_available(http, concert, 2));
  ASSERT_TRUE(has_status(http.del("/api/v1/reservations/" + first, fan.access), 200));
  EXPECT_TRUE(seat_available(http, concert, 1));
  EXPECT_FALSE(seat_available(http, concert, 2));
  ASSERT_TRUE(has_status(pay(http, second, 1000, fan.queue), 201));
  EXPECT_FALSE(seat_available(http, concert, 2));

  // The payment ended the fan's turn: another fan holds seat 3 and lets it lapse.
  auto other = make_account(server.port());
  admit(http, other);
  ASSERT_FALSE(hold_ok(http, concert, 3, other.queue).empty());
  EXPECT_FALSE(seat_available(http, concert, 3));
  EXPECT_TRUE(eventually([&] { return seat_available(http, concert, 3); }));
  // By then the paid seat's hold would have lapsed too: it stays sold.
  EXPECT_FALSE(seat_available(http, concert, 2));
  EXPECT_TRUE(seat_available(http, concert, 4));
}

TEST(SeatCache, NodesOnOneMariadbSeeEachOthersHolds) {
  std::string why;
  if (!mysql_available(why)) GTEST_SKIP() << why;
  const TestDatabase database;
  ServerProcess a({.database_url = database.url()});
  ServerProcess b({.database_url = database.url()});
  HttpClient http_a(a.port());
  HttpClient http_b(b.port());
  auto fan = make_account(a.port());
  admit(http_a, fan);
  const auto concert = create_concert(http_a, 2, 1000);
  ASSERT_TRUE(seat_available(http_b, concert, 1));

  const auto held = hold_ok(http_a, concert, 1, fan.queue);
  EXPECT_TRUE(eventually([&] { return !seat_available(http_b, concert, 1); }));
  ASSERT_TRUE(has_status(http_a.del("/api/v1/reservations/" + held, fan.access), 200));
  EXPECT_TRUE(eventually([&] { return seat_available(http_b, concert, 1); }));
}

}  // namespace
}  // namespace concertd::test
