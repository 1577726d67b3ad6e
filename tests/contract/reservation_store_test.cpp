// ReservationStore: the seat hold and the conditional writes that settle every race.
#include <latch>
#include <thread>

#include "contract/store_contract.hpp"

namespace concertd::contract {
namespace {

using reservations::Reservation;
using reservations::ReservationStatus;

TEST_P(SeatHoldStore, HoldOfFreeSeatReturnsItsPrice) {
  const auto user = add_user();
  const auto concert = add_concert(3, Won{2500});
  EXPECT_EQ(try_hold(concert, 2, user, ReservationId::random(), kT0, kT0 + 5min), Won{2500});
}

TEST_P(SeatHoldStore, SecondHoldOfSameSeatFails) {
  const auto alice = add_user();
  const auto bob = add_user();
  const auto concert = add_concert();
  ASSERT_TRUE(try_hold(concert, 1, alice, ReservationId::random(), kT0, kT0 + 5min));
  EXPECT_FALSE(try_hold(concert, 1, bob, ReservationId::random(), kT0 + 1s, kT0 + 6min));
  EXPECT_FALSE(try_hold(concert, 1, alice, ReservationId::random(), kT0 + 1s, kT0 + 6min));
}

TEST_P(SeatHoldStore, HoldOfMissingSeatFails) {
  const auto user = add_user();
  const auto concert = add_concert(3);
  EXPECT_FALSE(try_hold(concert, 4, user, ReservationId::random(), kT0, kT0 + 5min));
  EXPECT_FALSE(try_hold(ConcertId::random(), 1, user, ReservationId::random(), kT0, kT0 + 5min));
}

TEST_P(SeatHoldStore, HoldInsertsTheReservationAndAFailedOneWritesNothing) {
  const auto alice = add_user();
  const auto bob = add_user();
  const auto concert = add_concert(2, Won{3300});
  auto mine = held_reservation(concert, 2, alice, ReservationId::random(), kT0, kT0 + 5min);
  mine.price = Won{3300};
  EXPECT_TRUE(applies([&](store::Tx& tx) { tx.reservations.hold(mine, kT0); }));
  const auto found = query([&](store::Tx& tx) { return tx.reservations.find(mine.id); });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->price, Won{3300});
  EXPECT_EQ(found->status, ReservationStatus::kHeld);
  EXPECT_EQ(found->expires_at, kT0 + 5min);
  EXPECT_FALSE(found->extended);

