#include "http/handlers.hpp"
#include "http/json.hpp"
#include "http/seat_map_cache.hpp"

namespace concertd::http {

net::awaitable<Response> list_concerts(Context ctx, Request /*req*/) {
  auto work = [&concerts = ctx.services.concerts] { return concerts.upcoming(); };
  co_return co_await reply_blocking(ctx, beast::http::status::ok, std::move(work), &concerts_json);
}

net::awaitable<Response> list_seats(Context ctx, Request req) {
  auto concert = path_id<ConcertTag>(req, Errc::kConcertNotFound, "no such concert");
  if (!concert) co_return problem(concert.error());
  const auto text = co_await ctx.seat_maps.get(*concert);
  if (!text) co_return problem(text.error());
  co_return json_response(beast::http::status::ok, std::string(**text));
}

}  // namespace concertd::http
