#pragma once

// Black-box test support: concertd child processes (SQLite or MariaDB), nginx, a small
// synchronous HTTP/1.1 client, API helpers and the contract's §4 invariants in SQL.
//
// Helpers that need a particular answer throw std::runtime_error (with the response)
// when they get another one; gtest reports the exception as the test's failure.
// Start and stop servers from the test's main thread: the child is bound to the
// lifetime of the thread that forked it (PR_SET_PDEATHSIG).

#include <gtest/gtest.h>
#include <sys/types.h>

#include <atomic>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <latch>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "common/id.hpp"

struct sqlite3;

namespace concertd::test {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

inline constexpr std::string_view kAdminKey = "test-admin-key";
inline constexpr std::string_view kJwtSecret = "test-jwt-secret-0123456789abcdef0123456789";

// Processes

// Where a server listens. A bare port means 127.0.0.1:port.
struct Endpoint {
  Endpoint(std::uint16_t p) : port(p) {}  // NOLINT(google-explicit-constructor)
  Endpoint(std::string h, std::uint16_t p) : host(std::move(h)), port(p) {}
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  [[nodiscard]] std::string str() const { return host + ":" + std::to_string(port); }
};

struct ServerOptions {
  int hold_ttl = 300;
  int active_ttl = 600;
  int max_active = 1000;
  int admit_rate = 1000;
  int threads = 2;
  bool demo = false;
  std::vector<std::string> extra_args{};
  // Empty: a fresh SQLite file in the server's temp directory. Otherwise a --database URL
  // (e.g. a TestDatabase's mysql:// URL) that several servers may share.
  std::string database_url{};
  // Runs the server under this command, e.g. {"ip", "netns", "exec", NAME} (which execs
  // it: the pid stays the server's).
  std::vector<std::string> launcher{};
  // The address it listens on (a free port is picked).
  std::string host = "127.0.0.1";
  // "NAME=VALUE" entries added to (or replacing in) the server's environment, e.g.
  // LD_PRELOAD of a fault-injecting library.
  std::vector<std::string> env{};
};

// Where a server keeps its data: "sqlite:/path/to/file" or "mysql://USER:PASS@HOST:PORT/DB".
struct DatabaseUrl {
  std::string url;
  [[nodiscard]] bool is_mysql() const { return url.starts_with("mysql://"); }
};

// A fresh, empty MariaDB database on the server named by CONCERTD_TEST_MYSQL_DSN, dropped
// again by the destructor. Construct only when mysql_available().
class TestDatabase final {
 public:
  TestDatabase();
  // On the server named by `server_dsn` (mysql://USER:PASS@HOST:PORT/DB) instead.
  explicit TestDatabase(std::string server_dsn);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  [[nodiscard]] const std::string& url() const noexcept { return url_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

 private:
  std::string server_dsn_;
  std::string name_;
  std::string url_;
};

// True when this build can talk to MariaDB and CONCERTD_TEST_MYSQL_DSN is set; otherwise
// `why` says what is missing (for GTEST_SKIP).
[[nodiscard]] bool mysql_available(std::string& why);

// A free TCP port on 127.0.0.1 (bound once by us, then released).
[[nodiscard]] std::uint16_t pick_free_port();

// True when something accepts TCP connections on 127.0.0.1:port.
[[nodiscard]] bool port_accepts(std::uint16_t port);

// One concertd process with its own temp directory, on a temp SQLite file unless
// options.database_url names another database.
// Its stdout and stderr go to <dir>/server.log; on a test failure the tail is printed
// and the directory is kept for diagnosis.
class ServerProcess final {
 public:
  // Starts the server and waits (at most 10 s) until GET /healthz answers 200.
  explicit ServerProcess(ServerOptions options = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // SIGTERM, then waits (at most 10 s) and expects exit code 0.
  void stop();
  // SIGKILL and reap.
  void kill9();
  // Starts again on the same database (a new port), after stop() or kill9().
  void restart();

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] Endpoint endpoint() const { return {options_.host, port_}; }
  [[nodiscard]] bool running() const noexcept { return pid_ > 0; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] const ServerOptions& options() const noexcept { return options_; }
  // The SQLite file (meaningless when options().database_url is set).
  [[nodiscard]] std::filesystem::path db_path() const { return dir_ / "concert.db"; }
  // The --database the server runs on.
  [[nodiscard]] DatabaseUrl database() const;
  [[nodiscard]] std::string log() const;

