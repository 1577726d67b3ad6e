// Contract §4.3 under repeated crashes: threads drive charges, holds, cancellations and
// payments, concertd is killed with SIGKILL mid-load, restarted on the same database, and
// every request that was answered 2xx is looked for; 20 rounds in a row, with the §4
// invariants checked after each. On SQLite and on MariaDB (which keeps running: only
// concertd dies).

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/support.hpp"

namespace concertd::test {
namespace {

constexpr int kRounds = 20;
constexpr std::size_t kChargers = 3;
constexpr std::size_t kBuyers = 8;  // over kBuyerThreads threads
constexpr std::size_t kBuyerThreads = 2;
constexpr std::size_t kSlowBuyers = 3;  // on one thread
constexpr std::size_t kBrowsers = 4;    // on one thread
constexpr std::int64_t kSeats = 10'000;
constexpr std::int64_t kPrice = 100;
constexpr std::int64_t kHoldLimit = 4;

// An answer the server should not have given (as opposed to no answer: it was killed).
class WrongAnswer final : public std::runtime_error {
 public:
  WrongAnswer(std::string_view what, const Response& r)
      : std::runtime_error(std::string(what) + ": " + r.describe()) {}
};

struct AckedCharge {
  std::int64_t amount = 0;  // unique per user
  std::string key;
  std::int64_t new_balance = 0;
};

struct AckedHold {
  enum class Cancel { kNone, kSent, kAcknowledged };
  std::string reservation;
  std::int64_t seat = 0;
  Cancel cancel = Cancel::kNone;

