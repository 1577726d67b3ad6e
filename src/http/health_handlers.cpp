#include "http/handlers.hpp"
#include "http/json.hpp"

namespace concertd::http {

Response healthz(const Context& /*ctx*/, const Request& /*req*/) {
  return json_response(beast::http::status::ok, status_json("ok"));
}

net::awaitable<Response> readyz(Context ctx, Request /*req*/) {
  auto work = [&db = ctx.services.db] { return db.ready(); };
  const bool ready = co_await run_blocking(ctx.blocking, std::move(work));
  if (!ready) co_return problem(problems::kUnavailable, "the database is not answering");
  co_return json_response(beast::http::status::ok, status_json("ready"));
}

}  // namespace concertd::http
