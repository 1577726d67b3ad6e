#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "concerts/concert_service.hpp"
#include "http/static_files.hpp"
#include "payments/balance_service.hpp"
#include "payments/payment_service.hpp"
#include "queue/queue_service.hpp"
#include "reservations/reservation_service.hpp"
#include "store/database.hpp"
#include "users/tokens.hpp"
#include "users/user_service.hpp"

namespace concertd::http {

// What the HTTP adapter calls. Not owned: every referenced object must outlive the
// Server and every request it is still running.
struct Services {
  users::UserService& users;
  users::TokenService& tokens;
  queue::QueueService& queue;
  concerts::ConcertService& concerts;
  reservations::ReservationService& reservations;
  payments::BalanceService& balances;
  payments::PaymentService& payments;
  store::Database& db;
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
  // Waiting for the next request's header on a keep-alive connection.
  std::chrono::seconds idle_timeout{60};
  // For a request body once the header arrived, and for writing a response.
  std::chrono::seconds read_timeout{30};
};

}  // namespace concertd::http