  const auto taken = held_reservation(concert, 2, bob, ReservationId::random(), kT0, kT0 + 5min);
  const auto missing = held_reservation(concert, 3, bob, ReservationId::random(), kT0, kT0 + 5min);
  EXPECT_FALSE(applies([&](store::Tx& tx) { tx.reservations.hold(taken, kT0 + 1s); }));
  EXPECT_FALSE(applies([&](store::Tx& tx) { tx.reservations.hold(missing, kT0 + 1s); }));
  query([&](store::Tx& tx) {
    EXPECT_FALSE(tx.reservations.find(taken.id));
    EXPECT_FALSE(tx.reservations.find(missing.id));
    return true;
  });
  EXPECT_EQ(live_holds(bob, kT0 + 1s), 0);
  EXPECT_EQ(live_holds(alice, kT0 + 1s), 1);
}

TEST_P(SeatHoldStore, LockHolderReadsWhetherTheEntryIsTheUsersAndActive) {
  const auto alice = add_user();
  const auto bob = add_user();
  const auto entry = [&](UserId user) {
    return commit([&](store::Tx& tx) {
      const auto e = tx.queue.enqueue(user, kT0).value().entry;
      tx.queue.activate(e.number, e.number, kT0 + 10min);
      return e.number;
    });
  };
  const auto alices = entry(alice);
  const auto bobs = entry(bob);
  const auto active = [&](UserId user, std::int64_t number, Timestamp now) {
    const auto read = gate(user, number, ConcertId::random(), 1, now);
    return read ? std::optional(read->entry_active) : std::nullopt;
  };
  EXPECT_EQ(active(alice, alices, kT0 + 10min - 1ms), true);
  EXPECT_EQ(active(alice, alices, kT0 + 10min), false);
  EXPECT_EQ(active(alice, bobs, kT0), false);
  EXPECT_EQ(active(alice, bobs + 1000, kT0), false);
  EXPECT_EQ(active(UserId::random(), alices, kT0), std::nullopt);
  commit([&](store::Tx& tx) {
    tx.queue.expire(alices);
    return true;
  });
  EXPECT_EQ(active(alice, alices, kT0), false);
}

TEST_P(SeatHoldStore, LockHolderCountsEveryLiveHoldBesideAnActiveEntry) {
  const auto user = add_user();
  const auto number = commit([&](store::Tx& tx) {
    const auto e = tx.queue.enqueue(user, kT0).value().entry;
    tx.queue.activate(e.number, e.number, kT0 + 10min);
    return e.number;
  });
  // Seat 1 of both concerts: one number, two seats.
  const auto one = add_concert(3);
  const auto two = add_concert(3);
  ASSERT_TRUE(hold(one, 1, user) && hold(two, 1, user) && hold(one, 2, user));
  const auto read = gate(user, number, one, 3, kT0);
  ASSERT_TRUE(read);
  EXPECT_TRUE(read->entry_active);
  EXPECT_EQ(read->live_holds, 3);
  EXPECT_EQ(read->seat_price, Won{1000});
  EXPECT_EQ(live_holds(user, kT0 + 5min), 0);
  EXPECT_EQ(live_holds(UserId::random(), kT0), -1);
}

// The gate's reads come after the lock: what the holder committed meanwhile counts.
TEST_P(SeatHoldStore, LockHolderWaitsForTheHolderToCommitAndCountsItsHold) {
  const auto user = add_user();
  const auto concert = add_concert(2);
  std::latch locked(1);
  std::thread holder([&] {
    db().write([&](store::Tx& tx) {
      EXPECT_TRUE(tx.reservations.lock_holder(user, 0, concert, 1, kT0));
      locked.count_down();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      tx.reservations.hold(
          held_reservation(concert, 1, user, ReservationId::random(), kT0, kT0 + 5min), kT0);
      return true;
    });
  });
  locked.wait();
  EXPECT_EQ(live_holds(user, kT0), 1);
  holder.join();
}

TEST_P(SeatHoldStore, HoldIsLiveUntilOneMillisecondBeforeItsExpiry) {
  const auto alice = add_user();
  const auto bob = add_user();
  const auto concert = add_concert();
  ASSERT_TRUE(try_hold(concert, 1, alice, ReservationId::random(), kT0, kT0 + 5min));
  EXPECT_FALSE(try_hold(concert, 1, bob, ReservationId::random(), kT0 + 5min - 1ms, kT0 + 10min));
}

TEST_P(SeatHoldStore, HoldLapsedAtItsExpiryCanBeTakenAgain) {
  const auto alice = add_user();
  const auto bob = add_user();
  const auto concert = add_concert();
  ASSERT_TRUE(try_hold(concert, 1, alice, ReservationId::random(), kT0, kT0 + 5min));
  EXPECT_TRUE(try_hold(concert, 1, bob, ReservationId::random(), kT0 + 5min, kT0 + 10min));
  // Bob's hold is the live one now.
  EXPECT_FALSE(try_hold(concert, 1, alice, ReservationId::random(), kT0 + 6min, kT0 + 11min));
}

TEST_P(SeatHoldStore, LockHolderReadsThePriceOnlyOfSeatsOfTheConcert) {
  const auto user = add_user();
  const auto concert =
      add_concert({{.number = 1, .price = Won{500}}, {.number = 2, .price = Won{0}}},
                  std::chrono::year{2026} / 12 / 24, "Concert");
  ASSERT_TRUE(hold(concert, 1, user));  // held or not, a seat has its price
  const auto price = [&](ConcertId c, std::int32_t seat) {
    const auto read = gate(user, 0, c, seat, kT0);
    return read ? read->seat_price : std::nullopt;
  };
  EXPECT_EQ(price(concert, 1), Won{500});
  EXPECT_EQ(price(concert, 2), Won{0});
  EXPECT_EQ(price(concert, 3), std::nullopt);
  EXPECT_EQ(price(concert, 0), std::nullopt);
  EXPECT_EQ(price(ConcertId::random(), 1), std::nullopt);
  EXPECT_FALSE(gate(UserId::random(), 0, concert, 1, kT0));
}

TEST_P(SeatHoldStore, LiveHoldsCountsOnlyTheUsersUnexpiredHolds) {
  const auto alice = add_user();
  const auto bob = add_user();
  const auto concert = add_concert(6);
  ASSERT_TRUE(hold(concert, 1, alice, kT0, 5min));
  ASSERT_TRUE(hold(concert, 2, alice, kT0, 10min));
  ASSERT_TRUE(hold(concert, 3, bob, kT0, 10min));
  const auto sold = hold(concert, 4, alice, kT0, 10min);
  ASSERT_TRUE(sold);
  ASSERT_TRUE(applies([&](store::Tx& tx) { tx.reservations.sell_seat(*sold, kT0); }));

  const auto live = [&](UserId user, Timestamp now) { return live_holds(user, now); };
  EXPECT_EQ(live(alice, kT0), 2);
  EXPECT_EQ(live(alice, kT0 + 5min - 1ms), 2);
  EXPECT_EQ(live(alice, kT0 + 5min), 1);
  EXPECT_EQ(live(alice, kT0 + 10min), 0);
  EXPECT_EQ(live(bob, kT0), 1);
  EXPECT_EQ(live(add_user(), kT0), 0);
}

TEST_P(SeatHoldStore, ConcurrentHoldsOfOneSeatHaveExactlyOneWinner) {
  constexpr int kThreads = 32;
  const auto concert = add_concert(1);
  std::vector<UserId> users;
  for (int i = 0; i < kThreads; ++i) users.push_back(add_user());

  std::atomic<int> winners = 0;
  std::atomic<int> failures = 0;
  std::latch start(kThreads);
  std::vector<std::jthread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        if (hold(concert, 1, users[static_cast<std::size_t>(i)])) ++winners;
      } catch (...) {
        ++failures;
      }
    });
  }
  threads.clear();  // joins

  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(failures.load(), 0);
  std::int64_t holds = 0;
  for (const auto& user : users) {
    holds += live_holds(user, kT0);
  }
  EXPECT_EQ(holds, 1);
}

