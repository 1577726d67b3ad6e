// What a bot or an attacker meets, through real sockets against a real concertd: rate
// limits per client address and per user (429 RATE_LIMITED with Retry-After), account
// lockout after failed logins, held on every node of a shared database (429 LOGIN_LOCKED),
// X-Forwarded-For believed only from a trusted proxy, connection caps and running out of
// file descriptors (a fast 503 and close, never a hang), and 408 for a trickled header.

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http/support.hpp"

namespace concertd::test {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

Response log_in(HttpClient& http, std::string_view username, std::string_view password,
                const Headers& headers = {}) {
  return http.post("/api/v1/auth/login", {{"username", username}, {"password", password}}, {},
                   headers);
}

Response sign_up(HttpClient& http, std::string_view username) {
  return http.post("/api/v1/users", {{"username", username}, {"password", "correct horse"}});
}

// 429 with the code, a Retry-After of at least a second, and the same number in the detail.
::testing::AssertionResult is_limited(const Response& r, std::string_view code) {
  if (auto problem = is_problem(r, 429, code); !problem) return problem;
  const std::string retry = r.header("Retry-After");
  if (retry.empty() || std::stoll(retry) < 1) {
    return ::testing::AssertionFailure() << "Retry-After is '" << retry << "': " << r.describe();
  }
  return ::testing::AssertionSuccess();
}

// A socket to `port` that gives up reading after `timeout` (SO_RCVTIMEO), so that a
// server that hangs fails the test instead of blocking it.
tcp::socket connect_with_timeout(net::io_context& ioc, std::uint16_t port,
                                 std::chrono::milliseconds timeout) {
  tcp::socket socket(ioc);
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  const timeval tv{.tv_sec = timeout.count() / 1000,
                   .tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return socket;
}

// What the server sent on `socket` until it closed it, or until the read timed out
// (then `timed_out` is set).
std::string read_until_closed(tcp::socket& socket, bool& timed_out) {
  std::string out;
  std::array<char, 4096> chunk;
  timed_out = false;
  for (;;) {
    boost::system::error_code ec;
    const auto n = socket.read_some(net::buffer(chunk), ec);
    out.append(chunk.data(), n);
    if (ec == net::error::would_block || ec == net::error::try_again) timed_out = true;
    if (ec) return out;
  }
}

constexpr std::string_view kHealthz = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
constexpr std::string_view kHealthzAndClose =
    "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";

// Per-address limits

TEST(Abuse, FailedLoginsPerAddressAre429AndSuccessesDoNotCount) {
  ServerProcess server({.extra_args = {"--login-limit", "3/60", "--login-lockout", "off"}});
  const auto a = make_account(server.endpoint());
  HttpClient http(server.port());
  // Right passwords give their token back: any number of them.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(has_status(log_in(http, a.username, a.password), 200));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(is_problem(log_in(http, a.username, "wrong password"), 401, "BAD_CREDENTIALS"));
  }
  EXPECT_TRUE(is_limited(log_in(http, a.username, "wrong password"), "RATE_LIMITED"));
  // Refused before the password is looked at: the right one too, from this address.
  EXPECT_TRUE(is_limited(log_in(http, a.username, a.password), "RATE_LIMITED"));
  const auto metrics = http.get("/metrics").body;
  EXPECT_NE(metrics.find("concertd_rate_limited_total 2"), std::string::npos) << metrics;
}

TEST(Abuse, SignUpsAndQueueTokensPerAddressAre429) {
  ServerProcess server({.extra_args = {"--signup-limit", "2/600", "--token-limit", "2/60"}});
  HttpClient http(server.port());
  // make_account signs up once: one more is left.
  auto a = make_account(server.endpoint());
  EXPECT_TRUE(has_status(sign_up(http, unique_username()), 201));
  EXPECT_TRUE(is_limited(sign_up(http, unique_username()), "RATE_LIMITED"));
  // Joining twice (the second answer is the same place) uses both tokens.
  join_queue(http, a);
  join_queue(http, a);
  const auto third = http.post("/api/v1/tokens", {{"userId", a.id}}, a.access);
  EXPECT_TRUE(is_limited(third, "RATE_LIMITED"));
}

TEST(Abuse, HoldAttemptsPerUserAre429) {
  ServerProcess server({.extra_args = {"--hold-limit", "3/60"}});
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 0);
  auto b = ready_fan(server, http, 0);
  const auto concert = create_concert(http, 10, 100);
  EXPECT_TRUE(has_status(hold(http, concert, 1, a.queue), 201));
  EXPECT_TRUE(is_problem(hold(http, concert, 1, a.queue), 409, "SEAT_UNAVAILABLE"));
  EXPECT_TRUE(has_status(hold(http, concert, 2, a.queue), 201));
  EXPECT_TRUE(is_limited(hold(http, concert, 3, a.queue), "RATE_LIMITED"));
  // Another user's attempts are their own.
  EXPECT_TRUE(has_status(hold(http, concert, 3, b.queue), 201));
}

