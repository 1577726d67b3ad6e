// LedgerStore and IdempotencyStore: money moves only within 0..INT64_MAX, and a
// remembered answer is found by user and key until it is purged.
#include <limits>
#include <thread>

#include "contract/store_contract.hpp"

namespace concertd::contract {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

TEST_P(LedgerStore, BalanceOfUnknownUserIsEmpty) {
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.ledger.balance(UserId::random()); }));
}

TEST_P(LedgerStore, NewUserHasZeroBalance) {
  const auto user = add_user();
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.ledger.balance(user); }), Won{0});
}

TEST_P(LedgerStore, CreditAddsToTheBalanceOfThatUserOnly) {
  const auto alice = add_user();
  const auto bob = add_user();
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.ledger.credit(alice, Won{1000}, kT0); }),
            Won{1000});
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.ledger.credit(alice, Won{234}, kT0); }),
            Won{1234});
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.ledger.balance(alice); }), Won{1234});
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.ledger.balance(bob); }), Won{0});
}

TEST_P(LedgerStore, CreditUpToInt64MaxSucceedsAndBeyondFails) {
  const auto user = add_user();
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.ledger.credit(user, Won{kMax - 10}, kT0); }),
            Won{kMax - 10});
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.ledger.credit(user, Won{10}, kT0); }), Won{kMax});
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.ledger.credit(user, Won{1}, kT0); }),
            std::nullopt);
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.ledger.credit(user, Won{kMax}, kT0); }),
            std::nullopt);
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.ledger.balance(user); }), Won{kMax});
}

TEST_P(LedgerStore, CreditOfUnknownUserFails) {
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.ledger.credit(UserId::random(), Won{1}, kT0); }),
            std::nullopt);
}

TEST_P(LedgerStore, DebitWithinTheBalanceSucceedsDownToZero) {
  const auto user = add_user();
  ASSERT_TRUE(commit([&](store::Tx& tx) { return tx.ledger.credit(user, Won{5000}, kT0); }));
  EXPECT_TRUE(
      applies([&](store::Tx& tx) { tx.ledger.debit(user, Won{2000}, PaymentId::random(), kT0); }));
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.ledger.balance(user); }), Won{3000});
  EXPECT_TRUE(
      applies([&](store::Tx& tx) { tx.ledger.debit(user, Won{3000}, PaymentId::random(), kT0); }));
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.ledger.balance(user); }), Won{0});
}

TEST_P(LedgerStore, DebitOfZeroIsRecordedForAFreeSeat) {
  const auto user = add_user();
  EXPECT_TRUE(
      applies([&](store::Tx& tx) { tx.ledger.debit(user, Won{0}, PaymentId::random(), kT0); }));
}

TEST_P(LedgerStore, DebitBeyondTheBalanceFailsAndChangesNothing) {
  const auto user = add_user();
  ASSERT_TRUE(commit([&](store::Tx& tx) { return tx.ledger.credit(user, Won{1999}, kT0); }));
  // The guard refuses: the transaction commits nothing, the credit before the debit neither.
  EXPECT_FALSE(applies([&](store::Tx& tx) {
    ASSERT_TRUE(tx.ledger.credit(user, Won{1}, kT0));
    tx.ledger.debit(user, Won{2001}, PaymentId::random(), kT0);
  }));
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.ledger.balance(user); }), Won{1999});
  ASSERT_TRUE(commit([&](store::Tx& tx) { return tx.ledger.credit(user, Won{1}, kT0); }));
  // The balance covers exactly the price now.
  EXPECT_TRUE(
      applies([&](store::Tx& tx) { tx.ledger.debit(user, Won{2000}, PaymentId::random(), kT0); }));
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.ledger.balance(user); }), Won{0});
}

TEST_P(LedgerStore, DebitOfUnknownUserFails) {
  EXPECT_FALSE(applies(
      [&](store::Tx& tx) { tx.ledger.debit(UserId::random(), Won{0}, PaymentId::random(), kT0); }));
}

TEST_P(LedgerStore, ConcurrentCreditsAllCount) {
  constexpr int kThreads = 16;
  constexpr int kEach = 20;
  const auto user = add_user();
  std::vector<std::jthread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int n = 0; n < kEach; ++n) {
        (void)commit([&](store::Tx& tx) { return tx.ledger.credit(user, Won{3}, kT0); });
      }
    });
  }
  threads.clear();
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.ledger.balance(user); }),
            Won{3 * kThreads * kEach});
}

TEST_P(IdempotencyStore, UnknownKeyIsNotFound) {
  const auto user = add_user();
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.idempotency.find(user, "key-1"); }));
}

TEST_P(IdempotencyStore, RecordIsFoundByUserAndKey) {
  const auto alice = add_user();
  const auto bob = add_user();
  commit([&](store::Tx& tx) {
    tx.idempotency.insert(alice, "key-1", {.fingerprint = "charge|a|100", .outcome = "100"}, kT0);
    tx.idempotency.insert(alice, "key-2", {.fingerprint = "charge|a|200", .outcome = "300"}, kT0);
    return true;
  });
  const auto found = query([&](store::Tx& tx) { return tx.idempotency.find(alice, "key-2"); });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->fingerprint, "charge|a|200");
  EXPECT_EQ(found->outcome, "300");
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.idempotency.find(bob, "key-1"); }));
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.idempotency.find(alice, "KEY-1"); }));
}

TEST_P(IdempotencyStore, PurgeForgetsOnlyKeysRecordedBeforeTheCutoff) {
  const auto user = add_user();
  commit([&](store::Tx& tx) {
    tx.idempotency.insert(user, "old", {.fingerprint = "f", .outcome = "o"}, kT0 - 1ms);
    tx.idempotency.insert(user, "older", {.fingerprint = "f", .outcome = "o"}, kT0 - 48h);
    tx.idempotency.insert(user, "at-cutoff", {.fingerprint = "f", .outcome = "o"}, kT0);
    tx.idempotency.insert(user, "new", {.fingerprint = "f", .outcome = "o"}, kT0 + 1h);
    return true;
  });
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.idempotency.purge(kT0); }), 2u);
  const auto kept = [&](std::string_view key) {
    return query([&](store::Tx& tx) { return tx.idempotency.find(user, key).has_value(); });
  };
  EXPECT_FALSE(kept("old"));
  EXPECT_FALSE(kept("older"));
  EXPECT_TRUE(kept("at-cutoff"));
  EXPECT_TRUE(kept("new"));
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.idempotency.purge(kT0); }), 0u);
}

}  // namespace
}  // namespace concertd::contract
