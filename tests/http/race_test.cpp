// Races through real threads and sockets: requests released together by a latch, then
// exact outcome counts through the API and the contract's §4 invariants in the database.

#include <atomic>
#include <exception>
#include <latch>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/support.hpp"

namespace concertd::test {
namespace {

// Admits every account: all join first (in parallel with the admission timer), then wait.
void admit_all(HttpClient& http, std::vector<Account>& accounts) {
  for (auto& a : accounts) join_queue(http, a);
  for (auto& a : accounts) wait_active(http, a.queue);
}

std::map<std::string, int> tally(const std::vector<Response>& responses) {
  std::map<std::string, int> counts;
  for (const auto& r : responses) ++counts[std::to_string(r.status) + " " + r.code()];
  return counts;
}

std::string show(const std::map<std::string, int>& counts) {
  std::string s;
  for (const auto& [k, v] : counts) s += "[" + k + "] x" + std::to_string(v) + " ";
  return s;
}

// Every race runs against a concertd on SQLite and on MariaDB.
class Races : public OnEveryStore {};

CONCERTD_ON_EVERY_STORE(Races);

// (a) Many fans, one seat, one moment: exactly one hold.
TEST_P(Races, OneSeatManyFansExactlyOneHold) {
  constexpr std::size_t kFans = 40;
  ServerProcess server(on_store({.max_active = 1000, .threads = 4}));
  HttpClient http(server.port());
  auto fans = make_accounts(server.port(), kFans, 8);
  admit_all(http, fans);
  const auto concert = create_concert(http, 3, 1000);
  auto clients = connected_clients(server.port(), kFans);

  std::set<std::string> winners;
  // Three rounds, one per seat, so that a lucky schedule cannot hide a race.
  for (std::int64_t seat = 1; seat <= 3; ++seat) {
    std::vector<Response> responses(kFans);
    run_together(kFans, [&](std::size_t i) {
      responses[i] = hold(*clients[i], concert, seat, fans[i].queue);
    });
    int created = 0;
    for (std::size_t i = 0; i < kFans; ++i) {
      if (responses[i].status == 201) {
        ++created;
        winners.insert(responses[i].str("reservationId"));
        EXPECT_EQ(
            get_reservation(http, responses[i].str("reservationId"), fans[i].access).str("status"),
            "HELD");
      } else {
        EXPECT_TRUE(is_problem(responses[i], 409, "SEAT_UNAVAILABLE")) << "fan " << i;
      }
    }
    EXPECT_EQ(created, 1) << "seat " << seat << ": " << show(tally(responses));
    const auto seats = seat_map(http, concert);
    for (const auto& [number, available] : seats) {
      EXPECT_EQ(available, number > seat) << "seat " << number << " after round " << seat;
    }
  }

  Db db(server.database());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM seats WHERE state = 'HELD'"), 3);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM reservations WHERE status = 'HELD'"), 3);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM reservations"), 3);
  EXPECT_EQ(winners.size(), 3U);
  for (const auto& rid : winners) {
    EXPECT_EQ(db.scalar("SELECT count(*) FROM seats s JOIN reservations r ON r.id = "
                        "s.reservation_id WHERE r.id = ?1 AND s.state = 'HELD' AND s.holder = "
                        "r.user_id",
                        {uuid(rid)}),
              1);
  }
  server.stop();
  expect_invariants(server.database());
}

// One fan, eight seats at once: the hold limit of 4 holds under concurrency too.
TEST_P(Races, ConcurrentHoldsRespectHoldLimit) {
  constexpr std::size_t kSeats = 8;
  ServerProcess server(on_store({.threads = 4}));
  HttpClient http(server.port());
  auto a = make_account(server.port());
  admit(http, a);
  const auto concert = create_concert(http, kSeats, 1000);
  auto clients = connected_clients(server.port(), kSeats);
  std::vector<Response> responses(kSeats);
  run_together(kSeats, [&](std::size_t i) {
    responses[i] = hold(*clients[i], concert, static_cast<std::int64_t>(i) + 1, a.queue);
  });
  int created = 0;
  for (const auto& r : responses) {
    if (r.status == 201) {
      ++created;
    } else {
      EXPECT_TRUE(is_problem(r, 409, "HOLD_LIMIT"));
    }
  }
  EXPECT_EQ(created, 4) << show(tally(responses));
  Db db(server.database());
  EXPECT_EQ(
      db.scalar("SELECT count(*) FROM seats WHERE state = 'HELD' AND holder = ?1", {uuid(a.id)}),
      4);
  server.stop();
  expect_invariants(server.database());
}

