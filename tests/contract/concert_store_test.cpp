// ConcertStore: concerts, their seats, and what a fan sees as available.
#include "contract/store_contract.hpp"

namespace concertd::contract {
namespace {

using std::chrono::year;

TEST_P(ConcertStore, AnyIsFalseUntilAConcertExists) {
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.concerts.any(); }));
  add_concert();
  EXPECT_TRUE(query([&](store::Tx& tx) { return tx.concerts.any(); }));
}

TEST_P(ConcertStore, SeatsOfUnknownConcertAreNotFound) {
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.concerts.seats(ConcertId::random(), kT0); }));
}

TEST_P(ConcertStore, SeatsAreOrderedByNumberWithTheirPrices) {
  const auto concert = add_concert({{.number = 3, .price = Won{300}},
                                    {.number = 1, .price = Won{100}},
                                    {.number = 10, .price = Won{0}},
                                    {.number = 2, .price = Won{10'000'000}}},
                                   year{2026} / 12 / 1, "Out of order");
  const auto seats = query([&](store::Tx& tx) { return tx.concerts.seats(concert, kT0); });
  ASSERT_TRUE(seats);
  ASSERT_EQ(seats->size(), 4u);
  const std::vector<std::pair<std::int32_t, Won>> expected{
      {1, Won{100}}, {2, Won{10'000'000}}, {3, Won{300}}, {10, Won{0}}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*seats)[i].number, expected[i].first);
    EXPECT_EQ((*seats)[i].price, expected[i].second);
    EXPECT_TRUE((*seats)[i].available);
  }
}

TEST_P(ConcertStore, ConcertWithoutSeatsHasAnEmptySeatList) {
  const auto concert = add_concert(0);
  const auto seats = query([&](store::Tx& tx) { return tx.concerts.seats(concert, kT0); });
  ASSERT_TRUE(seats);
  EXPECT_TRUE(seats->empty());
}

TEST_P(ConcertStore, HeldAndSoldSeatsAreUnavailableUntilAHoldLapses) {
  const auto user = add_user();
  const auto concert = add_concert(3);
  ASSERT_TRUE(hold(concert, 1, user, kT0, 5min));
  const auto sold = hold(concert, 2, user, kT0, 5min);
  ASSERT_TRUE(sold);
  ASSERT_TRUE(applies([&](store::Tx& tx) { tx.reservations.sell_seat(*sold, kT0); }));

  EXPECT_EQ(seat_available(concert, 1, kT0 + 5min - 1ms), false);
  EXPECT_EQ(seat_available(concert, 2, kT0 + 5min - 1ms), false);
  EXPECT_EQ(seat_available(concert, 3, kT0 + 5min - 1ms), true);
  EXPECT_EQ(seat_available(concert, 1, kT0 + 5min), true);
  EXPECT_EQ(seat_available(concert, 2, kT0 + 5min), false);
}

TEST_P(ConcertStore, NextHoldLapseIsTheFirstLiveHoldToLapse) {
  const auto user = add_user();
  const auto concert = add_concert(4);
  const auto other = add_concert(1);
  const auto next = [&](ConcertId id, Timestamp now) {
    return query([&](store::Tx& tx) { return tx.concerts.next_hold_lapse(id, now); });
  };
  EXPECT_EQ(next(concert, kT0), std::nullopt);
  ASSERT_TRUE(hold(concert, 1, user, kT0, 5min));
  ASSERT_TRUE(hold(concert, 2, user, kT0, 2min));
  const auto sold = hold(concert, 3, user, kT0, 1min);
  ASSERT_TRUE(sold);
  ASSERT_TRUE(applies([&](store::Tx& tx) { tx.reservations.sell_seat(*sold, kT0); }));
  ASSERT_TRUE(hold(other, 1, user, kT0, 1min));

  EXPECT_EQ(next(concert, kT0), kT0 + 2min);  // not the sold seat's, nor the other concert's
  EXPECT_EQ(next(concert, kT0 + 2min - 1ms), kT0 + 2min);
  EXPECT_EQ(next(concert, kT0 + 2min), kT0 + 5min);
  EXPECT_EQ(next(concert, kT0 + 5min), std::nullopt);
}

TEST_P(ConcertStore, UpcomingListsConcertsFromTheDateOrderedByDateThenName) {
  const auto past = add_concert(1, Won{1}, year{2026} / 11 / 23, "Yesterday");
  const auto today_b = add_concert(1, Won{1}, year{2026} / 11 / 24, "B today");
  const auto later = add_concert(1, Won{1}, year{2027} / 1 / 2, "A next year");
  const auto today_a = add_concert(1, Won{1}, year{2026} / 11 / 24, "A today");
  const auto december = add_concert(1, Won{1}, year{2026} / 12 / 9, "Z December");

  const auto upcoming = query([&](store::Tx& tx) {
    return tx.concerts.upcoming(std::chrono::sys_days{year{2026} / 11 / 24}, kT0);
  });
  ASSERT_EQ(upcoming.size(), 4u);
  EXPECT_EQ(upcoming[0].concert.id, today_a);
  EXPECT_EQ(upcoming[1].concert.id, today_b);
  EXPECT_EQ(upcoming[2].concert.id, december);
  EXPECT_EQ(upcoming[3].concert.id, later);
  EXPECT_EQ(upcoming[3].concert.name, "A next year");
  EXPECT_EQ(upcoming[3].concert.date, year{2027} / 1 / 2);
  for (const auto& summary : upcoming) EXPECT_NE(summary.concert.id, past);
}

