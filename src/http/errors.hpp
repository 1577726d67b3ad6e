#pragma once

#include <boost/beast/http/status.hpp>
#include <chrono>
#include <string_view>

#include "common/error.hpp"
#include "http/message.hpp"

namespace concertd::http {

// One row of the error table: what a problem looks like on the wire. `code` is the
// stable contract code clients branch on (docs/errors.md); the problem's "type" URI is
// https://concertd.dev/problems/<code in lower case, '_' as '-'>.
struct ProblemType {
  beast::http::status status;
  std::string_view code;
  std::string_view title;
};

// The row of a business outcome. Covers every Errc (the switch has no default, so a new
// enumerator without a row fails the build).
[[nodiscard]] ProblemType problem_type(Errc code) noexcept;

// Transport-level problems, not produced by the domain.
namespace problems {
inline constexpr ProblemType kNotFound{beast::http::status::not_found, "NOT_FOUND", "Not found"};
inline constexpr ProblemType kMethodNotAllowed{beast::http::status::method_not_allowed,
                                               "METHOD_NOT_ALLOWED", "Method not allowed"};
inline constexpr ProblemType kPayloadTooLarge{beast::http::status::payload_too_large,
                                              "PAYLOAD_TOO_LARGE", "Payload too large"};
inline constexpr ProblemType kHeadersTooLarge{beast::http::status::request_header_fields_too_large,
                                              "HEADERS_TOO_LARGE",
                                              "Request header fields too large"};
inline constexpr ProblemType kUnavailable{beast::http::status::service_unavailable, "UNAVAILABLE",
                                          "Service unavailable"};
inline constexpr ProblemType kRequestTimeout{beast::http::status::request_timeout,
                                             "REQUEST_TIMEOUT", "Request timeout"};
inline constexpr ProblemType kRateLimited{beast::http::status::too_many_requests, "RATE_LIMITED",
                                          "Too many requests"};
// A queue join without the proof of work --join-pow asks for, or with one that does not hold
// (tokens::PowOutcome): get a fresh challenge and solve it.
inline constexpr ProblemType kPowRequired{beast::http::status::forbidden, "POW_REQUIRED",
                                          "Proof of work required"};
inline constexpr ProblemType kPowInvalid{beast::http::status::forbidden, "POW_INVALID",
                                         "Proof of work invalid"};
inline constexpr ProblemType kTooManyConnections{beast::http::status::service_unavailable,
                                                 "TOO_MANY_CONNECTIONS", "Too many connections"};
inline constexpr ProblemType kInternal{beast::http::status::internal_server_error, "INTERNAL",
                                       "Internal server error"};
}  // namespace problems

// An application/problem+json response. INVALID_TOKEN carries `WWW-Authenticate: Bearer`,
// UNAVAILABLE and TOO_MANY_CONNECTIONS `Retry-After: 1`. `detail` must not contain secrets, SQL or
// request bodies.
[[nodiscard]] Response problem(const ProblemType& type, std::string_view detail);
// With `Retry-After: <retry_after>` (whole seconds) instead.
[[nodiscard]] Response problem(const ProblemType& type, std::string_view detail,
                               std::chrono::seconds retry_after);
// An error with a retry_after gets that Retry-After.
[[nodiscard]] Response problem(const Error& error);
// Adds "requestId" to a problem body (made by problem()); other responses are unchanged.
// `request_id` must be of [A-Za-z0-9._-] (as Request::id is).
void add_request_id(Response& response, std::string_view request_id);
[[nodiscard]] Response problem(Errc code, std::string_view detail);

}  // namespace concertd::http
