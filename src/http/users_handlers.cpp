#include <fmt/format.h>

#include "common/log.hpp"
#include "http/handlers.hpp"
#include "http/json.hpp"

namespace concertd::http {

net::awaitable<Response> sign_up(Context ctx, Request req) {
  if (auto limited = take(ctx.limits.signup, req.client_key, "sign-ups from one address")) {
    co_return std::move(*limited);
  }
  auto in = parse_body(req.body, &credentials_from_json);
  if (!in) co_return problem(in.error());
  auto work = [&users = ctx.services.users, credentials = std::move(*in)] {
    return users.sign_up(credentials.username, credentials.password);
  };
  auto user = co_await run_blocking(ctx.hashing, std::move(work));
  if (!user) co_return problem(user.error());
  co_return json_response(beast::http::status::created, user_json(*user));
}

net::awaitable<Response> log_in(Context ctx, Request req) {
  // Counts failed logins per address: a success gives its token back below.
  if (auto limited = take(ctx.limits.login, req.client_key, "failed logins from one address")) {
    co_return std::move(*limited);
  }
  auto in = parse_body(req.body, &credentials_from_json);
  if (!in) co_return problem(in.error());
  const std::string username = in->username;
  auto work = [&users = ctx.services.users, credentials = std::move(*in)] {
    return users.authenticate(credentials.username, credentials.password);
  };
  auto user = co_await run_blocking(ctx.hashing, std::move(work));
  if (!user) {
    // Credential stuffing shows as many of these: the name tried, never the password.
    if (user.error().code == Errc::kBadCredentials) {
      audit(req, "login_failed", fmt::format(R"("username":{})", log::quote(username)));
    }
    co_return problem(user.error());
  }
  ctx.limits.login.give_back(req.client_key);
  // Signing is CPU-only and cheap: no need to hop back to the pool.
  const std::string token = ctx.services.tokens.issue_access(*user);
  co_return json_response(beast::http::status::ok,
                          login_json(*user, token, tokens::TokenService::kAccessTtl));
}

}  // namespace concertd::http
