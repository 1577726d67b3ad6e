#include "scenarios.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "api.hpp"
#include "database.hpp"
#include "fans.hpp"
#include "flash_sale.hpp"
#include "report.hpp"
#include "server_probe.hpp"
#include "tokens/tokens.hpp"

namespace concertd::bench {
namespace {

namespace http = beast::http;
namespace json = boost::json;

// Signs status tokens when there is no --jwt-secret (a static-file baseline ignores them).
constexpr std::string_view kPlaceholderSecret = "concert-bench-placeholder-secret";
constexpr std::string_view kPlaceholderNote =
    "no --jwt-secret: tokens signed with a placeholder key";

// hold-pay prepares its fans over at least this many connections (untimed).
constexpr std::size_t kPrepareConnections = 16;

// The last `limit` WAITING entries: they stay WAITING while the front of the queue moves.
constexpr store::Statement kLastWaiting{
    "SELECT number, user_id FROM queue_entries WHERE status = 'WAITING' ORDER BY number DESC LIMIT "
    "?"};

// Sends a fixed list of requests: each connection takes the next one (round robin when
// `cycle`, else each once, and the run ends when they are used up). Closed loop, or with
// a rate, each connection on its own schedule of rate / connections requests a second.
class RequestList final : public Workload {
 public:
  RequestList(Op op, std::vector<Request> requests, bool cycle, std::optional<double> rate,
              std::size_t connections)
      : op_(op),
        requests_(std::move(requests)),
        cycle_(cycle),
        rate_(rate),
        connections_(connections) {}

  net::awaitable<void> run(Session& session, std::size_t connection) override {
    if (!rate_) {
      while (!session.done()) {
        const Request* request = next();
        if (request == nullptr) co_return;
        co_await session.call(op_, *request);
      }
      co_return;
    }
    const auto period = std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(static_cast<double>(connections_) / *rate_));
    // Connections are staggered across one period so that the sends spread evenly.
    auto intended = session.start() + period * static_cast<std::int64_t>(connection) /
                                          static_cast<std::int64_t>(connections_);
    for (; intended < session.deadline() && !session.done(); intended += period) {
      if (intended > SteadyClock::now()) co_await session.sleep_until(intended);
      const Request* request = next();
      if (request == nullptr) co_return;
      co_await session.call(op_, *request, intended);
    }
  }

  [[nodiscard]] bool exhausted() const noexcept { return !cycle_ && next_ >= requests_.size(); }

 private:
  const Request* next() {
    const std::size_t index = next_++;
    if (cycle_) return &requests_[index % requests_.size()];
    return index < requests_.size() ? &requests_[index] : nullptr;
  }

  const Op op_;
  const std::vector<Request> requests_;
  const bool cycle_;
  const std::optional<double> rate_;
  const std::size_t connections_;
  std::atomic<std::size_t> next_ = 0;
};

std::string host_header(const RunOptions& o) { return o.host + ":" + std::to_string(o.port); }

std::vector<Request> status_requests(const RunOptions& o, const tokens::TokenService& tokens,
                                     Report& report) {
  std::vector<std::pair<std::int64_t, UserId>> entries;
  if (o.database) {
    SqlDatabase db(*o.database);
    db.visit([&](auto& conn) {
      auto query = conn.query(kLastWaiting);
      query.bind(1, o.users);
      while (query.step()) entries.emplace_back(query.int64(0), query.template id<UserId>(1));
    });
    if (entries.empty())
      throw std::runtime_error("the queue has no WAITING entry: seed --waiting N");
    report.notes.push_back("polling the last " + std::to_string(entries.size()) +
                           " WAITING entries");
  } else {
    for (std::int64_t fan = o.first_user; fan < o.first_user + o.users; ++fan) {
      entries.emplace_back(fan, fan_id(fan));
    }
    report.notes.push_back("no --database: polling numbers " + std::to_string(o.first_user) + ".." +
                           std::to_string(o.first_user + o.users - 1) +
                           " of fans with the same index");
  }
  if (!o.jwt_secret) report.notes.emplace_back(kPlaceholderNote);
  std::vector<Request> requests;
  requests.reserve(entries.size());
  for (const auto& [number, user] : entries) {
    requests.push_back(make_request(http::verb::get, std::string(kApi) + "/queue/status",
                                    host_header(o), tokens.issue_queue(user, number)));
  }
  return requests;
}

std::vector<Request> token_requests(const RunOptions& o, const tokens::TokenService& tokens) {
  std::vector<Request> requests;
  requests.reserve(static_cast<std::size_t>(o.users));
  for (std::int64_t fan = o.first_user; fan < o.first_user + o.users; ++fan) {
    const UserId user = fan_id(fan);
    const json::object body{{"userId", user.to_string()}};
    requests.push_back(make_request(http::verb::post, std::string(kApi) + "/tokens", host_header(o),
                                    tokens.issue_access(user), json::serialize(body)));
  }
  return requests;
}

LoadPlan plan(const RunOptions& o, const net::ip::tcp::endpoint& endpoint) {
  return {.endpoint = endpoint,
          .connections = o.connections,
          .threads = std::min(o.client_threads, o.connections),
          .duration = o.duration,
          .quiet = o.quiet};
}

// Measures `workload` with the server probe (if any) and, on MariaDB, the database server's
// counters around it.
LoadResult measure(const RunOptions& o, const net::ip::tcp::endpoint& endpoint, Workload& workload,
                   Report& report) {
  std::optional<ServerProbe> probe;
  if (o.server_pid) {
    probe.emplace(*o.server_pid);
    probe->start();
  }
  std::optional<SqlDatabase> database;
  std::optional<ServerCounters> before;
  if (o.database && o.database->starts_with("mysql://")) {
    database.emplace(*o.database);
    before = database->server_counters();
  }
  auto result = run_load(plan(o, endpoint), workload, probe ? &*probe : nullptr);
  if (before) report.database = *database->server_counters() - *before;
  if (probe) {
    probe->stop();
    report.server = ServerFigures{.syncs = probe->syncs(),
                                  .peak_rss_mb = static_cast<double>(probe->peak_rss_kb()) / 1024.0,
                                  .hwm_mb = static_cast<double>(probe->hwm_kb()) / 1024.0};
  }
  return result;
}

}  // namespace