  // Whether the reservation may be in `status` after a crash: a hold survives as HELD (or
  // CONFIRMED, once paid) unless its cancellation was sent, and an acknowledged
  // cancellation survives too.
  [[nodiscard]] bool allows(std::string_view status) const {
    switch (cancel) {
      case Cancel::kNone:
        return status == "HELD" || status == "CONFIRMED";
      case Cancel::kSent:
        return status == "HELD" || status == "CANCELLED";
      case Cancel::kAcknowledged:
        return status == "CANCELLED";
    }
    return false;
  }
};

struct AckedPayment {
  std::string reservation;
  std::string payment;
  std::string key;
  std::int64_t seat = 0;
};

// A user charging its balance, and what was acknowledged to it over every round.
struct Charger {
  Account account;
  std::int64_t next_amount = 1;  // never reused: an unanswered charge may have committed
  std::vector<AckedCharge> acked;
};

// A fan holding seats (and paying for them, or releasing them), and what was acknowledged.
struct Fan {
  Account account;
  bool queued = false;  // holds a queue token for a live (WAITING or ACTIVE) entry
  std::vector<AckedHold> holds;
  std::vector<AckedPayment> payments;
};

// What the drivers have had acknowledged so far, as they go (the vectors of Charger and Fan
// are theirs until the round ends).
struct Progress {
  std::atomic<std::size_t> charges{0};
  std::atomic<std::size_t> holds{0};
};

// Charges unique amounts until the server goes away.
void charge_until_killed(std::uint16_t port, Charger& c, std::size_t index, Progress& progress) {
  HttpClient http(port, 3s);
  for (;;) {
    AckedCharge charge;
    charge.amount = c.next_amount++;
    charge.key = "crash-charge-" + std::to_string(index) + "-" + std::to_string(charge.amount);
    const auto& a = c.account;
    const auto r = http.post("/api/v1/users/" + a.id + "/balance",
                             {{"userId", a.id}, {"amount", charge.amount}}, a.access,
                             {{"Idempotency-Key", charge.key}});
    if (r.status != 200) throw WrongAnswer("charge", r);
    charge.new_balance = r.integer("newBalance");
    c.acked.push_back(std::move(charge));
    ++progress.charges;
  }
}

// The user's reservations that are HELD now, newest first: {reservationId, seat}.
std::vector<std::pair<std::string, std::int64_t>> held_now(HttpClient& http, const Account& a) {
  const auto r = http.get("/api/v1/users/" + a.id + "/reservations", a.access);
  if (r.status != 200) throw WrongAnswer("list reservations", r);
  std::vector<std::pair<std::string, std::int64_t>> held;
  for (const auto& v : r.array()) {
    const auto& o = v.as_object();
    if (o.at("status").as_string() == "HELD") {
      held.emplace_back(std::string(o.at("reservationId").as_string()),
                        o.at("seatNumber").to_number<std::int64_t>());
    }
  }
  return held;
}

// One pass for `fan`: when its queue entry is ACTIVE, tops its holds up to the limit; then
// pays for up to `most` of the seats it holds, oldest first (those a kill left unpaid,
// acknowledged or not, included). A payment ends the entry, so the fan queues again next
// time. Returns whether it was ACTIVE, and how many it paid.
std::pair<bool, std::size_t> pay_pass(HttpClient& http, Fan& fan, const std::string& concert,
                                      std::atomic<std::int64_t>& next_seat, std::size_t most,
                                      Progress& progress) {
  auto& a = fan.account;
  if (!fan.queued) {
    join_queue(http, a);
    fan.queued = true;
  }
  const auto queue = queue_status(http, a.queue);
  if (queue.status != 200) throw WrongAnswer("queue status", queue);
  const bool active = queue.str("status") == "ACTIVE";
  if (queue.str("status") == "EXPIRED") fan.queued = false;  // a payment the kill cut short
  auto held = held_now(http, a);
  while (active && std::ssize(held) < kHoldLimit && next_seat <= kSeats) {
    const std::int64_t seat = next_seat++;
    const auto r = hold(http, concert, seat, a.queue);
    if (r.status != 201) throw WrongAnswer("hold", r);
    fan.holds.push_back({r.str("reservationId"), seat});
    ++progress.holds;
    held.emplace(held.begin(), fan.holds.back().reservation, seat);
  }
  std::size_t paid = 0;
  for (auto it = held.rbegin(); it != held.rend() && paid < most; ++it, ++paid) {
    const auto& [reservation, seat] = *it;
    const auto key = "crash-pay-" + reservation;
    const auto r = pay(http, reservation, kPrice, a.queue, key);
    if (r.status != 201) throw WrongAnswer("pay", r);
    fan.payments.push_back({reservation, r.str("paymentId"), key, seat});
    fan.queued = false;
  }
  return {active, paid};
}

// Until the server goes away: passes over `buyers` in turn, from where the last round
// stopped (`next`), each paying for all it holds. On MariaDB fans are admitted again only
// once a restarted node holds the admitter lease, which the killed node's keeps for 3 s:
// these payments come in bursts there.
void buy_until_killed(std::uint16_t port, std::span<Fan> buyers, std::size_t& next,
                      const std::string& concert, std::atomic<std::int64_t>& next_seat,
                      Progress& progress) {
  HttpClient http(port, 3s);
  for (;;) {
    bool any_active = false;
    for (std::size_t n = 0; n < buyers.size(); ++n) {
      any_active =
          pay_pass(http, buyers[next], concert, next_seat, SIZE_MAX, progress).first || any_active;
      next = (next + 1) % buyers.size();
    }
    if (!any_active) std::this_thread::sleep_for(50ms);
  }
}

// Until the server goes away: keeps `fans` holding what they may and pays for one seat of
// theirs per round (a call), so that payments go on in every round on MariaDB too, from the
// holds they made while admitted.
void pay_one_until_killed(std::uint16_t port, std::span<Fan> fans, const std::string& concert,
                          std::atomic<std::int64_t>& next_seat, Progress& progress) {
  HttpClient http(port, 3s);
  std::size_t paid = 0;
  for (;;) {
    for (auto& fan : fans) {
      paid += pay_pass(http, fan, concert, next_seat, 1 - paid, progress).second;
    }
    std::this_thread::sleep_for(20ms);
  }
}

// Until the server goes away: each fan in turn releases its oldest seat once it holds the
// most it may, and holds that seat again (or a new one). They never pay, so their entries,
// ACTIVE since the start, stay ACTIVE: on MariaDB a restarted node admits nobody until the
// killed node's admitter lease lapses (3 s), and these holds go on meanwhile.
void browse_until_killed(std::uint16_t port, std::span<Fan> fans, std::size_t& next,
                         const std::string& concert, std::atomic<std::int64_t>& next_seat,
                         Progress& progress) {
  HttpClient http(port, 3s);
  for (;; next = (next + 1) % fans.size()) {
    auto& f = fans[next];
    const auto& a = f.account;
    const auto held = held_now(http, a);
    std::int64_t seat = 0;
    if (std::ssize(held) < kHoldLimit) {
      seat = next_seat++;
    } else {
      const auto& [reservation, held_seat] = held.back();  // the oldest
      const auto acked = std::find_if(f.holds.begin(), f.holds.end(), [&](const AckedHold& h) {
        return h.reservation == reservation;
      });
      if (acked != f.holds.end()) acked->cancel = AckedHold::Cancel::kSent;
      const auto r = http.del("/api/v1/reservations/" + reservation, a.access);
      if (r.status != 200) throw WrongAnswer("cancel", r);
      if (acked != f.holds.end()) acked->cancel = AckedHold::Cancel::kAcknowledged;
      seat = held_seat;
    }
    const auto r = hold(http, concert, seat, a.queue);
    if (r.status != 201) throw WrongAnswer("hold", r);
    f.holds.push_back({r.str("reservationId"), seat});
    ++progress.holds;
  }
}

// A thread that drives load on the server at `port` until the server goes away.
using Driver = std::function<void(std::uint16_t port)>;

// Runs every driver on a thread of its own for `load` and then until `progressed()`, then
// kills the server. A wrong answer fails the test; any other exception is the kill (a
// request cut short is neither).
void load_then_kill9(ServerProcess& server, const std::vector<Driver>& drivers,
                     std::chrono::milliseconds load, const std::function<bool()>& progressed) {
  std::atomic<bool> killed{false};
  std::vector<std::exception_ptr> errors(drivers.size());
  std::vector<std::thread> threads;
  const auto port = server.port();
  for (std::size_t i = 0; i < drivers.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        drivers[i](port);
      } catch (const WrongAnswer&) {
        errors[i] = std::current_exception();
      } catch (...) {
        if (!killed) errors[i] = std::current_exception();
      }
    });
  }
  std::this_thread::sleep_for(load);
  // Past `load`, until the round made progress (or 30 s, for the round's checks to fail).
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!progressed() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  killed = true;
  server.kill9();
  for (auto& t : threads) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// How many of each were acknowledged.
