#pragma once

#include <cstdint>
#include <string_view>

#include "reservations/reservation.hpp"

// Rows that both adapters read alike: their Query types share these accessors
// (id<Id>, int64, won, text, timestamp; 0-based columns).
namespace concertd::store {

// Columns: id, user_id, concert_id, seat_number, price, status, created_at,
// expires_at. `status` parses the stored status, throwing the adapter's error when unknown.
template <class Row>
[[nodiscard]] reservations::Reservation read_reservation(
    const Row& row, reservations::ReservationStatus (*status)(std::string_view)) {
  return reservations::Reservation{.id = row.template id<ReservationId>(0),
                                   .user = row.template id<UserId>(1),
                                   .concert = row.template id<ConcertId>(2),
                                   .seat_number = static_cast<std::int32_t>(row.int64(3)),
                                   .price = row.won(4),
                                   .status = status(row.text(5)),
                                   .created_at = row.timestamp(6),
                                   .expires_at = row.timestamp(7)};
}

}  // namespace concertd::store
