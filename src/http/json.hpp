#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/id.hpp"
#include "common/money.hpp"
#include "concerts/concert.hpp"
#include "queue/queue_service.hpp"
#include "queue/waiting_room.hpp"
#include "reservations/reservation.hpp"
#include "store/audit.hpp"
#include "tokens/join_pow.hpp"
#include "users/user.hpp"

// DTO <-> JSON for the contract's bodies. Parsers fail with kInvalidArgument (400
// BAD_REQUEST) naming the field, except where noted; unknown fields are ignored.
namespace concertd::http {

// The body as a JSON object; an empty body, malformed JSON or a non-object is an error.
[[nodiscard]] Result<boost::json::object> parse_object(std::string_view body);

// Field accessors. "optional" ones return nullopt for an absent field (or null) but
// still reject a present field of the wrong type.
[[nodiscard]] Result<std::string_view> require_string(const boost::json::object& object,
                                                      std::string_view field);
[[nodiscard]] Result<std::optional<std::string_view>> optional_string(
    const boost::json::object& object, std::string_view field);
[[nodiscard]] Result<std::int32_t> require_int32(const boost::json::object& object,
                                                 std::string_view field);
[[nodiscard]] Result<std::int64_t> require_int64(const boost::json::object& object,
                                                 std::string_view field);
// Absent: BAD_REQUEST. Present but not a JSON integer in int64 range (1.5, 1e3, "100",
// true): kInvalidAmount. The range of a charge is the service's business.
[[nodiscard]] Result<Won> require_amount(const boost::json::object& object, std::string_view field);
[[nodiscard]] Result<Uuid> require_uuid(const boost::json::object& object, std::string_view field);
[[nodiscard]] Result<std::optional<Uuid>> optional_uuid(const boost::json::object& object,
                                                        std::string_view field);

template <class Tag>
[[nodiscard]] Result<StrongId<Tag>> require_id(const boost::json::object& object,
                                               std::string_view field) {
  auto uuid = require_uuid(object, field);
  if (!uuid) return uuid.error();
  return StrongId<Tag>(*uuid);
}

// YYYY-MM-DD naming a real calendar date.
[[nodiscard]] std::optional<std::chrono::year_month_day> parse_date(std::string_view text);
[[nodiscard]] std::string format_date(std::chrono::year_month_day date);

// Parses `body` as an object and converts it with `from_json`.
template <class T>
[[nodiscard]] Result<T> parse_body(std::string_view body,
                                   Result<T> (*from_json)(const boost::json::object&)) {
  auto object = parse_object(body);
  if (!object) return object.error();
  return from_json(*object);
}

// Request bodies.
struct Credentials {
  std::string username;
  std::string password;
};
struct QueueJoinRequest {
  UserId user;
  // The proof of work (--join-pow): empty when absent. A present powNonce is well formed
  // (tokens::JoinPow::well_formed_nonce), else BAD_REQUEST.
  std::string pow_challenge;
  std::string pow_nonce;
};
struct HoldRequest {
  ConcertId concert;
  std::int32_t seat = 0;
};
struct ChargeRequest {
  std::optional<UserId> user;  // when present, must name the path's user
  Won amount;
};
struct PaymentRequest {
  ReservationId reservation;
  Won amount;
};
struct NewConcert {
  std::string name;
  std::chrono::year_month_day date;
  std::vector<concerts::SeatSpec> seats;
};

[[nodiscard]] Result<Credentials> credentials_from_json(const boost::json::object& object);
[[nodiscard]] Result<QueueJoinRequest> queue_join_from_json(const boost::json::object& object);
// A seatNumber outside int32 is BAD_REQUEST; so is a concertId that is not a UUID.
[[nodiscard]] Result<HoldRequest> hold_from_json(const boost::json::object& object);
[[nodiscard]] Result<ChargeRequest> charge_from_json(const boost::json::object& object);
[[nodiscard]] Result<PaymentRequest> payment_from_json(const boost::json::object& object);
// Any of {paused: bool, admitRate: int, maxActive: int}; the service checks the ranges and
// that something is given.
[[nodiscard]] Result<queue::QueueService::AdmissionChange> admission_change_from_json(
    const boost::json::object& object);
// Either {concertName, date, seatCount, price} (seats 1..seatCount) or
// {concertName, date, seats: [{seatNumber, price}]}; the service checks the rest.
[[nodiscard]] Result<NewConcert> new_concert_from_json(const boost::json::object& object);

// Response bodies.

[[nodiscard]] std::string user_json(const users::User& user);
[[nodiscard]] std::string login_json(UserId user, std::string_view access_token,
                                     std::chrono::seconds expires_in);
// GET /tokens/challenge: {"challenge","bits","expiresAt"}.
[[nodiscard]] std::string pow_challenge_json(const tokens::PowChallenge& challenge, unsigned bits);
// `refresh_after_tenths`: the answer's refreshAfter, in tenths of a second.
[[nodiscard]] std::string queue_ticket_json(std::string_view token, const queue::QueueView& view,
                                            std::int64_t refresh_after_tenths);
// Allocation-light (the status poll is the hot path): one string, no DOM on the heap.
[[nodiscard]] std::string queue_view_json(const queue::QueueView& view,
                                          std::int64_t refresh_after_tenths);
// {paused, admitRate, maxActive, waiting, active, admittedTotal}: GET/PATCH /admin/queue.
[[nodiscard]] std::string admission_json(const queue::QueueService::AdmissionState& state);
[[nodiscard]] std::string concerts_json(const std::vector<concerts::ConcertSummary>& concerts);
[[nodiscard]] std::string seats_json(const std::vector<concerts::SeatView>& seats);
[[nodiscard]] std::string hold_json(const reservations::Reservation& reservation);
[[nodiscard]] std::string reservation_json(const reservations::Reservation& reservation);
// The fields of reservation_json plus the concert's "concertName" and "date".
[[nodiscard]] std::string reservations_json(
    const std::vector<reservations::ReservationListing>& listed);
[[nodiscard]] std::string new_balance_json(Won balance);
[[nodiscard]] std::string current_balance_json(Won balance);
[[nodiscard]] std::string payment_json(PaymentId payment);
[[nodiscard]] std::string concert_created_json(ConcertId concert);
[[nodiscard]] std::string sales_json(const std::vector<concerts::ConcertSales>& sales);
[[nodiscard]] std::string audit_json(const store::AuditReport& report);
[[nodiscard]] std::string status_json(std::string_view status);

}  // namespace concertd::http