TEST_P(ConcertStore, UpcomingCountsAvailableSeats) {
  const auto user = add_user();
  const auto busy = add_concert(5, Won{1}, year{2026} / 12 / 1, "Busy");
  const auto quiet = add_concert(2, Won{1}, year{2026} / 12 / 2, "Quiet");
  const auto empty = add_concert(0, Won{1}, year{2026} / 12 / 3, "Empty");
  ASSERT_TRUE(hold(busy, 1, user, kT0, 5min));
  ASSERT_TRUE(hold(busy, 2, user, kT0, 10min));
  const auto sold = hold(busy, 3, user, kT0, 10min);
  ASSERT_TRUE(sold);
  ASSERT_TRUE(applies([&](store::Tx& tx) { tx.reservations.sell_seat(*sold, kT0); }));

  const auto counts = [&](Timestamp now) {
    const auto upcoming = query([&](store::Tx& tx) {
      return tx.concerts.upcoming(std::chrono::sys_days{year{2026} / 11 / 24}, now);
    });
    std::vector<std::pair<ConcertId, std::int64_t>> out;
    for (const auto& s : upcoming) out.emplace_back(s.concert.id, s.available_seats);
    return out;
  };
  using Counts = std::vector<std::pair<ConcertId, std::int64_t>>;
  EXPECT_EQ(counts(kT0), (Counts{{busy, 2}, {quiet, 2}, {empty, 0}}));
  EXPECT_EQ(counts(kT0 + 5min), (Counts{{busy, 3}, {quiet, 2}, {empty, 0}}));
  EXPECT_EQ(counts(kT0 + 10min), (Counts{{busy, 4}, {quiet, 2}, {empty, 0}}));
}

TEST_P(ConcertStore, SalesCountSeatsSoldHeldHoldsAndRevenueOrderedByDate) {
  // A sold seat, as the payment use case leaves it: SOLD, CONFIRMED and paid in full.
  const auto sell = [&](const reservations::Reservation& held, Timestamp now) {
    return applies([&](store::Tx& tx) {
      tx.reservations.set_status(held.id, reservations::ReservationStatus::kConfirmed);
      tx.payments.insert({.id = PaymentId::random(),
                          .reservation = held.id,
                          .user = held.user,
                          .amount = held.price,
                          .created_at = now});
      tx.reservations.sell_seat(held, now);
    });
  };
  const auto user = add_user();
  const auto later = add_concert(5, Won{1000}, year{2027} / 1 / 10, "Later");
  const auto sooner = add_concert(2, Won{3000}, year{2026} / 12 / 1, "Sooner");
  const auto quiet = add_concert(0, Won{1}, year{2026} / 12 / 15, "Quiet");
  const auto paid_later = hold(later, 1, user, kT0, 5min);
  ASSERT_TRUE(paid_later);
  ASSERT_TRUE(sell(*paid_later, kT0));
  ASSERT_TRUE(hold(later, 2, user, kT0, 10min));  // live at kT0 + 5min
  ASSERT_TRUE(hold(later, 3, user, kT0, 1min));   // lapsed by then
  const auto released = hold(later, 4, user, kT0, 10min);
  ASSERT_TRUE(released);
  ASSERT_TRUE(commit([&](store::Tx& tx) { return tx.reservations.release_seat(*released, kT0); }));
  const auto paid_sooner = hold(sooner, 2, user, kT0, 5min);
  ASSERT_TRUE(paid_sooner);
  ASSERT_TRUE(sell(*paid_sooner, kT0 + 1min));

  const auto sales = query([&](store::Tx& tx) { return tx.concerts.sales(kT0 + 5min); });
  ASSERT_EQ(sales.size(), 3u);
  EXPECT_EQ(sales[0].concert.id, sooner);
  EXPECT_EQ(sales[0].concert.name, "Sooner");
  EXPECT_EQ(sales[0].concert.date, year{2026} / 12 / 1);
  EXPECT_EQ(sales[0].seat_count, 2);
  EXPECT_EQ(sales[0].sold, 1);
  EXPECT_EQ(sales[0].held, 0);
  EXPECT_EQ(sales[0].holds_total, 1);
  EXPECT_EQ(sales[0].revenue, Won{3000});
  EXPECT_EQ(sales[1].concert.id, quiet);
  EXPECT_EQ(sales[1].seat_count, 0);
  EXPECT_EQ(sales[1].sold + sales[1].held + sales[1].holds_total, 0);
  EXPECT_EQ(sales[1].revenue, Won{0});
  EXPECT_EQ(sales[2].concert.id, later);
  EXPECT_EQ(sales[2].seat_count, 5);
  EXPECT_EQ(sales[2].sold, 1);
  EXPECT_EQ(sales[2].held, 1);
  EXPECT_EQ(sales[2].holds_total, 4);
  EXPECT_EQ(sales[2].revenue, Won{1000});
  // The live hold lapses too: held counts holds live at the given time.
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.concerts.sales(kT0 + 10min); })[2].held, 0);
}

}  // namespace
}  // namespace concertd::contract
