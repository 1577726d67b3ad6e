// Database: what write() and read() promise about transactions, whatever the store.
#include <atomic>
#include <latch>
#include <stdexcept>
#include <thread>

#include "contract/store_contract.hpp"

namespace concertd::contract {
namespace {

users::User make_user(const std::string& username) {
  return {.id = UserId::random(), .username = username, .password_hash = "h"};
}

class JobFailed final : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

TEST_P(DatabaseTransactions, ReadSeesCommittedWrites) {
  const auto user = add_user("alice");
  EXPECT_TRUE(query([&](store::Tx& tx) { return tx.users.exists(user); }));
}

TEST_P(DatabaseTransactions, WriteSeesItsOwnEarlierWrites) {
  const auto user = make_user("alice");
  EXPECT_TRUE(commit([&](store::Tx& tx) {
    if (!tx.users.insert(user)) return false;
    return tx.users.exists(user.id) && tx.ledger.credit(user.id, Won{5}, kT0) == Won{5};
  }));
}

// Determined writes (store/sql/write.hpp), which MariaDB sends with the COMMIT: a read
// after them in their transaction sees them (they are sent before it).
TEST_P(DatabaseTransactions, DeterminedWritesAreSeenByLaterReadsOfTheirTransaction) {
  const auto user = add_user();
  const auto concert = add_concert(2);
  const auto r = held_reservation(concert, 1, user, ReservationId::random(), kT0, kT0 + 5min);
  EXPECT_TRUE(applies([&](store::Tx& tx) {
    tx.reservations.hold(r, kT0);
    EXPECT_TRUE(tx.reservations.find(r.id));
  }));
  EXPECT_TRUE(query([&](store::Tx& tx) { return tx.reservations.find(r.id); }));
  EXPECT_EQ(seat_available(concert, 1, kT0 + 1s), false);
}

// One that changes other than its rows (here the second hold of a seat the first took)
// keeps the whole transaction from committing: the writes before it, deferred or not.
TEST_P(DatabaseTransactions, AFailedDeterminedWriteCommitsNothingOfItsTransaction) {
  const auto alice = add_user();
  const auto bob = add_user();
  const auto concert = add_concert(2);
  const auto first = held_reservation(concert, 1, alice, ReservationId::random(), kT0, kT0 + 5min);
  const auto second = held_reservation(concert, 1, bob, ReservationId::random(), kT0, kT0 + 5min);
  EXPECT_FALSE(applies([&](store::Tx& tx) {
    tx.settings.put("k", "v");
    tx.reservations.hold(first, kT0);
    tx.reservations.hold(second, kT0);
  }));
  query([&](store::Tx& tx) {
    EXPECT_FALSE(tx.settings.get("k"));
    EXPECT_FALSE(tx.reservations.find(first.id));
    EXPECT_FALSE(tx.reservations.find(second.id));
    return true;
  });
  EXPECT_EQ(seat_available(concert, 1, kT0), true);
  EXPECT_EQ(live_holds(alice, kT0), 0);
}

TEST_P(DatabaseTransactions, WorkReturningFalseLeavesNothing) {
  const auto user = make_user("alice");
  const auto concert = add_concert(1);
  const auto reservation = ReservationId::random();
  db().write([&](store::Tx& tx) {
    EXPECT_TRUE(tx.users.insert(user));
    tx.reservations.hold(held_reservation(concert, 1, user.id, reservation, kT0, kT0 + 5min), kT0);
    EXPECT_EQ(tx.settings.put_if_absent("k", "v"), "v");
    return false;
  });
  query([&](store::Tx& tx) {
    EXPECT_FALSE(tx.users.exists(user.id));
    EXPECT_FALSE(tx.users.find_by_username("alice"));
    EXPECT_FALSE(tx.reservations.find(reservation));
    EXPECT_FALSE(tx.settings.get("k"));
    return true;
  });
  EXPECT_EQ(seat_available(concert, 1, kT0), true);
}

TEST_P(DatabaseTransactions, ResultErrorRollsBackTheWrite) {
  const auto user = make_user("alice");
  const Result<void> out = commit([&](store::Tx& tx) -> Result<void> {
    if (!tx.users.insert(user)) return make_error(Errc::kUsernameTaken, "");
    return make_error(Errc::kInvalidArgument, "changed my mind");
  });
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::kInvalidArgument);
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.users.exists(user.id); }));
}