TEST_P(ReservationStore, InsertedReservationIsFoundWithAllFields) {
  const auto user = add_user();
  const auto concert = add_concert(3, Won{4200});
  const auto held = hold(concert, 3, user, kT0 + 123ms, 5min);
  ASSERT_TRUE(held);
  const auto found = query([&](store::Tx& tx) { return tx.reservations.find(held->id); });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, held->id);
  EXPECT_EQ(found->user, user);
  EXPECT_EQ(found->concert, concert);
  EXPECT_EQ(found->seat_number, 3);
  EXPECT_EQ(found->price, Won{4200});
  EXPECT_EQ(found->status, ReservationStatus::kHeld);
  EXPECT_EQ(found->created_at, kT0 + 123ms);
  EXPECT_EQ(found->expires_at, kT0 + 123ms + 5min);
}

TEST_P(ReservationStore, FindOfUnknownIdIsEmpty) {
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.reservations.find(ReservationId::random()); }));
}

TEST_P(ReservationStore, OfUserListsTheUsersNewestFirstWithTheirConcerts) {
  const auto user = add_user();
  const auto other = add_user();
  const auto spring = add_concert(3, Won{1500}, std::chrono::year{2027} / 3 / 21, "Spring");
  const auto winter = add_concert(3, Won{4200}, std::chrono::year{2026} / 12 / 24, "Winter");
  const auto first = hold(spring, 1, user, kT0, 5min);
  const auto second = hold(winter, 2, user, kT0 + 1s, 5min);
  const auto third = hold(spring, 3, user, kT0 + 2s, 5min);
  ASSERT_TRUE(first && second && third);
  ASSERT_TRUE(hold(spring, 2, other, kT0 + 3s, 5min));
  commit([&](store::Tx& tx) {
    tx.reservations.set_status(second->id, ReservationStatus::kConfirmed);
    return true;
  });

  const auto listed = query([&](store::Tx& tx) { return tx.reservations.of_user(user, 10); });
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].reservation.id, third->id);
  EXPECT_EQ(listed[1].reservation.id, second->id);
  EXPECT_EQ(listed[2].reservation.id, first->id);
  const auto& winter_row = listed[1];
  EXPECT_EQ(winter_row.reservation.user, user);
  EXPECT_EQ(winter_row.reservation.concert, winter);
  EXPECT_EQ(winter_row.reservation.seat_number, 2);
  EXPECT_EQ(winter_row.reservation.price, Won{4200});
  EXPECT_EQ(winter_row.reservation.status, ReservationStatus::kConfirmed);
  EXPECT_EQ(winter_row.reservation.created_at, kT0 + 1s);
  EXPECT_EQ(winter_row.reservation.expires_at, kT0 + 1s + 5min);
  EXPECT_EQ(winter_row.concert_name, "Winter");
  EXPECT_EQ(winter_row.concert_date, std::chrono::year{2026} / 12 / 24);
  EXPECT_EQ(listed[0].concert_name, "Spring");
  EXPECT_EQ(listed[0].concert_date, std::chrono::year{2027} / 3 / 21);
}

