#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "concerts/concert.hpp"
#include "store/database.hpp"

namespace concertd::concerts {

// Renders a seat map as its answer (the HTTP adapter's JSON).
using SeatRenderer = std::string (*)(const std::vector<SeatView>&);

class ConcertService final {
 public:
  static constexpr std::size_t kMaxSeats = 100'000;

  // `max_cache_age`: how long a rendered seat map may be served without a read, for a
  // store that other nodes write too (their holds do not reach seats_changed here);
  // nullopt for a store only this process writes.
  ConcertService(store::Database& db, const Clock& clock,
                 std::optional<std::chrono::milliseconds> max_cache_age = std::nullopt);

  // kInvalidArgument: empty or over-long name, no seats, more than kMaxSeats, seat
  // numbers not positive or repeated, prices not 0..10,000,000 won.
  [[nodiscard]] Result<ConcertId> create(std::string name, std::chrono::year_month_day date,
                                         std::vector<SeatSpec> seats);
  // Concerts from today (UTC) on, ordered by date.
  [[nodiscard]] std::vector<ConcertSummary> upcoming();
  // Every concert's sales now, ordered by date (the operator console's report).
  [[nodiscard]] std::vector<ConcertSales> sales();
  // The concert's seats ordered by number, rendered by `render`, from a cache per concert. A
  // rendering is served until seats_changed(id), until the first of the concert's live holds lapses
  // (its seat turns available with no write), and at most max_cache_age. Thread-safe.
  // kConcertNotFound.
  [[nodiscard]] Result<std::shared_ptr<const std::string>> rendered_seats(ConcertId id,
                                                                          SeatRenderer render);
  // Called after a commit that changed whether a seat of `id` is available (a hold or
  // a release): the next rendered_seats reads the store again. Thread-safe.
  void seats_changed(ConcertId id);
  // On an empty database, creates a few upcoming concerts with a few hundred seats
  // each; returns false when there were concerts already.
  bool seed_demo();

 private:
  struct CachedSeats {
    std::uint64_t generation = 0;  // bumped by seats_changed
    SeatRenderer render = nullptr;
    std::shared_ptr<const std::string> text;  // null: nothing cached
    Timestamp valid_until;
  };

  store::Database& db_;
  const Clock& clock_;
  std::optional<std::chrono::milliseconds> max_cache_age_;
  std::mutex cache_mutex_;
  std::unordered_map<ConcertId, CachedSeats> cache_;  // guarded by cache_mutex_
};

}  // namespace concertd::concerts