// Account lockout: in the database, so on every node and after a restart

class Lockout : public OnEveryStore {};
CONCERTD_ON_EVERY_STORE(Lockout);

TEST_P(Lockout, FailedLoginsLockTheAccountOnEveryNode) {
  // Two free failures on one node, the third on another node of the same database: the
  // count is in the database, so the guesser who moves on is locked out there. (On SQLite
  // the same file after a restart: the count outlives the process.) Each node is up before
  // the lock starts, so that a slow start (sanitizers) cannot outlast the 1 s lock.
  const auto args = on_store({.extra_args = {"--login-lockout", "2"}});
  ServerProcess first(args);
  std::optional<ServerProcess> second;
  if (is_shared(GetParam())) second.emplace(args);
  const auto a = make_account(first.endpoint());
  {
    HttpClient http(first.port());
    for (int i = 0; i < 2; ++i) {
      EXPECT_TRUE(is_problem(log_in(http, a.username, "wrong password"), 401, "BAD_CREDENTIALS"));
    }
  }
  if (!second) first.restart();
  HttpClient other(second ? second->port() : first.port());
  EXPECT_TRUE(is_problem(log_in(other, a.username, "wrong password"), 401, "BAD_CREDENTIALS"));
  // The third failure locked the account for 1 s: even its own password is refused now,
  // on every node.
  EXPECT_TRUE(is_limited(log_in(other, a.username, a.password), "LOGIN_LOCKED"));
  if (second) {
    HttpClient http(first.port());
    EXPECT_TRUE(is_limited(log_in(http, a.username, a.password), "LOGIN_LOCKED"));
  }
  // The lock lapses by itself; a success resets the count.
  ASSERT_TRUE(eventually([&] { return log_in(other, a.username, a.password).status == 200; }, 5s));
  EXPECT_TRUE(is_problem(log_in(other, a.username, "wrong"), 401, "BAD_CREDENTIALS"));
  EXPECT_TRUE(has_status(log_in(other, a.username, a.password), 200));
}

// Concurrent guesses from many connections: each one counts, so a flood cannot slip many
// guesses past the lock before the first failures are recorded.
TEST_P(Lockout, ConcurrentGuessesAreCountedEachOnce) {
  ServerProcess server(on_store({.extra_args = {"--login-lockout", "3", "--threads", "2"}}));
  const auto a = make_account(server.endpoint());
  constexpr std::size_t kGuessers = 12;
  std::vector<unsigned> statuses(kGuessers);
  run_together(kGuessers, [&](std::size_t i) {
    HttpClient http(server.port());
    statuses[i] = log_in(http, a.username, "wrong password " + std::to_string(i)).status;
  });
  // Three are free and the fourth locks the account (1 s): the password was checked for
  // those four only, whatever the interleaving; every later guess found the lock.
  EXPECT_EQ(std::ranges::count(statuses, 401U), 4) << ::testing::PrintToString(statuses);
  EXPECT_EQ(std::ranges::count(statuses, 429U), 8) << ::testing::PrintToString(statuses);
}

