// The external contract (docs: /work/shared/spec/contract.md §1-§3) through a real
// concertd process and real sockets. Each test starts its own server on its own database,
// once on SQLite and once on MariaDB (OnEveryStore). Only the CommandLine tests that start
// no server (flags, usage errors) run once: there is no store for them to differ on.

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "http/support.hpp"

namespace concertd::test {
namespace {

using beast::http::verb;

// One suite per area of the contract, each run on every store.
class Users : public OnEveryStore {};
class Tokens : public OnEveryStore {};
class Queue : public OnEveryStore {};
class Concerts : public OnEveryStore {};
class Reservations : public OnEveryStore {};
class Balance : public OnEveryStore {};
class Payments : public OnEveryStore {};
class Protocol : public OnEveryStore {};
// The operator's API beyond creating concerts: sales and admission controls.
class Admin : public OnEveryStore {};
// Signals and restarts of the server on its database.
class Lifecycle : public OnEveryStore {};

CONCERTD_ON_EVERY_STORE(Users);
CONCERTD_ON_EVERY_STORE(Tokens);
CONCERTD_ON_EVERY_STORE(Queue);
CONCERTD_ON_EVERY_STORE(Concerts);
CONCERTD_ON_EVERY_STORE(Reservations);
CONCERTD_ON_EVERY_STORE(Balance);
CONCERTD_ON_EVERY_STORE(Payments);
CONCERTD_ON_EVERY_STORE(Protocol);
CONCERTD_ON_EVERY_STORE(Admin);
CONCERTD_ON_EVERY_STORE(Lifecycle);

std::string balance_path(const Account& a) { return "/api/v1/users/" + a.id + "/balance"; }

std::string fresh_uuid() { return Uuid::random().to_string(); }

bool has_line_count(const std::string& text, std::size_t lines) {
  return !text.empty() && text.back() == '\n' &&
         static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) == lines;
}

// Users

TEST_P(Users, SignUpReturnsIdAndUsername) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto name = unique_username();
  const auto r = http.post("/api/v1/users", {{"username", name}, {"password", "s3cret-pass"}});
  ASSERT_TRUE(has_status(r, 201));
  EXPECT_TRUE(r.header("Content-Type").starts_with("application/json")) << r.describe();
  EXPECT_TRUE(is_uuid(r.str("userId"))) << r.describe();
  EXPECT_EQ(r.str("username"), name);
}

TEST_P(Users, SignUpTwiceIsUsernameTaken) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto name = unique_username();
  ASSERT_TRUE(has_status(
      http.post("/api/v1/users", {{"username", name}, {"password", "first-pass"}}), 201));
  EXPECT_TRUE(
      is_problem(http.post("/api/v1/users", {{"username", name}, {"password", "second-pass"}}), 409,
                 "USERNAME_TAKEN"));
}

TEST_P(Users, LoginReturnsAccessToken) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto name = unique_username();
  const auto up = http.post("/api/v1/users", {{"username", name}, {"password", "s3cret-pass"}});
  ASSERT_TRUE(has_status(up, 201));
  const auto r = http.post("/api/v1/auth/login", {{"username", name}, {"password", "s3cret-pass"}});
  ASSERT_TRUE(has_status(r, 200));
  EXPECT_EQ(r.str("userId"), up.str("userId"));
  const auto token = r.str("accessToken");
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2) << r.describe();
  EXPECT_GT(r.integer("expiresIn"), 0);
}

TEST_P(Users, WrongPasswordIsBadCredentials) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  EXPECT_TRUE(is_problem(
      http.post("/api/v1/auth/login", {{"username", a.username}, {"password", "wrong-pass"}}), 401,
      "BAD_CREDENTIALS"));
}

TEST_P(Users, UnknownUserIsBadCredentials) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  EXPECT_TRUE(is_problem(
      http.post("/api/v1/auth/login", {{"username", "nobody_here"}, {"password", "whatever-pass"}}),
      401, "BAD_CREDENTIALS"));
}

TEST_P(Users, MissingOrMistypedFieldsAre400) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto name = unique_username();
  EXPECT_TRUE(is_problem(http.post("/api/v1/users", {{"username", name}}), 400, {}));
  EXPECT_TRUE(is_problem(http.post("/api/v1/users", {{"password", "s3cret-pass"}}), 400, {}));
  EXPECT_TRUE(is_problem(http.post("/api/v1/users", {{"username", 5}, {"password", "s3cret-pass"}}),
                         400, {}));
  EXPECT_TRUE(is_problem(http.post("/api/v1/users", json::array{name, "s3cret-pass"}), 400, {}));
  EXPECT_TRUE(is_problem(
      http.post("/api/v1/users", {{"username", ""}, {"password", "s3cret-pass"}}), 400, {}));
  EXPECT_TRUE(is_problem(http.post("/api/v1/auth/login", {{"username", name}}), 400, {}));
  // None of these created the user.
  EXPECT_TRUE(has_status(
      http.post("/api/v1/users", {{"username", name}, {"password", "s3cret-pass"}}), 201));
}

TEST_P(Users, PasswordIsStoredOnlyAsArgon2idHash) {
  ServerProcess server(on_store());
  const auto a = make_account(server.port());
  Db db(server.database());
  const auto rows = db.rows("SELECT password_hash FROM users WHERE id = ?1", {uuid(a.id)});
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_TRUE(rows[0][0].starts_with("$argon2id$")) << rows[0][0];
  EXPECT_EQ(rows[0][0].find(a.password), std::string::npos);
}

// Tokens: access and queue JWTs

TEST_P(Tokens, ForgedSignatureIsInvalidToken) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto b = make_account(server.port());
  // A's tokens with the subject changed to B: the signature no longer matches.
  const auto forged_access = forge_subject(a.access, b.id);
  EXPECT_TRUE(
      is_problem(http.post(balance_path(b), {{"userId", b.id}, {"amount", 100}}, forged_access),
                 401, "INVALID_TOKEN"));
  EXPECT_EQ(balance(http, b), 0);
  EXPECT_TRUE(is_problem(queue_status(http, forge_subject(a.queue, b.id)), 401, "INVALID_TOKEN"));
  // A signature cut short.
  EXPECT_TRUE(
      is_problem(queue_status(http, a.queue.substr(0, a.queue.size() - 4)), 401, "INVALID_TOKEN"));
}

TEST_P(Tokens, TokenSignedWithAnotherKeyIsInvalidToken) {
  ServerProcess server(on_store());
  // On MariaDB both share the test's database: what signs is each one's --jwt-secret.
  ServerProcess other(
      on_store({.extra_args = {"--jwt-secret", "another-secret-of-the-right-length"}}));
  HttpClient http(server.port());
  HttpClient other_http(other.port());
  const auto mine = make_account(server.port());
  auto theirs = make_account(other.port());
  admit(other_http, theirs);
  // A well-formed HS256 token for B's user id, signed by a server with another key.
  const auto foreign = forge_subject(theirs.access, mine.id);
  EXPECT_TRUE(is_problem(http.get(balance_path(mine), theirs.access), 401, "INVALID_TOKEN"));
  EXPECT_TRUE(is_problem(http.get(balance_path(mine), foreign), 401, "INVALID_TOKEN"));
  EXPECT_TRUE(is_problem(queue_status(http, theirs.queue), 401, "INVALID_TOKEN"));
}

TEST_P(Tokens, AlgNoneIsInvalidToken) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  EXPECT_TRUE(is_problem(http.get(balance_path(a), alg_none(a.access)), 401, "INVALID_TOKEN"));
  EXPECT_TRUE(is_problem(queue_status(http, alg_none(a.queue)), 401, "INVALID_TOKEN"));
  const auto concert = create_concert(http, 2, 1000);
  EXPECT_TRUE(is_problem(hold(http, concert, 1, alg_none(a.queue)), 401, "INVALID_TOKEN"));
  EXPECT_TRUE(seat_available(http, concert, 1));
}

TEST_P(Tokens, GarbageIsInvalidToken) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  for (const std::string token : {"garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "...."}) {
    EXPECT_TRUE(is_problem(http.get(balance_path(a), token), 401, "INVALID_TOKEN")) << token;
    EXPECT_TRUE(is_problem(queue_status(http, token), 401, "INVALID_TOKEN")) << token;
  }
  EXPECT_TRUE(is_problem(http.get(balance_path(a), {}, {{"Authorization", "Basic Zm9vOmJhcg=="}}),
                         401, "INVALID_TOKEN"));
}

TEST_P(Tokens, MissingTokenIsInvalidToken) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  EXPECT_TRUE(is_problem(http.get(balance_path(a)), 401, "INVALID_TOKEN"));
  EXPECT_TRUE(is_problem(http.post(balance_path(a), {{"userId", a.id}, {"amount", 10}}), 401,
                         "INVALID_TOKEN"));
  EXPECT_TRUE(is_problem(http.post("/api/v1/tokens", {{"userId", a.id}}), 401, "INVALID_TOKEN"));
  EXPECT_TRUE(is_problem(http.get("/api/v1/queue/status"), 401, "INVALID_TOKEN"));
}

