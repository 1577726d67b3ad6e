#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "concerts/concert_service.hpp"
#include "reservations/reservation.hpp"
#include "store/database.hpp"

namespace concertd::reservations {

class ReservationService final {
 public:
  static constexpr std::int64_t kHoldLimit = 4;
  // The most reservations list() returns.
  static constexpr std::size_t kListLimit = 100;

  // Tells `concerts` of every hold and release, for its seat-map cache.
  ReservationService(store::Database& db, concerts::ConcertService& concerts, const Clock& clock,
                     std::chrono::seconds hold_ttl);

  // Holds a seat for hold_ttl when queue entry `queue_number` is the user's and ACTIVE.
  // kQueueNotActive, kSeatNotFound, kSeatUnavailable, kHoldLimit.
  [[nodiscard]] Result<Reservation> hold(UserId user, std::int64_t queue_number, ConcertId concert,
                                         std::int32_t seat);
  // The reservation with its effective status. kReservationNotFound, kForbidden.
  [[nodiscard]] Result<Reservation> get(UserId user, ReservationId id);
  // The user's kListLimit most recent reservations, newest first, with their effective
  // statuses and concerts. Empty for a user without any (or unknown).
  [[nodiscard]] std::vector<ReservationListing> list(UserId user);
  // Releases a HELD seat now. kReservationNotFound, kForbidden, kAlreadyPaid, kHoldExpired.
  [[nodiscard]] Result<Reservation> cancel(UserId user, ReservationId id);
  // Extends the user's live hold once, by hold_ttl from its current expiry, while queue
  // entry `queue_number` is the user's and ACTIVE. kReservationNotFound, kForbidden,
  // kAlreadyPaid, kHoldExpired, kAlreadyExtended (also for the loser of two at once),
  // kQueueNotActive.
  [[nodiscard]] Result<Reservation> extend(UserId user, std::int64_t queue_number,
                                           ReservationId id);
  // Frees seats whose hold lapsed; returns how many. A lapsed hold's seat reads as
  // available already, so this changes no seat map.
  std::size_t sweep();

 private:
  store::Database& db_;
  concerts::ConcertService& concerts_;
  const Clock& clock_;
  std::chrono::seconds hold_ttl_;
};

}  // namespace concertd::reservations