TEST_P(DatabaseTransactions, WorkThatThrowsLeavesNothingAndTheCallerGetsTheException) {
  const auto user = make_user("alice");
  EXPECT_THROW(db().write([&](store::Tx& tx) -> bool {
    EXPECT_TRUE(tx.users.insert(user));
    throw JobFailed("boom");
  }),
               JobFailed);
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.users.exists(user.id); }));
  // The store is still fine afterwards.
  EXPECT_NE(add_user("bob"), UserId{});
  EXPECT_TRUE(db().ready());
}

TEST_P(DatabaseTransactions, ExceptionThrownByReadWorkReachesTheCaller) {
  EXPECT_THROW(db().read([](store::Tx&) { throw JobFailed("boom"); }), JobFailed);
  EXPECT_TRUE(query([&](store::Tx& tx) { return !tx.concerts.any(); }));
}

TEST_P(DatabaseTransactions, FailedJobsAmongConcurrentWritesSpoilNoOthers) {
  constexpr int kThreads = 16;
  constexpr int kThrower = 5;
  constexpr int kQuitter = 11;
  std::vector<users::User> users;
  for (int i = 0; i < kThreads; ++i) users.push_back(make_user("fan-" + std::to_string(i)));
  std::vector<int> outcome(kThreads, -1);  // 1 committed, 0 rolled back, 2 threw JobFailed
  std::latch start(kThreads);
  std::vector<std::jthread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const auto& user = users[static_cast<std::size_t>(i)];
      start.arrive_and_wait();
      try {
        db().write([&](store::Tx& tx) {
          if (!tx.users.insert(user)) return false;
          if (!tx.ledger.credit(user.id, Won{100 + i}, kT0)) return false;
          if (i == kThrower) throw JobFailed("job " + std::to_string(i));
          return i != kQuitter;
        });
        outcome[static_cast<std::size_t>(i)] = i == kQuitter ? 0 : 1;
      } catch (const JobFailed&) {
        outcome[static_cast<std::size_t>(i)] = 2;
      }
    });
  }
  threads.clear();

  for (int i = 0; i < kThreads; ++i) {
    const auto& user = users[static_cast<std::size_t>(i)];
    const int expected = i == kThrower ? 2 : i == kQuitter ? 0 : 1;
    EXPECT_EQ(outcome[static_cast<std::size_t>(i)], expected) << "job " << i;
    const auto balance = query([&](store::Tx& tx) { return tx.ledger.balance(user.id); });
    if (expected == 1) {
      EXPECT_EQ(balance, Won{100 + i}) << "job " << i;
    } else {
      EXPECT_FALSE(balance) << "job " << i;
    }
  }
}

TEST_P(DatabaseTransactions, ConcurrentReadsSeeConsistentSnapshots) {
  // Writers move money between two users; every read must see the same total.
  const auto alice = add_user();
  const auto bob = add_user();
  ASSERT_TRUE(commit([&](store::Tx& tx) { return tx.ledger.credit(alice, Won{1000}, kT0); }));
  std::atomic<bool> done = false;
  std::atomic<int> inconsistent = 0;
  std::vector<std::jthread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      while (!done) {
        const auto total = query([&](store::Tx& tx) {
          return tx.ledger.balance(alice)->value() + tx.ledger.balance(bob)->value();
        });
        if (total != 1000) ++inconsistent;
      }
    });
  }
  {
    std::vector<std::jthread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        for (int n = 0; n < 25; ++n) {
          const bool to_bob = (n + w) % 2 == 0;
          // Alice's row first either way: one lock order, as in the services (no cycle a
          // store with row locks must break), since what is tested is what readers see. A
          // debit is made only when the balance read covers it, as a payment's gate decides.
          const auto covers = [&](store::Tx& tx, UserId user) {
            return tx.ledger.balance(user) >= Won{10};
          };
          db().write([&](store::Tx& tx) {
            if (to_bob) {
              if (!covers(tx, alice)) return false;
              tx.ledger.debit(alice, Won{10}, PaymentId::random(), kT0);
              return tx.ledger.credit(bob, Won{10}, kT0).has_value();
            }
            if (!tx.ledger.credit(alice, Won{10}, kT0) || !covers(tx, bob)) return false;
            tx.ledger.debit(bob, Won{10}, PaymentId::random(), kT0);
            return true;
          });
        }
      });
    }
  }
  done = true;
  readers.clear();
  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_EQ(query([&](store::Tx& tx) {
              return tx.ledger.balance(alice)->value() + tx.ledger.balance(bob)->value();
            }),
            1000);
}

TEST_P(DatabaseTransactions, ReadyWhenTheStoreAnswers) { EXPECT_TRUE(db().ready()); }

}  // namespace
}  // namespace concertd::contract