TEST_P(ReservationStore, OfUserReturnsAtMostTheLimitNewestFirst) {
  const auto user = add_user();
  const auto concert = add_concert(5);
  std::vector<ReservationId> ids;
  for (std::int32_t seat = 1; seat <= 5; ++seat) {
    const auto held = hold(concert, seat, user, kT0 + std::chrono::seconds{seat}, 5min);
    ASSERT_TRUE(held);
    ids.push_back(held->id);
  }
  const auto listed = query([&](store::Tx& tx) { return tx.reservations.of_user(user, 2); });
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].reservation.id, ids[4]);
  EXPECT_EQ(listed[1].reservation.id, ids[3]);
  EXPECT_TRUE(
      query([&](store::Tx& tx) { return tx.reservations.of_user(add_user(), 10); }).empty());
}

TEST_P(ReservationStore, SetStatusIsStored) {
  const auto user = add_user();
  const auto concert = add_concert();
  const auto held = hold(concert, 1, user);
  ASSERT_TRUE(held);
  for (auto status : {ReservationStatus::kConfirmed, ReservationStatus::kCancelled,
                      ReservationStatus::kExpired, ReservationStatus::kHeld}) {
    commit([&](store::Tx& tx) {
      tx.reservations.set_status(held->id, status);
      return true;
    });
    const auto found = query([&](store::Tx& tx) { return tx.reservations.find(held->id); });
    ASSERT_TRUE(found);
    EXPECT_EQ(found->status, status);
  }
}

TEST_P(ReservationStore, SellOfLiveHoldMakesSeatSoldForGood) {
  const auto user = add_user();
  const auto other = add_user();
  const auto concert = add_concert();
  const auto held = hold(concert, 1, user, kT0, 5min);
  ASSERT_TRUE(held);
  EXPECT_TRUE(applies([&](store::Tx& tx) { tx.reservations.sell_seat(*held, kT0 + 1min); }));
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.reservations.find(held->id); })->status,
            ReservationStatus::kConfirmed);
  EXPECT_EQ(seat_available(concert, 1, kT0 + 1h), false);
  EXPECT_FALSE(try_hold(concert, 1, other, ReservationId::random(), kT0 + 1h, kT0 + 2h));
  // A sold seat is no hold: it neither counts as live nor can be sold or released again.
  EXPECT_EQ(live_holds(user, kT0 + 1min), 0);
  EXPECT_FALSE(applies([&](store::Tx& tx) { tx.reservations.sell_seat(*held, kT0 + 2min); }));
  EXPECT_FALSE(
      commit([&](store::Tx& tx) { return tx.reservations.release_seat(*held, kT0 + 2min); }));
}

TEST_P(ReservationStore, SellFailsOnceTheHoldLapsed) {
  const auto user = add_user();
  const auto concert = add_concert();
  const auto held = hold(concert, 1, user, kT0, 5min);
  ASSERT_TRUE(held);
  EXPECT_FALSE(applies([&](store::Tx& tx) { tx.reservations.sell_seat(*held, kT0 + 5min); }));
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.reservations.find(held->id); })->status,
            ReservationStatus::kHeld);
  EXPECT_EQ(seat_available(concert, 1, kT0 + 5min), true);
}

TEST_P(ReservationStore, SellSucceedsOneMillisecondBeforeExpiry) {
  const auto user = add_user();
  const auto concert = add_concert();
  const auto held = hold(concert, 1, user, kT0, 5min);
  ASSERT_TRUE(held);
  EXPECT_TRUE(applies([&](store::Tx& tx) { tx.reservations.sell_seat(*held, kT0 + 5min - 1ms); }));
}

