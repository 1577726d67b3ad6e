#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "http/handler.hpp"

namespace concertd::http {

struct RouteInfo {
  std::string_view method;   // "GET"
  std::string_view pattern;  // "/api/v1/concerts/{concertId}/seats"
};

// Every API route (not the static files), in matching order.
[[nodiscard]] std::span<const RouteInfo> route_table() noexcept;

// What the router makes of a method and a percent-encoded path, before any handler runs.
struct RouteMatch {
  std::optional<std::size_t> route;    // the index in route_table() of the first match
  bool path_known = false;             // some route has this path (another method: 405)
  decltype(Request::params) params{};  // the route's {param} segments, views into the path
};
[[nodiscard]] RouteMatch find_route(beast::http::verb method, std::string_view path);

// Finds the route of `req` (method + path template) and runs its handler.
// Unknown path: 404 NOT_FOUND; known path, other method: 405 METHOD_NOT_ALLOWED with
// `Allow`. A handler's StoreUnavailable becomes 503 UNAVAILABLE (Retry-After: 1), any
// other exception 500 INTERNAL; each is logged once, without bodies or tokens. A GET that
// matches no route may name a static file. Every answer gets the request's id in its
// problem body, an access log line and a sample in the request series.
// `req` must stay valid until the returned awaitable completes.
net::awaitable<Response> handle_request(Context ctx, Request req);

// The request series in the Prometheus text format (for GET /metrics).
void append_request_metrics(std::string& out);

}  // namespace concertd::http