// X-Forwarded-For

TEST(Abuse, ForwardedForNamesTheClientOnlyBehindATrustedProxy) {
  const std::vector<std::string> limits = {"--login-limit", "1/600", "--login-lockout", "off"};
  auto trusting_args = limits;
  trusting_args.insert(trusting_args.end(), {"--trusted-proxy", "10.0.0.0/8,127.0.0.1"});
  ServerProcess trusting({.extra_args = trusting_args});
  HttpClient http(trusting.port());
  const auto guess = [&](std::string_view forwarded_for) {
    return log_in(http, "nobody", "wrong password",
                  {{"X-Forwarded-For", std::string(forwarded_for)}});
  };
  EXPECT_EQ(guess("203.0.113.1").status, 401U);
  EXPECT_TRUE(is_limited(guess("203.0.113.1"), "RATE_LIMITED"));
  EXPECT_EQ(guess("203.0.113.2").status, 401U) << "another client behind the proxy";
  // A client cannot make itself someone else by sending its own X-Forwarded-For: only the
  // right-most untrusted entry (what our proxies appended) is believed.
  EXPECT_TRUE(is_limited(guess("198.51.100.7, 203.0.113.1"), "RATE_LIMITED"));
  EXPECT_TRUE(is_limited(guess("198.51.100.8, 203.0.113.1, 10.1.2.3"), "RATE_LIMITED"));
  // One IPv6 subscriber (a /64) is one client.
  EXPECT_EQ(guess("2001:db8:1:2::1").status, 401U);
  EXPECT_TRUE(is_limited(guess("2001:db8:1:2:ffff::9"), "RATE_LIMITED"));

  ServerProcess untrusting({.extra_args = limits});
  HttpClient direct(untrusting.port());
  EXPECT_EQ(log_in(direct, "nobody", "wrong", {{"X-Forwarded-For", "203.0.113.1"}}).status, 401U);
  EXPECT_TRUE(is_limited(log_in(direct, "nobody", "wrong", {{"X-Forwarded-For", "203.0.113.2"}}),
                         "RATE_LIMITED"))
      << "without --trusted-proxy the header is the client's word, and ignored";
}

// Connections

TEST(Abuse, ConnectionsOverTheCapsGetA503AndAreClosed) {
  ServerProcess server(
      {.extra_args = {"--max-connections", "6", "--max-connections-per-client", "3"}});
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<HttpClient>(server.port(), 3s));
    // For a moment the server may still count the connection ServerProcess checked /healthz
    // over, closed just before: then this one is refused (and closed) and opened again.
    ASSERT_TRUE(eventually(
        [&] {
          try {
            return held.back()->get("/healthz").status == 200;
          } catch (const std::exception&) {  // refused before the request was written
            return false;
          }
        },
        5s))
        << i;
  }
  net::io_context ioc;
  const auto refused_answer = [&] {
    auto socket = connect_with_timeout(ioc, server.port(), 3s);
    net::write(socket, net::buffer(kHealthzAndClose));
    bool timed_out = false;
    const std::string out = read_until_closed(socket, timed_out);
    EXPECT_FALSE(timed_out) << "the server kept the connection open";
    return out;
  };
  const std::string refused = refused_answer();
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503")) << refused;
  EXPECT_NE(refused.find("TOO_MANY_CONNECTIONS"), std::string::npos) << refused;
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused;
  EXPECT_NE(refused.find("Connection: close"), std::string::npos) << refused;
  // A connection that ends frees its place.
  held.pop_back();
  ASSERT_TRUE(eventually([&] { return refused_answer().starts_with("HTTP/1.1 200"); }, 5s));
}

