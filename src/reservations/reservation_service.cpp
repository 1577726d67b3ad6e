#include "reservations/reservation_service.hpp"

#include "common/metrics.hpp"

namespace concertd::reservations {
namespace {

// The owner's reservation, or why the caller may not see it.
Result<Reservation> find_owned(store::Tx& tx, UserId user, ReservationId id) {
  auto found = tx.reservations.find(id);
  if (!found) return make_error(Errc::kReservationNotFound, "no such reservation");
  if (found->user != user) return make_error(Errc::kForbidden, "not your reservation");
  return std::move(*found);
}

}  // namespace

ReservationService::ReservationService(store::Database& db, concerts::ConcertService& concerts,
                                       const Clock& clock, std::chrono::seconds hold_ttl)
    : db_(db), concerts_(concerts), clock_(clock), hold_ttl_(hold_ttl) {}

Result<Reservation> ReservationService::hold(UserId user, std::int64_t queue_number,
                                             ConcertId concert, std::int32_t seat) {
  const auto now = clock_.now();
  Reservation reservation{ReservationId::random(),  user, concert,        seat, Won{},
                          ReservationStatus::kHeld, now,  now + hold_ttl_};
  auto held = store::write(db_, [&](store::Tx& tx) -> Result<Reservation> {
    // Serializes this user's holds, so that two at once cannot both pass the limit.
    if (!tx.users.lock(user)) return make_error(Errc::kUserNotFound, "no such user");
    if (!tx.queue.is_active(queue_number, user, now)) {
      return make_error(Errc::kQueueNotActive, "your place in the queue is not active");
    }
    if (tx.reservations.live_holds(user, now) >= kHoldLimit) {
      return make_error(Errc::kHoldLimit, "you already hold the most unpaid seats allowed (4)");
    }
    const auto price = tx.reservations.try_hold_seat(concert, seat, reservation.id, user, now,
                                                     reservation.expires_at);
    if (!price) {
      if (!tx.reservations.seat_exists(concert, seat)) {
        return make_error(Errc::kSeatNotFound, "no such seat");
      }
      return make_error(Errc::kSeatUnavailable, "the seat is sold or held by someone else");
    }
    reservation.price = *price;
    tx.reservations.insert(reservation);
    return reservation;
  });
  if (held) {
    concerts_.seats_changed(concert);
    metrics::registry().holds.add();
  }
  return held;
}

Result<Reservation> ReservationService::get(UserId user, ReservationId id) {
  const auto now = clock_.now();
  auto found = store::read(db_, [&](store::Tx& tx) { return find_owned(tx, user, id); });
  if (found) found->status = effective_status(*found, now);
  return found;
}

std::vector<ReservationListing> ReservationService::list(UserId user) {
  const auto now = clock_.now();
  auto listed =
      store::read(db_, [&](store::Tx& tx) { return tx.reservations.of_user(user, kListLimit); });
  for (auto& item : listed) {
    item.reservation.status = effective_status(item.reservation, now);
  }
  return listed;
}

Result<Reservation> ReservationService::cancel(UserId user, ReservationId id) {
  const auto now = clock_.now();
  auto cancelled = store::write(db_, [&](store::Tx& tx) -> Result<Reservation> {
    auto found = find_owned(tx, user, id);
    if (!found) return found;
    switch (effective_status(*found, now)) {
      case ReservationStatus::kConfirmed:
        return make_error(Errc::kAlreadyPaid, "a paid reservation cannot be cancelled");
      case ReservationStatus::kExpired:
      case ReservationStatus::kCancelled:
        return make_error(Errc::kHoldExpired, "the hold has already ended");
      case ReservationStatus::kHeld:
        break;
    }
    if (!tx.reservations.release_seat(*found, now)) {
      return make_error(Errc::kHoldExpired, "the hold has already ended");
    }
    tx.reservations.set_status(id, ReservationStatus::kCancelled);
    found->status = ReservationStatus::kCancelled;
    return found;
  });
  if (cancelled) concerts_.seats_changed(cancelled->concert);
  return cancelled;
}

std::size_t ReservationService::sweep() {
  const auto now = clock_.now();
  return store::write(db_, [&](store::Tx& tx) { return tx.reservations.sweep_lapsed(now); });
}

}  // namespace concertd::reservations
