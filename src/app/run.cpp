#include "app/run.hpp"

#include <sodium.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <iostream>
#include <thread>

#include "common/clock.hpp"
#include "common/id.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "concerts/concert_service.hpp"
#include "http/run_blocking.hpp"
#include "http/server.hpp"
#include "payments/balance_service.hpp"
#include "payments/payment_service.hpp"
#include "queue/queue_service.hpp"
#include "reservations/reservation_service.hpp"
#include "store/audit.hpp"
#include "store/sqlite/sqlite_database.hpp"
#ifdef CONCERTD_WITH_MYSQL
#include "store/mysql/mysql_database.hpp"
#endif
#include "tokens/join_pow.hpp"
#include "tokens/tokens.hpp"
#include "users/user_service.hpp"

namespace concertd::app {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

// Threads that run database work and password hashing. Bounded: it caps the
// connections and the memory Argon2id may take, and the size of a commit batch.
constexpr std::size_t kBlockingThreads = 32;
constexpr auto kAdmitEvery = 100ms;
// Nodes sharing a database catch up with each other's queue counters this often.
constexpr auto kRefreshQueueEvery = 200ms;
// A number that enters a node's presence window is polled (the page: every second) and
// flushed within the settle time, with room to spare (docs/design.md).
static_assert(kRefreshQueueEvery + 1s + queue::QueueService::kPresenceFlushEvery + 1s <
              queue::QueueService::kPresenceSettle);
// ...and serve a seat map up to this old, since other nodes' holds do not reach this
// node's seats_changed.
constexpr auto kSharedSeatMapAge = std::chrono::milliseconds(250);
constexpr auto kSweepEvery = 1s;
constexpr auto kPurgeKeysEvery = 1h;
constexpr auto kDrainDeadline = 10s;

// Throws std::runtime_error with a one-line message (no password) when it cannot.
std::unique_ptr<store::Database> open_database(const Config& config) {
  if (is_mysql_url(config.database_url)) {
#ifdef CONCERTD_WITH_MYSQL
    // As many connections as threads that run database work: none ever waits for one.
    return store::mysql::MysqlDatabase::open(config.database_url,
                                             {.max_connections = kBlockingThreads});
#else
    throw std::runtime_error("this build has no MySQL support");
#endif
  }
  return store::sqlite::SqliteDatabase::open(config.sqlite_path);
}

std::string jwt_secret(const Config& config, store::Database& db) {
  if (config.jwt_secret) return *config.jwt_secret;
  unsigned char key[32];
  randombytes_buf(key, sizeof key);
  char hex[2 * sizeof key + 1];
  sodium_bin2hex(hex, sizeof hex, key, sizeof key);
  return store::write(db,
                      [&](store::Tx& tx) { return tx.settings.put_if_absent("jwt_secret", hex); });
}

// Runs `task` on the blocking pool every `period` until the io_context stops.
// A failing round is logged and retried next period: the database may be back.
template <class Task>
net::awaitable<void> every(net::thread_pool& blocking, std::chrono::milliseconds period,
                           const char* name, Task task) {
  net::steady_timer timer(co_await net::this_coro::executor);
  for (;;) {
    timer.expires_after(period);
    co_await timer.async_wait(net::use_awaitable);
    try {
      co_await http::run_blocking(blocking, task);
    } catch (const std::exception& e) {
      spdlog::warn(R"("event":"background_failed","task":"{}","error":{})", name,
                   log::quote(e.what()));
    }
  }
}

net::awaitable<void> stop_on_signal(net::io_context& ioc, http::Server& server) {
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  const int signal = co_await signals.async_wait(net::use_awaitable);
  spdlog::info(R"("event":"shutdown","signal":{})", signal);
  co_await server.shutdown(kDrainDeadline);
  ioc.stop();
}

}  // namespace