TEST_P(ReservationStore, SellFailsForAnotherReservationOfTheSeat) {
  const auto alice = add_user();
  const auto bob = add_user();
  const auto concert = add_concert();
  const auto lapsed = hold(concert, 1, alice, kT0, 5min);
  ASSERT_TRUE(lapsed);
  const auto current = hold(concert, 1, bob, kT0 + 6min, 5min);
  ASSERT_TRUE(current);
  // Alice's reservation claims an unexpired time, but the seat is Bob's now.
  auto stale = *lapsed;
  stale.expires_at = kT0 + 1h;
  EXPECT_FALSE(applies([&](store::Tx& tx) { tx.reservations.sell_seat(stale, kT0 + 7min); }));
  EXPECT_FALSE(
      commit([&](store::Tx& tx) { return tx.reservations.release_seat(stale, kT0 + 7min); }));
  EXPECT_TRUE(applies([&](store::Tx& tx) { tx.reservations.sell_seat(*current, kT0 + 7min); }));
}

TEST_P(ReservationStore, ReleaseFreesTheSeatOnce) {
  const auto user = add_user();
  const auto other = add_user();
  const auto concert = add_concert();
  const auto held = hold(concert, 1, user, kT0, 5min);
  ASSERT_TRUE(held);
  // As the cancellation writes it: the seat released, the reservation CANCELLED.
  EXPECT_TRUE(commit([&](store::Tx& tx) {
    if (!tx.reservations.release_seat(*held, kT0 + 1min)) return false;
    tx.reservations.set_status(held->id, ReservationStatus::kCancelled);
    return true;
  }));
  EXPECT_EQ(seat_available(concert, 1, kT0 + 1min), true);
  EXPECT_EQ(live_holds(user, kT0 + 1min), 0);
  EXPECT_FALSE(
      commit([&](store::Tx& tx) { return tx.reservations.release_seat(*held, kT0 + 1min); }));
  EXPECT_FALSE(applies([&](store::Tx& tx) { tx.reservations.sell_seat(*held, kT0 + 1min); }));
  EXPECT_TRUE(try_hold(concert, 1, other, ReservationId::random(), kT0 + 1min, kT0 + 6min));
}

TEST_P(ReservationStore, ReleaseFailsOnceTheHoldLapsed) {
  const auto user = add_user();
  const auto concert = add_concert();
  const auto held = hold(concert, 1, user, kT0, 5min);
  ASSERT_TRUE(held);
  EXPECT_FALSE(
      commit([&](store::Tx& tx) { return tx.reservations.release_seat(*held, kT0 + 5min); }));
}

TEST_P(ReservationStore, SweepExpiresLapsedHoldsAndFreesTheirSeats) {
  const auto user = add_user();
  const auto concert = add_concert(4);
  const auto lapsed = hold(concert, 1, user, kT0, 5min);
  const auto exactly = hold(concert, 2, user, kT0, 10min);
  const auto live = hold(concert, 3, user, kT0, 10min + 1ms);
  const auto sold = hold(concert, 4, user, kT0, 1min);
  ASSERT_TRUE(lapsed && exactly && live && sold);
  ASSERT_TRUE(applies([&](store::Tx& tx) {
    tx.reservations.set_status(sold->id, ReservationStatus::kConfirmed);
    tx.reservations.sell_seat(*sold, kT0);
  }));

  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.reservations.sweep_lapsed(kT0 + 10min); }), 2u);

  const auto status = [&](ReservationId id) {
    return query([&](store::Tx& tx) { return tx.reservations.find(id); })->status;
  };
  EXPECT_EQ(status(lapsed->id), ReservationStatus::kExpired);
  EXPECT_EQ(status(exactly->id), ReservationStatus::kExpired);
  EXPECT_EQ(status(live->id), ReservationStatus::kHeld);
  EXPECT_EQ(status(sold->id), ReservationStatus::kConfirmed);
  // Freed: holdable even by a clock behind the old expiry.
  const auto other = add_user();
  EXPECT_TRUE(try_hold(concert, 1, other, ReservationId::random(), kT0, kT0 + 1h));
  EXPECT_FALSE(try_hold(concert, 3, other, ReservationId::random(), kT0 + 10min, kT0 + 15min));
  EXPECT_FALSE(try_hold(concert, 4, other, ReservationId::random(), kT0 + 1h, kT0 + 2h));
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.reservations.sweep_lapsed(kT0 + 10min); }), 0u);
}