TEST(Abuse, TrustedProxiesAreNotHeldToThePerClientCap) {
  ServerProcess server(
      {.extra_args = {"--max-connections-per-client", "2", "--trusted-proxy", "127.0.0.1"}});
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<HttpClient>(server.port(), 3s));
    ASSERT_TRUE(has_status(held.back()->get("/healthz"), 200)) << i;
  }
}

// At the file descriptor limit a new client gets an answer at once (503, or a closed
// connection), never a wait in the backlog, and the log does not fill with errors.
TEST(Abuse, OutOfFileDescriptorsIsAFast503WithoutALogFlood) {
#ifdef CONCERTD_TEST_UBSAN
  GTEST_SKIP() << "UBSan checks a virtual call's vptr by reading it through a pipe; with no "
                  "descriptor left it cannot make one and reports every such call as invalid";
#endif
  if (program_path("prlimit").empty()) GTEST_SKIP() << "prlimit (util-linux) is not installed";
  ServerProcess server({.extra_args = {"--max-connections-per-client", "100000"},
                        .launcher = {"prlimit", "--nofile=64"}});
  net::io_context ioc;
  std::vector<tcp::socket> sockets;
  std::size_t served = 0;
  std::size_t refused = 0;
  for (int i = 0; i < 120; ++i) {
    sockets.push_back(connect_with_timeout(ioc, server.port(), 3s));
    auto& socket = sockets.back();
    boost::system::error_code ec;
    net::write(socket, net::buffer(kHealthz), ec);
    std::array<char, 512> head{};
    const auto n = socket.read_some(net::buffer(head), ec);
    const std::string_view answer(head.data(), n);
    ASSERT_FALSE(ec == net::error::would_block || ec == net::error::try_again)
        << "connection " << i << " hung";
    if (answer.starts_with("HTTP/1.1 200")) {
      ++served;
    } else {
      ++refused;  // the 503, or a reset/close: an answer either way
      EXPECT_TRUE(n == 0 || answer.starts_with("HTTP/1.1 503")) << answer;
    }
  }
  EXPECT_GT(served, 0U);
  EXPECT_GT(refused, 0U);
  sockets.clear();
  // Once descriptors are free again the server serves as before.
  HttpClient http(server.port(), 3s);
  ASSERT_TRUE(eventually([&] { return http.get("/healthz").status == 200; }, 5s));
  std::size_t failure_lines = 0;
  for (std::size_t at = 0; (at = server.log().find("accept_failed", at)) != std::string::npos;
       ++at) {
    ++failure_lines;
  }
  EXPECT_LE(failure_lines, 2U) << server.log();
}

// A header that trickles in is answered 408 once the header timeout passes.
TEST(Abuse, AHeaderNotCompleteInTimeIs408AndTheConnectionClosed) {
  ServerProcess server({.extra_args = {"--header-timeout", "1"}});
  net::io_context ioc;
  auto socket = connect_with_timeout(ioc, server.port(), 5s);
  net::write(socket, net::buffer(std::string_view("GET /healthz HTTP/1.1\r\nHost: t\r\n")));
  const auto started = std::chrono::steady_clock::now();
  bool timed_out = false;
  const std::string out = read_until_closed(socket, timed_out);
  EXPECT_FALSE(timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 408")) << out;
  EXPECT_NE(out.find("REQUEST_TIMEOUT"), std::string::npos) << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;
  // A keep-alive connection that sends nothing more is not answered 408: it is idle.
  HttpClient http(server.port(), 5s);
  ASSERT_TRUE(has_status(http.get("/healthz"), 200));
  std::this_thread::sleep_for(1500ms);
  EXPECT_TRUE(has_status(http.get("/healthz"), 200));
  EXPECT_EQ(http.connections_opened(), 1);
}

}  // namespace
}  // namespace concertd::test
