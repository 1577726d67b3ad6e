#pragma once

#include "http/handler.hpp"

namespace concertd::http {

// Finds the route of `req` (method + path template) and runs its handler.
// Unknown path: 404 NOT_FOUND; known path, other method: 405 METHOD_NOT_ALLOWED with
// `Allow`. A handler's StoreUnavailable becomes 503 UNAVAILABLE (Retry-After: 1), any
// other exception 500 INTERNAL; each is logged once, without bodies or tokens.
// `req` must stay valid until the returned awaitable completes.
net::awaitable<Response> handle_request(Context ctx, Request req);

}  // namespace concertd::http