TEST_P(Tokens, AccessTokenIsNotAQueueToken) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto concert = create_concert(http, 2, 1000);
  EXPECT_TRUE(is_problem(queue_status(http, a.access), 401, "INVALID_TOKEN"));
  EXPECT_TRUE(is_problem(hold(http, concert, 1, a.access), 401, "INVALID_TOKEN"));
  EXPECT_TRUE(seat_available(http, concert, 1));
}

TEST_P(Tokens, QueueTokenIsNotAnAccessToken) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  EXPECT_TRUE(is_problem(http.post(balance_path(a), {{"userId", a.id}, {"amount", 100}}, a.queue),
                         401, "INVALID_TOKEN"));
  EXPECT_TRUE(is_problem(http.get(balance_path(a), a.queue), 401, "INVALID_TOKEN"));
  EXPECT_TRUE(
      is_problem(http.post("/api/v1/tokens", {{"userId", a.id}}, a.queue), 401, "INVALID_TOKEN"));
  EXPECT_EQ(balance(http, a), 0);
}

// Queue: the waiting room

TEST_P(Queue, TokenIsIssuedAndBecomesActive) {
  ServerProcess server(on_store({.active_ttl = 600}));
  HttpClient http(server.port());
  auto a = make_account(server.port());
  const auto r = http.post("/api/v1/tokens", {{"userId", a.id}}, a.access);
  ASSERT_TRUE(has_status(r, 201));
  const auto token = r.str("token");
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2) << token;
  EXPECT_TRUE(r.str("status") == "WAITING" || r.str("status") == "ACTIVE") << r.describe();
  EXPECT_GE(r.integer("queuePosition"), 0);
  EXPECT_GE(r.integer("remainingTime"), 0);
  ASSERT_NO_THROW(wait_active(http, token));
  const auto s = queue_status(http, token);
  ASSERT_TRUE(has_status(s, 200));
  EXPECT_EQ(s.str("status"), "ACTIVE");
  EXPECT_EQ(s.integer("queuePosition"), 0);
  EXPECT_GT(s.integer("remainingTime"), 590);
  EXPECT_LE(s.integer("remainingTime"), 600);
}

TEST_P(Queue, StatusAcceptsTokenInHeaderQueryOrBody) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto by_query = http.get("/api/v1/queue/status?token=" + a.queue);
  ASSERT_TRUE(has_status(by_query, 200));
  EXPECT_EQ(by_query.str("status"), "ACTIVE");
  const auto by_body =
      http.send(verb::get, "/api/v1/queue/status",
                json::serialize(json::object{{"token", a.queue}}), "application/json");
  ASSERT_TRUE(has_status(by_body, 200));
  EXPECT_EQ(by_body.str("status"), "ACTIVE");
  const auto by_header = queue_status(http, a.queue);
  ASSERT_TRUE(has_status(by_header, 200));
  EXPECT_EQ(by_header.str("status"), "ACTIVE");
}

TEST_P(Queue, TokenForAnotherUserIsForbidden) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  const auto b = make_account(server.port());
  EXPECT_TRUE(
      is_problem(http.post("/api/v1/tokens", {{"userId", b.id}}, a.access), 403, "FORBIDDEN"));
}

TEST_P(Queue, ActiveUserGetsTheSameEntryBack) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto again = http.post("/api/v1/tokens", {{"userId", a.id}}, a.access);
  ASSERT_TRUE(has_status(again, 200));
  EXPECT_EQ(again.str("status"), "ACTIVE");
  EXPECT_EQ(again.integer("queuePosition"), 0);
  const auto s = queue_status(http, again.str("token"));
  ASSERT_TRUE(has_status(s, 200));
  EXPECT_EQ(s.str("status"), "ACTIVE");
  Db db(server.database());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM queue_entries WHERE user_id = ?1", {uuid(a.id)}), 1);
}

TEST_P(Queue, WaitingUserKeepsTheirPlace) {
  ServerProcess server(on_store({.max_active = 1}));
  HttpClient http(server.port());
  auto accounts = make_accounts(server.port(), 3);
  auto& a = accounts[0];
  auto& b = accounts[1];
  auto& c = accounts[2];
  admit(http, a);
  const auto rb = http.post("/api/v1/tokens", {{"userId", b.id}}, b.access);
  ASSERT_TRUE(has_status(rb, 201));
  EXPECT_EQ(rb.str("status"), "WAITING");
  EXPECT_EQ(rb.integer("queuePosition"), 1);
  const auto rc = http.post("/api/v1/tokens", {{"userId", c.id}}, c.access);
  ASSERT_TRUE(has_status(rc, 201));
  EXPECT_EQ(rc.str("status"), "WAITING");
  EXPECT_EQ(rc.integer("queuePosition"), 2);
  EXPECT_GE(rc.integer("remainingTime"), 0);

  const auto rb2 = http.post("/api/v1/tokens", {{"userId", b.id}}, b.access);
  ASSERT_TRUE(has_status(rb2, 200));
  EXPECT_EQ(rb2.str("status"), "WAITING");
  EXPECT_EQ(rb2.integer("queuePosition"), 1);
  const auto sc = queue_status(http, rc.str("token"));
  ASSERT_TRUE(has_status(sc, 200));
  EXPECT_EQ(sc.str("status"), "WAITING");
  EXPECT_EQ(sc.integer("queuePosition"), 2);
  Db db(server.database());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM queue_entries WHERE user_id = ?1", {uuid(b.id)}), 1);
}

TEST_P(Queue, PaymentExpiresTheEntryAndTheNextTokenIsNew) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 1000);
  const auto concert = create_concert(http, 2, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  ASSERT_TRUE(has_status(pay(http, rid, 1000, a.queue), 201));
  const auto s = queue_status(http, a.queue);
  ASSERT_TRUE(has_status(s, 200));
  EXPECT_EQ(s.str("status"), "EXPIRED");
  EXPECT_TRUE(is_problem(hold(http, concert, 2, a.queue), 403, "QUEUE_NOT_ACTIVE"));

  const auto next = http.post("/api/v1/tokens", {{"userId", a.id}}, a.access);
  ASSERT_TRUE(has_status(next, 201));
  EXPECT_NE(next.str("token"), a.queue);
  ASSERT_NO_THROW(wait_active(http, next.str("token")));
  EXPECT_TRUE(has_status(hold(http, concert, 2, next.str("token")), 201));
}

TEST_P(Queue, ActiveEntryExpiresAfterActiveTtl) {
  ServerProcess server(on_store({.active_ttl = 1}));
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto concert = create_concert(http, 1, 1000);
  std::this_thread::sleep_for(1500ms);
  const auto s = queue_status(http, a.queue);
  ASSERT_TRUE(has_status(s, 200));
  EXPECT_EQ(s.str("status"), "EXPIRED");
  EXPECT_TRUE(is_problem(hold(http, concert, 1, a.queue), 403, "QUEUE_NOT_ACTIVE"));
  EXPECT_TRUE(has_status(http.post("/api/v1/tokens", {{"userId", a.id}}, a.access), 201));
}

// With room for two, fans queued A, B, C, D are admitted in that order as slots free up
// (each freed by a payment, which ends the payer's ACTIVE entry).
TEST_P(Queue, AdmitsInOrderOfArrival) {
  ServerProcess server(on_store({.max_active = 2, .admit_rate = 1000}));
  HttpClient http(server.port());
  auto fans = make_accounts(server.port(), 6);
  for (auto& f : fans) charge(http, f, 1000);
  const auto concert = create_concert(http, 6, 1000);
  // X and Y take both slots and hold a seat each.
  std::vector<std::string> reservation(6);
  for (std::size_t i = 0; i < 2; ++i) {
    admit(http, fans[i]);
    reservation[i] = hold_ok(http, concert, static_cast<std::int64_t>(i) + 1, fans[i].queue);
  }
  for (std::size_t i = 2; i < 6; ++i) {
    const auto r = http.post("/api/v1/tokens", {{"userId", fans[i].id}}, fans[i].access);
    ASSERT_TRUE(has_status(r, 201));
    EXPECT_EQ(r.str("status"), "WAITING");
    EXPECT_EQ(r.integer("queuePosition"), static_cast<std::int64_t>(i) - 1);
    fans[i].queue = r.str("token");
  }
  // Each payment frees a slot for exactly the next fan in line.
  for (std::size_t paid = 0; paid < 4; ++paid) {
    ASSERT_TRUE(has_status(pay(http, reservation[paid], 1000, fans[paid].queue), 201));
    const std::size_t next = paid + 2;
    ASSERT_NO_THROW(wait_active(http, fans[next].queue, 5s)) << "fan #" << next;
    for (std::size_t later = next + 1; later < 6; ++later) {
      const auto s = queue_status(http, fans[later].queue);
      ASSERT_TRUE(has_status(s, 200));
      EXPECT_EQ(s.str("status"), "WAITING") << "fan #" << later << " after fan #" << next;
      EXPECT_EQ(s.integer("queuePosition"), static_cast<std::int64_t>(later - next));
    }
    reservation[next] =
        hold_ok(http, concert, static_cast<std::int64_t>(next) + 1, fans[next].queue);
  }
}

