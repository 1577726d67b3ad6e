#include "http/handlers.hpp"
#include "http/json.hpp"

namespace concertd::http {
namespace {

std::string copy_text(const std::shared_ptr<const std::string>& text) { return *text; }

}  // namespace

net::awaitable<Response> list_concerts(Context ctx, Request /*req*/) {
  auto work = [&concerts = ctx.services.concerts] { return concerts.upcoming(); };
  co_return co_await reply_blocking(ctx, beast::http::status::ok, std::move(work), &concerts_json);
}

net::awaitable<Response> list_seats(Context ctx, Request req) {
  auto concert = path_id<ConcertTag>(req, Errc::kConcertNotFound, "no such concert");
  if (!concert) co_return problem(concert.error());
  auto work = [&concerts = ctx.services.concerts, id = *concert] {
    return concerts.rendered_seats(id, &seats_json);
  };
  co_return co_await reply_blocking(ctx, beast::http::status::ok, std::move(work), &copy_text);
}

}  // namespace concertd::http
