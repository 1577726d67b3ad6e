#include "http/handlers.hpp"
#include "http/json.hpp"
#include "http/queue_events.hpp"

namespace concertd::http {
namespace {

// nullopt when the join's proof of work holds (or none is asked for), else the problem.
std::optional<Response> refuse_pow(const Context& ctx, const QueueJoinRequest& in) {
  auto& pow = ctx.services.join_pow;
  if (!pow.enabled()) return std::nullopt;
  switch (pow.verify(in.user, in.pow_challenge, in.pow_nonce)) {
    case tokens::PowOutcome::kAccepted:
      return std::nullopt;
    case tokens::PowOutcome::kMissing:
      return problem(problems::kPowRequired,
                     "this join needs powChallenge and powNonce: GET /api/v1/tokens/challenge");
    case tokens::PowOutcome::kForged:
      return problem(problems::kPowInvalid, "powChallenge was not issued for this user");
    case tokens::PowOutcome::kExpired:
      return problem(problems::kPowInvalid, "powChallenge has expired");
    case tokens::PowOutcome::kWrongNonce:
      return problem(problems::kPowInvalid, "powNonce does not solve powChallenge");
    case tokens::PowOutcome::kReplayed:
      return problem(problems::kPowInvalid, "powChallenge was used already");
  }
  return problem(problems::kInternal, "an internal error occurred");
}

// The queue token of a status poll or stream: the body's, the query's or the Bearer one.
Result<tokens::QueueClaims> status_claims(const Context& ctx, const Request& req) {
  auto body_token = optional_body_token(req.body);
  if (!body_token) return body_token.error();
  return authenticate_queue(ctx, req, *body_token);
}

}  // namespace

// In memory, on the io thread: one random draw and one HMAC.
Response join_challenge(const Context& ctx, const Request& req) {
  const auto text = query_param(req, "userId");
  if (!text) return problem(Errc::kInvalidArgument, "the userId query parameter is required");
  const auto user = UserId::parse(*text);
  if (!user) return problem(Errc::kInvalidArgument, "userId must be a UUID");
  const auto& pow = ctx.services.join_pow;
  return json_response(beast::http::status::ok, pow_challenge_json(pow.issue(*user), pow.bits()));
}

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
  if (auto refused = refuse_pow(ctx, *in)) co_return std::move(*refused);
  auto work = [&queue = ctx.services.queue, id = *user] { return queue.join(id); };
  auto ticket = co_await run_blocking(ctx.blocking, std::move(work));
  if (!ticket) co_return problem(ticket.error());
  const std::string token = ctx.services.tokens.issue_queue(*user, ticket->entry.number);
  co_return json_response(
      ticket->created ? beast::http::status::created : beast::http::status::ok,
      queue_ticket_json(token, ticket->view,
                        refresh_after_tenths(ticket->view, ticket->entry.number)));
}

// The hot path: every waiting fan polls it. In memory only, on the io thread; without a
// body (the usual poll) it parses no JSON.
Response queue_status(const Context& ctx, const Request& req) {
  auto claims = status_claims(ctx, req);
  if (!claims) return problem(claims.error());
  const auto view = ctx.services.queue.status(claims->number);
  return json_response(beast::http::status::ok,
                       queue_view_json(view, refresh_after_tenths(view, claims->number)));
}

// Authenticated as a status poll; the stream itself is the server's (QueueEvents).
Response queue_events(const Context& ctx, const Request& req) {
  auto claims = status_claims(ctx, req);
  if (!claims) return problem(claims.error());
  return open_event_stream(claims->number, ctx.services.queue.status(claims->number),
                           req.last_event_id);
}

// Idempotent: 204 whether this call ended the entry or it had ended already.
net::awaitable<Response> leave_queue(Context ctx, Request req) {
  auto body_token = optional_body_token(req.body);
  if (!body_token) co_return problem(body_token.error());
  auto claims = authenticate_queue(ctx, req, *body_token);
  if (!claims) co_return problem(claims.error());
  auto work = [&queue = ctx.services.queue, c = *claims] { return queue.leave(c.user, c.number); };
  (void)co_await run_blocking(ctx.blocking, std::move(work));
  co_return Response{.status = beast::http::status::no_content,
                     .body = {},
                     .content_type = kJson,
                     .cache_control = "no-store",
                     .code = {},
                     .headers = {}};
}

}  // namespace concertd::http
