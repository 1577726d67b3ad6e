#include "http/handlers.hpp"
#include "http/json.hpp"

namespace concertd::http {
namespace {

// Time depends only on the length of `given` (the caller's input), never on where the
// first difference is or on the length of `expected`.
[[nodiscard]] bool constant_time_equal(std::string_view given, std::string_view expected) {
  if (expected.empty()) return false;
  unsigned diff = given.size() == expected.size() ? 0U : 1U;
  for (std::size_t i = 0; i < given.size(); ++i) {
    const unsigned a = static_cast<unsigned char>(given[i]);
    const unsigned b = static_cast<unsigned char>(expected[i % expected.size()]);
    diff |= a ^ b;
  }
  return diff == 0;
}

[[nodiscard]] Result<void> require_admin(const Context& ctx, const Request& req) {
  const auto& expected = ctx.services.admin_key;
  if (!expected || expected->empty()) {
    return make_error(Errc::kForbidden, "the admin API is disabled (start with --admin-key)");
  }
  if (!req.admin_key || !constant_time_equal(*req.admin_key, *expected)) {
    return make_error(Errc::kForbidden, "a valid X-Admin-Key header is required");
  }
  return {};
}

}  // namespace

net::awaitable<Response> create_concert(Context ctx, Request req) {
  if (auto admin = require_admin(ctx, req); !admin) co_return problem(admin.error());
  auto in = parse_body(req.body, &new_concert_from_json);
  if (!in) co_return problem(in.error());
  auto work = [&concerts = ctx.services.concerts, concert = std::move(*in)]() mutable {
    return concerts.create(std::move(concert.name), concert.date, std::move(concert.seats));
  };
  co_return co_await reply_blocking(ctx, beast::http::status::created, std::move(work),
                                    &concert_created_json);
}

net::awaitable<Response> list_sales(Context ctx, Request req) {
  if (auto admin = require_admin(ctx, req); !admin) co_return problem(admin.error());
  auto work = [&concerts = ctx.services.concerts] { return concerts.sales(); };
  co_return co_await reply_blocking(ctx, beast::http::status::ok, std::move(work), &sales_json);
}

}  // namespace concertd::http
