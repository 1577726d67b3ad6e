// QueueStore: FIFO numbering, live entries and what the waiting room restores from.
#include <algorithm>
#include <latch>
#include <thread>
#include <utility>

#include "contract/store_contract.hpp"

namespace concertd::contract {
namespace {

using queue::QueueEntry;
using queue::QueueStatus;

std::vector<std::int64_t> numbers(const std::vector<QueueEntry>& entries) {
  std::vector<std::int64_t> out;
  for (const auto& e : entries) out.push_back(e.number);
  return out;
}

// The WAITING entries among `slots`.
std::vector<QueueEntry> waiting(const std::vector<queue::QueueSlot>& slots) {
  std::vector<QueueEntry> out;
  for (const auto& slot : slots) {
    if (slot.waiting) out.push_back(*slot.waiting);
  }
  return out;
}

TEST_P(QueueStore, EnqueueAssignsIncreasingNumbersToWaitingEntries) {
  std::vector<UserId> users;
  std::vector<QueueEntry> entries;
  for (int i = 0; i < 5; ++i) {
    users.push_back(add_user());
    entries.push_back(commit([&](store::Tx& tx) {
      return tx.queue.enqueue(users.back(), kT0 + std::chrono::seconds(i)).value().entry;
    }));
  }
  EXPECT_GT(entries.front().number, 0);
  for (std::size_t i = 1; i < entries.size(); ++i) {
    EXPECT_GT(entries[i].number, entries[i - 1].number);
  }
  EXPECT_EQ(entries[1].user, users[1]);
  EXPECT_EQ(entries[1].status, QueueStatus::kWaiting);
  EXPECT_EQ(entries[1].created_at, kT0 + 1s);
  EXPECT_FALSE(entries[1].expires_at);
}

TEST_P(QueueStore, NumbersKeepIncreasingAfterEntriesExpire) {
  const auto user = add_user();
  const auto first =
      commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0).value().entry; });
  commit([&](store::Tx& tx) {
    tx.queue.expire(first.number);
    return true;
  });
  const auto second =
      commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0).value().entry; });
  EXPECT_GT(second.number, first.number);
}

TEST_P(QueueStore, FindLiveReturnsTheWaitingOrUnexpiredActiveEntry) {
  const auto user = add_user();
  const auto none = query([&](store::Tx& tx) { return tx.queue.find_live(user, kT0); });
  EXPECT_FALSE(none);

  const auto entry =
      commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0).value().entry; });
  auto live = query([&](store::Tx& tx) { return tx.queue.find_live(user, kT0 + 1h); });
  ASSERT_TRUE(live);
  EXPECT_EQ(live->number, entry.number);
  EXPECT_EQ(live->status, QueueStatus::kWaiting);
  EXPECT_EQ(live->created_at, kT0);

  commit([&](store::Tx& tx) {
    tx.queue.activate(entry.number, entry.number, kT0 + 10min);
    return true;
  });
  live = query([&](store::Tx& tx) { return tx.queue.find_live(user, kT0 + 10min - 1ms); });
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, QueueStatus::kActive);
  EXPECT_EQ(live->expires_at, kT0 + 10min);
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.queue.find_live(user, kT0 + 10min); }));
}

TEST_P(QueueStore, FindLiveIgnoresExpiredEntriesAndOtherUsers) {
  const auto alice = add_user();
  const auto bob = add_user();
  const auto entry =
      commit([&](store::Tx& tx) { return tx.queue.enqueue(alice, kT0).value().entry; });
  commit([&](store::Tx& tx) {
    tx.queue.expire(entry.number);
    return true;
  });
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.queue.find_live(alice, kT0); }));
  (void)commit([&](store::Tx& tx) { return tx.queue.enqueue(bob, kT0).value().entry; });
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.queue.find_live(alice, kT0); }));
}

