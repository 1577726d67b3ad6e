// POST /api/v1/reservations/{id}/extend through a real concertd and real sockets, on every
// store: once only (also under a race of real threads, across two nodes on a shared store),
// by the hold TTL from the current expiry, honoured by the sweeper and by payment.

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/support.hpp"

namespace concertd::test {
namespace {

class HoldExtension : public OnEveryStore {};
CONCERTD_ON_EVERY_STORE(HoldExtension);

Response extend(HttpClient& http, std::string_view reservation_id, std::string_view queue_token) {
  return http.post("/api/v1/reservations/" + std::string(reservation_id) + "/extend",
                   json::object{{"token", queue_token}});
}

// The reservation's stored status, as the sweeper leaves it (not the effective one).
std::int64_t stored_with_status(const ServerProcess& server, std::string_view reservation_id,
                                std::string_view status) {
  Db db(server.database());
  return db.scalar(
      "SELECT COUNT(*) FROM reservations WHERE id = ? AND status = '" + std::string(status) + "'",
      {uuid(reservation_id)});
}

TEST_P(HoldExtension, AddsTheHoldTtlToTheCurrentExpiryOnce) {
  ServerProcess server(on_store({.hold_ttl = 300}));
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto concert = create_concert(http, 1, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  const auto before = get_reservation(http, rid, a.access);
  ASSERT_TRUE(has_status(before, 200));
  EXPECT_FALSE(before.object().at("extended").as_bool());

  const auto e = extend(http, rid, a.queue);
  ASSERT_TRUE(has_status(e, 200));
  EXPECT_EQ(e.str("reservationId"), rid);
  EXPECT_EQ(e.str("status"), "HELD");
  EXPECT_TRUE(e.object().at("extended").as_bool());
  EXPECT_EQ(parse_rfc3339(e.str("expiresAt")), parse_rfc3339(before.str("expiresAt")) + 300);
  const auto after = get_reservation(http, rid, a.access);
  EXPECT_EQ(after.str("expiresAt"), e.str("expiresAt"));
  EXPECT_TRUE(after.object().at("extended").as_bool());

  EXPECT_TRUE(is_problem(extend(http, rid, a.queue), 409, "ALREADY_EXTENDED"));
  EXPECT_EQ(get_reservation(http, rid, a.access).str("expiresAt"), e.str("expiresAt"));
  // The queue token may also come as the Bearer header.
  EXPECT_TRUE(
      is_problem(http.post("/api/v1/reservations/" + rid + "/extend", json::object{}, a.queue), 409,
                 "ALREADY_EXTENDED"));
  EXPECT_NE(http.get("/metrics").body.find("\nconcertd_hold_extensions_total 1\n"),
            std::string::npos);
}

TEST_P(HoldExtension, ExtendedHoldOutlivesTheOldExpiryAndLapsesAtTheNew) {
  ServerProcess server(on_store({.hold_ttl = 3}));
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 1000);
  const auto concert = create_concert(http, 2, 1000);
  const auto paid = hold_ok(http, concert, 1, a.queue);
  const auto lapsing = hold_ok(http, concert, 2, a.queue);
  ASSERT_TRUE(has_status(extend(http, paid, a.queue), 200));
  ASSERT_TRUE(has_status(extend(http, lapsing, a.queue), 200));

  // Past the old expiry by more than the sweeper's second: both still held.
  std::this_thread::sleep_for(4200ms);
  EXPECT_FALSE(seat_available(http, concert, 2));
  EXPECT_EQ(get_reservation(http, lapsing, a.access).str("status"), "HELD");
  EXPECT_EQ(stored_with_status(server, lapsing, "HELD"), 1);
  ASSERT_TRUE(has_status(pay(http, paid, 1000, a.queue), 201));

  // Past the new one (6 s after the hold): lapsed, swept, not payable.
  std::this_thread::sleep_for(2500ms);
  EXPECT_TRUE(seat_available(http, concert, 2));
  EXPECT_EQ(get_reservation(http, lapsing, a.access).str("status"), "EXPIRED");
  EXPECT_TRUE(eventually([&] { return stored_with_status(server, lapsing, "EXPIRED") == 1; }));
  EXPECT_TRUE(is_problem(extend(http, lapsing, a.queue), 409, "HOLD_EXPIRED"));
  EXPECT_EQ(get_reservation(http, paid, a.access).str("status"), "CONFIRMED");
}

TEST_P(HoldExtension, ErrorsAreTheReservationEndpointsCodes) {
  ServerProcess server(on_store({.hold_ttl = 300}));
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 1000);
  auto b = ready_fan(server, http);
  const auto concert = create_concert(http, 3, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  EXPECT_TRUE(is_problem(extend(http, rid, b.queue), 403, "FORBIDDEN"));
  EXPECT_TRUE(
      is_problem(extend(http, Uuid::random().to_string(), a.queue), 404, "RESERVATION_NOT_FOUND"));
  EXPECT_TRUE(is_problem(extend(http, "not-a-uuid", a.queue), 404, "RESERVATION_NOT_FOUND"));
  // The access token names no queue entry.
  EXPECT_TRUE(
      is_problem(http.post("/api/v1/reservations/" + rid + "/extend", json::object{}, a.access),
                 401, "INVALID_TOKEN"));
  EXPECT_TRUE(is_problem(extend(http, rid, "garbage"), 401, "INVALID_TOKEN"));

  const auto cancelled = hold_ok(http, concert, 2, a.queue);
  ASSERT_TRUE(has_status(http.del("/api/v1/reservations/" + cancelled, a.access), 200));
  EXPECT_TRUE(is_problem(extend(http, cancelled, a.queue), 409, "HOLD_EXPIRED"));
  EXPECT_FALSE(get_reservation(http, rid, a.access).object().at("extended").as_bool());

  // Paying ends the entry; the paid reservation is ALREADY_PAID, the other hold's entry
  // is no longer ACTIVE.
  const auto other = hold_ok(http, concert, 3, a.queue);
  ASSERT_TRUE(has_status(pay(http, rid, 1000, a.queue), 201));
  EXPECT_TRUE(is_problem(extend(http, rid, a.queue), 409, "ALREADY_PAID"));
  EXPECT_TRUE(is_problem(extend(http, other, a.queue), 403, "QUEUE_NOT_ACTIVE"));
  EXPECT_FALSE(get_reservation(http, other, a.access).object().at("extended").as_bool());
}

TEST_P(HoldExtension, OfManyAtOnceExactlyOneSucceeds) {
  ServerProcess server(on_store({.hold_ttl = 300}));
  // On a shared store the racers go to two nodes.
  std::optional<ServerProcess> second;
  if (is_shared(GetParam())) second.emplace(on_store({.hold_ttl = 300}));
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto concert = create_concert(http, 1, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  const auto before = parse_rfc3339(get_reservation(http, rid, a.access).str("expiresAt"));

  constexpr std::size_t kRacers = 20;
  auto clients = connected_clients(server.endpoint(), kRacers / 2);
  auto others = connected_clients(second ? second->endpoint() : server.endpoint(), kRacers / 2);
  for (auto& client : others) clients.push_back(std::move(client));
  std::vector<Response> answers(kRacers);
  run_together(kRacers, [&](std::size_t i) { answers[i] = extend(*clients[i], rid, a.queue); });

  std::size_t extended = 0;
  for (const auto& r : answers) {
    if (r.status == 200) {
      ++extended;
      EXPECT_EQ(parse_rfc3339(r.str("expiresAt")), before + 300);
    } else {
      EXPECT_TRUE(is_problem(r, 409, "ALREADY_EXTENDED"));
    }
  }
  EXPECT_EQ(extended, 1u);
  EXPECT_EQ(parse_rfc3339(get_reservation(http, rid, a.access).str("expiresAt")), before + 300);
  Db db(server.database());
  EXPECT_EQ(db.scalar("SELECT hold_expires_at FROM seats WHERE reservation_id = ?", {uuid(rid)}),
            db.scalar("SELECT expires_at FROM reservations WHERE id = ?", {uuid(rid)}));
}

}  // namespace
}  // namespace concertd::test
