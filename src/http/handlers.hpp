#pragma once

#include "http/handler.hpp"

// The route handlers, one file per module. Each answers its contract section of
// /work/shared/spec/contract.md; the route table is in router.cpp.
namespace concertd::http {

// users_handlers.cpp
net::awaitable<Response> sign_up(Context ctx, Request req);
net::awaitable<Response> log_in(Context ctx, Request req);

// queue_handlers.cpp
Response join_challenge(const Context& ctx, const Request& req);
net::awaitable<Response> join_queue(Context ctx, Request req);
Response queue_status(const Context& ctx, const Request& req);
net::awaitable<Response> leave_queue(Context ctx, Request req);
Response queue_events(const Context& ctx, const Request& req);

// concerts_handlers.cpp
net::awaitable<Response> list_concerts(Context ctx, Request req);
net::awaitable<Response> list_seats(Context ctx, Request req);

// reservations_handlers.cpp
net::awaitable<Response> hold_seat(Context ctx, Request req);
net::awaitable<Response> get_reservation(Context ctx, Request req);
net::awaitable<Response> cancel_reservation(Context ctx, Request req);
net::awaitable<Response> extend_reservation(Context ctx, Request req);
net::awaitable<Response> list_user_reservations(Context ctx, Request req);

// payments_handlers.cpp
net::awaitable<Response> charge_balance(Context ctx, Request req);
net::awaitable<Response> get_user_balance(Context ctx, Request req);
net::awaitable<Response> get_balance(Context ctx, Request req);
net::awaitable<Response> pay(Context ctx, Request req);

// admin_handlers.cpp
net::awaitable<Response> create_concert(Context ctx, Request req);
net::awaitable<Response> list_sales(Context ctx, Request req);
Response queue_admission(const Context& ctx, const Request& req);
net::awaitable<Response> change_queue_admission(Context ctx, Request req);
net::awaitable<Response> audit_invariants(Context ctx, Request req);

// operating_handlers.cpp
Response healthz(const Context& ctx, const Request& req);
net::awaitable<Response> readyz(Context ctx, Request req);
net::awaitable<Response> metrics(Context ctx, Request req);
Response openapi(const Context& ctx, const Request& req);

}  // namespace concertd::http