TEST_P(QueueStore, EnqueueGivesBackTheLiveEntryAndEndsALapsedOne) {
  const auto user = add_user();
  const auto first = commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0); });
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->created);
  const auto again = commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0 + 1s); });
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->entry.number, first->entry.number);
  EXPECT_EQ(again->entry.status, QueueStatus::kWaiting);

  commit([&](store::Tx& tx) {
    tx.queue.activate(first->entry.number, first->entry.number, kT0 + 10min);
    return true;
  });
  const auto active = commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0 + 2s); });
  ASSERT_TRUE(active);
  EXPECT_FALSE(active->created);
  EXPECT_EQ(active->entry.status, QueueStatus::kActive);
  EXPECT_EQ(active->entry.expires_at, kT0 + 10min);

  // Past its expiry (not yet swept) the ACTIVE entry ends, and the user goes to the back.
  const auto next = commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0 + 10min); });
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->created);
  EXPECT_GT(next->entry.number, first->entry.number);
  const auto slots = query([&](store::Tx& tx) { return tx.queue.entries_after(0, 10); });
  EXPECT_EQ(numbers(waiting(slots)), std::vector<std::int64_t>{next->entry.number});
  EXPECT_FALSE(query(
      [&](store::Tx& tx) { return tx.queue.is_active(first->entry.number, user, kT0 + 3s); }));
}

TEST_P(QueueStore, EnqueueOfNoSuchUserIsNullopt) {
  EXPECT_FALSE(commit([&](store::Tx& tx) { return tx.queue.enqueue(UserId::random(), kT0); }));
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.queue.counters(); }).last_number, 0);
}

// Two joins of one user at once, each in its own transaction: one entry, the same for both.
TEST_P(QueueStore, ConcurrentEnqueuesOfOneUserMakeOneEntry) {
  constexpr std::size_t kThreads = 8;
  const auto user = add_user();
  std::vector<std::int64_t> got(kThreads);
  std::vector<int> created(kThreads);
  {
    std::latch start(static_cast<std::ptrdiff_t>(kThreads));
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        const auto joined =
            commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0); }).value();
        got[i] = joined.entry.number;
        created[i] = joined.created ? 1 : 0;
      });
    }
  }
  EXPECT_EQ(static_cast<std::size_t>(std::count(got.begin(), got.end(), got.front())), kThreads);
  EXPECT_EQ(std::count(created.begin(), created.end(), 1), 1);
  const auto slots = query([&](store::Tx& tx) { return tx.queue.entries_after(0, 100); });
  EXPECT_EQ(numbers(waiting(slots)), std::vector<std::int64_t>{got.front()});
}

TEST_P(QueueStore, IsActiveNeedsTheRightUserAndAnUnexpiredActiveEntry) {
  const auto alice = add_user();
  const auto bob = add_user();
  const auto entry =
      commit([&](store::Tx& tx) { return tx.queue.enqueue(alice, kT0).value().entry; });
  const auto active = [&](std::int64_t number, UserId user, Timestamp now) {
    return query([&](store::Tx& tx) { return tx.queue.is_active(number, user, now); });
  };
  EXPECT_FALSE(active(entry.number, alice, kT0));
  commit([&](store::Tx& tx) {
    tx.queue.activate(entry.number, entry.number, kT0 + 10min);
    return true;
  });
  EXPECT_TRUE(active(entry.number, alice, kT0 + 10min - 1ms));
  EXPECT_FALSE(active(entry.number, alice, kT0 + 10min));
  EXPECT_FALSE(active(entry.number, bob, kT0));
  EXPECT_FALSE(active(entry.number + 1, alice, kT0));
  commit([&](store::Tx& tx) {
    tx.queue.expire(entry.number);
    return true;
  });
  EXPECT_FALSE(active(entry.number, alice, kT0));
}

