#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api.hpp"
#include "load.hpp"
#include "report.hpp"
#include "tokens/tokens.hpp"

namespace concertd::bench {

// The flash sale: each connection runs fans one after another. A fan queues
// (POST /tokens), polls its status until ACTIVE, holds a random seat it does not know to
// be taken (another on SEAT_UNAVAILABLE; the seat map when it knows of none; sold out
// when the map has none), and pays with an Idempotency-Key, retrying the same request
// after a transport failure or a 5xx. Once a fan has found the concert sold out, fans
// not yet started stop.
// hold-pay: prepare() queues every fan and waits until each is ACTIVE before the clock
// starts, so that the measured run only holds and pays.
class FlashSale final : public Workload {
 public:
  struct Setup {
    std::string host;  // Host header
    std::string concert;
    std::vector<std::int64_t> prices;  // by seat number - 1
    std::int64_t first_fan = 1;
    std::int64_t fans = 0;
    std::chrono::milliseconds poll_every{20};  // a waiting fan's status polls
  };

  FlashSale(Setup setup, const tokens::TokenService& tokens);

  net::awaitable<void> run(Session& session, std::size_t connection) override;

  // hold-pay, before the measured run: every fan joins the queue (one pass over `plan`'s
  // connections), then polls until ACTIVE (a second pass). Throws std::runtime_error when
  // a fan cannot. Returns the seconds it took.
  double prepare(LoadPlan plan);

  // After the run: the figures, and the API and (with `database`) SQL checks. Failed
  // checks go to report.failed.
  void finish(Api& api, const std::optional<std::string>& database, Report& report);

 private:
  struct Paid {
    std::string reservation;
    std::string queue_token;
    std::int64_t seat = 0;
    std::int64_t price = 0;
  };
  // kStopped: the deadline came first; kFailed: an answer the contract does not allow
  // (recorded by fail()).
  enum class Held { kHeld, kSoldOut, kStopped, kFailed };
  // What run() does with each fan: the whole journey, or one of prepare()'s passes.
  enum class Phase { kJourney, kJoin, kActivate, kHoldPay };

  // What phase_ asks of fan first_fan + offset.
  net::awaitable<void> fan(Session& session, std::int64_t offset);
  net::awaitable<std::optional<std::string>> join(Session& session, std::int64_t index);
  net::awaitable<bool> wait_until_active(Session& session, const std::string& token);
  net::awaitable<Held> hold(Session& session, const std::string& token, std::string& reservation,
                            std::int64_t& seat);
  net::awaitable<bool> pay(Session& session, const std::string& token,
                           const std::string& reservation, std::int64_t price);
  // A seat not known to be taken, from a random start; 0 when every seat is.
  [[nodiscard]] std::int64_t pick_seat(Session& session) const;
  // Learns the seat map; false when it has no available seat (or cannot be read).
  net::awaitable<bool> refresh_taken(Session& session);
  void fail(std::string why);

  void check_api(Api& api, Report& report) const;
  void check_database(const std::string& url, Report& report) const;

  const Setup setup_;
  const tokens::TokenService& tokens_;
  std::vector<Request> join_requests_;     // by fan - first_fan; minted before the clock starts
  std::vector<std::string> queue_tokens_;  // by fan - first_fan, once joined
  Phase phase_ = Phase::kJourney;
  Request seat_map_request_;
  std::unique_ptr<std::atomic<bool>[]> taken_;  // by seat number - 1: sold or held
  std::atomic<std::int64_t> next_fan_ = 0;
  std::atomic<bool> sold_out_ = false;
  std::atomic<std::int64_t> fans_started_ = 0;
  std::atomic<std::int64_t> fans_sold_out_ = 0;

  mutable std::mutex mutex_;  // guards the members below
  std::vector<Paid> paid_;
  SteadyClock::duration last_paid_{};  // from the start
  std::vector<std::string> failures_;  // why fans gave up (the first few)
  std::int64_t fans_failed_ = 0;
};

}  // namespace concertd::bench