// Concerts and seats

TEST_P(Concerts, AdminCreatesConcertFromSeatCount) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto r = http.post(
      "/api/v1/admin/concerts",
      {{"concertName", "Spring Gala"}, {"date", "2099-04-05"}, {"seatCount", 5}, {"price", 1200}},
      {}, {{"X-Admin-Key", std::string(kAdminKey)}});
  ASSERT_TRUE(has_status(r, 201));
  const auto id = r.str("concertId");
  EXPECT_TRUE(is_uuid(id));

  const auto list = http.get("/api/v1/concerts");
  ASSERT_TRUE(has_status(list, 200));
  int found = 0;
  for (const auto& v : list.array()) {
    const auto& o = v.as_object();
    if (o.at("concertId").as_string() != id) continue;
    ++found;
    EXPECT_EQ(o.at("concertName").as_string(), "Spring Gala");
    EXPECT_EQ(o.at("date").as_string(), "2099-04-05");
    EXPECT_EQ(o.at("availableSeats").to_number<std::int64_t>(), 5);
  }
  EXPECT_EQ(found, 1) << list.describe();

  const auto seats = http.get("/api/v1/concerts/" + id + "/seats");
  ASSERT_TRUE(has_status(seats, 200));
  ASSERT_EQ(seats.array().size(), 5U) << seats.describe();
  for (std::size_t i = 0; i < 5; ++i) {
    const auto& o = seats.array()[i].as_object();
    EXPECT_EQ(o.at("seatNumber").to_number<std::int64_t>(), static_cast<std::int64_t>(i) + 1);
    EXPECT_TRUE(o.at("available").as_bool());
    EXPECT_EQ(o.at("price").to_number<std::int64_t>(), 1200);
  }
}

TEST_P(Concerts, AdminCreatesConcertFromSeatList) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const json::array seats_in{json::object{{"seatNumber", 7}, {"price", 900}},
                             json::object{{"seatNumber", 3}, {"price", 500}}};
  const auto r =
      http.post("/api/v1/admin/concerts",
                {{"concertName", "Chamber"}, {"date", "2099-05-06"}, {"seats", seats_in}}, {},
                {{"X-Admin-Key", std::string(kAdminKey)}});
  ASSERT_TRUE(has_status(r, 201));
  const auto seats = http.get("/api/v1/concerts/" + r.str("concertId") + "/seats");
  ASSERT_TRUE(has_status(seats, 200));
  ASSERT_EQ(seats.array().size(), 2U) << seats.describe();
  const auto& s0 = seats.array()[0].as_object();
  const auto& s1 = seats.array()[1].as_object();
  EXPECT_EQ(s0.at("seatNumber").to_number<std::int64_t>(), 3);
  EXPECT_EQ(s0.at("price").to_number<std::int64_t>(), 500);
  EXPECT_EQ(s1.at("seatNumber").to_number<std::int64_t>(), 7);
  EXPECT_EQ(s1.at("price").to_number<std::int64_t>(), 900);
}

TEST_P(Concerts, AdminApiRequiresTheKey) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const json::value body = {
      {"concertName", "Nope"}, {"date", "2099-04-05"}, {"seatCount", 5}, {"price", 1200}};
  for (const auto& headers : {Headers{}, Headers{{"X-Admin-Key", "not-the-admin-key"}}}) {
    const auto r = http.post("/api/v1/admin/concerts", body, {}, headers);
    EXPECT_TRUE(r.status == 401 || r.status == 403) << r.describe();
    EXPECT_TRUE(is_problem(r, r.status, {}));
  }
  const auto list = http.get("/api/v1/concerts");
  ASSERT_TRUE(has_status(list, 200));
  EXPECT_TRUE(list.array().empty()) << list.describe();
}

TEST_P(Concerts, AdminRejectsMalformedConcert) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const Headers key{{"X-Admin-Key", std::string(kAdminKey)}};
  EXPECT_TRUE(
      is_problem(http.post("/api/v1/admin/concerts",
                           {{"concertName", "X"}, {"seatCount", 5}, {"price", 1200}}, {}, key),
                 400, {}));
  EXPECT_TRUE(is_problem(
      http.post("/api/v1/admin/concerts",
                {{"concertName", "X"}, {"date", "2099-13-45"}, {"seatCount", 5}, {"price", 1200}},
                {}, key),
      400, {}));
  EXPECT_TRUE(is_problem(
      http.post("/api/v1/admin/concerts",
                {{"concertName", "X"}, {"date", "2099-01-01"}, {"seatCount", "5"}, {"price", 1200}},
                {}, key),
      400, {}));
}

// Dates both stores can keep: MariaDB's DATE starts at 1000-01-01 (it answered 500 before).
TEST_P(Concerts, DatesOutsideTheYears1000To9999AreBadRequests) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const Headers key{{"X-Admin-Key", std::string(kAdminKey)}};
  const auto create = [&](std::string_view date) {
    return http.post("/api/v1/admin/concerts",
                     {{"concertName", "Old"}, {"date", date}, {"seatCount", 1}, {"price", 1000}},
                     {}, key);
  };
  EXPECT_TRUE(is_problem(create("0999-12-31"), 400, "BAD_REQUEST"));
  EXPECT_TRUE(is_problem(create("0000-01-01"), 400, "BAD_REQUEST"));
  EXPECT_TRUE(is_problem(create("10000-01-01"), 400, "BAD_REQUEST"));
  EXPECT_TRUE(has_status(create("1000-01-01"), 201));
  EXPECT_TRUE(has_status(create("9999-12-31"), 201));
}

TEST_P(Concerts, ListsUpcomingConcertsByDate) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto c = create_concert(http, 1, 100, "2099-03-01", "C");
  const auto a = create_concert(http, 1, 100, "2098-01-01", "A");
  const auto past = create_concert(http, 1, 100, "2001-01-01", "Past");
  const auto b = create_concert(http, 1, 100, "2098-06-01", "B");
  const auto list = http.get("/api/v1/concerts");
  ASSERT_TRUE(has_status(list, 200));
  std::vector<std::string> ids;
  std::vector<std::string> dates;
  for (const auto& v : list.array()) {
    ids.emplace_back(v.as_object().at("concertId").as_string());
    dates.emplace_back(v.as_object().at("date").as_string());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{a, b, c})) << list.describe();
  EXPECT_TRUE(std::is_sorted(dates.begin(), dates.end()));
  EXPECT_EQ(std::find(ids.begin(), ids.end(), past), ids.end());
}

TEST_P(Concerts, AvailabilityFollowsHoldsSalesAndCancellations) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 5000);
  const auto concert = create_concert(http, 3, 1000);
  const auto available_seats = [&] {
    const auto list = http.get("/api/v1/concerts");
    for (const auto& v : list.array()) {
      if (v.as_object().at("concertId").as_string() == concert) {
        return v.as_object().at("availableSeats").to_number<std::int64_t>();
      }
    }
    return std::int64_t{-1};
  };
  EXPECT_EQ(available_seats(), 3);
  const auto r1 = hold_ok(http, concert, 1, a.queue);
  EXPECT_EQ(available_seats(), 2);
  EXPECT_FALSE(seat_available(http, concert, 1));
  const auto r2 = hold_ok(http, concert, 2, a.queue);
  EXPECT_EQ(available_seats(), 1);
  ASSERT_TRUE(has_status(http.del("/api/v1/reservations/" + r2, a.access), 200));
  EXPECT_EQ(available_seats(), 2);
  EXPECT_TRUE(seat_available(http, concert, 2));
  ASSERT_TRUE(has_status(pay(http, r1, 1000, a.queue), 201));
  EXPECT_EQ(available_seats(), 2);
  EXPECT_FALSE(seat_available(http, concert, 1));
  EXPECT_TRUE(seat_available(http, concert, 3));
}

TEST_P(Concerts, UnknownConcertIsConcertNotFound) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  EXPECT_TRUE(is_problem(http.get("/api/v1/concerts/" + fresh_uuid() + "/seats"), 404,
                         "CONCERT_NOT_FOUND"));
}