// (b) 300 charges from 30 threads to one user: every one counts, exactly once.
TEST_P(Races, ConcurrentChargesAllCount) {
  constexpr std::size_t kThreads = 30;
  constexpr std::int64_t kPerThread = 10;
  ServerProcess server(on_store({.threads = 4}));
  const auto a = make_account(server.port());
  auto clients = connected_clients(server.port(), kThreads);
  std::vector<std::vector<Response>> responses(kThreads);
  std::int64_t expected = 0;
  for (std::size_t t = 0; t < kThreads; ++t) {
    for (std::int64_t i = 0; i < kPerThread; ++i)
      expected += 1 + static_cast<std::int64_t>(t) * 37 + i;
  }
  run_together(kThreads, [&](std::size_t t) {
    for (std::int64_t i = 0; i < kPerThread; ++i) {
      const std::int64_t amount = 1 + static_cast<std::int64_t>(t) * 37 + i;
      responses[t].push_back(clients[t]->post("/api/v1/users/" + a.id + "/balance",
                                              {{"userId", a.id}, {"amount", amount}}, a.access));
    }
  });
  std::set<std::int64_t> new_balances;
  for (const auto& per_thread : responses) {
    for (const auto& r : per_thread) {
      ASSERT_TRUE(has_status(r, 200));
      new_balances.insert(r.integer("newBalance"));
    }
  }
  // Serial equivalence: every charge saw a different running balance, the last the total.
  EXPECT_EQ(new_balances.size(), kThreads * static_cast<std::size_t>(kPerThread));
  EXPECT_EQ(*new_balances.rbegin(), expected);
  HttpClient http(server.port());
  EXPECT_EQ(balance(http, a), expected);
  Db db(server.database());
  EXPECT_EQ(
      db.scalar("SELECT count(*) FROM ledger WHERE user_id = ?1 AND kind = 'CHARGE'", {uuid(a.id)}),
      static_cast<std::int64_t>(kThreads) * kPerThread);
  EXPECT_EQ(db.scalar("SELECT sum(amount) FROM ledger WHERE user_id = ?1", {uuid(a.id)}), expected);
  server.stop();
  expect_invariants(server.database());
}

// (c) A fan with 5000 won pays for four 2000-won seats at once (four is the hold limit,
// so four distinct reservations is the most one user can race). Three such fans race at
// the same time: 12 payments in flight. Per fan exactly two succeed and two get
// INSUFFICIENT_BALANCE; the balance ends at 1000, never below 0.
TEST_P(Races, ConcurrentPaymentsNeverOverdraw) {
  constexpr std::size_t kFans = 3;
  constexpr std::size_t kHolds = 4;
  ServerProcess server(on_store({.threads = 4}));
  HttpClient http(server.port());
  auto fans = make_accounts(server.port(), kFans);
  const auto concert = create_concert(http, kFans * kHolds, 2000);
  std::vector<std::string> reservations;  // index f * kHolds + h
  std::int64_t seat = 1;
  for (auto& f : fans) {
    charge(http, f, 5000);
    admit(http, f);
    for (std::size_t h = 0; h < kHolds; ++h)
      reservations.push_back(hold_ok(http, concert, seat++, f.queue));
  }
  const std::size_t n = kFans * kHolds;
  auto clients = connected_clients(server.port(), n);
  std::vector<Response> responses(n);
  run_together(n, [&](std::size_t i) {
    responses[i] = pay(*clients[i], reservations[i], 2000, fans[i / kHolds].queue);
  });
  for (std::size_t f = 0; f < kFans; ++f) {
    int paid = 0;
    for (std::size_t h = 0; h < kHolds; ++h) {
      const auto& r = responses[f * kHolds + h];
      if (r.status == 201) {
        ++paid;
        EXPECT_EQ(get_reservation(http, reservations[f * kHolds + h], fans[f].access).str("status"),
                  "CONFIRMED");
      } else {
        EXPECT_TRUE(is_problem(r, 402, "INSUFFICIENT_BALANCE")) << "fan " << f << " hold " << h;
        EXPECT_EQ(get_reservation(http, reservations[f * kHolds + h], fans[f].access).str("status"),
                  "HELD");
      }
    }
    EXPECT_EQ(paid, 2) << "fan " << f << ": " << show(tally(responses));
    EXPECT_EQ(balance(http, fans[f]), 1000);
  }
  Db db(server.database());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM payments"), static_cast<std::int64_t>(kFans) * 2);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM ledger WHERE kind = 'PAYMENT'"),
            static_cast<std::int64_t>(kFans) * 2);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM seats WHERE state = 'SOLD'"),
            static_cast<std::int64_t>(kFans) * 2);
  server.stop();
  expect_invariants(server.database());
}

enum class Keys { kNone, kDistinct, kSame };

