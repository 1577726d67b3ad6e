#pragma once

#include <array>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/url/url_view.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "queue/waiting_room.hpp"

namespace concertd::http {

namespace beast = boost::beast;

// A request as handlers see it: views into the message the connection read, which it
// keeps alive (and unchanged) until the handler's response is complete. Built by the
// server so that handler files need none of Beast's parser or serializer templates.
struct Request {
  // X-Request-Id: the client's when well-formed (1..64 of [A-Za-z0-9._-]), else one the
  // server made; in every response, problem body and log line of the request.
  std::string_view id;
  // The client's address: the peer's, or X-Forwarded-For's behind a trusted proxy.
  std::string_view client;
  std::string_view client_key;  // what per-client limits count by (see client_key())
  beast::http::verb method = beast::http::verb::unknown;
  boost::urls::url_view target;    // the parsed origin-form request target
  std::string_view path;           // percent-encoded, without the query
  std::string_view authorization;  // empty when absent
  std::optional<std::string_view> idempotency_key;
  std::optional<std::string_view> admin_key;  // X-Admin-Key
  std::string_view if_none_match;             // empty when absent
  std::string_view last_event_id;             // Last-Event-ID (an event stream's reconnect)
  std::string_view body;
  std::array<std::string_view, 1> params{};  // path template parameters, in order
};

inline constexpr std::string_view kJson = "application/json";
inline constexpr std::string_view kProblemJson = "application/problem+json";

// A response that is an event stream (GET /queue/events): the entry, the view its events
// last carried, and whether QueueEvents follows it (else it ends with this response).
struct EventStream {
  std::int64_t number = 0;
  queue::QueueView sent;
  bool follow = false;
};

struct Response {
  beast::http::status status = beast::http::status::ok;
  std::string body{};
  std::string_view content_type = kJson;  // static storage
  std::string_view cache_control = "no-store";
  std::string_view code{};  // a problem's `code`, for the access log; empty otherwise
  std::vector<std::pair<std::string_view, std::string>> headers{};  // name (static), value
  // Set: the body is (the start of) an event stream, delimited by the connection's close;
  // after writing it the server closes the connection or hands it to QueueEvents.
  std::optional<EventStream> stream{};
};

[[nodiscard]] inline Response json_response(beast::http::status status, std::string body) {
  return Response{.status = status, .body = std::move(body)};
}

}  // namespace concertd::http