TEST_P(ReservationStore, ExtendHoldMovesBothExpiriesOnce) {
  const auto user = add_user();
  const auto other = add_user();
  const auto concert = add_concert(2);
  const auto held = hold(concert, 1, user, kT0, 5min);
  ASSERT_TRUE(held);
  EXPECT_TRUE(commit(
      [&](store::Tx& tx) { return tx.reservations.extend_hold(*held, kT0 + 4min, kT0 + 10min); }));
  EXPECT_FALSE(commit(
      [&](store::Tx& tx) { return tx.reservations.extend_hold(*held, kT0 + 4min, kT0 + 15min); }));
  const auto found = query([&](store::Tx& tx) { return tx.reservations.find(held->id); });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->expires_at, kT0 + 10min);
  EXPECT_TRUE(found->extended);
  EXPECT_FALSE(held->extended);
  EXPECT_TRUE(query([&](store::Tx& tx) { return tx.reservations.of_user(user, 10); })
                  .front()
                  .reservation.extended);
  // Live past the old expiry, lapsed at the new one.
  EXPECT_EQ(seat_available(concert, 1, kT0 + 5min), false);
  EXPECT_FALSE(try_hold(concert, 1, other, ReservationId::random(), kT0 + 5min, kT0 + 6min));
  EXPECT_EQ(live_holds(user, kT0 + 9min), 1);
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.reservations.sweep_lapsed(kT0 + 10min - 1ms); }),
            0u);
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.reservations.sweep_lapsed(kT0 + 10min); }), 1u);
  EXPECT_EQ(seat_available(concert, 1, kT0 + 10min), true);
}

TEST_P(ReservationStore, ExtendedHoldSellsUntilItsNewExpiry) {
  const auto user = add_user();
  const auto concert = add_concert();
  const auto held = hold(concert, 1, user, kT0, 5min);
  ASSERT_TRUE(held);
  ASSERT_TRUE(
      commit([&](store::Tx& tx) { return tx.reservations.extend_hold(*held, kT0, kT0 + 10min); }));
  EXPECT_TRUE(applies([&](store::Tx& tx) { tx.reservations.sell_seat(*held, kT0 + 10min - 1ms); }));
}

TEST_P(ReservationStore, ExtendFailsOnceTheHoldLapsedOrWasReleased) {
  const auto user = add_user();
  const auto concert = add_concert(2);
  const auto lapsed = hold(concert, 1, user, kT0, 5min);
  const auto released = hold(concert, 2, user, kT0, 5min);
  ASSERT_TRUE(lapsed && released);
  EXPECT_FALSE(commit([&](store::Tx& tx) {
    return tx.reservations.extend_hold(*lapsed, kT0 + 5min, kT0 + 10min);
  }));
  ASSERT_TRUE(commit([&](store::Tx& tx) {
    tx.reservations.set_status(released->id, ReservationStatus::kCancelled);
    return tx.reservations.release_seat(*released, kT0 + 1min);
  }));
  EXPECT_FALSE(commit([&](store::Tx& tx) {
    return tx.reservations.extend_hold(*released, kT0 + 1min, kT0 + 10min);
  }));
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.reservations.find(lapsed->id); })->extended);
}

TEST_P(ReservationStore, ConcurrentExtensionsOfOneHoldHaveExactlyOneWinner) {
  constexpr int kThreads = 16;
  const auto user = add_user();
  const auto concert = add_concert(1);
  const auto held = hold(concert, 1, user, kT0, 5min);
  ASSERT_TRUE(held);

  std::atomic<int> winners = 0;
  std::atomic<int> failures = 0;
  std::latch start(kThreads);
  std::vector<std::jthread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        if (commit([&](store::Tx& tx) {
              return tx.reservations.extend_hold(*held, kT0, kT0 + 10min + std::chrono::seconds{i});
            })) {
          ++winners;
        }
      } catch (...) {
        ++failures;
      }
    });
  }
  threads.clear();  // joins

  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(failures.load(), 0);
  const auto found = query([&](store::Tx& tx) { return tx.reservations.find(held->id); });
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->extended);
  // The seat carries the winner's expiry: live one millisecond before it, free at it.
  EXPECT_EQ(seat_available(concert, 1, found->expires_at - 1ms), false);
  EXPECT_EQ(seat_available(concert, 1, found->expires_at), true);
}

