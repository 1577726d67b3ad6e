#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "concerts/concert.hpp"
#include "store/database.hpp"

namespace concertd::concerts {

// A concert's seats as one read saw them.
struct SeatMap {
  std::vector<SeatView> seats;  // ordered by number
  Timestamp as_of;              // the `now` of the read
  // When the first of the concert's holds live at as_of lapses: its seat turns available with
  // no write, so the map is wrong from then on. Timestamp::max() when none is live.
  Timestamp valid_until;
  // seats_generation(id) taken before the read: the map reflects every change whose
  // seats_changed came before, and may miss any after (the generation is higher by then).
  std::uint64_t generation = 0;
};

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
  // Every concert's sales now, ordered by date (the operator console's report).
  [[nodiscard]] std::vector<ConcertSales> sales();
  // True when there are upcoming concerts and every seat of each is SOLD: nothing is left to
  // wait for (a held seat may still come back, so it is not sold out). One read.
  [[nodiscard]] bool sold_out();
  // The concert's seats now, one read. kConcertNotFound.
  [[nodiscard]] Result<SeatMap> seat_map(ConcertId id);
  // Called after a commit that changed whether a seat of `id` is available (a hold or a
  // release): bumps the concert's generation. Thread-safe.
  void seats_changed(ConcertId id);
  // How many seats_changed(id) calls this process made; 0 for a concert never changed.
  // Other processes writing the same store do not count. Thread-safe, no store access.
  [[nodiscard]] std::uint64_t seats_generation(ConcertId id) const;
  // On an empty database, creates a few upcoming concerts with a few hundred seats
  // each; returns false when there were concerts already.
  bool seed_demo();

 private:
  store::Database& db_;
  const Clock& clock_;
  mutable std::mutex generations_mutex_;
  std::unordered_map<ConcertId, std::uint64_t> generations_;  // guarded by generations_mutex_
};

}  // namespace concertd::concerts