TEST_P(Concerts, MalformedConcertIdIsClientError) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  for (const std::string bad : {"not-a-uuid", "123", "00000000-0000-0000-0000-00000000000g"}) {
    const auto r = http.get("/api/v1/concerts/" + bad + "/seats");
    EXPECT_TRUE(r.status == 400 || r.status == 404) << bad << ": " << r.describe();
    EXPECT_TRUE(is_problem(r, r.status, {})) << bad;
  }
}

TEST_P(Concerts, DemoFlagCreatesConcertsWithSeats) {
  ServerProcess server(on_store({.demo = true}));
  HttpClient http(server.port());
  const auto list = http.get("/api/v1/concerts");
  ASSERT_TRUE(has_status(list, 200));
  ASSERT_FALSE(list.array().empty());
  for (const auto& v : list.array()) {
    const auto id = std::string(v.as_object().at("concertId").as_string());
    EXPECT_FALSE(seat_map(http, id).empty()) << id;
  }
}

// Reservations: seat holds

TEST_P(Reservations, HoldReturnsHeldReservation) {
  ServerProcess server(on_store({.hold_ttl = 300}));
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto concert = create_concert(http, 3, 1500);
  const auto before = now_ms() / 1000;
  const auto r = hold(http, concert, 2, a.queue);
  ASSERT_TRUE(has_status(r, 201));
  const auto rid = r.str("reservationId");
  EXPECT_TRUE(is_uuid(rid));
  EXPECT_EQ(r.str("status"), "HELD");
  ASSERT_TRUE(is_rfc3339_utc(r.str("expiresAt"))) << r.describe();
  const auto expires = parse_rfc3339(r.str("expiresAt"));
  EXPECT_GE(expires, before + 300 - 2);
  EXPECT_LE(expires, now_ms() / 1000 + 300 + 2);

  const auto g = get_reservation(http, rid, a.access);
  ASSERT_TRUE(has_status(g, 200));
  EXPECT_EQ(g.str("reservationId"), rid);
  EXPECT_EQ(g.str("concertId"), concert);
  EXPECT_EQ(g.integer("seatNumber"), 2);
  EXPECT_EQ(g.str("status"), "HELD");
  EXPECT_EQ(g.str("expiresAt"), r.str("expiresAt"));
  EXPECT_EQ(g.integer("price"), 1500);
  EXPECT_FALSE(seat_available(http, concert, 2));
}

TEST_P(Reservations, HoldAcceptsQueueTokenAsBearer) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto concert = create_concert(http, 1, 1000);
  const auto r =
      http.post("/api/v1/reservations", {{"concertId", concert}, {"seatNumber", 1}}, a.queue);
  EXPECT_TRUE(has_status(r, 201));
}

TEST_P(Reservations, ReadableWithOwnersAccessOrQueueToken) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto concert = create_concert(http, 1, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  EXPECT_TRUE(has_status(get_reservation(http, rid, a.access), 200));
  EXPECT_TRUE(has_status(get_reservation(http, rid, a.queue), 200));
  EXPECT_TRUE(is_problem(get_reservation(http, rid, "garbage"), 401, "INVALID_TOKEN"));
}

TEST_P(Reservations, HoldOfHeldSeatIsSeatUnavailable) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  auto b = ready_fan(server, http);
  const auto concert = create_concert(http, 2, 1000);
  ASSERT_TRUE(has_status(hold(http, concert, 1, a.queue), 201));
  EXPECT_TRUE(is_problem(hold(http, concert, 1, b.queue), 409, "SEAT_UNAVAILABLE"));
  EXPECT_TRUE(is_problem(hold(http, concert, 1, a.queue), 409, "SEAT_UNAVAILABLE"));
}

TEST_P(Reservations, HoldOfSoldSeatIsSeatUnavailable) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 1000);
  auto b = ready_fan(server, http);
  const auto concert = create_concert(http, 2, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  ASSERT_TRUE(has_status(pay(http, rid, 1000, a.queue), 201));
  EXPECT_TRUE(is_problem(hold(http, concert, 1, b.queue), 409, "SEAT_UNAVAILABLE"));
}

TEST_P(Reservations, HoldOfMissingSeatIsSeatNotFound) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto concert = create_concert(http, 3, 1000);
  EXPECT_TRUE(is_problem(hold(http, concert, 4, a.queue), 404, "SEAT_NOT_FOUND"));
  EXPECT_TRUE(is_problem(hold(http, concert, 99, a.queue), 404, "SEAT_NOT_FOUND"));
  const auto r = hold(http, fresh_uuid(), 1, a.queue);
  EXPECT_TRUE(is_problem(r, 404, {}));
  EXPECT_TRUE(r.code() == "SEAT_NOT_FOUND" || r.code() == "CONCERT_NOT_FOUND") << r.describe();
}

TEST_P(Reservations, FifthHoldIsHoldLimit) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto concert = create_concert(http, 6, 1000);
  std::vector<std::string> held;
  for (std::int64_t seat = 1; seat <= 4; ++seat)
    held.push_back(hold_ok(http, concert, seat, a.queue));
  EXPECT_TRUE(is_problem(hold(http, concert, 5, a.queue), 409, "HOLD_LIMIT"));
  EXPECT_TRUE(seat_available(http, concert, 5));
  // Only live holds count: after a cancellation the next hold succeeds.
  ASSERT_TRUE(has_status(http.del("/api/v1/reservations/" + held[0], a.access), 200));
  EXPECT_TRUE(has_status(hold(http, concert, 5, a.queue), 201));
  EXPECT_TRUE(is_problem(hold(http, concert, 6, a.queue), 409, "HOLD_LIMIT"));
}

TEST_P(Reservations, HoldWhileWaitingIsQueueNotActive) {
  ServerProcess server(on_store({.max_active = 1}));
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  auto b = make_account(server.port());
  const auto r = http.post("/api/v1/tokens", {{"userId", b.id}}, b.access);
  ASSERT_TRUE(has_status(r, 201));
  ASSERT_EQ(r.str("status"), "WAITING");
  const auto concert = create_concert(http, 2, 1000);
  EXPECT_TRUE(is_problem(hold(http, concert, 1, r.str("token")), 403, "QUEUE_NOT_ACTIVE"));
  EXPECT_TRUE(seat_available(http, concert, 1));
  EXPECT_TRUE(has_status(hold(http, concert, 1, a.queue), 201));
}

TEST_P(Reservations, MalformedHoldRequestIs400) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto concert = create_concert(http, 2, 1000);
  EXPECT_TRUE(
      is_problem(http.post("/api/v1/reservations",
                           {{"concertId", concert}, {"seatNumber", "1"}, {"token", a.queue}}),
                 400, {}));
  EXPECT_TRUE(is_problem(http.post("/api/v1/reservations", {{"seatNumber", 1}, {"token", a.queue}}),
                         400, {}));
  EXPECT_TRUE(is_problem(
      http.post("/api/v1/reservations", {{"concertId", concert}, {"token", a.queue}}), 400, {}));
  EXPECT_TRUE(
      is_problem(http.post("/api/v1/reservations",
                           {{"concertId", concert}, {"seatNumber", 1.5}, {"token", a.queue}}),
                 400, {}));
  const auto bad_id = http.post(
      "/api/v1/reservations", {{"concertId", "not-a-uuid"}, {"seatNumber", 1}, {"token", a.queue}});
  EXPECT_TRUE(bad_id.status == 400 || bad_id.status == 404) << bad_id.describe();
  EXPECT_TRUE(seat_available(http, concert, 1));
}

TEST_P(Reservations, LapsedHoldFreesTheSeat) {
  ServerProcess server(on_store({.hold_ttl = 1}));
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 1000);
  auto b = ready_fan(server, http);
  const auto concert = create_concert(http, 1, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  EXPECT_FALSE(seat_available(http, concert, 1));
  EXPECT_TRUE(is_problem(hold(http, concert, 1, b.queue), 409, "SEAT_UNAVAILABLE"));
  std::this_thread::sleep_for(1500ms);
  EXPECT_TRUE(seat_available(http, concert, 1));
  const auto g = get_reservation(http, rid, a.access);
  ASSERT_TRUE(has_status(g, 200));
  EXPECT_EQ(g.str("status"), "EXPIRED");
  EXPECT_TRUE(is_problem(pay(http, rid, 1000, a.queue), 409, "HOLD_EXPIRED"));
  EXPECT_EQ(balance(http, a), 1000);
  const auto rb = hold(http, concert, 1, b.queue);
  ASSERT_TRUE(has_status(rb, 201));
  EXPECT_FALSE(seat_available(http, concert, 1));
  // A's lapsed reservation stays EXPIRED even though the seat is held again.
  EXPECT_EQ(get_reservation(http, rid, a.access).str("status"), "EXPIRED");
}

