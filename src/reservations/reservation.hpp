#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/id.hpp"
#include "common/money.hpp"

namespace concertd::reservations {

// Stored status. A HELD reservation whose expires_at has passed reads EXPIRED
// (see effective_status) even before the sweeper rewrites it.
enum class ReservationStatus { kHeld, kConfirmed, kExpired, kCancelled };

// The contract's spelling, used in JSON and in every store's tables.
[[nodiscard]] constexpr std::string_view to_string(ReservationStatus status) noexcept {
  switch (status) {
    case ReservationStatus::kHeld:
      return "HELD";
    case ReservationStatus::kConfirmed:
      return "CONFIRMED";
    case ReservationStatus::kExpired:
      return "EXPIRED";
    case ReservationStatus::kCancelled:
      return "CANCELLED";
  }
  return "EXPIRED";
}

// nullopt for text that spells no status.
[[nodiscard]] constexpr std::optional<ReservationStatus> parse_reservation_status(
    std::string_view text) {
  for (auto status : {ReservationStatus::kHeld, ReservationStatus::kConfirmed,
                      ReservationStatus::kExpired, ReservationStatus::kCancelled}) {
    if (to_string(status) == text) return status;
  }
  return std::nullopt;
}

struct Reservation {
  ReservationId id;
  UserId user;
  ConcertId concert;
  std::int32_t seat_number = 0;
  Won price;
  ReservationStatus status = ReservationStatus::kHeld;
  Timestamp created_at;
  Timestamp expires_at;
  bool extended = false;  // its hold was extended (at most once)
};

// A reservation with what a fan's list shows of its concert.
struct ReservationListing {
  Reservation reservation;
  std::string concert_name;
  std::chrono::year_month_day concert_date;
};

[[nodiscard]] inline ReservationStatus effective_status(const Reservation& r, Timestamp now) {
  if (r.status == ReservationStatus::kHeld && r.expires_at <= now) {
    return ReservationStatus::kExpired;
  }
  return r.status;
}

// What a hold is decided on, read with the user's row lock (ReservationStore::lock_holder).
struct HoldGate {
  bool entry_active = false;      // the queue entry is the user's, ACTIVE and unexpired
  std::int64_t live_holds = 0;    // seats the user holds under holds that have not lapsed
  std::optional<Won> seat_price;  // nullopt: no such seat
  bool seat_sold = false;
  std::optional<Timestamp> seat_held_until;  // the seat is HELD, its hold lapsing then
};

// Whether the gate's seat may be held at `now`: not sold, and free or its hold lapsed.
[[nodiscard]] inline bool seat_free(const HoldGate& gate, Timestamp now) {
  return !gate.seat_sold && (!gate.seat_held_until || *gate.seat_held_until <= now);
}

class ReservationStore {
 public:
  virtual ~ReservationStore() = default;
  // Locks the user's row until the transaction ends, which serializes the user's holds
  // and payments, and reads in the same statement whether queue entry `queue_number` is
  // the user's and ACTIVE at `now`, the user's live holds (HELD reservations unexpired at
  // `now`: a seat and its reservation change together in every use case), and the price and
  // state of seat `seat` of `concert` (locked too). nullopt when the user does not exist.
  [[nodiscard]] virtual std::optional<HoldGate> lock_holder(UserId user, std::int64_t queue_number,
                                                            ConcertId concert, std::int32_t seat,
                                                            Timestamp now) = 0;
  // The hold itself, after lock_holder in the same transaction found the seat free at
  // `now`: one conditional write that takes the seat of `reservation` only when it is FREE
  // or its hold lapsed (hold_expires_at <= now), then `reservation` inserted. A determined
  // write (see store/sql/write.hpp): it may reach the database only with the commit, and
  // when it does not take the seat the transaction commits nothing and throws LostRace.
  virtual void hold(const Reservation& reservation, Timestamp now) = 0;
  [[nodiscard]] virtual std::optional<Reservation> find(ReservationId id) = 0;
  // The user's reservations, newest (created_at) first, at most `limit`, with their stored
  // statuses (a lapsed hold may still read HELD: see effective_status).
  [[nodiscard]] virtual std::vector<ReservationListing> of_user(UserId user, std::size_t limit) = 0;
  // Conditional: only while the seat is HELD by `reservation` and unexpired at `now`.
  [[nodiscard]] virtual bool release_seat(const Reservation& reservation, Timestamp now) = 0;
  // The same condition, after a gate that read `reservation` HELD and unexpired at `now`
  // under its row lock: the seat SOLD and the reservation CONFIRMED. A determined write, as
  // hold(): when the condition does not hold, the transaction commits nothing (LostRace).
  virtual void sell_seat(const Reservation& reservation, Timestamp now) = 0;
  // Moves a live hold's expiry (the seat's and the reservation's) to `expires_at`, once:
  // only while the seat is HELD by `reservation` unexpired at `now` and the reservation
  // is HELD and not yet extended. True when this call extended it.
  [[nodiscard]] virtual bool extend_hold(const Reservation& reservation, Timestamp now,
                                         Timestamp expires_at) = 0;
  virtual void set_status(ReservationId id, ReservationStatus status) = 0;
  // Frees seats whose hold lapsed and marks their reservations EXPIRED; returns how many.
  virtual std::size_t sweep_lapsed(Timestamp now) = 0;
};

}  // namespace concertd::reservations