struct Counts {
  std::size_t charges = 0;
  std::size_t holds = 0;
  std::size_t cancels = 0;
  std::size_t payments = 0;

  void add(const Fan& f) {
    holds += f.holds.size();
    for (const auto& h : f.holds) cancels += h.cancel == AckedHold::Cancel::kAcknowledged ? 1U : 0U;
    payments += f.payments.size();
  }
};

// Every charge, hold and payment acknowledged so far is in the database; returns how many
// are not.
std::size_t expect_acknowledged_present(Db& db, const std::vector<Charger>& chargers,
                                        const std::vector<Fan>& fans, const std::string& concert) {
  std::size_t lost = 0;
  const auto lose = [&lost](bool present) {
    lost += present ? 0U : 1U;
    return present;
  };
  for (const auto& c : chargers) {
    const auto in_ledger = charges_in_ledger(db, c.account);
    for (const auto& charge : c.acked) {
      EXPECT_TRUE(lose(in_ledger.contains(charge.amount)))
          << "acknowledged charge of " << charge.amount << " (key " << charge.key << ") lost";
    }
  }
  const auto concert_hex = uuid_hex(concert);
  for (const auto& f : fans) {
    const auto user = uuid(f.account.id);
    // reservation -> {"concert seat", status}
    std::map<std::string, std::pair<std::string, std::string>> reservations;
    for (const auto& row :
         db.rows("SELECT id, concert_id, seat_number, status FROM reservations WHERE user_id = ?",
                 {user})) {
      reservations[row[0]] = {row[1] + " " + row[2], row[3]};
    }
    for (const auto& h : f.holds) {
      const auto it = reservations.find(uuid_hex(h.reservation));
      EXPECT_TRUE(lose(it != reservations.end() &&
                       it->second.first == concert_hex + " " + std::to_string(h.seat) &&
                       h.allows(it->second.second)))
          << "acknowledged hold " << h.reservation << " of seat " << h.seat << " lost: "
          << (it == reservations.end() ? "no such reservation"
                                       : it->second.first + " " + it->second.second);
    }
    // payment -> "reservation amount seat state of the seat sold to the payer"
    std::map<std::string, std::string> payments;
    for (const auto& row :
         db.rows("SELECT p.id, p.reservation_id, p.amount, r.seat_number, s.state FROM payments p "
                 "JOIN reservations r ON r.id = p.reservation_id LEFT JOIN seats s ON "
                 "s.concert_id = r.concert_id AND s.seat_number = r.seat_number AND "
                 "s.holder = p.user_id AND s.reservation_id = r.id WHERE p.user_id = ?",
                 {user})) {
      payments[row[0]] = row[1] + " " + row[2] + " " + row[3] + " " + row[4];
    }
    for (const auto& pm : f.payments) {
      const auto it = payments.find(uuid_hex(pm.payment));
      const auto expected = uuid_hex(pm.reservation) + " " + std::to_string(kPrice) + " " +
                            std::to_string(pm.seat) + " SOLD";
      EXPECT_TRUE(lose(it != payments.end() && it->second == expected))
          << "acknowledged payment " << pm.payment << " of seat " << pm.seat
          << " lost: " << (it == payments.end() ? "no such payment" : it->second);
    }
  }
  return lost;
}