TEST_P(Reservations, CancelReleasesTheSeat) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 1000);
  auto b = ready_fan(server, http);
  const auto concert = create_concert(http, 1, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  const auto d = http.del("/api/v1/reservations/" + rid, a.access);
  ASSERT_TRUE(has_status(d, 200));
  EXPECT_EQ(d.str("status"), "CANCELLED");
  EXPECT_TRUE(seat_available(http, concert, 1));
  EXPECT_EQ(get_reservation(http, rid, a.access).str("status"), "CANCELLED");
  EXPECT_TRUE(is_problem(pay(http, rid, 1000, a.queue), 409, "HOLD_EXPIRED"));
  EXPECT_EQ(balance(http, a), 1000);
  EXPECT_TRUE(is_problem(http.del("/api/v1/reservations/" + rid, a.access), 409, "HOLD_EXPIRED"));
  EXPECT_TRUE(has_status(hold(http, concert, 1, b.queue), 201));
}

TEST_P(Reservations, CancelOfPaidReservationIsAlreadyPaid) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 1000);
  const auto concert = create_concert(http, 1, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  ASSERT_TRUE(has_status(pay(http, rid, 1000, a.queue), 201));
  EXPECT_TRUE(is_problem(http.del("/api/v1/reservations/" + rid, a.access), 409, "ALREADY_PAID"));
  EXPECT_EQ(get_reservation(http, rid, a.access).str("status"), "CONFIRMED");
  EXPECT_FALSE(seat_available(http, concert, 1));
}

TEST_P(Reservations, SomeoneElsesReservationIsForbidden) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  auto b = ready_fan(server, http);
  const auto concert = create_concert(http, 1, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  EXPECT_TRUE(is_problem(get_reservation(http, rid, b.access), 403, "FORBIDDEN"));
  EXPECT_TRUE(is_problem(get_reservation(http, rid, b.queue), 403, "FORBIDDEN"));
  EXPECT_TRUE(is_problem(http.del("/api/v1/reservations/" + rid, b.access), 403, "FORBIDDEN"));
  EXPECT_EQ(get_reservation(http, rid, a.access).str("status"), "HELD");
  EXPECT_FALSE(seat_available(http, concert, 1));
}

TEST_P(Reservations, UnknownReservationIs404) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  EXPECT_TRUE(is_problem(get_reservation(http, fresh_uuid(), a.access), 404, {}));
  EXPECT_TRUE(is_problem(http.del("/api/v1/reservations/" + fresh_uuid(), a.access), 404, {}));
  const auto bad = get_reservation(http, "not-a-uuid", a.access);
  EXPECT_TRUE(bad.status == 400 || bad.status == 404) << bad.describe();
}

std::string reservations_path(const Account& a) {
  return "/api/v1/users/" + a.id + "/reservations";
}

TEST_P(Reservations, UserListsOwnReservationsNewestFirstWithTheirConcerts) {
  ServerProcess server(on_store({.hold_ttl = 3}));
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 2000);
  auto b = ready_fan(server, http);
  const auto spring = create_concert(http, 2, 1500, "2099-03-01", "Spring Gala");
  const auto winter = create_concert(http, 2, 2000, "2099-12-01", "Winter Gala");
  const auto lapsing = hold_ok(http, spring, 1, a.queue);
  // Creation times are milliseconds: two holds within one have no "newer" between them.
  std::this_thread::sleep_for(2ms);
  const auto paid = hold_ok(http, winter, 2, a.queue);
  ASSERT_TRUE(has_status(pay(http, paid, 2000, a.queue), 201));
  (void)hold_ok(http, spring, 2, b.queue);

  const auto listed = http.get(reservations_path(a), a.access);
  ASSERT_TRUE(has_status(listed, 200));
  ASSERT_EQ(listed.array().size(), 2U) << listed.describe();
  const auto& newest = listed.array()[0].as_object();
  EXPECT_EQ(newest.at("reservationId").as_string(), paid);
  EXPECT_EQ(newest.at("concertId").as_string(), winter);
  EXPECT_EQ(newest.at("concertName").as_string(), "Winter Gala");
  EXPECT_EQ(newest.at("date").as_string(), "2099-12-01");
  EXPECT_EQ(newest.at("seatNumber").as_int64(), 2);
  EXPECT_EQ(newest.at("status").as_string(), "CONFIRMED");
  EXPECT_EQ(newest.at("price").as_int64(), 2000);
  EXPECT_EQ(newest.at("expiresAt").as_string(),
            get_reservation(http, paid, a.access).str("expiresAt"));
  const auto& oldest = listed.array()[1].as_object();
  EXPECT_EQ(oldest.at("reservationId").as_string(), lapsing);
  EXPECT_EQ(oldest.at("concertName").as_string(), "Spring Gala");
  EXPECT_EQ(oldest.at("date").as_string(), "2099-03-01");
  EXPECT_EQ(oldest.at("status").as_string(), "HELD");

  // Once the hold lapses the list reads EXPIRED, as the single read does.
  EXPECT_TRUE(eventually(
      [&] { return get_reservation(http, lapsing, a.access).str("status") == "EXPIRED"; }, 10s));
  const auto later = http.get(reservations_path(a), a.access);
  ASSERT_TRUE(has_status(later, 200));
  ASSERT_EQ(later.array().size(), 2U) << later.describe();
  EXPECT_EQ(later.array()[1].as_object().at("status").as_string(), "EXPIRED");
}

TEST_P(Reservations, ListIsOnlyForTheUsersOwnAccessToken) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http);
  const auto b = make_account(server.port());
  const auto concert = create_concert(http, 1, 1000);
  (void)hold_ok(http, concert, 1, a.queue);
  EXPECT_TRUE(is_problem(http.get(reservations_path(a), b.access), 403, "FORBIDDEN"));
  EXPECT_TRUE(is_problem(http.get(reservations_path(a), a.queue), 401, "INVALID_TOKEN"));
  EXPECT_TRUE(is_problem(http.get(reservations_path(a)), 401, "INVALID_TOKEN"));
  EXPECT_TRUE(
      is_problem(http.get("/api/v1/users/not-a-uuid/reservations", a.access), 403, "FORBIDDEN"));
  const auto none = http.get(reservations_path(b), b.access);
  ASSERT_TRUE(has_status(none, 200));
  EXPECT_TRUE(none.array().empty()) << none.describe();
}

// Admin

const Headers& admin_key() {
  static const Headers headers{{"X-Admin-Key", std::string(kAdminKey)}};
  return headers;
}

TEST_P(Admin, SalesReportCountsSeatsSoldHeldHoldsAndRevenueByDate) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 5000);
  auto b = ready_fan(server, http);
  const auto later = create_concert(http, 3, 1500, "2099-09-01", "Later Gala");
  const auto sooner = create_concert(http, 2, 2000, "2099-03-01", "Sooner Gala");
  const auto paid = hold_ok(http, later, 1, a.queue);
  (void)hold_ok(http, later, 2, a.queue);
  ASSERT_TRUE(has_status(pay(http, paid, 1500, a.queue), 201));
  const auto cancelled = hold_ok(http, sooner, 1, b.queue);
  ASSERT_TRUE(has_status(http.del("/api/v1/reservations/" + cancelled, b.access), 200));

  const auto r = http.get("/api/v1/admin/sales", {}, admin_key());
  ASSERT_TRUE(has_status(r, 200));
  ASSERT_EQ(r.array().size(), 2U) << r.describe();
  const auto& first = r.array()[0].as_object();
  EXPECT_EQ(first.at("concertId").as_string(), sooner);
  EXPECT_EQ(first.at("concertName").as_string(), "Sooner Gala");
  EXPECT_EQ(first.at("date").as_string(), "2099-03-01");
  EXPECT_EQ(first.at("seatCount").as_int64(), 2);
  EXPECT_EQ(first.at("sold").as_int64(), 0);
  EXPECT_EQ(first.at("held").as_int64(), 0);
  EXPECT_EQ(first.at("holdsTotal").as_int64(), 1);
  EXPECT_EQ(first.at("revenue").as_int64(), 0);
  const auto& second = r.array()[1].as_object();
  EXPECT_EQ(second.at("concertId").as_string(), later);
  EXPECT_EQ(second.at("seatCount").as_int64(), 3);
  EXPECT_EQ(second.at("sold").as_int64(), 1);
  EXPECT_EQ(second.at("held").as_int64(), 1);
  EXPECT_EQ(second.at("holdsTotal").as_int64(), 2);
  EXPECT_EQ(second.at("revenue").as_int64(), 1500);
}

TEST_P(Admin, SalesReportRequiresTheKey) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  EXPECT_TRUE(is_problem(http.get("/api/v1/admin/sales"), 403, "FORBIDDEN"));
  EXPECT_TRUE(is_problem(http.get("/api/v1/admin/sales", {}, {{"X-Admin-Key", "wrong"}}), 403,
                         "FORBIDDEN"));
}

