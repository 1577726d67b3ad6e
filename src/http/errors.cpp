#include "http/errors.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

namespace concertd::http {

ProblemType problem_type(Errc code) noexcept {
  using beast::http::status;
  switch (code) {
    case Errc::kInvalidArgument:
      return {status::bad_request, "BAD_REQUEST", "Bad request"};
    case Errc::kInvalidAmount:
      return {status::bad_request, "INVALID_AMOUNT", "Invalid amount"};
    case Errc::kAmountMismatch:
      return {status::bad_request, "AMOUNT_MISMATCH", "Amount does not match the price"};
    case Errc::kUsernameTaken:
      return {status::conflict, "USERNAME_TAKEN", "Username taken"};
    case Errc::kBadCredentials:
      return {status::unauthorized, "BAD_CREDENTIALS", "Bad credentials"};
    case Errc::kInvalidToken:
      return {status::unauthorized, "INVALID_TOKEN", "Invalid token"};
    case Errc::kForbidden:
      return {status::forbidden, "FORBIDDEN", "Forbidden"};
    case Errc::kQueueNotActive:
      return {status::forbidden, "QUEUE_NOT_ACTIVE", "Queue entry not active"};
    case Errc::kConcertNotFound:
      return {status::not_found, "CONCERT_NOT_FOUND", "Concert not found"};
    case Errc::kSeatNotFound:
      return {status::not_found, "SEAT_NOT_FOUND", "Seat not found"};
    case Errc::kReservationNotFound:
      return {status::not_found, "RESERVATION_NOT_FOUND", "Reservation not found"};
    case Errc::kUserNotFound:
      return {status::not_found, "USER_NOT_FOUND", "User not found"};
    case Errc::kSeatUnavailable:
      return {status::conflict, "SEAT_UNAVAILABLE", "Seat unavailable"};
    case Errc::kHoldLimit:
      return {status::conflict, "HOLD_LIMIT", "Hold limit reached"};
    case Errc::kHoldExpired:
      return {status::conflict, "HOLD_EXPIRED", "Hold expired"};
    case Errc::kAlreadyPaid:
      return {status::conflict, "ALREADY_PAID", "Already paid"};
    case Errc::kAlreadyExtended:
      return {status::conflict, "ALREADY_EXTENDED", "Hold already extended"};
    case Errc::kInsufficientBalance:
      return {status::payment_required, "INSUFFICIENT_BALANCE", "Insufficient balance"};
    case Errc::kIdempotencyKeyReused:
      return {status::unprocessable_entity, "IDEMPOTENCY_KEY_REUSED",
              "Idempotency key reused with a different request"};
    case Errc::kLoginLocked:
      return {status::too_many_requests, "LOGIN_LOCKED", "Too many failed logins"};
  }
  // Only reachable with a value outside the enumeration: a bug, answered as one.
  return problems::kInternal;
}

Response problem(const ProblemType& type, std::string_view detail) {
  std::string uri = "https://concertd.dev/problems/";
  for (const char c : type.code) {
    uri.push_back(c == '_' ? '-' : static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  const boost::json::object body{{"type", uri},
                                 {"title", type.title},
                                 {"status", static_cast<unsigned>(type.status)},
                                 {"detail", detail},
                                 {"code", type.code}};
  Response response{.status = type.status,
                    .body = boost::json::serialize(body),
                    .content_type = kProblemJson,
                    .code = type.code};
  if (type.code == problem_type(Errc::kInvalidToken).code) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  } else if (type.code == problems::kUnavailable.code ||
             type.code == problems::kTooManyConnections.code) {
    response.headers.emplace_back("Retry-After", "1");
  }
  return response;
}

void add_request_id(Response& response, std::string_view request_id) {
  // The body was serialized by problem() above: an object, so it ends with '}'. A request
  // id is of [A-Za-z0-9._-] only and needs no escaping.
  if (response.code.empty() || !response.body.ends_with('}')) return;
  response.body.pop_back();
  response.body += R"(,"requestId":")";
  response.body += request_id;
  response.body += "\"}";
}

Response problem(const Error& error) {
  if (error.retry_after.count() > 0) {
    return problem(problem_type(error.code), error.detail, error.retry_after);
  }
  return problem(problem_type(error.code), error.detail);
}

Response problem(const ProblemType& type, std::string_view detail,
                 std::chrono::seconds retry_after) {
  Response response = problem(type, detail);
  std::erase_if(response.headers, [](const auto& header) { return header.first == "Retry-After"; });
  response.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
  return response;
}

Response problem(Errc code, std::string_view detail) { return problem(problem_type(code), detail); }

}  // namespace concertd::http
