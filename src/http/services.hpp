#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "concerts/concert_service.hpp"
#include "http/client.hpp"
#include "http/limits.hpp"
#include "http/static_files.hpp"
#include "payments/balance_service.hpp"
#include "payments/payment_service.hpp"
#include "queue/queue_service.hpp"
#include "reservations/reservation_service.hpp"
#include "store/database.hpp"
#include "tokens/join_pow.hpp"
#include "tokens/tokens.hpp"
#include "users/user_service.hpp"

namespace concertd::http {

// What the HTTP adapter calls. Not owned: every referenced object must outlive the
// Server and every request it is still running.
struct Services {
  users::UserService& users;
  tokens::TokenService& tokens;
  tokens::JoinPow& join_pow;  // --join-pow: challenges and their solutions on queue joins
  queue::QueueService& queue;
  concerts::ConcertService& concerts;
  reservations::ReservationService& reservations;
  payments::BalanceService& balances;
  payments::PaymentService& payments;
  store::Database& db;
  const Clock& clock;  // for what no service owns, e.g. the audit's "now"
  // nullopt (or empty): the admin API is disabled and answers 403 FORBIDDEN, so that an
  // operator who forgot --admin-key learns why instead of guessing at a 404.
  std::optional<std::string> admin_key;
  // The pages and Swagger UI; may be empty (then only the API is served).
  const StaticFiles& files;
  std::string_view store;  // "sqlite" or "mysql", for concertd_build_info
};

struct ServerOptions {
  // One JSON line per request (the "access" logger) and the request series of /metrics.
  bool access_log = true;
  bool metrics = true;
  std::size_t body_limit = 64 * 1024;
  // Waiting for the first byte of the next request on a keep-alive connection (then the
  // connection is closed without a word).
  std::chrono::seconds idle_timeout{60};
  // From a request's first byte until its header is complete (then 408 and close): a
  // client trickling its header (slowloris) holds a connection this long at most.
  std::chrono::seconds header_timeout{10};
  // For a request body once the header arrived, and for writing a response.
  std::chrono::seconds read_timeout{30};
  // An idle queue event stream gets a `: keep-alive` comment this often. Streams have no
  // idle timeout: they end when the entry is admitted or expires, or the client goes.
  std::chrono::seconds stream_keep_alive{15};
  // Connections at once (an event stream is one), in all and per client address (trusted
  // proxies are exempt from the latter); past either a new connection is answered 503
  // TOO_MANY_CONNECTIONS.
  std::size_t max_connections = 10'000;
  std::size_t max_connections_per_client = 256;
  // Peers whose X-Forwarded-For names the client (see client_address()).
  std::vector<Network> trusted_proxies{};
  RateLimits limits{};
  // How old a seat map may be served (SeatMapCache): set for a store that other nodes
  // write too; nullopt when only this process writes it.
  std::optional<std::chrono::milliseconds> seat_map_max_age{};
};

}  // namespace concertd::http