Response patch_queue(HttpClient& http, const json::value& body,
                     const Headers& headers = admin_key()) {
  return http.send(verb::patch, "/api/v1/admin/queue", json::serialize(body), "application/json",
                   headers);
}

TEST_P(Admin, QueueSettingsStartAtTheFlagsAndPatchChangesThem) {
  ServerProcess server(on_store({.max_active = 500, .admit_rate = 50}));
  HttpClient http(server.port());
  auto a = make_account(server.port());
  join_queue(http, a);
  wait_active(http, a.queue);
  const auto before = http.get("/api/v1/admin/queue", {}, admin_key());
  ASSERT_TRUE(has_status(before, 200));
  EXPECT_EQ(before.json,
            json::parse(R"({"paused":false,"admitRate":50,"maxActive":500,)"
                        R"("waiting":0,"active":1,"admittedTotal":1,"admission":"fixed",)"
                        R"("currentAdmitRate":50})"))
      << before.describe();

  const auto rate = patch_queue(http, {{"admitRate", 20}});
  ASSERT_TRUE(has_status(rate, 200));
  EXPECT_EQ(rate.json, json::parse(R"({"paused":false,"admitRate":20,"maxActive":500,)"
                                   R"("waiting":0,"active":1,"admittedTotal":1,)"
                                   R"("admission":"fixed","currentAdmitRate":20})"))
      << rate.describe();
  const auto both = patch_queue(http, {{"paused", true}, {"maxActive", 7}});
  ASSERT_TRUE(has_status(both, 200));
  EXPECT_EQ(both.json, json::parse(R"({"paused":true,"admitRate":20,"maxActive":7,)"
                                   R"("waiting":0,"active":1,"admittedTotal":1,)"
                                   R"("admission":"fixed","currentAdmitRate":20})"))
      << both.describe();
  EXPECT_EQ(http.get("/api/v1/admin/queue", {}, admin_key()).json, both.json);
  // One audit line per change, without the key.
  const auto log = server.log();
  EXPECT_NE(log.find(R"("event":"audit","action":"queue_update")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("paused":true,"admitRate":20,"maxActive":7)"), std::string::npos) << log;
  EXPECT_EQ(log.find(kAdminKey), std::string::npos);
}

TEST_P(Admin, QueuePatchRejectsEmptyMistypedAndOutOfRangeValues) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto before = http.get("/api/v1/admin/queue", {}, admin_key());
  ASSERT_TRUE(has_status(before, 200));
  for (const auto& body :
       {R"({})", R"({"admitRate":0})", R"({"admitRate":1000001})", R"({"admitRate":"5"})",
        R"({"admitRate":1.5})", R"({"maxActive":0})", R"({"maxActive":10000001})",
        R"({"maxActive":-3})", R"({"paused":"yes"})", R"({"paused":1})",
        R"({"paused":true,"admitRate":0})", R"([true])", R"(paused)"}) {
    const auto r =
        http.send(verb::patch, "/api/v1/admin/queue", body, "application/json", admin_key());
    EXPECT_TRUE(is_problem(r, 400, "BAD_REQUEST")) << body;
  }
  EXPECT_EQ(http.get("/api/v1/admin/queue", {}, admin_key()).json, before.json);
  EXPECT_TRUE(is_problem(http.get("/api/v1/admin/queue"), 403, "FORBIDDEN"));
  EXPECT_TRUE(is_problem(patch_queue(http, {{"paused", true}}, {{"X-Admin-Key", "wrong"}}), 403,
                         "FORBIDDEN"));
  EXPECT_FALSE(http.get("/api/v1/admin/queue", {}, admin_key()).json.at("paused").as_bool());
}

TEST_P(Admin, PausedQueueKeepsFansWaitingInOrderAndResumeAdmitsThemFirstComeFirstServed) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  ASSERT_TRUE(has_status(patch_queue(http, {{"paused", true}, {"maxActive", 1}}), 200));
  std::vector<Account> fans;
  for (int i = 0; i < 3; ++i) fans.push_back(make_account(server.port()));
  for (auto& fan : fans) {
    const auto r = http.post("/api/v1/tokens", {{"userId", fan.id}}, fan.access);
    ASSERT_TRUE(has_status(r, 201));
    EXPECT_TRUE(r.object().at("paused").as_bool()) << r.describe();
    fan.queue = r.str("token");
  }
  // Several admission rounds (every 100 ms) pass: nobody is admitted or loses their place.
  const auto deadline = std::chrono::steady_clock::now() + 600ms;
  while (std::chrono::steady_clock::now() < deadline) {
    for (std::size_t i = 0; i < fans.size(); ++i) {
      const auto r = queue_status(http, fans[i].queue);
      ASSERT_TRUE(has_status(r, 200));
      EXPECT_EQ(r.str("status"), "WAITING") << r.describe();
      EXPECT_EQ(r.integer("queuePosition"), static_cast<std::int64_t>(i) + 1) << r.describe();
      EXPECT_TRUE(r.object().at("paused").as_bool()) << r.describe();
    }
  }
  ASSERT_TRUE(has_status(patch_queue(http, {{"paused", false}}), 200));
  wait_active(http, fans[0].queue);
  for (std::size_t i = 1; i < fans.size(); ++i) {
    const auto r = queue_status(http, fans[i].queue);
    EXPECT_EQ(r.str("status"), "WAITING") << r.describe();
    EXPECT_EQ(r.integer("queuePosition"), static_cast<std::int64_t>(i)) << r.describe();
    EXPECT_FALSE(r.object().at("paused").as_bool()) << r.describe();
  }
  ASSERT_TRUE(has_status(patch_queue(http, {{"maxActive", 3}}), 200));
  wait_active(http, fans[1].queue);
  wait_active(http, fans[2].queue);
}

TEST_P(Admin, QueueSettingsSurviveARestart) {
  ServerProcess server(on_store({.max_active = 500}));
  {
    HttpClient http(server.port());
    ASSERT_TRUE(has_status(patch_queue(http, {{"paused", true}, {"admitRate", 42}}), 200));
  }
  server.restart();
  HttpClient http(server.port());
  const auto r = http.get("/api/v1/admin/queue", {}, admin_key());
  ASSERT_TRUE(has_status(r, 200));
  EXPECT_TRUE(r.object().at("paused").as_bool()) << r.describe();
  EXPECT_EQ(r.integer("admitRate"), 42);
  EXPECT_EQ(r.integer("maxActive"), 500);  // never changed: still the flag's
}

// Balance

TEST_P(Balance, ChargeReturnsNewBalance) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  EXPECT_EQ(balance(http, a), 0);
  const auto r = http.post(balance_path(a), {{"userId", a.id}, {"amount", 100}}, a.access);
  ASSERT_TRUE(has_status(r, 200));
  EXPECT_EQ(r.integer("newBalance"), 100);
  EXPECT_EQ(charge(http, a, 250), 350);
  EXPECT_EQ(charge(http, a, 1), 351);
  EXPECT_EQ(charge(http, a, 10'000'000), 10'000'351);
}

TEST_P(Balance, ReadableByQueryBodyOrPath) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  charge(http, a, 4321);
  const auto by_query = http.get("/api/v1/balances?userId=" + a.id, a.access);
  ASSERT_TRUE(has_status(by_query, 200));
  EXPECT_EQ(by_query.integer("currentBalance"), 4321);
  const auto by_body =
      http.send(verb::get, "/api/v1/balances", json::serialize(json::object{{"userId", a.id}}),
                "application/json", {{"Authorization", "Bearer " + a.access}});
  ASSERT_TRUE(has_status(by_body, 200));
  EXPECT_EQ(by_body.integer("currentBalance"), 4321);
  const auto by_path = http.get(balance_path(a), a.access);
  ASSERT_TRUE(has_status(by_path, 200));
  EXPECT_EQ(by_path.integer("currentBalance"), 4321);
}

TEST_P(Balance, InvalidAmountIsRejected) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  const std::vector<json::value> amounts = {0, -1, 10'000'001, 1.5, "100"};
  for (const auto& amount : amounts) {
    EXPECT_TRUE(
        is_problem(http.post(balance_path(a), {{"userId", a.id}, {"amount", amount}}, a.access),
                   400, "INVALID_AMOUNT"))
        << json::serialize(amount);
  }
  EXPECT_EQ(balance(http, a), 0);
  EXPECT_TRUE(is_problem(http.post(balance_path(a), {{"userId", a.id}}, a.access), 400, {}));
}

TEST_P(Balance, AnotherUsersBalanceIsForbidden) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto accounts = make_accounts(server.port(), 2);
  const auto& a = accounts[0];
  const auto& b = accounts[1];
  EXPECT_TRUE(is_problem(http.post(balance_path(b), {{"userId", b.id}, {"amount", 100}}, a.access),
                         403, "FORBIDDEN"));
  EXPECT_TRUE(is_problem(http.get(balance_path(b), a.access), 403, "FORBIDDEN"));
  EXPECT_TRUE(is_problem(http.get("/api/v1/balances?userId=" + b.id, a.access), 403, "FORBIDDEN"));
  EXPECT_EQ(balance(http, b), 0);
  EXPECT_EQ(balance(http, a), 0);
}

