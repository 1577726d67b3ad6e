// Contract §4.3: every 2xx charge or payment survives `kill -9` of the server right after
// the response. Threads drive charges and payments, the server is killed mid-load, then
// restarted on the same database and every acknowledged request is looked for. On SQLite
// and on MariaDB (which keeps running: only concertd dies).

#include <atomic>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "http/support.hpp"

namespace concertd::test {
namespace {

struct AckedCharge {
  std::int64_t amount = 0;  // unique per user
  std::string key;
  std::int64_t new_balance = 0;
};

struct AckedPayment {
  std::string reservation;
  std::string payment;
  std::string key;
  std::int64_t seat = 0;
};

constexpr std::size_t kChargers = 3;
constexpr std::size_t kPayers = 2;
constexpr std::int64_t kSeats = 3000;
constexpr std::int64_t kPrice = 100;

// Charges `a` until the server goes away; amounts are unique so each can be found.
void charge_until_failure(std::uint16_t port, const Account& a, std::size_t thread,
                          std::vector<AckedCharge>& acked) {
  HttpClient http(port, 3s);
  for (std::int64_t i = 1;; ++i) {
    AckedCharge c;
    c.amount = i;
    c.key = "crash-charge-" + std::to_string(thread) + "-" + std::to_string(i);
    Response r;
    try {
      r = http.post("/api/v1/users/" + a.id + "/balance", {{"userId", a.id}, {"amount", c.amount}},
                    a.access, {{"Idempotency-Key", c.key}});
    } catch (const std::exception&) {
      return;  // the server was killed
    }
    if (r.status != 200) throw std::runtime_error("charge: " + r.describe());
    c.new_balance = r.integer("newBalance");
    acked.push_back(std::move(c));
  }
}

// Joins the queue, holds up to four seats, pays for them; again, until the server goes away.
void pay_until_failure(std::uint16_t port, Account a, const std::string& concert,
                       std::atomic<std::int64_t>& next_seat, std::vector<AckedPayment>& acked) {
  HttpClient http(port, 3s);
  try {
    for (int round = 0;; ++round) {
      join_queue(http, a);
      wait_active(http, a.queue, 5s);
      std::vector<std::pair<std::string, std::int64_t>> held;
      for (int h = 0; h < 4; ++h) {
        const std::int64_t seat = next_seat++;
        if (seat > kSeats) return;
        const auto r = hold(http, concert, seat, a.queue);
        if (r.status != 201) throw std::runtime_error("hold: " + r.describe());
        held.emplace_back(r.str("reservationId"), seat);
      }
      for (const auto& [reservation, seat] : held) {
        const auto key = "crash-pay-" + reservation;
        const auto r = pay(http, reservation, kPrice, a.queue, key);
        if (r.status != 201) throw std::runtime_error("pay: " + r.describe());
        acked.push_back({reservation, r.str("paymentId"), key, seat});
      }
    }
  } catch (const std::runtime_error& e) {
    // A network error means the server was killed; a wrong answer is a failure, but only
    // while the server was up (a reply cut short by the kill is neither).
    const std::string what = e.what();
    if (what.starts_with("hold: ") || what.starts_with("pay: ")) throw;
  }
}

class Crash : public OnEveryStore {};

CONCERTD_ON_EVERY_STORE(Crash);

TEST_P(Crash, AcknowledgedChargesAndPaymentsSurviveKill9) {
  ServerProcess server(on_store({.hold_ttl = 120, .threads = 4}));
  HttpClient setup(server.port());
  auto accounts = make_accounts(server.port(), kChargers + kPayers);
  const auto concert = create_concert(setup, kSeats, kPrice);
  for (std::size_t p = 0; p < kPayers; ++p) charge(setup, accounts[kChargers + p], 10'000'000);
  setup.close();

  std::vector<std::vector<AckedCharge>> charges(kChargers);
  std::vector<std::vector<AckedPayment>> payments(kPayers);
  std::vector<std::exception_ptr> errors(kChargers + kPayers);
  std::atomic<std::int64_t> next_seat{1};
  std::vector<std::thread> threads;
  const auto port = server.port();
  for (std::size_t t = 0; t < kChargers; ++t) {
    threads.emplace_back([&, t] {
      try {
        charge_until_failure(port, accounts[t], t, charges[t]);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (std::size_t p = 0; p < kPayers; ++p) {
    threads.emplace_back([&, p] {
      try {
        pay_until_failure(port, accounts[kChargers + p], concert, next_seat, payments[p]);
      } catch (...) {
        errors[kChargers + p] = std::current_exception();
      }
    });
  }
  std::this_thread::sleep_for(1200ms);
  server.kill9();
  for (auto& t : threads) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  std::size_t charge_count = 0;
  std::size_t payment_count = 0;
  for (const auto& c : charges) charge_count += c.size();
  for (const auto& p : payments) payment_count += p.size();
  std::cout << "acknowledged before kill -9: " << charge_count << " charges, " << payment_count
            << " payments\n";
  ASSERT_GE(charge_count, 30U) << "too little load to prove anything";
  ASSERT_GE(payment_count, 4U) << "too little load to prove anything";

  server.restart();
  HttpClient http(server.port());
  {
    Db db(server.database());
    for (std::size_t t = 0; t < kChargers; ++t) {
      const auto& a = accounts[t];
      for (const auto& c : charges[t]) {
        EXPECT_EQ(db.scalar("SELECT count(*) FROM ledger WHERE user_id = ?1 AND kind = 'CHARGE' "
                            "AND amount = ?2",
                            {uuid(a.id), c.amount}),
                  1)
            << "acknowledged charge of " << c.amount << " (key " << c.key << ") lost";
      }
    }
    for (std::size_t p = 0; p < kPayers; ++p) {
      const auto& a = accounts[kChargers + p];
      for (const auto& pm : payments[p]) {
        EXPECT_EQ(db.scalar("SELECT count(*) FROM payments WHERE id = ?1 AND reservation_id = ?2 "
                            "AND user_id = ?3 AND amount = ?4",
                            {uuid(pm.payment), uuid(pm.reservation), uuid(a.id), kPrice}),
                  1)
            << "acknowledged payment " << pm.payment << " lost";
        EXPECT_EQ(db.scalar("SELECT count(*) FROM seats WHERE concert_id = ?1 AND seat_number = "
                            "?2 AND state = 'SOLD' AND holder = ?3",
                            {uuid(concert), pm.seat, uuid(a.id)}),
                  1)
            << "seat " << pm.seat << " of acknowledged payment " << pm.payment << " not SOLD";
      }
    }
  }
  // Idempotency keys are as durable as what they guard: each retry returns the first
  // answer and changes nothing.
  for (std::size_t t = 0; t < kChargers; ++t) {
    const auto& a = accounts[t];
    const auto before = balance(http, a);
    for (std::size_t i = 0; i < charges[t].size(); i += 5) {
      const auto& c = charges[t][i];
      const auto r =
          http.post("/api/v1/users/" + a.id + "/balance", {{"userId", a.id}, {"amount", c.amount}},
                    a.access, {{"Idempotency-Key", c.key}});
      ASSERT_TRUE(has_status(r, 200));
      EXPECT_EQ(r.integer("newBalance"), c.new_balance) << "key " << c.key;
    }
    EXPECT_EQ(balance(http, a), before);
  }
  for (std::size_t p = 0; p < kPayers; ++p) {
    auto& a = accounts[kChargers + p];
    const auto before = balance(http, a);
    join_queue(http, a);
    for (const auto& pm : payments[p]) {
      EXPECT_EQ(get_reservation(http, pm.reservation, a.access).str("status"), "CONFIRMED");
      const auto r = pay(http, pm.reservation, kPrice, a.queue, pm.key);
      ASSERT_TRUE(has_status(r, 201));
      EXPECT_EQ(r.str("paymentId"), pm.payment);
    }
    EXPECT_EQ(balance(http, a), before);
  }
  server.stop();
  expect_invariants(server.database());
}

}  // namespace
}  // namespace concertd::test
