#include "http/router.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <exception>
#include <variant>

#include "common/log.hpp"
#include "http/handlers.hpp"

namespace concertd::http {
namespace {

using beast::http::verb;

struct Route {
  verb method;
  std::string_view pattern;  // "/a/{param}/b": a {name} segment matches any non-empty segment
  std::variant<SyncHandler, AsyncHandler> handler;
};

// The contract's section 3, except /metrics and /openapi.json.
constexpr std::array kRoutes{
    Route{verb::post, "/api/v1/users", &sign_up},
    Route{verb::post, "/api/v1/auth/login", &log_in},
    Route{verb::post, "/api/v1/tokens", &join_queue},
    Route{verb::get, "/api/v1/queue/status", &queue_status},
    Route{verb::get, "/api/v1/concerts", &list_concerts},
    Route{verb::get, "/api/v1/concerts/{concertId}/seats", &list_seats},
    Route{verb::post, "/api/v1/reservations", &hold_seat},
    Route{verb::get, "/api/v1/reservations/{reservationId}", &get_reservation},
    Route{verb::delete_, "/api/v1/reservations/{reservationId}", &cancel_reservation},
    Route{verb::post, "/api/v1/users/{userId}/balance", &charge_balance},
    Route{verb::get, "/api/v1/users/{userId}/balance", &get_user_balance},
    Route{verb::get, "/api/v1/users/{userId}/reservations", &list_user_reservations},
    Route{verb::get, "/api/v1/balances", &get_balance},
    Route{verb::post, "/api/v1/payments", &pay},
    Route{verb::post, "/api/v1/admin/concerts", &create_concert},
    Route{verb::get, "/api/v1/admin/sales", &list_sales},
    Route{verb::get, "/api/v1/admin/queue", &queue_admission},
    Route{verb::patch, "/api/v1/admin/queue", &change_queue_admission},
    Route{verb::get, "/healthz", &healthz},
    Route{verb::get, "/readyz", &readyz},
};

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
  response.headers.emplace_back(beast::http::field::allow, std::move(allow));
  return response;
}

void log_failure(const Request& req, std::string_view route, const Response& response,
                 std::string_view error) {
  // JSON-escaped; domain and store exceptions carry no SQL, tokens or bodies.
  spdlog::error(
      R"("event":"request_failed","request_id":{},"method":"{}","route":"{}","status":{},"error":{})",
      req.id, beast::http::to_string(req.method), route, static_cast<unsigned>(response.status),
      log::quote(error));
}

void log_done(const Request& req, std::string_view route, const Response& response,
              std::chrono::steady_clock::time_point start) {
  if (!spdlog::should_log(spdlog::level::debug)) return;
  const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
  spdlog::debug(
      R"("event":"request","request_id":{},"method":"{}","route":"{}","status":{},"ms":{:.3f})",
      req.id, beast::http::to_string(req.method), route, static_cast<unsigned>(response.status),
      took.count());
}

}  // namespace

net::awaitable<Response> handle_request(Context ctx, Request req) {
  const auto start = std::chrono::steady_clock::now();
  const Route* route = nullptr;
  bool path_known = false;
  for (const Route& candidate : kRoutes) {
    Params params{};
    if (!match(candidate.pattern, req.path, params)) continue;
    path_known = true;
    if (candidate.method == req.method) {
      route = &candidate;
      req.params = params;
      break;
    }
  }
  if (route == nullptr) {
    Response response = path_known ? method_not_allowed(req.path)
                                   : problem(problems::kNotFound, "no such endpoint");
    log_done(req, "unmatched", response, start);
    co_return response;
  }

  Response response;
  try {
    if (const auto* sync = std::get_if<SyncHandler>(&route->handler)) {
      response = (*sync)(ctx, req);
    } else {
      response = co_await std::get<AsyncHandler>(route->handler)(ctx, req);
    }
  } catch (const StoreUnavailable& e) {
    response = problem(problems::kUnavailable, "the database is unavailable; retry shortly");
    log_failure(req, route->pattern, response, e.what());
  } catch (const std::exception& e) {
    response = problem(problems::kInternal, "an internal error occurred");
    log_failure(req, route->pattern, response, e.what());
  } catch (...) {
    response = problem(problems::kInternal, "an internal error occurred");
    log_failure(req, route->pattern, response, "unknown exception");
  }
  log_done(req, route->pattern, response, start);
  co_return response;
}

}  // namespace concertd::http