// (d) Five payments of one reservation at once: one payment, one debit.
void race_payments_of_one_reservation(Keys keys, const ServerOptions& options) {
  constexpr std::size_t kRacers = 5;
  ServerProcess server(options);
  HttpClient http(server.port());
  auto a = make_account(server.port());
  charge(http, a, 5000);
  admit(http, a);
  const auto concert = create_concert(http, 1, 2000);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  auto clients = connected_clients(server.port(), kRacers);
  std::vector<Response> responses(kRacers);
  run_together(kRacers, [&](std::size_t i) {
    const std::string key = keys == Keys::kNone       ? std::string()
                            : keys == Keys::kDistinct ? "race-key-" + std::to_string(i)
                                                      : std::string("race-key");
    responses[i] = pay(*clients[i], rid, 2000, a.queue, key);
  });
  std::set<std::string> payment_ids;
  int created = 0;
  for (const auto& r : responses) {
    if (r.status == 201) {
      ++created;
      payment_ids.insert(r.str("paymentId"));
      EXPECT_EQ(r.str("status"), "success");
    } else {
      EXPECT_TRUE(is_problem(r, 409, "ALREADY_PAID"));
    }
  }
  if (keys == Keys::kSame) {
    // Replays of the first answer, or ALREADY_PAID while the first was still in flight.
    EXPECT_GE(created, 1) << show(tally(responses));
  } else {
    EXPECT_EQ(created, 1) << show(tally(responses));
  }
  EXPECT_EQ(payment_ids.size(), 1U);
  EXPECT_EQ(balance(http, a), 3000);
  EXPECT_EQ(get_reservation(http, rid, a.access).str("status"), "CONFIRMED");
  Db db(server.database());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM payments WHERE reservation_id = ?1", {uuid(rid)}), 1);
  if (!payment_ids.empty()) {
    EXPECT_EQ(
        db.scalar("SELECT count(*) FROM payments WHERE id = ?1", {uuid(*payment_ids.begin())}), 1);
  }
  EXPECT_EQ(db.scalar("SELECT count(*) FROM ledger WHERE kind = 'PAYMENT' AND user_id = ?1",
                      {uuid(a.id)}),
            1);
  server.stop();
  expect_invariants(server.database());
}

TEST_P(Races, ConcurrentPaymentsOfOneReservationWithoutKeys) {
  race_payments_of_one_reservation(Keys::kNone, on_store({.threads = 4}));
}

TEST_P(Races, ConcurrentPaymentsOfOneReservationWithDistinctKeys) {
  race_payments_of_one_reservation(Keys::kDistinct, on_store({.threads = 4}));
}

TEST_P(Races, ConcurrentPaymentsOfOneReservationWithSameKey) {
  race_payments_of_one_reservation(Keys::kSame, on_store({.threads = 4}));
}

// The same Idempotency-Key on concurrent charges: one charge, every 200 the same answer.
TEST_P(Races, ConcurrentChargesWithSameKeyChargeOnce) {
  constexpr std::size_t kRacers = 8;
  ServerProcess server(on_store({.threads = 4}));
  const auto a = make_account(server.port());
  auto clients = connected_clients(server.port(), kRacers);
  std::vector<Response> responses(kRacers);
  run_together(kRacers, [&](std::size_t i) {
    responses[i] =
        clients[i]->post("/api/v1/users/" + a.id + "/balance", {{"userId", a.id}, {"amount", 777}},
                         a.access, {{"Idempotency-Key", "same-charge"}});
  });
  int ok = 0;
  for (const auto& r : responses) {
    if (r.status == 200) {
      ++ok;
      EXPECT_EQ(r.integer("newBalance"), 777);
    } else {
      ADD_FAILURE() << "unexpected " << r.describe();
    }
  }
  EXPECT_EQ(ok, static_cast<int>(kRacers));
  HttpClient http(server.port());
  EXPECT_EQ(balance(http, a), 777);
  server.stop();
  expect_invariants(server.database());
}

TEST_P(Races, ConcurrentSignUpsWithOneNameCreateOneUser) {
  constexpr std::size_t kRacers = 8;
  ServerProcess server(on_store({.threads = 4}));
  auto clients = connected_clients(server.port(), kRacers);
  const auto name = unique_username("dup");
  std::vector<Response> responses(kRacers);
  run_together(kRacers, [&](std::size_t i) {
    responses[i] = clients[i]->post(
        "/api/v1/users", {{"username", name}, {"password", "password-" + std::to_string(i)}});
  });
  int created = 0;
  for (const auto& r : responses) {
    if (r.status == 201) {
      ++created;
    } else {
      EXPECT_TRUE(is_problem(r, 409, "USERNAME_TAKEN"));
    }
  }
  EXPECT_EQ(created, 1) << show(tally(responses));
  server.stop();
  Db db(server.database());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM users"), 1);
}

TEST_P(Races, ConcurrentQueueJoinsOfOneUserMakeOneEntry) {
  constexpr std::size_t kRacers = 10;
  ServerProcess server(on_store({.threads = 4}));
  auto a = make_account(server.port());
  auto clients = connected_clients(server.port(), kRacers);
  std::vector<Response> responses(kRacers);
  run_together(kRacers, [&](std::size_t i) {
    responses[i] = clients[i]->post("/api/v1/tokens", {{"userId", a.id}}, a.access);
  });
  int created = 0;
  for (const auto& r : responses) {
    if (r.status == 201) {
      ++created;
    } else {
      EXPECT_TRUE(has_status(r, 200));
    }
  }
  EXPECT_EQ(created, 1) << show(tally(responses));
  server.stop();
  Db db(server.database());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM queue_entries WHERE user_id = ?1", {uuid(a.id)}), 1);
}

}  // namespace
}  // namespace concertd::test