TEST_P(QueueStore, EntriesAfterListsEveryNumberAfterANumberInOrder) {
  std::vector<QueueEntry> entries;
  for (int i = 0; i < 6; ++i) {
    const auto user = add_user();
    entries.push_back(
        commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0).value().entry; }));
  }
  commit([&](store::Tx& tx) {
    tx.queue.activate(entries[1].number, entries[1].number, kT0 + 10min);
    tx.queue.expire(entries[3].number);
    return true;
  });
  using Numbers = std::vector<std::int64_t>;
  const auto after = [&](std::int64_t number, std::size_t limit) {
    Numbers out;
    for (const auto& slot :
         query([&](store::Tx& tx) { return tx.queue.entries_after(number, limit); })) {
      out.push_back(slot.number);
    }
    return out;
  };
  EXPECT_EQ(after(0, 100), numbers(entries));
  EXPECT_EQ(after(entries[0].number, 2), (Numbers{entries[1].number, entries[2].number}));
  EXPECT_EQ(after(entries[4].number, 100), (Numbers{entries[5].number}));
  EXPECT_EQ(after(entries[5].number, 100), Numbers{});
  EXPECT_EQ(after(0, 0), Numbers{});
  // Only the WAITING ones carry their entry.
  const auto slots = query([&](store::Tx& tx) { return tx.queue.entries_after(0, 100); });
  EXPECT_EQ(numbers(waiting(slots)),
            (Numbers{entries[0].number, entries[2].number, entries[4].number, entries[5].number}));
  ASSERT_TRUE(slots[0].waiting);
  EXPECT_EQ(slots[0].waiting->user, entries[0].user);
  EXPECT_EQ(slots[0].waiting->status, QueueStatus::kWaiting);
}

TEST_P(QueueStore, FillGapTakesAFreeNumberWithAPlaceholderAndLeavesAnEntryAsItIs) {
  const auto user = add_user();
  const auto first =
      commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0).value().entry; });
  const auto gap = first.number + 3;
  EXPECT_TRUE(commit([&](store::Tx& tx) { return tx.queue.fill_gap(gap, kT0); }));
  EXPECT_TRUE(commit([&](store::Tx& tx) { return tx.queue.fill_gap(first.number, kT0); }));
  const auto slots = query([&](store::Tx& tx) { return tx.queue.entries_after(0, 100); });
  ASSERT_EQ(slots.size(), 2u);
  ASSERT_TRUE(slots[0].waiting);  // the entry is still there, still WAITING
  EXPECT_EQ(slots[0].waiting->user, user);
  EXPECT_EQ(slots[1].number, gap);
  EXPECT_FALSE(slots[1].waiting);
  // Nobody can be given the number, nor one below it, and it never counts as a user's.
  const auto other = add_user();
  const auto next =
      commit([&](store::Tx& tx) { return tx.queue.enqueue(other, kT0).value().entry; });
  EXPECT_GT(next.number, gap);
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.queue.find_live(other, kT0); })->number,
            next.number);
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.queue.counters(); }).last_number, next.number);
}

TEST_P(QueueStore, ActivateTurnsOnlyTheWaitingEntriesOfTheRangeActive) {
  std::vector<QueueEntry> entries;
  for (int i = 0; i < 5; ++i) {
    const auto user = add_user();
    entries.push_back(
        commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0).value().entry; }));
  }
  commit([&](store::Tx& tx) {
    tx.queue.expire(entries[2].number);  // skipped: walked away
    tx.queue.activate(entries[1].number, entries[3].number, kT0 + 10min);
    return true;
  });
  const auto is_active = [&](const QueueEntry& e) {
    return query([&](store::Tx& tx) { return tx.queue.is_active(e.number, e.user, kT0); });
  };
  EXPECT_FALSE(is_active(entries[0]));
  EXPECT_TRUE(is_active(entries[1]));
  EXPECT_FALSE(is_active(entries[2]));
  EXPECT_TRUE(is_active(entries[3]));
  EXPECT_FALSE(is_active(entries[4]));
  const auto still_waiting =
      numbers(waiting(query([&](store::Tx& tx) { return tx.queue.entries_after(0, 10); })));
  EXPECT_EQ(still_waiting, (std::vector<std::int64_t>{entries[0].number, entries[4].number}));
  const auto snapshot = query([&](store::Tx& tx) { return tx.queue.snapshot(kT0); });
  ASSERT_EQ(snapshot.active.size(), 2u);
  EXPECT_EQ(snapshot.active[0].expires_at, kT0 + 10min);
}

