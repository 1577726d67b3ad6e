#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "concerts/concert.hpp"
#include "store/database.hpp"

namespace concertd::concerts {

class ConcertService final {
 public:
  static constexpr std::size_t kMaxSeats = 100'000;

  ConcertService(store::Database& db, const Clock& clock);

  // kInvalidArgument: empty or over-long name, no seats, more than kMaxSeats, seat
  // numbers not positive or repeated, prices not 0..10,000,000 won.
  [[nodiscard]] Result<ConcertId> create(std::string name, std::chrono::year_month_day date,
                                         std::vector<SeatSpec> seats);
  // Concerts from today (UTC) on, ordered by date.
  [[nodiscard]] std::vector<ConcertSummary> upcoming();
  // kConcertNotFound.
  [[nodiscard]] Result<std::vector<SeatView>> seats(ConcertId id);
  // On an empty database, creates a few upcoming concerts with a few hundred seats
  // each; returns false when there were concerts already.
  bool seed_demo();

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace concertd::concerts