// Idempotency keys are as durable as what they guard: each retry returns the first answer
// and changes nothing.
void expect_replays_change_nothing(const ServerProcess& server,
                                   const std::vector<Charger>& chargers, std::vector<Fan>& fans) {
  HttpClient http(server.port());
  for (const auto& c : chargers) {
    const auto& a = c.account;
    const auto before = balance(http, a);
    for (std::size_t i = 0; i < c.acked.size(); i += 5) {
      const auto& charge = c.acked[i];
      const auto r = http.post("/api/v1/users/" + a.id + "/balance",
                               {{"userId", a.id}, {"amount", charge.amount}}, a.access,
                               {{"Idempotency-Key", charge.key}});
      ASSERT_TRUE(has_status(r, 200));
      EXPECT_EQ(r.integer("newBalance"), charge.new_balance) << "key " << charge.key;
    }
    EXPECT_EQ(balance(http, a), before);
  }
  for (auto& f : fans) {
    if (f.payments.empty()) continue;
    auto& a = f.account;
    const auto before = balance(http, a);
    join_queue(http, a);
    for (const auto& pm : f.payments) {
      EXPECT_EQ(get_reservation(http, pm.reservation, a.access).str("status"), "CONFIRMED");
      const auto r = pay(http, pm.reservation, kPrice, a.queue, pm.key);
      ASSERT_TRUE(has_status(r, 201));
      EXPECT_EQ(r.str("paymentId"), pm.payment);
    }
    EXPECT_EQ(balance(http, a), before);
  }
}

class Crash : public OnEveryStore {};

CONCERTD_ON_EVERY_STORE(Crash);