TEST_P(QueueStore, ExpireActiveOfEndsOnlyThatUsersActiveEntries) {
  const auto alice = add_user();
  const auto bob = add_user();
  const auto carol = add_user();
  const auto a1 = commit([&](store::Tx& tx) { return tx.queue.enqueue(alice, kT0).value().entry; });
  const auto b1 = commit([&](store::Tx& tx) { return tx.queue.enqueue(bob, kT0).value().entry; });
  commit([&](store::Tx& tx) {
    tx.queue.activate(a1.number, a1.number, kT0 + 10min);
    tx.queue.activate(b1.number, b1.number, kT0 + 10min);
    return true;
  });
  const auto c1 = commit([&](store::Tx& tx) { return tx.queue.enqueue(carol, kT0).value().entry; });
  commit([&](store::Tx& tx) {
    tx.queue.expire_active_of(alice);
    return true;
  });
  query([&](store::Tx& tx) {
    EXPECT_FALSE(tx.queue.is_active(a1.number, alice, kT0));
    EXPECT_TRUE(tx.queue.is_active(b1.number, bob, kT0));
    // The WAITING entry stays in line.
    const auto next = waiting(tx.queue.entries_after(0, 10));
    EXPECT_EQ(numbers(next), std::vector<std::int64_t>{c1.number});
    return true;
  });
}

// The change sequence behind QueueService::refresh: departures wait unnumbered until the
// admitter publishes them, each publication numbers only what is new, and a reader gets
// exactly the departures and admissions between two counters it read.
TEST_P(QueueStore, DeparturesArePublishedOnceAndReadBetweenChanges) {
  std::vector<UserId> users;
  std::vector<QueueEntry> entries;
  for (int i = 0; i < 5; ++i) {
    users.push_back(add_user());
    entries.push_back(
        commit([&](store::Tx& tx) { return tx.queue.enqueue(users.back(), kT0).value().entry; }));
  }
  commit([&](store::Tx& tx) {
    tx.queue.activate(entries[0].number, entries[3].number, kT0 + 10min);
    tx.queue.set_admitted_up_to(entries[3].number);
    return true;
  });
  const auto publish = [&](std::int64_t seq) {
    return commit([&](store::Tx& tx) {
      const auto published = tx.queue.publish_departures(seq);
      if (published > 0) tx.queue.set_change_seq(seq);
      return published;
    });
  };
  EXPECT_EQ(publish(1), 0u);  // nothing left yet
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.queue.counters(); }).change_seq, 0);

  commit([&](store::Tx& tx) {
    tx.queue.expire_active_of(users[0]);
    tx.queue.expire_active_of(users[2]);
    tx.queue.expire_active_of(users[4]);  // WAITING: not a departure
    return true;
  });
  EXPECT_EQ(publish(1), 2u);
  EXPECT_EQ(publish(2), 0u);  // each departure is published once
  commit([&](store::Tx& tx) {
    tx.queue.expire_active_of(users[1]);
    return true;
  });
  EXPECT_EQ(publish(2), 1u);

  query([&](store::Tx& tx) {
    const auto counters = tx.queue.counters();
    EXPECT_EQ(counters.change_seq, 2);
    const auto sorted = [](std::vector<std::int64_t> v) {
      std::sort(v.begin(), v.end());
      return v;
    };
    EXPECT_EQ(sorted(tx.queue.left_between(0, 2)),
              (std::vector<std::int64_t>{entries[0].number, entries[1].number, entries[2].number}));
    EXPECT_EQ(sorted(tx.queue.left_between(0, 1)),
              (std::vector<std::int64_t>{entries[0].number, entries[2].number}));
    EXPECT_EQ(tx.queue.left_between(1, 2), std::vector<std::int64_t>{entries[1].number});
    EXPECT_TRUE(tx.queue.left_between(2, 2).empty());
    // Admitted above entries[0] and still ACTIVE: entries[3] alone (1 and 2 left).
    const auto admitted = tx.queue.admitted_between(entries[0].number, entries[3].number, kT0);
    EXPECT_EQ(numbers(admitted), std::vector<std::int64_t>{entries[3].number});
    for (const auto& entry : admitted) {
      EXPECT_EQ(entry.user, users[3]);
      EXPECT_EQ(entry.expires_at, kT0 + 10min);
    }
    EXPECT_TRUE(tx.queue.admitted_between(entries[0].number, entries[3].number, kT0 + 10min)
                    .empty());  // expired by then
    return true;
  });
}