// The pages under --web-root and Swagger UI's files: what concertd serves besides the API.
http::StaticFiles load_static_files(const Config& config) {
  namespace fs = std::filesystem;
  http::StaticFiles files;
  const fs::path web(config.web_root);
  files.add_directory(web / "static", "/static");
  const bool pages = files.add_file(web / "index.html", "/");
  files.add_file(web / "admin.html", "/admin");
  files.add_file(web / "docs.html", "/docs");
  std::size_t swagger = 0;
  for (const char* name : {"swagger-ui.css", "swagger-ui-bundle.js",
                           "swagger-ui-standalone-preset.js", "favicon-32x32.png"}) {
    if (files.add_file(fs::path(config.swagger_ui) / name, std::string("/docs/vendor/") + name)) {
      ++swagger;
    }
  }
  if (!pages) {
    spdlog::warn(R"("event":"no_pages","web_root":{},"hint":"pass --web-root DIR")",
                 log::quote(config.web_root));
  }
  if (swagger == 0) {
    spdlog::warn(R"("event":"no_swagger_ui","dir":{},"hint":"run scripts/setup")",
                 log::quote(config.swagger_ui));
  }
  return files;
}

int run(const Config& config) {
  log::init(spdlog::level::from_str(config.log_level));
  if (sodium_init() < 0) {
    std::cerr << "concertd: libsodium cannot initialise\n";
    return 1;
  }
  std::unique_ptr<store::Database> db;
  try {
    db = open_database(config);
  } catch (const std::exception& e) {
    std::cerr << "concertd: --database " << redact_database_url(config.database_url) << ": "
              << e.what() << '\n';
    return 2;
  }

  // The database answered at open but may fail before we serve: a clear line, not abort().
  const auto startup_failed = [](const std::exception& e) {
    std::cerr << "concertd: the database failed during startup: " << e.what() << '\n';
    return 1;
  };
  const SystemClock clock;
  metrics::registry().process_start_seconds.set(
      std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count());
  std::string secret;
  try {
    secret = jwt_secret(config, *db);
  } catch (const std::exception& e) {
    return startup_failed(e);
  }
  // Keyed by the token secret, which every node sharing the database has: any node verifies
  // a challenge another issued.
  tokens::JoinPow join_pow(secret, config.join_pow_bits, clock);
  tokens::TokenService tokens(std::move(secret), clock);
  users::UserService users(*db, clock, config.login_policy);
  // A shared database may have other nodes: each gets a name for the admitter lease.
  const bool shared = is_mysql_url(config.database_url);
  queue::QueueService queue(*db, clock,
                            {.max_active = config.max_active,
                             .admit_rate = config.admit_rate,
                             .active_ttl = config.active_ttl,
                             .abandon_after = config.abandon_after,
                             .presence_window = 0},
                            shared ? std::optional(Uuid::random().to_string()) : std::nullopt,
                            config.admission == queue::AdmissionMode::kAdaptive
                                ? std::optional(config.admission_targets)
                                : std::nullopt);
  concerts::ConcertService concerts(*db, clock);
  reservations::ReservationService reservations(*db, concerts, clock, config.hold_ttl);
  payments::BalanceService balances(*db, clock);
  payments::PaymentService payments(*db, queue, clock);
  try {
    queue.restore();
    if (config.demo && concerts.seed_demo()) spdlog::info(R"("event":"demo_data_created")");
  } catch (const std::exception& e) {
    return startup_failed(e);
  }

  http::StaticFiles files;
  try {
    files = load_static_files(config);
  } catch (const std::exception& e) {
    std::cerr << "concertd: " << e.what() << '\n';
    return 1;
  }

  net::io_context ioc(static_cast<int>(config.threads));
  net::thread_pool blocking(kBlockingThreads);
  net::thread_pool hashing(config.hash_threads);
  const auto seat_map_age = shared ? std::optional(kSharedSeatMapAge) : std::nullopt;
  std::optional<http::Server> server;
  try {
    server.emplace(
        ioc, blocking, hashing,
        net::ip::tcp::endpoint(net::ip::make_address(config.listen_host), config.listen_port),
        http::Services{users, tokens, join_pow, queue, concerts, reservations, balances, payments,
                       *db, clock, config.admin_key, files, shared ? "mysql" : "sqlite"},
        http::ServerOptions{.access_log = config.access_log,
                            .metrics = config.metrics,
                            .header_timeout = config.header_timeout,
                            .stream_keep_alive = config.stream_keep_alive,
                            .max_connections = config.max_connections,
                            .max_connections_per_client = config.max_connections_per_client,
                            .trusted_proxies = config.trusted_proxies,
                            .limits = config.limits,
                            .seat_map_max_age = seat_map_age});
  } catch (const std::exception& e) {
    std::cerr << "concertd: " << e.what() << '\n';
    return 1;
  }
  server->start();
  net::co_spawn(ioc, stop_on_signal(ioc, *server), net::detached);
  if (shared) {
    net::co_spawn(ioc,
                  every(blocking, kRefreshQueueEvery, "refresh_queue",
                        [&] {
                          queue.refresh();
                          server->queue_changed();
                        }),
                  net::detached);
    net::co_spawn(ioc,
                  every(blocking, queue::QueueService::kPresenceFlushEvery, "flush_presence",
                        [&] { return queue.flush_presence(); }),
                  net::detached);
  }
  net::co_spawn(ioc,
                every(blocking, kAdmitEvery, "admit",
                      [&] {
                        metrics::registry().admitted.add(queue.admit());
                        server->queue_changed();
                      }),
                net::detached);
  net::co_spawn(ioc,
                every(blocking, kSweepEvery, "sweep",
                      [&] {
                        const auto swept = reservations.sweep() + queue.expire_lapsed();
                        // One read over every concert's seats, only while someone streams
                        // (then never a stale sell-out: a concert may have been added).
                        server->set_sold_out(server->streaming() && concerts.sold_out());
                        return swept;
                      }),
                net::detached);
  net::co_spawn(ioc,
                every(blocking, kPurgeKeysEvery, "purge_idempotency_keys",
                      [&] { return balances.purge_idempotency_keys(); }),
                net::detached);
  spdlog::info(
      R"("event":"startup","listen":{},"database":{},"threads":{},"join_pow_bits":{},"admission":"{}")",
      log::quote(server->local_endpoint().address().to_string() + ":" +
                 std::to_string(server->local_endpoint().port())),
      log::quote(shared ? "mysql" : "sqlite"), config.threads, config.join_pow_bits,
      config.admission == queue::AdmissionMode::kAdaptive ? "adaptive" : "fixed");

  std::vector<std::jthread> io_threads;
  for (std::size_t i = 1; i < config.threads; ++i) io_threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  io_threads.clear();
  hashing.join();
  blocking.join();
  try {
    queue.resign();
  } catch (const std::exception& e) {  // the lease then lapses by itself
    spdlog::warn(R"("event":"resign_failed","error":{})", log::quote(e.what()));
  }
  spdlog::info(R"("event":"stopped")");
  log::shutdown();
  return 0;
}

int audit(const Config& config) {
  log::init(spdlog::level::warn);
  const auto where = redact_database_url(config.database_url);
  if (!is_mysql_url(config.database_url) && !std::filesystem::exists(config.sqlite_path)) {
    std::cerr << "concertd audit: --database " << where << ": no such file\n";
    return 2;
  }
  store::AuditReport report;
  try {
    report = open_database(config)->audit(SystemClock().now());
  } catch (const std::exception& e) {
    std::cerr << "concertd audit: --database " << where << ": " << e.what() << '\n';
    return 2;
  }
  for (const auto& result : report.results) {
    if (result.violations == 0) continue;
    std::cout << "§" << result.check->invariant << " broken: " << result.check->rule << " ("
              << result.violations << (result.violations == 1 ? " row" : " rows") << ")\n";
    for (const auto& example : result.examples) std::cout << "  " << example << '\n';
  }
  std::cout << report.results.size() << " checks of contract §4 on " << where << ": "
            << (report.ok() ? "every invariant holds" : std::to_string(report.broken()) + " broken")
            << '\n';
  log::shutdown();
  return report.ok() ? 0 : 1;
}

}  // namespace concertd::app
