#include "reservations/reservation_service.hpp"

#include <string>
#include <string_view>

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

// Ok while `r` is a live hold at `now`; otherwise why it is not (`ending`: what the caller
// tried, for the detail).
Result<void> require_live_hold(const Reservation& r, Timestamp now, std::string_view ending) {
  switch (effective_status(r, now)) {
    case ReservationStatus::kConfirmed:
      return make_error(Errc::kAlreadyPaid, "a paid reservation cannot be " + std::string(ending));
    case ReservationStatus::kExpired:
    case ReservationStatus::kCancelled:
      return make_error(Errc::kHoldExpired, "the hold has already ended");
    case ReservationStatus::kHeld:
      break;
  }
  return {};
}

Error already_extended() {
  return make_error(Errc::kAlreadyExtended, "a hold can be extended only once");
}

Result<void> require_extendable(const Reservation& r, Timestamp now) {
  if (auto live = require_live_hold(r, now, "extended"); !live) return live;
  if (r.extended) return already_extended();
  return {};
}

}  // namespace

ReservationService::ReservationService(store::Database& db, concerts::ConcertService& concerts,
                                       const Clock& clock, std::chrono::seconds hold_ttl)
    : db_(db), concerts_(concerts), clock_(clock), hold_ttl_(hold_ttl) {}

Result<Reservation> ReservationService::hold(UserId user, std::int64_t queue_number,
                                             ConcertId concert, std::int32_t seat) {
  const auto now = clock_.now();
  Reservation reservation{.id = ReservationId::random(),
                          .user = user,
                          .concert = concert,
                          .seat_number = seat,
                          .price = Won{},
                          .status = ReservationStatus::kHeld,
                          .created_at = now,
                          .expires_at = now + hold_ttl_,
                          .extended = false};
  auto held = store::write(db_, [&](store::Tx& tx) -> Result<Reservation> {
    // Serializes this user's holds, so that two at once cannot both pass the limit; the
    // entry, the live holds and the seat are read with the lock, after any earlier hold
    // of the user committed, and stay locked until the commit.
    const auto gate = tx.reservations.lock_holder(user, queue_number, concert, seat, now);
    if (!gate) return make_error(Errc::kUserNotFound, "no such user");
    if (!gate->entry_active) {
      return make_error(Errc::kQueueNotActive, "your place in the queue is not active");
    }
    if (gate->live_holds >= kHoldLimit) {
      return make_error(Errc::kHoldLimit, "you already hold the most unpaid seats allowed (4)");
    }
    if (!gate->seat_price) return make_error(Errc::kSeatNotFound, "no such seat");
    if (!seat_free(*gate, now)) {
      return make_error(Errc::kSeatUnavailable, "the seat is sold or held by someone else");
    }
    // The gate locked the seat: its write now takes it (else it throws LostRace).
    reservation.price = *gate->seat_price;
    tx.reservations.hold(reservation, now);
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
    if (auto live = require_live_hold(*found, now, "cancelled"); !live) return live.error();
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

Result<Reservation> ReservationService::extend(UserId user, std::int64_t queue_number,
                                               ReservationId id) {
  const auto now = clock_.now();
  auto extended = store::write(db_, [&](store::Tx& tx) -> Result<Reservation> {
    auto found = find_owned(tx, user, id);
    if (!found) return found;
    if (auto extendable = require_extendable(*found, now); !extendable) {
      return extendable.error();
    }
    if (!tx.queue.is_active(queue_number, user, now)) {
      return make_error(Errc::kQueueNotActive, "your place in the queue is not active");
    }
    // The conditional write settles a race: of two extensions read above as not yet
    // extended, the second changes no row (its WHERE sees the first's commit). What won
    // (an extension, a payment, a cancellation) is read again for the answer.
    const auto expires_at = found->expires_at + hold_ttl_;
    if (!tx.reservations.extend_hold(*found, now, expires_at)) {
      const auto now_found = tx.reservations.find(id);
      if (now_found) {
        if (auto extendable = require_extendable(*now_found, now); !extendable) {
          return extendable.error();
        }
      }
      return already_extended();
    }
    found->expires_at = expires_at;
    found->extended = true;
    return found;
  });
  if (extended) metrics::registry().hold_extensions.add();
  return extended;
}

std::size_t ReservationService::sweep() {
  const auto now = clock_.now();
  return store::write(db_, [&](store::Tx& tx) { return tx.reservations.sweep_lapsed(now); });
}

}  // namespace concertd::reservations