// DELETE /queue/entry: the user's WAITING or unexpired ACTIVE entry ends as a departure;
// anything else (ended already, another user's, lapsed) is left as it is.
TEST_P(QueueStore, LeaveEndsTheUsersLiveEntryOnceAsADeparture) {
  const auto alice = add_user();
  const auto bob = add_user();
  const auto active =
      commit([&](store::Tx& tx) { return tx.queue.enqueue(alice, kT0).value().entry; });
  const auto waiting_bob =
      commit([&](store::Tx& tx) { return tx.queue.enqueue(bob, kT0).value().entry; });
  commit([&](store::Tx& tx) {
    tx.queue.activate(active.number, active.number, kT0 + 10min);
    return true;
  });
  const auto leave = [&](std::int64_t number, UserId user, Timestamp now) {
    return commit([&](store::Tx& tx) { return tx.queue.leave(number, user, now); });
  };
  EXPECT_FALSE(leave(waiting_bob.number, alice, kT0));     // not hers
  EXPECT_FALSE(leave(active.number, alice, kT0 + 10min));  // lapsed by then
  EXPECT_TRUE(leave(active.number, alice, kT0));
  EXPECT_FALSE(leave(active.number, alice, kT0));  // ended already
  EXPECT_TRUE(leave(waiting_bob.number, bob, kT0));
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.queue.publish_departures(1); }), 2U);
  query([&](store::Tx& tx) {
    EXPECT_FALSE(tx.queue.is_active(active.number, alice, kT0));
    EXPECT_TRUE(waiting(tx.queue.entries_after(0, 10)).empty());
    EXPECT_FALSE(tx.queue.find_live(bob, kT0));
    return true;
  });
}

// Presence marks: a number keeps its newest time whichever order the marks arrive in, a
// range reads back in number order, and what is at or below a horizon can be forgotten.
TEST_P(QueueStore, PresenceMarksKeepTheNewestTimeAndAreForgottenBelowTheHorizon) {
  std::vector<queue::Presence> first;
  for (std::int64_t n = 1; n <= 150; ++n) first.push_back({.number = n, .seen_at = kT0 + 5s});
  commit([&](store::Tx& tx) {
    tx.queue.mark_present(first);  // more than one statement's batch
    return true;
  });
  const std::vector<queue::Presence> second{{.number = 2, .seen_at = kT0 + 9s},
                                            {.number = 3, .seen_at = kT0 + 1s}};
  commit([&](store::Tx& tx) {
    tx.queue.mark_present(second);
    return true;
  });
  query([&](store::Tx& tx) {
    const auto marks = tx.queue.presence_between(1, 4);
    EXPECT_EQ(marks.size(), 3U);
    if (marks.size() == 3U) {
      EXPECT_EQ(marks[0].number, 2);
      EXPECT_EQ(marks[0].seen_at, kT0 + 9s);  // newer
      EXPECT_EQ(marks[1].number, 3);
      EXPECT_EQ(marks[1].seen_at, kT0 + 5s);  // an older mark does not lower it
      EXPECT_EQ(marks[2].number, 4);
    }
    EXPECT_EQ(tx.queue.presence_between(0, 1000).size(), 150U);
    return true;
  });
  commit([&](store::Tx& tx) {
    tx.queue.forget_presence(100);
    return true;
  });
  query([&](store::Tx& tx) {
    const auto left = tx.queue.presence_between(0, 1000);
    EXPECT_EQ(left.size(), 50U);
    EXPECT_EQ(left.empty() ? 0 : left.front().number, 101);
    return true;
  });
}

