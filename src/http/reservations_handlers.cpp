#include "http/handlers.hpp"
#include "http/json.hpp"

namespace concertd::http {
namespace {

struct Target {
  UserId owner;
  ReservationId reservation;
};

// The path's reservation.
[[nodiscard]] Result<ReservationId> path_reservation(const Request& req) {
  return path_id<ReservationTag>(req, Errc::kReservationNotFound, "no such reservation");
}

// The caller (by access or queue token) and the path's reservation.
[[nodiscard]] Result<Target> owner_and_reservation(const Context& ctx, const Request& req) {
  auto body_token = optional_body_token(req.body);
  if (!body_token) return body_token.error();
  auto user = authenticate_owner(ctx, req, *body_token);
  if (!user) return user.error();
  auto id = path_reservation(req);
  if (!id) return id.error();
  return Target{*user, *id};
}

}  // namespace

net::awaitable<Response> hold_seat(Context ctx, Request req) {
  auto request = queue_token_body(ctx, req);
  if (!request) co_return problem(request.error());
  auto in = hold_from_json(request->body);
  if (!in) co_return problem(in.error());
  // A fast reject in memory, before the pool hop: waiting fans retrying are the common
  // case under load. The service re-checks in the store.
  if (auto active = ctx.services.queue.require_active(request->claims.number); !active) {
    co_return problem(active.error());
  }
  if (auto limited = take(ctx.limits.holds, request->claims.user.to_string(), "hold attempts")) {
    co_return std::move(*limited);
  }
  auto work = [&reservations = ctx.services.reservations, entry = request->claims, seat = *in] {
    return reservations.hold(entry.user, entry.number, seat.concert, seat.seat);
  };
  co_return co_await reply_blocking(ctx, beast::http::status::created, std::move(work), &hold_json);
}

net::awaitable<Response> get_reservation(Context ctx, Request req) {
  auto target = owner_and_reservation(ctx, req);
  if (!target) co_return problem(target.error());
  auto work = [&reservations = ctx.services.reservations, t = *target] {
    return reservations.get(t.owner, t.reservation);
  };
  co_return co_await reply_blocking(ctx, beast::http::status::ok, std::move(work),
                                    &reservation_json);
}

net::awaitable<Response> cancel_reservation(Context ctx, Request req) {
  auto target = owner_and_reservation(ctx, req);
  if (!target) co_return problem(target.error());
  auto work = [&reservations = ctx.services.reservations, t = *target] {
    return reservations.cancel(t.owner, t.reservation);
  };
  co_return co_await reply_blocking(ctx, beast::http::status::ok, std::move(work),
                                    &reservation_json);
}

net::awaitable<Response> extend_reservation(Context ctx, Request req) {
  // The queue token, not the access token: it names the entry that must be ACTIVE.
  auto body_token = optional_body_token(req.body);
  if (!body_token) co_return problem(body_token.error());
  auto claims = authenticate_queue(ctx, req, *body_token);
  if (!claims) co_return problem(claims.error());
  auto id = path_reservation(req);
  if (!id) co_return problem(id.error());
  auto work = [&reservations = ctx.services.reservations, entry = *claims, rid = *id] {
    return reservations.extend(entry.user, entry.number, rid);
  };
  co_return co_await reply_blocking(ctx, beast::http::status::ok, std::move(work),
                                    &reservation_json);
}

net::awaitable<Response> list_user_reservations(Context ctx, Request req) {
  auto user = own_path_user(ctx, req);
  if (!user) co_return problem(user.error());
  auto work = [&reservations = ctx.services.reservations, id = *user] {
    return reservations.list(id);
  };
  co_return co_await reply_blocking(ctx, beast::http::status::ok, std::move(work),
                                    &reservations_json);
}

}  // namespace concertd::http
