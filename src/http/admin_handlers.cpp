#include <fmt/format.h>

#include "common/log.hpp"
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
    audit(req, "admin_denied", fmt::format(R"("route":{})", log::quote(req.path)));
    return make_error(Errc::kForbidden, "a valid X-Admin-Key header is required");
  }
  return {};
}

}  // namespace

net::awaitable<Response> create_concert(Context ctx, Request req) {
  if (auto admin = require_admin(ctx, req); !admin) co_return problem(admin.error());
  auto in = parse_body(req.body, &new_concert_from_json);
  if (!in) co_return problem(in.error());
  const std::string name = in->name;
  const std::size_t seats = in->seats.size();
  auto work = [&concerts = ctx.services.concerts, concert = std::move(*in)]() mutable {
    return concerts.create(std::move(concert.name), concert.date, std::move(concert.seats));
  };
  auto created = co_await run_blocking(ctx.blocking, std::move(work));
  if (!created) co_return problem(created.error());
  audit(req, "concert_create",
        fmt::format(R"("concertId":"{}","concertName":{},"seatCount":{})", created->to_string(),
                    log::quote(name), seats));
  co_return json_response(beast::http::status::created, concert_created_json(*created));
}

// In memory only: the settings in force on this node and its counters.
Response queue_admission(const Context& ctx, const Request& req) {
  if (auto admin = require_admin(ctx, req); !admin) return problem(admin.error());
  return json_response(beast::http::status::ok, admission_json(ctx.services.queue.admission()));
}

net::awaitable<Response> change_queue_admission(Context ctx, Request req) {
  if (auto admin = require_admin(ctx, req); !admin) co_return problem(admin.error());
  auto in = parse_body(req.body, &admission_change_from_json);
  if (!in) co_return problem(in.error());
  auto work = [&queue = ctx.services.queue, change = *in] {
    return queue.change_admission(change);
  };
  auto state = co_await run_blocking(ctx.blocking, std::move(work));
  if (!state) co_return problem(state.error());
  audit(req, "queue_update",
        fmt::format(R"("paused":{},"admitRate":{},"maxActive":{})", state->settings.paused,
                    state->settings.admit_rate, state->settings.max_active));
  co_return json_response(beast::http::status::ok, admission_json(*state));
}

net::awaitable<Response> list_sales(Context ctx, Request req) {
  if (auto admin = require_admin(ctx, req); !admin) co_return problem(admin.error());
  auto work = [&concerts = ctx.services.concerts] { return concerts.sales(); };
  co_return co_await reply_blocking(ctx, beast::http::status::ok, std::move(work), &sales_json);
}

// Contract §4 checked against the database now: the same report as `concertd audit`.
net::awaitable<Response> audit_invariants(Context ctx, Request req) {
  if (auto admin = require_admin(ctx, req); !admin) co_return problem(admin.error());
  auto work = [&db = ctx.services.db, &clock = ctx.services.clock] {
    return db.audit(clock.now());
  };
  co_return co_await reply_blocking(ctx, beast::http::status::ok, std::move(work), &audit_json);
}

}  // namespace concertd::http