TEST_P(QueueStore, ExpireLapsedEndsActiveEntriesWhoseTimeIsUp) {
  std::vector<QueueEntry> entries;
  for (int i = 0; i < 4; ++i) {
    const auto user = add_user();
    entries.push_back(
        commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0).value().entry; }));
  }
  commit([&](store::Tx& tx) {
    tx.queue.activate(entries[0].number, entries[0].number, kT0 + 5min);
    tx.queue.activate(entries[1].number, entries[1].number, kT0 + 10min);
    tx.queue.activate(entries[2].number, entries[2].number, kT0 + 10min + 1ms);
    return true;
  });
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.queue.expire_lapsed(kT0 + 10min); }), 2u);
  query([&](store::Tx& tx) {
    EXPECT_FALSE(tx.queue.find_live(entries[0].user, kT0));
    EXPECT_FALSE(tx.queue.find_live(entries[1].user, kT0));
    EXPECT_TRUE(tx.queue.is_active(entries[2].number, entries[2].user, kT0 + 10min));
    EXPECT_EQ(tx.queue.find_live(entries[3].user, kT0)->status, QueueStatus::kWaiting);
    return true;
  });
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.queue.expire_lapsed(kT0 + 10min); }), 0u);
}

TEST_P(QueueStore, SnapshotOfAnEmptyQueueIsAllZero) {
  const auto snapshot = query([&](store::Tx& tx) { return tx.queue.snapshot(kT0); });
  EXPECT_EQ(snapshot.admitted_up_to, 0);
  EXPECT_EQ(snapshot.last_number, 0);
  EXPECT_TRUE(snapshot.active.empty());
}

TEST_P(QueueStore, SnapshotHasTheCountersAndTheUnexpiredActiveEntries) {
  std::vector<QueueEntry> entries;
  for (int i = 0; i < 5; ++i) {
    const auto user = add_user();
    entries.push_back(
        commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0).value().entry; }));
  }
  commit([&](store::Tx& tx) {
    tx.queue.activate(entries[0].number, entries[0].number, kT0 + 5min);
    tx.queue.activate(entries[2].number, entries[2].number, kT0 + 10min);
    tx.queue.activate(entries[1].number, entries[1].number, kT0 + 20min);
    tx.queue.expire(entries[3].number);
    tx.queue.set_admitted_up_to(entries[3].number);
    return true;
  });
  const auto snapshot = query([&](store::Tx& tx) { return tx.queue.snapshot(kT0 + 5min); });
  EXPECT_EQ(snapshot.admitted_up_to, entries[3].number);
  EXPECT_EQ(snapshot.last_number, entries[4].number);
  ASSERT_EQ(snapshot.active.size(), 2u);
  EXPECT_EQ(snapshot.active[0].number, entries[1].number);
  EXPECT_EQ(snapshot.active[0].user, entries[1].user);
  EXPECT_EQ(snapshot.active[0].status, QueueStatus::kActive);
  EXPECT_EQ(snapshot.active[0].expires_at, kT0 + 20min);
  EXPECT_EQ(snapshot.active[1].number, entries[2].number);
}

TEST_P(QueueStore, SnapshotLastNumberSurvivesExpiry) {
  const auto user = add_user();
  const auto entry =
      commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0).value().entry; });
  commit([&](store::Tx& tx) {
    tx.queue.expire(entry.number);
    tx.queue.set_admitted_up_to(entry.number);
    return true;
  });
  const auto snapshot = query([&](store::Tx& tx) { return tx.queue.snapshot(kT0); });
  EXPECT_EQ(snapshot.last_number, entry.number);
  EXPECT_EQ(snapshot.admitted_up_to, entry.number);
}

// The counters alone, as the admitter reads them inside its round: what the snapshot
// says, including this transaction's own writes.
TEST_P(QueueStore, CountersAreTheSnapshotsCountersWithinTheTransaction) {
  const auto empty = query([&](store::Tx& tx) { return tx.queue.counters(); });
  EXPECT_EQ(empty.admitted_up_to, 0);
  EXPECT_EQ(empty.last_number, 0);
  std::vector<QueueEntry> entries;
  for (int i = 0; i < 3; ++i) {
    const auto user = add_user();
    entries.push_back(
        commit([&](store::Tx& tx) { return tx.queue.enqueue(user, kT0).value().entry; }));
  }
  const auto seen = commit([&](store::Tx& tx) {
    tx.queue.activate(entries[0].number, entries[0].number, kT0 + 5min);
    tx.queue.expire(entries[1].number);
    tx.queue.set_admitted_up_to(entries[1].number);
    return tx.queue.counters();
  });
  EXPECT_EQ(seen.admitted_up_to, entries[1].number);
  EXPECT_EQ(seen.last_number, entries[2].number);
  const auto [counters, snapshot] = query([&](store::Tx& tx) {
    return std::pair{tx.queue.counters(), tx.queue.snapshot(kT0)};
  });
  EXPECT_EQ(counters.admitted_up_to, snapshot.admitted_up_to);
  EXPECT_EQ(counters.last_number, snapshot.last_number);
  EXPECT_EQ(counters.admitted_up_to, entries[1].number);
  EXPECT_EQ(counters.last_number, entries[2].number);
}

