#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/id.hpp"
#include "common/money.hpp"

namespace concertd::concerts {

struct Concert {
  ConcertId id;
  std::string name;
  std::chrono::year_month_day date;
};

struct SeatSpec {
  std::int32_t number = 0;
  Won price;
};

struct ConcertSummary {
  Concert concert;
  std::int64_t available_seats = 0;
};

// A concert's sales at one moment, for the operator console.
struct ConcertSales {
  Concert concert;
  std::int64_t seat_count = 0;
  std::int64_t sold = 0;         // seats SOLD
  std::int64_t held = 0;         // seats under a hold that has not lapsed
  std::int64_t holds_total = 0;  // reservations ever made: every hold makes one
  Won revenue;                   // the sum of the concert's successful payments
};

// A seat as a fan sees it: available when neither sold nor under an unexpired hold.
struct SeatView {
  std::int32_t number = 0;
  bool available = false;
  Won price;
};

class ConcertStore {
 public:
  virtual ~ConcertStore() = default;
  // Inserts the concert and all its seats (FREE).
  virtual void insert(const Concert& concert, std::span<const SeatSpec> seats) = 0;
  // Concerts dated on or after `from`, ordered by date then name.
  [[nodiscard]] virtual std::vector<ConcertSummary> upcoming(std::chrono::sys_days from,
                                                             Timestamp now) = 0;
  // Seats ordered by number; nullopt when the concert does not exist.
  [[nodiscard]] virtual std::optional<std::vector<SeatView>> seats(ConcertId id, Timestamp now) = 0;
  // When the first hold of the concert that is live at `now` lapses (a seat becomes
  // available with no write); nullopt when none is live.
  [[nodiscard]] virtual std::optional<Timestamp> next_hold_lapse(ConcertId id, Timestamp now) = 0;
  // Every concert, past ones too, ordered by date then name, with its sales at `now`.
  [[nodiscard]] virtual std::vector<ConcertSales> sales(Timestamp now) = 0;
  [[nodiscard]] virtual bool any() = 0;
};

}  // namespace concertd::concerts
