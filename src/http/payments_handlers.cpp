#include "http/handlers.hpp"
#include "http/json.hpp"

namespace concertd::http {
namespace {

Error not_yours() { return make_error(Errc::kForbidden, "not the access token's user"); }

// GET /balances names its user in ?userId= or in a JSON body {"userId"}; without either
// it means the token's own user.
[[nodiscard]] Result<std::optional<std::string>> balance_user_text(const Request& req) {
  if (auto text = query_param(req, "userId")) return text;
  if (req.body.empty()) return std::optional<std::string>();
  auto object = parse_object(req.body);
  if (!object) return object.error();
  auto text = optional_string(*object, "userId");
  if (!text) return text.error();
  if (!*text) return std::optional<std::string>();
  return std::optional<std::string>(std::string(**text));
}

net::awaitable<Response> reply_balance(Context ctx, UserId user) {
  auto work = [&balances = ctx.services.balances, user] { return balances.balance(user); };
  co_return co_await reply_blocking(ctx, beast::http::status::ok, std::move(work),
                                    &current_balance_json);
}

}  // namespace

net::awaitable<Response> charge_balance(Context ctx, Request req) {
  auto user = own_path_user(ctx, req);
  if (!user) co_return problem(user.error());
  auto key = idempotency_key(req);
  if (!key) co_return problem(key.error());
  auto in = parse_body(req.body, &charge_from_json);
  if (!in) co_return problem(in.error());
  if (in->user && *in->user != *user) co_return problem(not_yours());
  auto work = [&balances = ctx.services.balances, id = *user, amount = in->amount,
               key = std::move(*key)] { return balances.charge(id, amount, key); };
  co_return co_await reply_blocking(ctx, beast::http::status::ok, std::move(work),
                                    &new_balance_json);
}

net::awaitable<Response> get_user_balance(Context ctx, Request req) {
  auto user = own_path_user(ctx, req);
  if (!user) co_return problem(user.error());
  co_return co_await reply_balance(ctx, *user);
}

net::awaitable<Response> get_balance(Context ctx, Request req) {
  auto user = authenticate_access(ctx, req);
  if (!user) co_return problem(user.error());
  auto text = balance_user_text(req);
  if (!text) co_return problem(text.error());
  if (*text) {
    const auto named = UserId::parse(**text);
    if (!named) co_return problem(Errc::kInvalidArgument, "userId must be a UUID");
    if (*named != *user) co_return problem(not_yours());
  }
  co_return co_await reply_balance(ctx, *user);
}

net::awaitable<Response> pay(Context ctx, Request req) {
  auto request = queue_token_body(ctx, req);
  if (!request) co_return problem(request.error());
  auto key = idempotency_key(req);
  if (!key) co_return problem(key.error());
  auto in = payment_from_json(request->body);
  if (!in) co_return problem(in.error());
  auto work = [&payments = ctx.services.payments, user = request->claims.user, payment = *in,
               key = std::move(*key)] {
    return payments.pay(user, payment.reservation, payment.amount, key);
  };
  co_return co_await reply_blocking(ctx, beast::http::status::created, std::move(work),
                                    &payment_json);
}

}  // namespace concertd::http