int run_scenario(const RunOptions& o) {
  const auto endpoint = resolve(o.host, o.port);
  const SystemClock clock;
  const tokens::TokenService tokens(o.jwt_secret.value_or(std::string(kPlaceholderSecret)), clock);
  Api api(endpoint, host_header(o));
  Report report{.options = o};

  if (o.scenario == Scenario::kFlashSale || o.scenario == Scenario::kHoldPay) {
    const std::string concert = api.concert(o.seats, true, o.price, o.admin_key);
    std::vector<std::int64_t> prices(static_cast<std::size_t>(o.seats));
    for (const auto& seat : api.seat_map(concert)) {
      if (seat.number < 1 || seat.number > o.seats || !seat.available) {
        throw std::runtime_error("concert " + concert + " is not a fresh concert of seats 1..N");
      }
      prices[static_cast<std::size_t>(seat.number - 1)] = seat.price;
    }
    FlashSale sale({.host = host_header(o),
                    .concert = concert,
                    .prices = std::move(prices),
                    .first_fan = o.first_user,
                    .fans = o.users,
                    .poll_every = o.poll_every},
                   tokens);
    report.notes.push_back("concert " + concert);
    if (o.scenario == Scenario::kHoldPay) {
      LoadPlan prepare = plan(o, endpoint);
      prepare.connections = std::max<std::size_t>(prepare.connections, kPrepareConnections);
      const double seconds = sale.prepare(prepare);
      report.notes.push_back(std::to_string(o.users) +
                             " fans joined and ACTIVE before the clock, in " +
                             std::to_string(std::lround(seconds * 1000)) + " ms");
    }
    report.load = measure(o, endpoint, sale, report);
    sale.finish(api, o.database, report);
  } else {
    std::unique_ptr<RequestList> list;
    if (o.scenario == Scenario::kStatus) {
      list = std::make_unique<RequestList>(Op::kStatus, status_requests(o, tokens, report), true,
                                           o.rate, o.connections);
    } else if (o.scenario == Scenario::kTokens) {
      list = std::make_unique<RequestList>(Op::kTokens, token_requests(o, tokens), false, o.rate,
                                           o.connections);
    } else {
      const std::string concert = api.concert(o.seats, false, o.price, o.admin_key);
      report.notes.push_back("concert " + concert);
      std::vector<Request> one{make_request(
          http::verb::get, std::string(kApi) + "/concerts/" + concert + "/seats", host_header(o))};
      list = std::make_unique<RequestList>(Op::kSeats, std::move(one), true, o.rate, o.connections);
    }
    report.load = measure(o, endpoint, *list, report);
    report.users_exhausted = list->exhausted();
    if (report.users_exhausted) {
      report.notes.push_back("every one of the " + std::to_string(o.users) +
                             " fans was used before the deadline: the window ended early");
    }
  }

  print_summary(std::cout, report);
  if (o.out_dir) write_files(*o.out_dir, report);
  return report.failed.empty() ? 0 : 1;
}

}  // namespace concertd::bench