TEST_P(Crash, NothingAcknowledgedIsLostOverTwentyKill9Rounds) {
  ServerProcess server(on_store({.threads = 4}));
  HttpClient setup(server.port());
  const auto accounts = make_accounts(server.port(), kChargers + kBuyers + kSlowBuyers + kBrowsers);
  const auto concert = create_concert(setup, kSeats, kPrice);
  std::vector<Charger> chargers(kChargers);
  std::vector<Fan> fans(kBuyers + kSlowBuyers + kBrowsers);  // in this order
  for (std::size_t i = 0; i < kChargers; ++i) chargers[i].account = accounts[i];
  for (std::size_t i = 0; i < fans.size(); ++i) {
    fans[i].account = accounts[kChargers + i];
    charge(setup, fans[i].account, 10'000'000);
    admit(setup, fans[i].account);
    fans[i].queued = true;
  }
  setup.close();

  std::atomic<std::int64_t> next_seat{1};
  Progress progress;
  std::vector<std::size_t> next_fan(kBuyerThreads + 1, 0);
  std::vector<Driver> drivers;
  for (std::size_t i = 0; i < kChargers; ++i) {
    drivers.emplace_back([&c = chargers[i], i, &progress](std::uint16_t port) {
      charge_until_killed(port, c, i, progress);
    });
  }
  constexpr std::size_t kShare = kBuyers / kBuyerThreads;
  for (std::size_t t = 0; t < kBuyerThreads; ++t) {
    drivers.emplace_back([share = std::span(fans).subspan(t * kShare, kShare), &next = next_fan[t],
                          &concert, &next_seat, &progress](std::uint16_t port) {
      buy_until_killed(port, share, next, concert, next_seat, progress);
    });
  }
  drivers.emplace_back([slow = std::span(fans).subspan(kBuyers, kSlowBuyers), &concert, &next_seat,
                        &progress](std::uint16_t port) {
    pay_one_until_killed(port, slow, concert, next_seat, progress);
  });
  drivers.emplace_back([browsers = std::span(fans).subspan(kBuyers + kSlowBuyers),
                        &next = next_fan.back(), &concert, &next_seat,
                        &progress](std::uint16_t port) {
    browse_until_killed(port, browsers, next, concert, next_seat, progress);
  });

  const auto count = [&] {
    Counts n;
    for (const auto& c : chargers) n.charges += c.acked.size();
    for (const auto& f : fans) n.add(f);
    return n;
  };
  std::size_t lost = 0;
  int rounds_with_payments = 0;
  for (int round = 1; round <= kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const auto before = count();
    // 200..390 ms (so that the kill lands at a different point of each pass), and then until a
    // charge and a hold of this round were acknowledged: the round's first requests open fresh
    // database connections, which a busy machine slows.
    const std::size_t charges = progress.charges;
    const std::size_t holds = progress.holds;
    load_then_kill9(server, drivers, std::chrono::milliseconds(200 + (round * 67) % 200),
                    [&] { return progress.charges > charges && progress.holds > holds; });
    const auto after = count();
    EXPECT_GT(after.charges, before.charges) << "no charge acknowledged";
    EXPECT_GT(after.holds, before.holds) << "no hold acknowledged";
    if (after.payments > before.payments) ++rounds_with_payments;
    ASSERT_LE(next_seat, kSeats) << "the concert sold out: more seats";
    server.restart();
    {
      Db db(server.database());
      lost += expect_acknowledged_present(db, chargers, fans, concert);
    }
    if (round == kRounds) expect_replays_change_nothing(server, chargers, fans);
    expect_invariants(server.database());
  }

  const auto total = count();
  std::cout << kRounds << " rounds of kill -9 on " << store_name(GetParam()) << ": "
            << total.charges << " charges, " << total.holds << " holds (" << total.cancels
            << " of them cancelled), " << total.payments << " payments (in " << rounds_with_payments
            << " rounds) acknowledged, " << lost << " lost\n";
  EXPECT_GE(total.payments, 2U * kRounds) << "too little load to prove anything";
  EXPECT_GE(rounds_with_payments, kRounds / 2) << "payments in flight at too few kills";
  server.stop();
}

}  // namespace
}  // namespace concertd::test