TEST_P(PaymentStore, LockPayerReadsTheRecordUnderTheKeyAndTheReservation) {
  const auto alice = add_user();
  const auto bob = add_user();
  const auto concert = add_concert(2, Won{2100});
  const auto held = hold(concert, 1, alice, kT0, 5min);
  ASSERT_TRUE(held);
  commit([&](store::Tx& tx) {
    tx.idempotency.insert(alice, "key-1", {.fingerprint = "pay|x", .outcome = "p-1"}, kT0);
    tx.idempotency.insert(bob, "key-2", {.fingerprint = "pay|y", .outcome = "p-2"}, kT0);
    return true;
  });
  const auto gate = [&](UserId user, ReservationId id, std::optional<std::string_view> key) {
    return commit([&](store::Tx& tx) { return tx.payments.lock_payer(user, id, key); });
  };

  const auto keyed = gate(alice, held->id, "key-1");
  ASSERT_TRUE(keyed);
  ASSERT_TRUE(keyed->recorded);
  EXPECT_EQ(keyed->recorded->fingerprint, "pay|x");
  EXPECT_EQ(keyed->recorded->outcome, "p-1");
  ASSERT_TRUE(keyed->reservation);
  EXPECT_EQ(keyed->reservation->id, held->id);
  EXPECT_EQ(keyed->reservation->user, alice);
  EXPECT_EQ(keyed->reservation->concert, concert);
  EXPECT_EQ(keyed->reservation->seat_number, 1);
  EXPECT_EQ(keyed->reservation->price, Won{2100});
  EXPECT_EQ(keyed->reservation->status, ReservationStatus::kHeld);
  EXPECT_EQ(keyed->reservation->created_at, kT0);
  EXPECT_EQ(keyed->reservation->expires_at, kT0 + 5min);

  // Without a key no record; another user's key or an unknown one is none either.
  for (const auto key :
       {std::optional<std::string_view>{}, std::optional<std::string_view>{"key-2"},
        std::optional<std::string_view>{"KEY-1"}}) {
    const auto unkeyed = gate(alice, held->id, key);
    ASSERT_TRUE(unkeyed);
    EXPECT_FALSE(unkeyed->recorded);
    EXPECT_TRUE(unkeyed->reservation);
  }
  // Another user's reservation is read too (the use case refuses it); an unknown one is none.
  const auto others = gate(bob, held->id, "key-2");
  ASSERT_TRUE(others && others->recorded && others->reservation);
  EXPECT_EQ(others->reservation->user, alice);
  const auto unknown = gate(alice, ReservationId::random(), "key-1");
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->recorded);
  EXPECT_FALSE(unknown->reservation);
  EXPECT_FALSE(gate(UserId::random(), held->id, "key-1"));
}

TEST_P(PaymentStore, LockPayerWaitsForTheFirstPaymentToCommitAndReadsItsSale) {
  const auto user = add_user();
  const auto concert = add_concert();
  const auto held = hold(concert, 1, user, kT0, 5min);
  ASSERT_TRUE(held);
  std::latch locked(1);
  std::thread first([&] {
    db().write([&](store::Tx& tx) {
      EXPECT_TRUE(tx.payments.lock_payer(user, held->id, std::nullopt));
      locked.count_down();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      tx.reservations.sell_seat(*held, kT0);
      return true;
    });
  });
  locked.wait();
  const auto seen =
      commit([&](store::Tx& tx) { return tx.payments.lock_payer(user, held->id, std::nullopt); });
  first.join();
  ASSERT_TRUE(seen && seen->reservation);
  EXPECT_EQ(seen->reservation->status, ReservationStatus::kConfirmed);
}

TEST_P(PaymentStore, SecondPaymentForOneReservationIsRejected) {
  const auto user = add_user();
  const auto concert = add_concert();
  const auto held = hold(concert, 1, user);
  ASSERT_TRUE(held);
  const payments::Payment first{.id = PaymentId::random(),
                                .reservation = held->id,
                                .user = user,
                                .amount = held->price,
                                .created_at = kT0};
  commit([&](store::Tx& tx) {
    tx.payments.insert(first);
    return true;
  });
  auto second = first;
  second.id = PaymentId::random();
  EXPECT_ANY_THROW(commit([&](store::Tx& tx) {
    tx.payments.insert(second);
    return true;
  }));
}

}  // namespace
}  // namespace concertd::contract