TEST_P(QueueStore, AdmitterLeaseGoesToOneNodeUntilItLapses) {
  using namespace std::chrono_literals;
  const auto lead = [&](std::string_view node, Timestamp now) {
    return commit([&](store::Tx& tx) { return tx.queue.try_lead(node, now, now + 3s); });
  };
  EXPECT_TRUE(lead("node-a", kT0));
  EXPECT_FALSE(lead("node-b", kT0 + 1s));
  EXPECT_TRUE(lead("node-a", kT0 + 2s));  // renewed until kT0 + 5 s
  EXPECT_FALSE(lead("node-b", kT0 + 4s));
  EXPECT_TRUE(lead("node-b", kT0 + 5s));
  EXPECT_FALSE(lead("node-a", kT0 + 6s));
}

TEST_P(QueueStore, ResignedLeaseIsFreeAtOnceAndOnlyItsHolderCanResign) {
  using namespace std::chrono_literals;
  const auto lead = [&](std::string_view node, Timestamp now) {
    return commit([&](store::Tx& tx) { return tx.queue.try_lead(node, now, now + 3s); });
  };
  const auto resign = [&](std::string_view node) {
    commit([&](store::Tx& tx) {
      tx.queue.resign(node);
      return true;
    });
  };
  ASSERT_TRUE(lead("node-a", kT0));
  resign("node-b");  // not the holder: nothing changes
  EXPECT_FALSE(lead("node-b", kT0 + 1s));
  resign("node-a");
  EXPECT_TRUE(lead("node-b", kT0 + 1s));
}

// A join that commits after a later one keeps its number and its entry, whatever the
// admitter tried on that number meanwhile: on MariaDB the number is a gap until the commit
// (fill_gap leaves it open), on SQLite the later join waits for the earlier one.
TEST_P(QueueStore, AJoinThatCommitsLateKeepsItsNumberAndItsEntry) {
  const auto early = add_user();
  const auto late = add_user();
  std::latch numbered(1);
  std::int64_t early_number = 0;
  std::thread slow([&] {
    db().write([&](store::Tx& tx) {
      early_number = tx.queue.enqueue(early, kT0).value().entry.number;
      numbered.count_down();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return true;
    });
  });
  numbered.wait();
  const auto late_number =
      commit([&](store::Tx& tx) { return tx.queue.enqueue(late, kT0).value().entry; }).number;
  const auto visible = query([&](store::Tx& tx) { return tx.queue.entries_after(0, 10); });
  if (visible.front().number != early_number) {
    db().write([&](store::Tx& tx) { return tx.queue.fill_gap(early_number, kT0); });
  }
  slow.join();
  EXPECT_GT(late_number, early_number);
  const auto entries = waiting(query([&](store::Tx& tx) { return tx.queue.entries_after(0, 10); }));
  EXPECT_EQ(numbers(entries), (std::vector<std::int64_t>{early_number, late_number}));
  EXPECT_EQ(entries.front().user, early);
}

TEST_P(QueueStore, ConcurrentEnqueuesGetDistinctNumbers) {
  constexpr int kThreads = 16;
  std::vector<UserId> users;
  for (int i = 0; i < kThreads; ++i) users.push_back(add_user());
  std::vector<std::int64_t> got(kThreads);
  std::vector<std::jthread> threads;
  for (std::size_t i = 0; i < users.size(); ++i) {
    threads.emplace_back([&, i] {
      got[i] = commit([&](store::Tx& tx) {
                 return tx.queue.enqueue(users[i], kT0).value().entry;
               }).number;
    });
  }
  threads.clear();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end());
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.queue.snapshot(kT0); }).last_number, got.back());
}

}  // namespace
}  // namespace concertd::contract
