#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "common/error.hpp"
#include "common/id.hpp"
#include "http/errors.hpp"
#include "http/limits.hpp"
#include "http/message.hpp"
#include "http/run_blocking.hpp"
#include "http/seat_map_cache.hpp"
#include "http/services.hpp"
#include "tokens/tokens.hpp"

// What every handler file shares: the handler signatures and the small steps they all
// take (find and verify a token, read a path id, run a use case, map its Result).
namespace concertd::http {

// What a handler learned of its request that the access log reports.
struct RequestNotes {
  std::optional<UserId> user;  // set by the authenticate_* calls that succeed
};

struct Context {
  const Services& services;
  net::thread_pool& blocking;  // every database or domain call runs here
  // Sign-ups and logins only (Argon2id): about a thread per core, so that a login flood
  // queues here and neither starves the database work of `blocking` nor the CPU.
  net::thread_pool& hashing;
  const ServerOptions& options;
  Limiters& limits;
  SeatMapCache& seat_maps;
  RequestNotes* notes = nullptr;  // the router's, while a handler runs
};

// In-memory work only (no database): runs on the io thread, no coroutine frame.
using SyncHandler = Response (*)(const Context&, const Request&);
using AsyncHandler = net::awaitable<Response> (*)(Context, Request);

// The token of `Authorization: Bearer <token>` (scheme case-insensitive).
[[nodiscard]] std::optional<std::string_view> bearer_token(const Request& req);
// The decoded value of the first `key` parameter of the request's query.
[[nodiscard]] std::optional<std::string> query_param(const Request& req, std::string_view key);

// kInvalidToken unless the Bearer token is a valid access token.
[[nodiscard]] Result<UserId> authenticate_access(const Context& ctx, const Request& req);
// The path's {userId} (first parameter), which must be the access token's user:
// kInvalidToken without a valid access token, else kForbidden for anyone else's.
[[nodiscard]] Result<UserId> own_path_user(const Context& ctx, const Request& req);
// A queue token from the body's `token` field, the `token` query parameter (GET only) or
// the Bearer header; the first that verifies wins. kInvalidToken when none does.
[[nodiscard]] Result<tokens::QueueClaims> authenticate_queue(
    const Context& ctx, const Request& req, std::optional<std::string_view> body_token);
// The user of an access token (Bearer), else of a queue token as above.
[[nodiscard]] Result<UserId> authenticate_owner(const Context& ctx, const Request& req,
                                                std::optional<std::string_view> body_token);
// A JSON object body carrying a queue token (in its `token` field, the query or the
// Bearer header), with the token's verified claims.
struct QueueTokenBody {
  boost::json::object body;
  tokens::QueueClaims claims;
};
[[nodiscard]] Result<QueueTokenBody> queue_token_body(const Context& ctx, const Request& req);
// The optional `token` field of an optional JSON body (GET/DELETE may carry one).
[[nodiscard]] Result<std::optional<std::string>> optional_body_token(std::string_view body);
// The `Idempotency-Key` header: absent, or 1..255 visible ASCII characters (else 400).
[[nodiscard]] Result<std::optional<std::string>> idempotency_key(const Request& req);

// The first path parameter as an id. Text that is not a UUID names nothing, so it is
// answered like an unknown id: `code` with `detail`.
template <class Tag>
[[nodiscard]] Result<StrongId<Tag>> path_id(const Request& req, Errc code,
                                            std::string_view detail) {
  if (auto id = StrongId<Tag>::parse(req.params[0])) return *id;
  return make_error(code, std::string(detail));
}

// An audit event (failed logins, admin actions): one warn-level line with the request's
// id and client, then `members`: more JSON object members, rendered and escaped by the
// caller (log::quote), never a secret.
void audit(const Request& req, std::string_view action, std::string_view members);

template <class T>
struct IsResult : std::false_type {};
template <class T>
struct IsResult<Result<T>> : std::true_type {};

// Runs `work` on the blocking pool. An Error it returns becomes that error's problem
// response; a value becomes `status` with body `to_body(value)`.
//
// g++ 12 miscompiles a lambda or braced temporary written straight into the argument
// list of a coroutine call inside co_await (its captures are relocated bitwise, then
// freed twice). So name the `work` lambda first and pass it with std::move; `to_body` is
// a function pointer.
template <class Work, class ToBody>
net::awaitable<Response> reply_blocking(Context ctx, beast::http::status status, Work work,
                                        ToBody to_body) {
  auto out = co_await run_blocking(ctx.blocking, std::move(work));
  if constexpr (IsResult<decltype(out)>::value) {
    if (!out) co_return problem(out.error());
    co_return json_response(status, to_body(*out));
  } else {
    co_return json_response(status, to_body(out));
  }
}

}  // namespace concertd::http
