#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "reservations/reservation.hpp"

// Rows that both adapters read alike: their Query types share these accessors
// (id<Id>, int64, won, text, timestamp; 0-based columns).
namespace concertd::store {

// Every row a bound query yields, each as `read` makes it of the row.
template <class Query, class Read>
[[nodiscard]] auto collect(Query& rows, Read read) {
  std::vector<std::invoke_result_t<Read, const Query&>> out;
  while (rows.step()) out.push_back(read(std::as_const(rows)));
  return out;
}

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