TEST_P(Balance, RetryWithSameKeyChargesOnce) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  const Headers key{{"Idempotency-Key", "charge-key-1"}};
  const json::value body = {{"userId", a.id}, {"amount", 500}};
  const auto first = http.post(balance_path(a), body, a.access, key);
  ASSERT_TRUE(has_status(first, 200));
  EXPECT_EQ(first.integer("newBalance"), 500);
  const auto retry = http.post(balance_path(a), body, a.access, key);
  ASSERT_TRUE(has_status(retry, 200));
  EXPECT_EQ(retry.integer("newBalance"), 500);
  EXPECT_EQ(balance(http, a), 500);
  // A later charge, then the old retry again: still the first answer.
  EXPECT_EQ(charge(http, a, 1), 501);
  EXPECT_EQ(http.post(balance_path(a), body, a.access, key).integer("newBalance"), 500);
  EXPECT_EQ(balance(http, a), 501);

  EXPECT_TRUE(
      is_problem(http.post(balance_path(a), {{"userId", a.id}, {"amount", 600}}, a.access, key),
                 422, "IDEMPOTENCY_KEY_REUSED"));
  EXPECT_EQ(balance(http, a), 501);
  const auto other_key =
      http.post(balance_path(a), body, a.access, {{"Idempotency-Key", "charge-key-2"}});
  ASSERT_TRUE(has_status(other_key, 200));
  EXPECT_EQ(other_key.integer("newBalance"), 1001);
  Db db(server.database());
  EXPECT_EQ(
      db.scalar("SELECT count(*) FROM ledger WHERE user_id = ?1 AND kind = 'CHARGE'", {uuid(a.id)}),
      3);
}

// Payments

TEST_P(Payments, PaymentConfirmsTheReservation) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 5000);
  const auto concert = create_concert(http, 2, 3000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  const auto r = pay(http, rid, 3000, a.queue);
  ASSERT_TRUE(has_status(r, 201));
  EXPECT_TRUE(is_uuid(r.str("paymentId"))) << r.describe();
  EXPECT_EQ(r.str("status"), "success");
  EXPECT_EQ(balance(http, a), 2000);
  EXPECT_EQ(get_reservation(http, rid, a.access).str("status"), "CONFIRMED");
  EXPECT_FALSE(seat_available(http, concert, 1));
  EXPECT_EQ(queue_status(http, a.queue).str("status"), "EXPIRED");

  Db db(server.database());
  EXPECT_EQ(db.scalar("SELECT amount FROM payments WHERE id = ?1", {uuid(r.str("paymentId"))}),
            3000);
  EXPECT_EQ(
      db.scalar("SELECT count(*) FROM seats WHERE state = 'SOLD' AND holder = ?1", {uuid(a.id)}),
      1);
  expect_invariants(server.database());
}

TEST_P(Payments, PaymentAcceptsQueueTokenAsBearer) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 1000);
  const auto concert = create_concert(http, 1, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  EXPECT_TRUE(has_status(
      http.post("/api/v1/payments", {{"reservationId", rid}, {"amount", 1000}}, a.queue), 201));
  EXPECT_EQ(balance(http, a), 0);
}

TEST_P(Payments, AmountMismatchChangesNothing) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 5000);
  const auto concert = create_concert(http, 1, 3000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  EXPECT_TRUE(is_problem(pay(http, rid, 2999, a.queue), 400, "AMOUNT_MISMATCH"));
  EXPECT_TRUE(is_problem(pay(http, rid, 3001, a.queue), 400, "AMOUNT_MISMATCH"));
  EXPECT_EQ(balance(http, a), 5000);
  EXPECT_EQ(get_reservation(http, rid, a.access).str("status"), "HELD");
  EXPECT_EQ(queue_status(http, a.queue).str("status"), "ACTIVE");
  EXPECT_TRUE(has_status(pay(http, rid, 3000, a.queue), 201));
}

TEST_P(Payments, InsufficientBalanceChangesNothing) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 2999);
  const auto concert = create_concert(http, 1, 3000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  EXPECT_TRUE(is_problem(pay(http, rid, 3000, a.queue), 402, "INSUFFICIENT_BALANCE"));
  EXPECT_EQ(balance(http, a), 2999);
  EXPECT_EQ(get_reservation(http, rid, a.access).str("status"), "HELD");
  EXPECT_FALSE(seat_available(http, concert, 1));
  EXPECT_EQ(queue_status(http, a.queue).str("status"), "ACTIVE");
  charge(http, a, 1);
  EXPECT_TRUE(has_status(pay(http, rid, 3000, a.queue), 201));
  EXPECT_EQ(balance(http, a), 0);
}

TEST_P(Payments, SomeoneElsesReservationIsForbidden) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 1000);
  auto b = ready_fan(server, http, 1000);
  const auto concert = create_concert(http, 1, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  EXPECT_TRUE(is_problem(pay(http, rid, 1000, b.queue), 403, "FORBIDDEN"));
  EXPECT_EQ(balance(http, a), 1000);
  EXPECT_EQ(balance(http, b), 1000);
  EXPECT_EQ(get_reservation(http, rid, a.access).str("status"), "HELD");
}

TEST_P(Payments, SecondPaymentIsAlreadyPaid) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 5000);
  const auto concert = create_concert(http, 1, 2000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  ASSERT_TRUE(has_status(pay(http, rid, 2000, a.queue), 201));
  EXPECT_TRUE(is_problem(pay(http, rid, 2000, a.queue), 409, "ALREADY_PAID"));
  EXPECT_EQ(balance(http, a), 3000);
}

TEST_P(Payments, LapsedHoldIsHoldExpired) {
  ServerProcess server(on_store({.hold_ttl = 1}));
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 1000);
  const auto concert = create_concert(http, 1, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  std::this_thread::sleep_for(1500ms);
  EXPECT_TRUE(is_problem(pay(http, rid, 1000, a.queue), 409, "HOLD_EXPIRED"));
  EXPECT_EQ(balance(http, a), 1000);
  EXPECT_TRUE(seat_available(http, concert, 1));
}

TEST_P(Payments, RetryWithSameKeyReturnsTheSamePayment) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 5000);
  const auto concert = create_concert(http, 2, 2000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  const auto first = pay(http, rid, 2000, a.queue, "pay-key-1");
  ASSERT_TRUE(has_status(first, 201));
  const auto retry = pay(http, rid, 2000, a.queue, "pay-key-1");
  ASSERT_TRUE(has_status(retry, 201));
  EXPECT_EQ(retry.str("paymentId"), first.str("paymentId"));
  EXPECT_EQ(retry.str("status"), "success");
  EXPECT_EQ(balance(http, a), 3000);
  EXPECT_TRUE(
      is_problem(pay(http, rid, 1999, a.queue, "pay-key-1"), 422, "IDEMPOTENCY_KEY_REUSED"));
  EXPECT_EQ(balance(http, a), 3000);
  Db db(server.database());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM payments WHERE user_id = ?1", {uuid(a.id)}), 1);
}

TEST_P(Payments, InvalidTokenIsRejected) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 1000);
  const auto concert = create_concert(http, 1, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  EXPECT_TRUE(is_problem(pay(http, rid, 1000, "garbage"), 401, "INVALID_TOKEN"));
  EXPECT_TRUE(is_problem(pay(http, rid, 1000, a.access), 401, "INVALID_TOKEN"));
  EXPECT_EQ(balance(http, a), 1000);
}

TEST_P(Payments, UnknownReservationIs404) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 1000);
  EXPECT_TRUE(is_problem(pay(http, fresh_uuid(), 1000, a.queue), 404, {}));
  EXPECT_EQ(balance(http, a), 1000);
}

TEST_P(Payments, MalformedPaymentIs400) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 1000);
  const auto concert = create_concert(http, 1, 1000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  EXPECT_TRUE(is_problem(
      http.post("/api/v1/payments", {{"reservationId", rid}, {"token", a.queue}}), 400, {}));
  EXPECT_TRUE(
      is_problem(http.post("/api/v1/payments",
                           {{"reservationId", rid}, {"amount", "1000"}, {"token", a.queue}}),
                 400, {}));
  EXPECT_TRUE(
      is_problem(http.post("/api/v1/payments", {{"amount", 1000}, {"token", a.queue}}), 400, {}));
  EXPECT_EQ(balance(http, a), 1000);
  EXPECT_EQ(get_reservation(http, rid, a.access).str("status"), "HELD");
}

// HTTP protocol and operations

