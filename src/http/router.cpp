#include "http/router.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <optional>
#include <variant>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "http/exposition.hpp"
#include "http/handlers.hpp"

namespace concertd::http {
namespace {

using beast::http::verb;

struct Route {
  constexpr Route(verb m, std::string_view p, std::variant<SyncHandler, AsyncHandler> h,
                  bool feeds_admission = false)
      : method(m), pattern(p), handler(h), booking(feeds_admission) {}

  verb method;
  std::string_view pattern;  // "/a/{param}/b": a {name} segment matches any non-empty segment
  std::variant<SyncHandler, AsyncHandler> handler;
  // A hold or a payment: its answers feed the adaptive admit rate (observe_booking).
  bool booking = false;
};

// The contract's section 3. Pages and Swagger UI's files are served from StaticFiles.
constexpr std::array kRoutes{
    Route{verb::post, "/api/v1/users", &sign_up},
    Route{verb::post, "/api/v1/auth/login", &log_in},
    Route{verb::get, "/api/v1/tokens/challenge", &join_challenge},
    Route{verb::post, "/api/v1/tokens", &join_queue},
    Route{verb::get, "/api/v1/queue/status", &queue_status},
    Route{verb::delete_, "/api/v1/queue/entry", &leave_queue},
    Route{verb::get, "/api/v1/queue/events", &queue_events},
    Route{verb::get, "/api/v1/concerts", &list_concerts},
    Route{verb::get, "/api/v1/concerts/{concertId}/seats", &list_seats},
    Route{verb::post, "/api/v1/reservations", &hold_seat, true},
    Route{verb::get, "/api/v1/reservations/{reservationId}", &get_reservation},
    Route{verb::delete_, "/api/v1/reservations/{reservationId}", &cancel_reservation},
    Route{verb::post, "/api/v1/reservations/{reservationId}/extend", &extend_reservation},
    Route{verb::post, "/api/v1/users/{userId}/balance", &charge_balance},
    Route{verb::get, "/api/v1/users/{userId}/balance", &get_user_balance},
    Route{verb::get, "/api/v1/users/{userId}/reservations", &list_user_reservations},
    Route{verb::get, "/api/v1/balances", &get_balance},
    Route{verb::post, "/api/v1/payments", &pay, true},
    Route{verb::post, "/api/v1/admin/concerts", &create_concert},
    Route{verb::get, "/api/v1/admin/sales", &list_sales},
    Route{verb::get, "/api/v1/admin/queue", &queue_admission},
    Route{verb::patch, "/api/v1/admin/queue", &change_queue_admission},
    Route{verb::get, "/api/v1/admin/audit", &audit_invariants},
    Route{verb::get, "/healthz", &healthz},
    Route{verb::get, "/readyz", &readyz},
    Route{verb::get, "/metrics", &metrics},
    Route{verb::get, "/openapi.json", &openapi},
};

const std::array<RouteInfo, kRoutes.size()>& route_infos() {
  static const auto table = [] {
    std::array<RouteInfo, kRoutes.size()> infos{};
    for (std::size_t i = 0; i < kRoutes.size(); ++i) {
      infos[i] = {beast::http::to_string(kRoutes[i].method), kRoutes[i].pattern};
    }
    return infos;
  }();
  return table;
}

// Request series: one per route and status class (2xx..5xx), then static files, then
// requests that matched nothing.
constexpr std::size_t kStaticSeries = kRoutes.size();
constexpr std::size_t kUnmatchedSeries = kRoutes.size() + 1;
constexpr std::size_t kStatusClasses = 4;
std::array<std::array<metrics::Histogram, kStatusClasses>, kRoutes.size() + 2> request_series;

std::size_t status_class(beast::http::status status) {
  const auto hundreds = static_cast<unsigned>(status) / 100;
  return hundreds < 2 ? 0 : std::min<std::size_t>(hundreds - 2, kStatusClasses - 1);
}

using Params = decltype(Request::params);

// Matches `path` segment by segment against `pattern`, capturing {param} segments.
bool match(std::string_view pattern, std::string_view path, Params& params) {
  std::size_t captured = 0;
  for (;;) {
    if (pattern.empty() || path.empty()) return pattern.empty() && path.empty();
    if (pattern.front() != '/' || path.front() != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const std::string_view expected = pattern.substr(0, pattern.find('/'));
    const std::string_view segment = path.substr(0, path.find('/'));
    if (expected.starts_with('{')) {
      if (segment.empty() || captured == params.size()) return false;
      params[captured++] = segment;
    } else if (expected != segment) {
      return false;
    }
    pattern.remove_prefix(expected.size());
    path.remove_prefix(segment.size());
  }
}

Response method_not_allowed(std::string_view path) {
  std::string allow;
  for (const Route& route : kRoutes) {
    Params ignored{};
    if (!match(route.pattern, path, ignored)) continue;
    if (!allow.empty()) allow += ", ";
    allow += beast::http::to_string(route.method);
  }
  Response response = problem(problems::kMethodNotAllowed, "allowed methods: " + allow);
  response.headers.emplace_back("Allow", std::move(allow));
  return response;
}

void log_failure(const Request& req, std::string_view route, const Response& response,
                 std::string_view error) {
  // JSON-escaped; domain and store exceptions carry no SQL, tokens or bodies.
  spdlog::error(
      R"("event":"request_failed","request_id":"{}","method":"{}","route":"{}","status":{},"error":{})",
      req.id, beast::http::to_string(req.method), route, static_cast<unsigned>(response.status),
      log::quote(error));
}

// The access log line and the request series of one answered request.
void record(const Context& ctx, const Request& req, std::size_t series, std::string_view route,
            const Response& response, std::chrono::steady_clock::time_point start) {
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  if (series < kRoutes.size() && kRoutes[series].booking) {
    ctx.services.queue.observe_booking(took, static_cast<unsigned>(response.status) >= 500);
  }
  if (ctx.options.metrics) {
    request_series[series][status_class(response.status)].observe(
        static_cast<std::uint64_t>(took.count()));
  }
  if (!ctx.options.access_log) return;
  const std::string user =
      ctx.notes != nullptr && ctx.notes->user ? ctx.notes->user->to_string() : std::string();
  // Only what identifies the request: never a token, key, body or amount.
  log::access(
      R"("event":"access","request_id":"{}","client":"{}","method":"{}","route":"{}","status":{},"ms":{:.3f},"user_id":"{}","code":"{}")",
      req.id, req.client, beast::http::to_string(req.method), route,
      static_cast<unsigned>(response.status), static_cast<double>(took.count()) / 1000.0, user,
      response.code);
}

// What a handler's exception is answered with: 503 for StoreUnavailable, else 500; logged.
Response failure(const Request& req, const Route& route, const std::exception_ptr& error) {
  Response response;
  try {
    std::rethrow_exception(error);
  } catch (const StoreUnavailable& e) {
    metrics::registry().store_unavailable.add();
    response = problem(problems::kUnavailable, "the database is unavailable; retry shortly");
    log_failure(req, route.pattern, response, e.what());
  } catch (const std::exception& e) {
    response = problem(problems::kInternal, "an internal error occurred");
    log_failure(req, route.pattern, response, e.what());
  } catch (...) {
    response = problem(problems::kInternal, "an internal error occurred");
    log_failure(req, route.pattern, response, "unknown exception");
  }
  return response;
}

}  // namespace

std::span<const RouteInfo> route_table() noexcept { return route_infos(); }

RouteMatch find_route(verb method, std::string_view path) {
  RouteMatch found;
  for (std::size_t i = 0; i < kRoutes.size(); ++i) {
    Params params{};
    if (!match(kRoutes[i].pattern, path, params)) continue;
    found.path_known = true;
    if (kRoutes[i].method == method) {
      found.route = i;
      found.params = params;
      break;
    }
  }
  return found;
}

net::awaitable<Response> handle_request(Context ctx, Request req) {
  const auto start = std::chrono::steady_clock::now();
  RequestNotes notes;
  ctx.notes = &notes;
  // HEAD is GET without the body (RFC 9110 §9.3.2): the server leaves the body out.
  const verb asked = req.method;
  if (asked == verb::head) req.method = verb::get;
  const auto [route, path_known, params] = find_route(req.method, req.path);
  req.params = params;

  Response response;
  std::size_t series = kUnmatchedSeries;
  std::string_view label = "unmatched";
  if (route) {
    series = *route;
    label = kRoutes[*route].pattern;
    // In this frame, not a coroutine of its own: a status poll (sync) allocates none.
    const Route& matched = kRoutes[*route];
    std::exception_ptr error;
    try {
      if (const auto* sync = std::get_if<SyncHandler>(&matched.handler)) {
        response = (*sync)(ctx, req);
      } else {
        response = co_await std::get<AsyncHandler>(matched.handler)(ctx, req);
      }
    } catch (...) {
      error = std::current_exception();
    }
    if (error) response = failure(req, matched, error);
  } else if (path_known) {
    response = method_not_allowed(req.path);
  } else if (const auto* file =
                 req.method == verb::get ? ctx.services.files.find(req.path) : nullptr) {
    series = kStaticSeries;
    label = "static";
    response = serve_file(*file, req.if_none_match);
  } else {
    response = problem(problems::kNotFound, "no such endpoint");
  }
  add_request_id(response, req.id);
  req.method = asked;
  record(ctx, req, series, label, response, start);
  co_return response;
}

void append_request_metrics(std::string& out) {
  static constexpr std::string_view kName = "concertd_http_request_duration_seconds";
  static constexpr std::array<std::string_view, kStatusClasses> kClasses{"2xx", "3xx", "4xx",
                                                                         "5xx"};
  exposition::family(out, kName, "histogram",
                     "Requests by route template, method and status class, and their latency");
  for (std::size_t s = 0; s < request_series.size(); ++s) {
    const bool api = s < kRoutes.size();
    const std::string_view route = api                  ? kRoutes[s].pattern
                                   : s == kStaticSeries ? std::string_view("static")
                                                        : std::string_view("unmatched");
    const std::string_view method = api                  ? route_infos()[s].method
                                    : s == kStaticSeries ? std::string_view("GET")
                                                         : std::string_view("*");
    for (std::size_t c = 0; c < kStatusClasses; ++c) {
      const auto& h = request_series[s][c];
      if (h.count() == 0) continue;
      exposition::histogram(out, kName,
                            exposition::label("route", route) + "," +
                                exposition::label("method", method) + "," +
                                exposition::label("status", kClasses[c]),
                            h);
    }
  }
}

}  // namespace concertd::http
