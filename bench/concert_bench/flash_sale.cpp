#include "flash_sale.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>

#include "database.hpp"
#include "fans.hpp"

namespace concertd::bench {
namespace {

namespace http = beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr auto kRetryAfter = 50ms;
constexpr int kMaxRetries = 10;  // transport failures and 5xx in a row, per request
// A fan who keeps finding the seats the map calls free taken gives up (a bug, not a race).
constexpr int kMaxMapReads = 50;
constexpr std::size_t kFailuresShown = 5;

// The SQL checks (contract §4), written for both dialects.
constexpr store::Statement kSoldSeats{
    "SELECT COUNT(*) FROM seats WHERE concert_id = ? AND state = 'SOLD'"};
constexpr store::Statement kSoldNotPaidOnce{
    "SELECT COUNT(*) FROM seats s WHERE s.concert_id = ? AND s.state = 'SOLD' AND"
    " (SELECT COUNT(*) FROM payments p WHERE p.reservation_id = s.reservation_id"
    "  AND p.user_id = s.holder AND p.amount = s.price) <> 1"};
constexpr store::Statement kPaymentsOfUnsold{
    "SELECT COUNT(*) FROM payments p JOIN reservations r ON r.id = p.reservation_id"
    " WHERE r.concert_id = ? AND NOT EXISTS (SELECT 1 FROM seats s WHERE s.concert_id ="
    " r.concert_id AND s.seat_number = r.seat_number AND s.state = 'SOLD' AND s.reservation_id = "
    "r.id)"};
constexpr store::Statement kSoldNotConfirmed{
    "SELECT COUNT(*) FROM seats s LEFT JOIN reservations r ON r.id = s.reservation_id"
    " WHERE s.concert_id = ? AND s.state = 'SOLD' AND (r.id IS NULL OR r.status <> 'CONFIRMED'"
    " OR r.user_id <> s.holder OR r.seat_number <> s.seat_number)"};
constexpr store::Statement kDoubleBooked{
    "SELECT COUNT(*) FROM (SELECT seat_number FROM reservations WHERE concert_id = ? AND"
    " (status = 'CONFIRMED' OR (status = 'HELD' AND expires_at > ?))"
    " GROUP BY seat_number HAVING COUNT(*) > 1) d"};
constexpr store::Statement kBadBalances{
    "SELECT COUNT(*) FROM users u WHERE u.balance < 0 OR u.balance <>"
    " (SELECT COALESCE(SUM(CASE WHEN l.kind = 'CHARGE' THEN l.amount ELSE -l.amount END), 0)"
    "  FROM ledger l WHERE l.user_id = u.id)"};
constexpr store::Statement kPaymentsNotInLedger{
    "SELECT COUNT(*) FROM payments p WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE"
    " l.user_id = p.user_id AND l.kind = 'PAYMENT' AND l.payment_id = p.id AND l.amount = "
    "p.amount)"};
constexpr store::Statement kLedgerWithoutPayment{
    "SELECT COUNT(*) FROM ledger l WHERE l.kind = 'PAYMENT' AND NOT EXISTS"
    " (SELECT 1 FROM payments p WHERE p.id = l.payment_id)"};

std::string answer(const std::optional<Response>& response) {
  if (!response) return "no answer";
  std::string text = std::to_string(response->result_int());
  if (auto code = problem_code(*response); !code.empty()) text += " " + code;
  return text;
}

bool is_server_error(const std::optional<Response>& response) {
  return !response || response->result_int() >= 500;
}

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

FlashSale::FlashSale(Setup setup, const tokens::TokenService& tokens)
    : setup_(std::move(setup)),
      tokens_(tokens),
      queue_tokens_(static_cast<std::size_t>(setup_.fans)),
      seat_map_request_(make_request(http::verb::get,
                                     std::string(kApi) + "/concerts/" + setup_.concert + "/seats",
                                     setup_.host)),
      taken_(std::make_unique<std::atomic<bool>[]>(setup_.prices.size())) {
  join_requests_.reserve(static_cast<std::size_t>(setup_.fans));
  for (std::int64_t fan = setup_.first_fan; fan < setup_.first_fan + setup_.fans; ++fan) {
    const UserId user = fan_id(fan);
    const json::object body{{"userId", user.to_string()}};
    join_requests_.push_back(make_request(http::verb::post, std::string(kApi) + "/tokens",
                                          setup_.host, tokens_.issue_access(user),
                                          json::serialize(body)));
  }
}

net::awaitable<void> FlashSale::run(Session& session, std::size_t) {
  while (!session.done() && !sold_out_) {
    const std::int64_t offset = next_fan_++;
    if (offset >= setup_.fans) co_return;
    co_await fan(session, offset);
  }
}

double FlashSale::prepare(LoadPlan plan) {
  plan.quiet = true;
  plan.duration = std::chrono::hours(1);  // a limit only: each pass ends when its fans are done
  double seconds = 0;
  for (const Phase phase : {Phase::kJoin, Phase::kActivate}) {
    phase_ = phase;
    next_fan_ = 0;
    seconds += run_load(plan, *this, nullptr).elapsed_s;
    const std::lock_guard lock(mutex_);
    if (fans_failed_ > 0) {
      throw std::runtime_error("preparing the fans: " + std::to_string(fans_failed_) +
                               " failed, first: " + failures_.front());
    }
  }
  phase_ = Phase::kHoldPay;
  next_fan_ = 0;
  return seconds;
}

net::awaitable<void> FlashSale::fan(Session& session, std::int64_t offset) {
  if (phase_ == Phase::kJourney || phase_ == Phase::kHoldPay) ++fans_started_;
  std::string& token = queue_tokens_[static_cast<std::size_t>(offset)];
  if (phase_ == Phase::kJourney || phase_ == Phase::kJoin) {
    auto joined = co_await join(session, setup_.first_fan + offset);
    if (!joined) co_return;
    token = std::move(*joined);
    if (phase_ == Phase::kJoin) co_return;
  }
  if (phase_ != Phase::kHoldPay) {
    if (!co_await wait_until_active(session, token) || phase_ == Phase::kActivate) co_return;
  }
  std::string reservation;
  std::int64_t seat = 0;
  const Held held = co_await hold(session, token, reservation, seat);
  if (held == Held::kSoldOut) {
    ++fans_sold_out_;
    sold_out_ = true;
  }
  if (held != Held::kHeld) co_return;
  const std::int64_t price = setup_.prices[static_cast<std::size_t>(seat - 1)];
  if (!co_await pay(session, token, reservation, price)) co_return;
  const std::lock_guard lock(mutex_);
  paid_.push_back({reservation, token, seat, price});
  last_paid_ = std::max(last_paid_, SteadyClock::now() - session.start());
}

net::awaitable<std::optional<std::string>> FlashSale::join(Session& session, std::int64_t index) {
  const Request& request = join_requests_[static_cast<std::size_t>(index - setup_.first_fan)];
  for (int attempt = 0; attempt <= kMaxRetries && !session.done(); ++attempt) {
    const auto response = co_await session.call(Op::kTokens, request);
    if (is_server_error(response)) {
      co_await session.sleep_until(SteadyClock::now() + kRetryAfter);
      continue;
    }
    auto token = json_string(response->body(), "token");
    if (response->result_int() / 100 != 2 || !token) {
      fail("POST /tokens: " + answer(response));
      co_return std::nullopt;
    }
    co_return token;
  }
  if (!session.done())
    fail("POST /tokens: " + std::to_string(kMaxRetries + 1) + " failures in a row");
  co_return std::nullopt;
}

net::awaitable<bool> FlashSale::wait_until_active(Session& session, const std::string& token) {
  const auto request =
      make_request(http::verb::get, std::string(kApi) + "/queue/status", setup_.host, token);
  int failures = 0;
  while (!session.done()) {
    const auto response = co_await session.call(Op::kStatus, request);
    if (is_server_error(response)) {
      if (++failures > kMaxRetries) break;
    } else {
      failures = 0;
      const auto status = json_string(response->body(), "status");
      if (response->result() != http::status::ok || !status || *status == "EXPIRED") {
        fail("GET /queue/status: " + answer(response) + " " + status.value_or(""));
        co_return false;
      }
      if (*status == "ACTIVE") co_return true;
    }
    co_await session.sleep_until(SteadyClock::now() + setup_.poll_every);
  }
  if (!session.done())
    fail("GET /queue/status: " + std::to_string(kMaxRetries + 1) + " failures in a row");
  co_return false;
}

net::awaitable<FlashSale::Held> FlashSale::hold(Session& session, const std::string& token,
                                                std::string& reservation, std::int64_t& seat) {
  int failures = 0;
  int map_reads = 0;
  while (!session.done()) {
    seat = pick_seat(session);
    if (seat == 0) {
      if (++map_reads > kMaxMapReads) {
        fail("the seat map keeps showing free seats that cannot be held");
        co_return Held::kFailed;
      }
      if (!co_await refresh_taken(session)) co_return Held::kSoldOut;
      continue;
    }
    const json::object body{{"concertId", setup_.concert}, {"seatNumber", seat}, {"token", token}};
    const auto request = make_request(http::verb::post, std::string(kApi) + "/reservations",
                                      setup_.host, {}, json::serialize(body));
    const auto response = co_await session.call(Op::kHold, request);
    if (is_server_error(response)) {
      if (++failures > kMaxRetries) {
        fail("POST /reservations: " + answer(response));
        co_return Held::kFailed;
      }
      co_await session.sleep_until(SteadyClock::now() + kRetryAfter);
      continue;
    }
    failures = 0;
    taken_[static_cast<std::size_t>(seat - 1)] = true;
    if (response->result() == http::status::created) {
      auto id = json_string(response->body(), "reservationId");
      if (!id) break;
      reservation = std::move(*id);
      co_return Held::kHeld;
    }
    if (response->result() != http::status::conflict ||
        problem_code(*response) != "SEAT_UNAVAILABLE") {
      break;
    }
  }
  if (session.done()) co_return Held::kStopped;
  fail("POST /reservations: unexpected answer");
  co_return Held::kFailed;
}

net::awaitable<bool> FlashSale::pay(Session& session, const std::string& token,
                                    const std::string& reservation, std::int64_t price) {
  const json::object body{{"reservationId", reservation}, {"amount", price}, {"token", token}};
  // The same key on every retry: a payment that went through but whose answer was lost
  // answers 201 again instead of paying twice.
  const std::string key = Uuid::random().to_string();
  const auto request = make_request(http::verb::post, std::string(kApi) + "/payments", setup_.host,
                                    {}, json::serialize(body), {{"Idempotency-Key", key}});
  std::optional<Response> response;
  for (int attempt = 0; attempt <= kMaxRetries; ++attempt) {
    response = co_await session.call(Op::kPay, request);
    if (!is_server_error(response)) break;
    co_await session.sleep_until(SteadyClock::now() + kRetryAfter);
  }
  if (response && response->result() == http::status::created) co_return true;
  fail("POST /payments: " + answer(response));
  co_return false;
}

std::int64_t FlashSale::pick_seat(Session& session) const {
  const std::size_t n = setup_.prices.size();
  const std::size_t start = std::uniform_int_distribution<std::size_t>(0, n - 1)(session.random());
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t seat = (start + i) % n;
    if (!taken_[seat].load(std::memory_order_relaxed)) return static_cast<std::int64_t>(seat + 1);
  }
  return 0;
}

net::awaitable<bool> FlashSale::refresh_taken(Session& session) {
  const auto response = co_await session.call(Op::kSeats, seat_map_request_);
  if (!response || response->result() != http::status::ok) co_return true;  // try again
  const auto seats = parse_seat_map(response->body());
  if (!seats) co_return true;
  bool any = false;
  for (const auto& seat : *seats) {
    if (seat.number < 1 || static_cast<std::size_t>(seat.number) > setup_.prices.size()) continue;
    taken_[static_cast<std::size_t>(seat.number - 1)] = !seat.available;
    any = any || seat.available;
  }
  co_return any;
}

void FlashSale::fail(std::string why) {
  const std::lock_guard lock(mutex_);
  ++fans_failed_;
  if (failures_.size() < kFailuresShown) failures_.push_back(std::move(why));
}

void FlashSale::finish(Api& api, const std::optional<std::string>& database, Report& report) {
  {
    const std::lock_guard lock(mutex_);
    report.sale = SaleFigures{
        .seats = static_cast<std::int64_t>(setup_.prices.size()),
        .paid = static_cast<std::int64_t>(paid_.size()),
        .sale_s = std::chrono::duration<double>(last_paid_).count(),
        .fans_started = fans_started_,
        .fans_sold_out = fans_sold_out_,
        .fans_failed = fans_failed_,
        .sold_out = sold_out_,
    };
    if (!sold_out_ && fans_started_ < setup_.fans) {
      report.notes.push_back(
          "the time limit (--duration) ended the sale: " + std::to_string(fans_started_.load()) +
          " of " + std::to_string(setup_.fans) + " fans started");
    } else if (!sold_out_ && phase_ == Phase::kHoldPay) {
      report.notes.push_back("all " + std::to_string(setup_.fans) +
                             " fans were used before --duration: the window ended early");
    }
    if (fans_failed_ > 0) {
      std::string why =
          std::to_string(fans_failed_) + " fans gave up on answers the contract rules out:";
      for (const auto& failure : failures_) why += " [" + failure + "]";
      report.failed.push_back(why);
    }
  }
  try {
    check_api(api, report);
  } catch (const std::exception& e) {
    report.failed.push_back(std::string("the API checks could not run: ") + e.what());
  }
  if (!database) {
    report.notes.push_back("no --database: the SQL invariants were not checked");
    return;
  }
  try {
    check_database(*database, report);
  } catch (const std::exception& e) {
    report.failed.push_back(std::string("the SQL checks could not run: ") + e.what());
  }
}

void FlashSale::check_api(Api& api, Report& report) const {
  const auto n = static_cast<std::int64_t>(setup_.prices.size());
  const auto seats = api.seat_map(setup_.concert);
  std::vector<bool> listed(setup_.prices.size());
  std::vector<bool> available(setup_.prices.size());
  for (const auto& seat : seats) {
    if (seat.number < 1 || seat.number > n || listed[static_cast<std::size_t>(seat.number - 1)]) {
      report.failed.push_back("seat map: seat " + std::to_string(seat.number) + " out of 1.." +
                              std::to_string(n) + " or listed twice");
      return;
    }
    listed[static_cast<std::size_t>(seat.number - 1)] = true;
    available[static_cast<std::size_t>(seat.number - 1)] = seat.available;
  }
  if (static_cast<std::int64_t>(seats.size()) != n) {
    report.failed.push_back("seat map lists " + std::to_string(seats.size()) + " seats, not " +
                            std::to_string(n));
  }
  const std::lock_guard lock(mutex_);
  if (static_cast<std::int64_t>(paid_.size()) > n) {
    report.failed.push_back("sold " + std::to_string(paid_.size()) + " seats of " +
                            std::to_string(n));
  }
  std::int64_t shown_free = 0;
  std::int64_t not_confirmed = 0;
  std::string first_bad;
  for (const auto& paid : paid_) {
    if (available[static_cast<std::size_t>(paid.seat - 1)]) ++shown_free;
    const auto response =
        api.get(std::string(kApi) + "/reservations/" + paid.reservation, paid.queue_token);
    const bool confirmed = response.result() == http::status::ok &&
                           json_string(response.body(), "status") == "CONFIRMED" &&
                           json_int(response.body(), "seatNumber") == paid.seat &&
                           json_int(response.body(), "price") == paid.price;
    if (!confirmed) {
      ++not_confirmed;
      if (first_bad.empty()) first_bad = paid.reservation + ": " + response.body();
    }
  }
  if (shown_free > 0) {
    report.failed.push_back(std::to_string(shown_free) +
                            " paid seats show as available in the seat map");
  }
  if (not_confirmed > 0) {
    report.failed.push_back(std::to_string(not_confirmed) +
                            " paid reservations do not read CONFIRMED with their seat and price (" +
                            first_bad + ")");
  }
}

void FlashSale::check_database(const std::string& url, Report& report) const {
  SqlDatabase db(url);
  const auto concert = ConcertId::parse(setup_.concert);
  if (!concert) {
    report.failed.push_back("the concert id is not a UUID: " + setup_.concert);
    return;
  }
  const Uuid id = concert->uuid();
  const auto expect_zero = [&](std::int64_t count, std::string_view what) {
    if (count != 0)
      report.failed.push_back("database: " + std::to_string(count) + " " + std::string(what));
  };
  std::size_t paid = 0;
  {
    const std::lock_guard lock(mutex_);
    paid = paid_.size();
  }
  const std::int64_t sold = db.scalar(kSoldSeats, id);
  if (sold != static_cast<std::int64_t>(paid)) {
    report.failed.push_back("database: " + std::to_string(sold) + " seats SOLD, but " +
                            std::to_string(paid) + " payments were answered 201");
  }
  expect_zero(db.scalar(kSoldNotPaidOnce, id),
              "SOLD seats without exactly one payment of their price by their holder");
  expect_zero(db.scalar(kPaymentsOfUnsold, id),
              "payments for reservations whose seat they did not sell");
  expect_zero(db.scalar(kSoldNotConfirmed, id),
              "SOLD seats whose reservation is not CONFIRMED by the holder");
  expect_zero(db.scalar(kDoubleBooked, id, epoch_ms()), "seats with two live holds or sales");
  expect_zero(db.scalar(kBadBalances), "users whose balance is negative or not charges - payments");
  expect_zero(db.scalar(kPaymentsNotInLedger), "payments without their ledger row");
  expect_zero(db.scalar(kLedgerWithoutPayment), "PAYMENT ledger rows without a payment");
}

}  // namespace concertd::bench