TEST_P(Protocol, HealthAndReadinessAre200) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  EXPECT_TRUE(has_status(http.get("/healthz"), 200));
  EXPECT_TRUE(has_status(http.get("/readyz"), 200));
}

TEST_P(Protocol, UnknownRouteIs404) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  EXPECT_TRUE(is_problem(http.get("/api/v1/nope"), 404, {}));
  EXPECT_TRUE(is_problem(http.get("/no-such-page"), 404, {}));
  EXPECT_TRUE(is_problem(http.post("/api/v1/concerts/x/y/z", json::object{}), 404, {}));
}

TEST_P(Protocol, WrongMethodIs405) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  EXPECT_TRUE(
      is_problem(http.send(verb::put, "/api/v1/concerts", "{}", "application/json"), 405, {}));
  EXPECT_TRUE(is_problem(http.del("/api/v1/users"), 405, {}));
  EXPECT_TRUE(is_problem(http.get("/api/v1/payments"), 405, {}));
  EXPECT_TRUE(is_problem(http.post("/healthz", json::object{}), 405, {}));
}

TEST_P(Protocol, BodyOver64KiBIs413) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const std::string big = R"({"username":"big","password":")" + std::string(70 * 1024, 'x') + "\"}";
  const auto r = http.send(verb::post, "/api/v1/users", big, "application/json");
  EXPECT_TRUE(is_problem(r, 413, {}));
  // The server is fine afterwards.
  HttpClient again(server.port());
  EXPECT_TRUE(has_status(again.get("/healthz"), 200));
}

TEST_P(Protocol, MalformedJsonIs400) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  const Headers auth{{"Authorization", "Bearer " + a.access}};
  EXPECT_TRUE(is_problem(http.send(verb::post, "/api/v1/users", "{", "application/json"), 400, {}));
  EXPECT_TRUE(is_problem(
      http.send(verb::post, "/api/v1/auth/login", "not json at all", "application/json"), 400, {}));
  EXPECT_TRUE(is_problem(http.send(verb::post, balance_path(a), R"({"userId":"x","amount":})",
                                   "application/json", auth),
                         400, {}));
  EXPECT_TRUE(is_problem(http.send(verb::post, "/api/v1/tokens", "[1,2", "application/json", auth),
                         400, {}));
  EXPECT_TRUE(
      is_problem(http.send(verb::post, "/api/v1/reservations", "", "application/json"), 400, {}));
  EXPECT_TRUE(
      is_problem(http.send(verb::post, "/api/v1/payments", "{}}", "application/json"), 400, {}));
  EXPECT_EQ(balance(http, a), 0);
}

TEST_P(Protocol, KeepAliveServesManyRequestsOnOneConnection) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  for (int i = 0; i < 20; ++i) {
    const auto r = http.get(i % 2 == 0 ? "/healthz" : "/api/v1/concerts");
    ASSERT_TRUE(has_status(r, 200));
    EXPECT_TRUE(r.keep_alive);
  }
  // Errors keep the connection too.
  EXPECT_TRUE(is_problem(http.get("/api/v1/nope"), 404, {}));
  EXPECT_TRUE(has_status(http.get("/healthz"), 200));
  EXPECT_EQ(http.connections_opened(), 1);
}

TEST_P(Protocol, PipelinedRequestsAreAnsweredInOrder) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const std::string login = R"({"username":"nobody_here","password":"whatever-pass"})";
  http.send_raw(
      "GET /api/v1/concerts HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(login.size()) + "\r\n\r\n" + login +
      "GET /api/v1/nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const auto first = http.read_response();
  const auto second = http.read_response();
  const auto third = http.read_response();
  EXPECT_TRUE(has_status(first, 200));
  EXPECT_TRUE(first.json.is_array()) << first.describe();
  EXPECT_TRUE(is_problem(second, 401, "BAD_CREDENTIALS"));
  EXPECT_TRUE(is_problem(third, 404, {}));
  EXPECT_EQ(http.connections_opened(), 1);
}

// The program: flags, exit codes, signals, restarts

TEST(CommandLine, HelpListsEveryFlag) {
  const auto r = run_concertd({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto text = r.out + r.err;
  for (const char* flag :
       {"--listen", "--database", "--jwt-secret", "--admin-key", "--hold-ttl", "--active-ttl",
        "--max-active", "--admit-rate", "--threads", "--demo", "--help"}) {
    EXPECT_NE(text.find(flag), std::string::npos) << flag << " missing from:\n" << text;
  }
}

// Each bad command line: exit code 2, a one-line error on stderr, and no listening.
void expect_usage_error(std::vector<std::string> args) {
  const auto port = pick_free_port();
  const bool has_listen = std::find(args.begin(), args.end(), "--listen") != args.end();
  if (!has_listen) {
    args.insert(args.begin(), {"--listen", "127.0.0.1:" + std::to_string(port)});
  }
  std::string shown;
  for (const auto& a : args) shown += a + " ";
  const auto r = run_concertd(args, 10s);
  EXPECT_EQ(r.exit_code, 2) << shown << "\nstderr: " << r.err;
  EXPECT_TRUE(has_line_count(r.err, 1)) << shown << "\nstderr: [" << r.err << "]";
  EXPECT_FALSE(port_accepts(port)) << shown;
}

TEST(CommandLine, UnknownFlagIsUsageError) {
  expect_usage_error({"--bogus"});
  expect_usage_error({"extra-positional"});
}

TEST(CommandLine, BadNumberIsUsageError) {
  expect_usage_error({"--hold-ttl", "abc"});
  expect_usage_error({"--max-active", "-1"});
  expect_usage_error({"--threads", "1.5"});
  expect_usage_error({"--admit-rate", "99999999999999999999999"});
  expect_usage_error({"--listen", "127.0.0.1:99999"});
}

TEST(CommandLine, MissingValueIsUsageError) { expect_usage_error({"--hold-ttl"}); }

TEST(CommandLine, UnusableDatabaseIsUsageError) {
  // Nothing listens on port 1: refused at once, so the error comes before any listening.
  expect_usage_error({"--database", "mysql://u:s3cret-pw@127.0.0.1:1/db"});
  expect_usage_error({"--database", "mysql://u:s3cret-pw@127.0.0.1:99999/db"});
  const auto r = run_concertd({"--listen", "127.0.0.1:" + std::to_string(pick_free_port()),
                               "--database", "mysql://u:s3cret-pw@127.0.0.1:1/db"},
                              10s);
  EXPECT_EQ(r.err.find("s3cret-pw"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mysql://u:***@127.0.0.1:1/db"), std::string::npos) << r.err;
  expect_usage_error({"--database", "sqlite:/nonexistent-dir/x.db"});
  expect_usage_error({"--database", "postgres://localhost/db"});
}

// A server that spaces AUTO_INCREMENT values (as Galera's wsrep_auto_increment_control does
// by the cluster size) would space queue numbers, and a position is the distance between
// two numbers: concertd refuses to start on it, and says which settings to change.
TEST(CommandLine, ServerThatSpacesQueueNumbersIsRefused) {
  std::string why;
  if (!mysql_available(why)) GTEST_SKIP() << why;
  const MariadbTestServer spaced({}, "127.0.0.1", "--auto-increment-increment=3");
  const auto port = pick_free_port();
  const auto r = run_concertd(
      {"--listen", "127.0.0.1:" + std::to_string(port), "--database", spaced.dsn()}, 30s);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has_line_count(r.err, 1)) << r.err;
  EXPECT_NE(r.err.find("auto_increment_increment is 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("wsrep_auto_increment_control=OFF"), std::string::npos) << r.err;
  EXPECT_FALSE(port_accepts(port));
}

TEST_P(Lifecycle, SigtermExitsZeroAndStopsListening) {
  ServerProcess server(on_store());
  const auto port = server.port();
  ASSERT_TRUE(port_accepts(port));
  server.stop();  // expects exit code 0
  EXPECT_FALSE(port_accepts(port));
}

TEST_P(Lifecycle, RestartKeepsAccountsBalancesAndConcerts) {
  ServerProcess server(on_store());
  std::string concert;
  Account a;
  {
    HttpClient http(server.port());
    a = ready_fan(server, http, 7000);
    concert = create_concert(http, 3, 2000);
    const auto rid = hold_ok(http, concert, 1, a.queue);
    ASSERT_TRUE(has_status(pay(http, rid, 2000, a.queue), 201));
  }
  server.restart();
  HttpClient http(server.port());
  EXPECT_EQ(balance(http, a), 5000);  // the old access token still verifies (same secret)
  EXPECT_TRUE(has_status(
      http.post("/api/v1/auth/login", {{"username", a.username}, {"password", a.password}}), 200));
  EXPECT_FALSE(seat_available(http, concert, 1));
  EXPECT_TRUE(seat_available(http, concert, 2));
  server.stop();
  expect_invariants(server.database());
}

}  // namespace
}  // namespace concertd::test