 private:
  void start();
  bool try_start(std::string& failure);
  int wait_exit(std::chrono::milliseconds timeout);

  ServerOptions options_;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// nginx (nginx-light) in the foreground on a temp config: one server on a free 127.0.0.1
// port proxying to an upstream of the given servers, keep-alive to the upstream.
class NginxProcess final {
 public:
  // Starts nginx and waits (at most 10 s) until its port accepts connections.
  explicit NginxProcess(const std::vector<Endpoint>& upstreams);
  ~NginxProcess();
  NginxProcess(const NginxProcess&) = delete;
  NginxProcess& operator=(const NginxProcess&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// The nginx binary, or "" when it is not installed.
[[nodiscard]] std::string nginx_binary();

struct RunResult {
  int exit_code = -1;  // -1: killed after the timeout or by a signal
  std::string out;
  std::string err;
};

// Runs concertd with exactly `args` and waits at most `timeout` for it to exit.
[[nodiscard]] RunResult run_concertd(const std::vector<std::string>& args,
                                     std::chrono::milliseconds timeout = 10s);
// Runs argv[0] (a path, or a name looked up in PATH) with argv; waits at most `timeout`.
[[nodiscard]] RunResult run_program(std::vector<std::string> argv,
                                    std::chrono::milliseconds timeout = 30s);
// The path of program `name` in PATH (or /usr/sbin, /sbin), or "" when there is none.
[[nodiscard]] std::string program_path(std::string_view name);

// A private MariaDB (scripts/mariadb-test-server on a temp directory), stopped by the
// destructor. `launcher` prefixes the script (e.g. {"ip", "netns", "exec", NAME}); `host`
// is the address it listens on and the DSN names; `server_args`, more mariadbd options
// (MARIADB_TEST_ARGS).
class MariadbTestServer final {
 public:
  explicit MariadbTestServer(std::vector<std::string> launcher = {}, std::string host = "127.0.0.1",
                             std::string server_args = {});
  ~MariadbTestServer();
  MariadbTestServer(const MariadbTestServer&) = delete;
  MariadbTestServer& operator=(const MariadbTestServer&) = delete;

  [[nodiscard]] const std::string& dsn() const noexcept { return dsn_; }

 private:
  std::filesystem::path dir_;
  std::string dsn_;
};

// HTTP

struct Response {
  unsigned status = 0;
  beast::http::fields headers;
  std::string body;
  json::value json;  // null unless the body parsed as JSON
  bool keep_alive = true;

  [[nodiscard]] std::string header(std::string_view name) const;
  // The problem+json "code" member, or "" when there is none.
  [[nodiscard]] std::string code() const;
  // Typed members of a JSON object body; throw when absent or mistyped.
  [[nodiscard]] const json::object& object() const;
  [[nodiscard]] const json::array& array() const;
  [[nodiscard]] std::string str(std::string_view key) const;
  [[nodiscard]] std::int64_t integer(std::string_view key) const;
  // "409 {...}" for failure messages.
  [[nodiscard]] std::string describe() const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// A keep-alive HTTP/1.1 connection to `server`, (re)connected on demand.
// Network errors and timeouts throw std::runtime_error. One thread at a time.
class HttpClient final {
 public:
  explicit HttpClient(Endpoint server, std::chrono::milliseconds timeout = 15s);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `bearer` non-empty adds "Authorization: Bearer <bearer>". A JSON body sets
  // Content-Type: application/json.
  Response get(std::string_view target, std::string_view bearer = {}, const Headers& headers = {});
  Response post(std::string_view target, const json::value& body, std::string_view bearer = {},
                const Headers& headers = {});
  Response del(std::string_view target, std::string_view bearer = {});
  // Any method with a raw body (sent as is, with the given content type when non-empty).
  Response send(beast::http::verb verb, std::string_view target, std::string body,
                std::string_view content_type = {}, const Headers& headers = {});

  // Raw bytes on the connection, then responses read one at a time.
  void send_raw(std::string_view bytes);
  Response read_response();

  void close();
  [[nodiscard]] bool connected() const noexcept { return connected_; }
  // How many TCP connections this client opened so far.
  [[nodiscard]] int connections_opened() const noexcept { return connections_; }

 private:
  void connect();
  template <class Start>
  beast::error_code run(Start&& start);

  Endpoint server_;
  std::chrono::milliseconds timeout_;
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
  int connections_ = 0;
};

// Assertions

// Status and, for errors, an RFC 9457 body: application/problem+json, "status" equal to
// the HTTP status, string "type", "title" and "code" == `code` (any code when empty).
[[nodiscard]] ::testing::AssertionResult is_problem(const Response& r, unsigned status,
                                                    std::string_view code);
[[nodiscard]] ::testing::AssertionResult has_status(const Response& r, unsigned status);
[[nodiscard]] bool is_uuid(std::string_view text);
[[nodiscard]] bool is_rfc3339_utc(std::string_view text);
// RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" (optionally with fractional seconds) to Unix seconds.
[[nodiscard]] std::int64_t parse_rfc3339(std::string_view text);

// API helpers

struct Account {
  std::string id;
  std::string username;
  std::string password;
  std::string access;  // access token
  std::string queue;   // queue token, once queued
};

[[nodiscard]] std::string unique_username(std::string_view prefix = "fan");
// Sign up (expects 201) and log in (expects 200).
[[nodiscard]] Account make_account(const Endpoint& server, std::string_view prefix = "fan");
// `count` accounts made by `parallel` threads (Argon2id makes each one slow).
[[nodiscard]] std::vector<Account> make_accounts(const Endpoint& server, std::size_t count,
                                                 std::size_t parallel = 4);

// POST /users/{id}/balance; expects 200 and returns newBalance.
std::int64_t charge(HttpClient& http, const Account& a, std::int64_t amount);
[[nodiscard]] std::int64_t balance(HttpClient& http, const Account& a);

// POST /tokens (expects 200 or 201); stores and returns the queue token.
std::string join_queue(HttpClient& http, Account& a);
// GET /queue/status with the queue token.
[[nodiscard]] Response queue_status(HttpClient& http, std::string_view queue_token);
// Polls the status until ACTIVE; throws after `timeout`.
void wait_active(HttpClient& http, std::string_view queue_token,
                 std::chrono::milliseconds timeout = 10s);
// join_queue + wait_active.
std::string admit(HttpClient& http, Account& a);
// A fresh account on `server`, charged with `money` (when > 0) and ACTIVE in the queue.
[[nodiscard]] Account ready_fan(const ServerProcess& server, HttpClient& http,
                                std::int64_t money = 0);

// POST /admin/concerts with seats 1..seat_count at `price`; returns concertId.
[[nodiscard]] std::string create_concert(HttpClient& http, std::int64_t seat_count,
                                         std::int64_t price, std::string_view date = "2099-06-01",
                                         std::string_view name = "Test Concert");

[[nodiscard]] Response hold(HttpClient& http, std::string_view concert_id, std::int64_t seat,
                            std::string_view queue_token);
// hold, expecting 201; returns reservationId.
[[nodiscard]] std::string hold_ok(HttpClient& http, std::string_view concert_id, std::int64_t seat,
                                  std::string_view queue_token);
[[nodiscard]] Response pay(HttpClient& http, std::string_view reservation_id, std::int64_t amount,
                           std::string_view queue_token, std::string_view idempotency_key = {});
[[nodiscard]] Response get_reservation(HttpClient& http, std::string_view reservation_id,
                                       std::string_view token);
// GET /concerts/{id}/seats; expects 200. seatNumber -> available.
[[nodiscard]] std::vector<std::pair<std::int64_t, bool>> seat_map(HttpClient& http,
                                                                  std::string_view concert_id);
[[nodiscard]] bool seat_available(HttpClient& http, std::string_view concert_id, std::int64_t seat);

// One connected client per racer, so that connection setup is not part of the race.
[[nodiscard]] std::vector<std::unique_ptr<HttpClient>> connected_clients(const Endpoint& server,
                                                                         std::size_t n);

// Runs fn(i) for i in [0, n) on n threads released at the same moment; rethrows the first
// exception any of them threw.
template <class Fn>
void run_together(std::size_t n, Fn fn) {
  std::latch start(static_cast<std::ptrdiff_t>(n));
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// Polls `pred` every 20 ms until true or `timeout`; returns the last result.
template <class Pred>
bool eventually(Pred&& pred, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

// Tokens

[[nodiscard]] std::string base64url_encode(std::string_view bytes);
[[nodiscard]] std::string base64url_decode(std::string_view text);
// The token with its payload's "sub" replaced (the signature kept, so it no longer matches).
[[nodiscard]] std::string forge_subject(std::string_view jwt, std::string_view subject);
// The token's payload under {"alg":"none"} and an empty signature.
[[nodiscard]] std::string alg_none(std::string_view jwt);

// Database (read-only)

// A UUID string as the 16-byte id the database stores; throws when malformed.
[[nodiscard]] Uuid uuid(std::string_view text);
// The same bytes as lowercase hex (how Db::rows prints blobs).
[[nodiscard]] std::string uuid_hex(std::string_view text);

// A connection to the server's database (SQLite, or MariaDB), for checks: read-only on
// SQLite unless kWrite (for the tests that break rows on purpose). Works while the server
// runs. Placeholders are '?', bound in order.
class Db final {
 public:
  // Bound in order: an integer, or an id as a 16-byte blob.
  using Param = std::variant<std::int64_t, Uuid>;
  using Row = std::vector<std::string>;
  enum class Access { kRead, kWrite };

  explicit Db(const std::filesystem::path& path, Access access = Access::kRead);
  explicit Db(const DatabaseUrl& database, Access access = Access::kRead);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // First column of the first row as an integer (0 for NULL); throws when there is no row.
  [[nodiscard]] std::int64_t scalar(std::string_view sql, const std::vector<Param>& params = {});
  // Rows as text: "NULL" for NULL, lowercase hex for blobs.
  [[nodiscard]] std::vector<Row> rows(std::string_view sql, const std::vector<Param>& params = {});
  // A statement whose rows, if any, nobody reads (writes need Access::kWrite on SQLite).
  void exec(std::string_view sql, const std::vector<Param>& params = {}) {
    static_cast<void>(rows(sql, params));
  }

 private:
  void open_sqlite(const std::filesystem::path& path, Access access);
  std::vector<Row> mysql_rows(std::string_view sql, const std::vector<Param>& params);

  sqlite3* db_ = nullptr;
  void* mysql_ = nullptr;  // MYSQL*, when on MariaDB
};

// Milliseconds since the Unix epoch, as the database stores times.
[[nodiscard]] std::int64_t now_ms();

// Contract §4 over the whole database: `concertd audit` must find nothing broken.
void expect_invariants(const DatabaseUrl& database);

// Tests over every store

// kGalera: the MariaDB store on a three-node Galera cluster, through a --database URL that
// lists the three servers (CONCERTD_TEST_GALERA_DSN, scripts/galera-test-cluster).
enum class Store { kSqlite, kMariaDb, kGalera };

[[nodiscard]] const char* store_name(Store store);
// Whether several concertd processes may share the store.
[[nodiscard]] constexpr bool is_shared(Store store) { return store != Store::kSqlite; }
void PrintTo(Store store, std::ostream* os);
[[nodiscard]] std::string store_param_name(const ::testing::TestParamInfo<Store>& info);

// A test that runs against a concertd on SQLite, on MariaDB and on Galera: derive a suite
// from it, start servers with on_store(...) and instantiate with CONCERTD_ON_EVERY_STORE.
// On SQLite each server gets a fresh file; on MariaDB and Galera each test a fresh database
// that all its servers share (skipped when mysql_available() is false, or for Galera when
// CONCERTD_TEST_GALERA_DSN is not set).
class OnEveryStore : public ::testing::TestWithParam<Store> {
 protected:
  void SetUp() override;
  // `options` on this test's store.
  [[nodiscard]] ServerOptions on_store(ServerOptions options = {}) const;

 private:
  std::optional<TestDatabase> database_;
};

#define CONCERTD_ON_EVERY_STORE(suite)                                                       \
  INSTANTIATE_TEST_SUITE_P(                                                                  \
      Stores, suite,                                                                         \
      ::testing::Values(::concertd::test::Store::kSqlite, ::concertd::test::Store::kMariaDb, \
                        ::concertd::test::Store::kGalera),                                   \
      ::concertd::test::store_param_name)

// Load

// What charge_until saw: the amounts answered 200, the other answers, and how many
// requests got no answer at all (the connection failed or timed out).
struct ChargeLoad {
  std::vector<std::int64_t> acknowledged;
  std::vector<Response> refused;
  std::size_t unanswered = 0;
};

// Charges `a` 1, 2, 3, ... (each amount once, so that each can be looked for in the
// ledger) over one keep-alive connection to `server` until `stop`. After a refusal or a
// failed request it pauses 20 ms; a failed connection is opened again.
[[nodiscard]] ChargeLoad charge_until(const Endpoint& server, const Account& a,
                                      const std::atomic<bool>& stop,
                                      std::chrono::milliseconds timeout);

// The amounts of `a`'s charges in the ledger.
[[nodiscard]] std::set<std::int64_t> charges_in_ledger(Db& db, const Account& a);

}  // namespace concertd::test
