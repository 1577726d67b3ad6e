#include "concerts/concert_service.hpp"

#include <algorithm>
#include <unordered_set>

namespace concertd::concerts {
namespace {

constexpr Won kMaxPrice{10'000'000};
constexpr std::size_t kMaxNameBytes = 200;

struct DemoConcert {
  const char* name;
  int days_ahead;
  std::int32_t seats;
  std::int32_t vip_seats;  // the first rows, at the higher price
  Won price;
  Won vip_price;
};

constexpr DemoConcert kDemoConcerts[] = {
    {"IU HEREH World Tour - Seoul", 7, 300, 60, Won{99'000}, Won{154'000}},
    {"BTS Yet To Come - Busan", 14, 400, 80, Won{110'000}, Won{165'000}},
    {"Seoul Philharmonic: Mahler 5", 30, 200, 40, Won{50'000}, Won{120'000}},
};

Error invalid(std::string detail) { return make_error(Errc::kInvalidArgument, std::move(detail)); }

Result<void> validate(const std::string& name, const std::vector<SeatSpec>& seats) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return invalid("concertName must be 1-200 bytes");
  }
  if (seats.empty() || seats.size() > ConcertService::kMaxSeats) {
    return invalid("a concert has 1-100000 seats");
  }
  std::unordered_set<std::int32_t> numbers;
  for (const auto& seat : seats) {
    if (seat.number <= 0) return invalid("seat numbers start at 1");
    if (seat.price < Won{0} || seat.price > kMaxPrice) {
      return invalid("seat prices are 0-10000000 won");
    }
    if (!numbers.insert(seat.number).second) return invalid("seat numbers must be unique");
  }
  return {};
}

}  // namespace

ConcertService::ConcertService(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<ConcertId> ConcertService::create(std::string name, std::chrono::year_month_day date,
                                         std::vector<SeatSpec> seats) {
  if (!date.ok()) return invalid("date is not a calendar date");
  if (auto valid = validate(name, seats); !valid) return valid.error();
  std::ranges::sort(seats, {}, &SeatSpec::number);
  const Concert concert{ConcertId::random(), std::move(name), date};
  db_.write([&](store::Tx& tx) {
    tx.concerts.insert(concert, seats);
    return true;
  });
  return concert.id;
}

std::vector<ConcertSummary> ConcertService::upcoming() {
  const auto now = clock_.now();
  const auto today = std::chrono::floor<std::chrono::days>(now);
  return store::read(db_, [&](store::Tx& tx) { return tx.concerts.upcoming(today, now); });
}

std::vector<ConcertSales> ConcertService::sales() {
  const auto now = clock_.now();
  return store::read(db_, [&](store::Tx& tx) { return tx.concerts.sales(now); });
}

bool ConcertService::sold_out() {
  const auto today =
      std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(clock_.now()));
  bool any = false;
  for (const auto& concert : sales()) {
    if (concert.concert.date < today) continue;
    if (concert.sold < concert.seat_count) return false;
    any = true;
  }
  return any;
}

Result<SeatMap> ConcertService::seat_map(ConcertId id) {
  const auto now = clock_.now();
  // Taken before the snapshot: a change committed after it bumps the generation, so a
  // cache comparing generations does not take this map for newer than it is.
  const auto generation = seats_generation(id);
  std::optional<std::vector<SeatView>> seats;
  std::optional<Timestamp> lapse;
  db_.read([&](store::Tx& tx) {
    seats = tx.concerts.seats(id, now);
    if (seats) lapse = tx.concerts.next_hold_lapse(id, now);
  });
  if (!seats) return make_error(Errc::kConcertNotFound, "no such concert");
  return SeatMap{.seats = std::move(*seats),
                 .as_of = now,
                 .valid_until = lapse.value_or(Timestamp::max()),
                 .generation = generation};
}

void ConcertService::seats_changed(ConcertId id) {
  const std::lock_guard lock(generations_mutex_);
  ++generations_[id];
}

std::uint64_t ConcertService::seats_generation(ConcertId id) const {
  const std::lock_guard lock(generations_mutex_);
  const auto it = generations_.find(id);
  return it == generations_.end() ? 0 : it->second;
}

bool ConcertService::seed_demo() {
  const auto today = std::chrono::floor<std::chrono::days>(clock_.now());
  return store::write(db_, [&](store::Tx& tx) {
    if (tx.concerts.any()) return false;
    for (const auto& demo : kDemoConcerts) {
      std::vector<SeatSpec> seats;
      seats.reserve(static_cast<std::size_t>(demo.seats));
      for (std::int32_t n = 1; n <= demo.seats; ++n) {
        seats.push_back({n, n <= demo.vip_seats ? demo.vip_price : demo.price});
      }
      const Concert concert{
          ConcertId::random(), demo.name,
          std::chrono::year_month_day{today + std::chrono::days{demo.days_ahead}}};
      tx.concerts.insert(concert, seats);
    }
    return true;
  });
}

}  // namespace concertd::concerts
