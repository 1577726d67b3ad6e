#pragma once

#include <optional>
#include <string_view>

#include "queue/queue_entry.hpp"
#include "reservations/reservation.hpp"

// How every store spells the status enums in its tables; one spelling for all, so that
// the adapters agree and the schema's CHECK constraints can name the values.
namespace concertd::store {

[[nodiscard]] constexpr std::string_view to_text(queue::QueueStatus status) noexcept {
  switch (status) {
    case queue::QueueStatus::kWaiting:
      return "WAITING";
    case queue::QueueStatus::kActive:
      return "ACTIVE";
    case queue::QueueStatus::kExpired:
      return "EXPIRED";
  }
  return "?";
}

[[nodiscard]] constexpr std::string_view to_text(reservations::ReservationStatus status) noexcept {
  switch (status) {
    case reservations::ReservationStatus::kHeld:
      return "HELD";
    case reservations::ReservationStatus::kConfirmed:
      return "CONFIRMED";
    case reservations::ReservationStatus::kExpired:
      return "EXPIRED";
    case reservations::ReservationStatus::kCancelled:
      return "CANCELLED";
  }
  return "?";
}

// nullopt for text no status is spelled as (a corrupt row).
[[nodiscard]] constexpr std::optional<queue::QueueStatus> queue_status(std::string_view text) {
  using enum queue::QueueStatus;
  for (auto status : {kWaiting, kActive, kExpired}) {
    if (to_text(status) == text) return status;
  }
  return std::nullopt;
}

[[nodiscard]] constexpr std::optional<reservations::ReservationStatus> reservation_status(
    std::string_view text) {
  using enum reservations::ReservationStatus;
  for (auto status : {kHeld, kConfirmed, kExpired, kCancelled}) {
    if (to_text(status) == text) return status;
  }
  return std::nullopt;
}

}  // namespace concertd::store
