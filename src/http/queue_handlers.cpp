#include "http/handlers.hpp"
#include "http/json.hpp"

namespace concertd::http {

net::awaitable<Response> join_queue(Context ctx, Request req) {
  if (auto limited = take(ctx.limits.tokens, req.client_key, "queue tokens for one address")) {
    co_return std::move(*limited);
  }
  auto user = authenticate_access(ctx, req);
  if (!user) co_return problem(user.error());
  auto in = parse_body(req.body, &queue_join_from_json);
  if (!in) co_return problem(in.error());
  if (in->user != *user) {
    co_return problem(Errc::kForbidden, "userId must be the access token's user");
  }
  auto work = [&queue = ctx.services.queue, id = *user] { return queue.join(id); };
  auto ticket = co_await run_blocking(ctx.blocking, std::move(work));
  if (!ticket) co_return problem(ticket.error());
  const std::string token = ctx.services.tokens.issue_queue(*user, ticket->entry.number);
  co_return json_response(ticket->created ? beast::http::status::created : beast::http::status::ok,
                          queue_ticket_json(token, ticket->view));
}

// The hot path: every waiting fan polls it. In memory only, on the io thread; without a
// body (the usual poll) it parses no JSON.
Response queue_status(const Context& ctx, const Request& req) {
  auto body_token = optional_body_token(req.body);
  if (!body_token) return problem(body_token.error());
  auto claims = authenticate_queue(ctx, req, *body_token);
  if (!claims) return problem(claims.error());
  return json_response(beast::http::status::ok,
                       queue_view_json(ctx.services.queue.status(claims->number)));
}

}  // namespace concertd::http
