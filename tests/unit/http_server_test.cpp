// The HTTP adapter in process: a real Server on 127.0.0.1:0 over a temp SQLite file,
// driven by a Beast client over real sockets. The black-box suite (tests/http) covers
// the API; this covers what needs control of the inside: store faults, a busy blocking
// pool, graceful shutdown, the error table and run_blocking.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <future>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "concerts/concert_service.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/temp_dir.hpp"
#include "http/errors.hpp"
#include "http/json.hpp"
#include "http/run_blocking.hpp"
#include "http/server.hpp"
#include "payments/balance_service.hpp"
#include "payments/payment_service.hpp"
#include "queue/queue_service.hpp"
#include "reservations/reservation_service.hpp"
#include "store/audit.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "tokens/tokens.hpp"
#include "users/user_service.hpp"

namespace concertd::http {
namespace {

using namespace std::chrono_literals;
using tcp = net::ip::tcp;
using HttpResponse = beast::http::response<beast::http::string_body>;

// Forwards to SQLite until told to fail.
class FlakyDatabase final : public store::Database {
 public:
  enum class Fault { kNone, kUnavailable, kBug };

  explicit FlakyDatabase(store::Database& inner) : inner_(inner) {}

  void write(const std::function<bool(store::Tx&)>& work) override {
    fail_if_told();
    inner_.write(work);
  }
  void read(const std::function<void(store::Tx&)>& work) override {
    fail_if_told();
    inner_.read(work);
  }
  [[nodiscard]] bool ready() override { return answers.load() && inner_.ready(); }
  [[nodiscard]] store::AuditReport audit(Timestamp now) override {
    fail_if_told();
    return inner_.audit(now);
  }

  std::atomic<Fault> fault{Fault::kNone};
  std::atomic<bool> answers{true};

 private:
  void fail_if_told() const {
    switch (fault.load()) {
      case Fault::kNone:
        return;
      case Fault::kUnavailable:
        throw StoreUnavailable("database is locked");
      case Fault::kBug:
        throw std::runtime_error("secret internals");
    }
  }

  store::Database& inner_;
};

// Reads everything until the server closes the connection.
std::string read_to_end(tcp::socket& socket) {
  std::string out;
  char chunk[4096];
  boost::system::error_code ec;
  while (!ec) {
    const std::size_t n = socket.read_some(net::buffer(chunk), ec);
    out.append(chunk, n);
  }
  return out;
}

class HttpServerTest : public ::testing::Test {
 protected:
  static constexpr std::size_t kPoolThreads = 2;

  HttpServerTest()
      : sqlite_(store::sqlite::SqliteDatabase::open(dir_.file("test.db"))),
        db_(*sqlite_),
        tokens_("http-test-secret-0123456789abcdef0123456789", clock_),
        join_pow_("http-test-secret-0123456789abcdef0123456789", 0, clock_),
        users_(db_, clock_),
        queue_(db_, clock_, {}),
        concerts_(db_, clock_),
        reservations_(db_, concerts_, clock_, 300s),
        balances_(db_, clock_),
        payments_(db_, queue_, clock_),
        server_(ioc_, pool_, hashing_pool_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0),
                Services{users_, tokens_, join_pow_, queue_, concerts_, reservations_, balances_,
                         payments_, db_, clock_, std::string("admin"), files_, "sqlite"},
                ServerOptions{.body_limit = 1024, .idle_timeout = 5s, .read_timeout = 5s}) {
    queue_.restore();
    server_.start();
    for (auto& thread : io_threads_) thread = std::thread([this] { ioc_.run(); });
  }

  ~HttpServerTest() override {
    shutdown(1s).get();
    work_.reset();
    ioc_.stop();
    for (auto& thread : io_threads_) thread.join();
    hashing_pool_.join();
    pool_.join();
  }

  std::future<void> shutdown(std::chrono::milliseconds deadline) {
    return net::co_spawn(ioc_, server_.shutdown(deadline), net::use_future);
  }

  tcp::socket connect() {
    tcp::socket socket(client_ioc_);
    socket.connect(server_.local_endpoint());
    return socket;
  }

  HttpResponse request(beast::http::verb method, std::string_view target, std::string body = {}) {
    tcp::socket socket = connect();
    beast::http::request<beast::http::string_body> req{method, target, 11};
    req.set(beast::http::field::host, "test");
    req.body() = std::move(body);
    req.prepare_payload();
    beast::http::write(socket, req);
    beast::flat_buffer buffer;
    HttpResponse res;
    beast::http::read(socket, buffer, res);
    return res;
  }

  std::string raw(std::string_view bytes) {
    tcp::socket socket = connect();
    net::write(socket, net::buffer(bytes));
    return read_to_end(socket);
  }

  static std::string code_of(const HttpResponse& res) {
    return std::string(boost::json::parse(res.body()).at("code").as_string());
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::sqlite::SqliteDatabase> sqlite_;
  FlakyDatabase db_;
  tokens::TokenService tokens_;
  tokens::JoinPow join_pow_;
  users::UserService users_;
  queue::QueueService queue_;
  concerts::ConcertService concerts_;
  reservations::ReservationService reservations_;
  payments::BalanceService balances_;
  payments::PaymentService payments_;
  const StaticFiles files_;
  net::io_context ioc_;
  // Keeps the io threads running after the last connection and the accept loop ended.
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(ioc_);
  net::thread_pool pool_{kPoolThreads};
  net::thread_pool hashing_pool_{1};
  Server server_;
  std::array<std::thread, 2> io_threads_;
  net::io_context client_ioc_;
};

TEST_F(HttpServerTest, StoreUnavailableIs503WithRetryAfter) {
  db_.fault = FlakyDatabase::Fault::kUnavailable;
  const auto res = request(beast::http::verb::get, "/api/v1/concerts");
  EXPECT_EQ(res.result_int(), 503U);
  EXPECT_EQ(res[beast::http::field::retry_after], "1");
  EXPECT_EQ(res[beast::http::field::content_type], "application/problem+json");
  EXPECT_EQ(code_of(res), "UNAVAILABLE");
}

TEST_F(HttpServerTest, UnexpectedExceptionIs500WithoutItsMessage) {
  db_.fault = FlakyDatabase::Fault::kBug;
  const auto res = request(beast::http::verb::get, "/api/v1/concerts");
  EXPECT_EQ(res.result_int(), 500U);
  EXPECT_EQ(code_of(res), "INTERNAL");
  EXPECT_EQ(res.body().find("secret internals"), std::string::npos);
  // The connection and the server survive it.
  db_.fault = FlakyDatabase::Fault::kNone;
  EXPECT_EQ(request(beast::http::verb::get, "/api/v1/concerts").result_int(), 200U);
}

TEST_F(HttpServerTest, ReadyzFollowsTheDatabase) {
  EXPECT_EQ(request(beast::http::verb::get, "/readyz").result_int(), 200U);
  db_.answers = false;
  const auto res = request(beast::http::verb::get, "/readyz");
  EXPECT_EQ(res.result_int(), 503U);
  EXPECT_EQ(code_of(res), "UNAVAILABLE");
  EXPECT_EQ(request(beast::http::verb::get, "/healthz").result_int(), 200U);
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  const auto missing = request(beast::http::verb::get, "/api/v1/nothing");
  EXPECT_EQ(missing.result_int(), 404U);
  EXPECT_EQ(code_of(missing), "NOT_FOUND");
  const auto wrong = request(beast::http::verb::put, "/api/v1/reservations/x");
  EXPECT_EQ(wrong.result_int(), 405U);
  EXPECT_EQ(code_of(wrong), "METHOD_NOT_ALLOWED");
  EXPECT_EQ(wrong[beast::http::field::allow], "GET, DELETE");
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  const std::string out =
      raw("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
          "GET /api/v1/nothing HTTP/1.1\r\nHost: t\r\n\r\n"
          "GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const auto ok = out.find("{\"status\":\"ok\"}");
  const auto missing = out.find("NOT_FOUND");
  const auto ready = out.find("{\"status\":\"ready\"}");
  ASSERT_NE(ok, std::string::npos);
  ASSERT_NE(missing, std::string::npos);
  ASSERT_NE(ready, std::string::npos);
  EXPECT_LT(ok, missing);
  EXPECT_LT(missing, ready);
}

TEST_F(HttpServerTest, OversizedBodyIs413AndOversizedHeaderIs431) {
  const std::string body(2000, 'x');
  const std::string big_body = raw("POST /api/v1/users HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_TRUE(big_body.starts_with("HTTP/1.1 413")) << big_body;
  EXPECT_NE(big_body.find("PAYLOAD_TOO_LARGE"), std::string::npos);

  const std::string big_header =
      raw("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Filler: " + std::string(9000, 'y') + "\r\n\r\n");
  EXPECT_TRUE(big_header.starts_with("HTTP/1.1 431")) << big_header;
  EXPECT_NE(big_header.find("HEADERS_TOO_LARGE"), std::string::npos);
}

// A body framed so that a proxy and we could read it differently is refused, and the
// connection closed: its bytes are never read as a request of their own (smuggling).
TEST_F(HttpServerTest, TransferEncodingNotEndingInChunkedIs400AndCloses) {
  const std::string hidden = "GET /api/v1/nothing HTTP/1.1\r\nHost: t\r\n\r\n";
  for (const std::string_view coding : {"xchunked", "chunked, identity", "identity", "gzip"}) {
    const std::string out = raw(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + std::string(coding) +
        "\r\n\r\n" + hidden);
    EXPECT_TRUE(out.starts_with("HTTP/1.1 400")) << coding << ": " << out;
    EXPECT_NE(out.find("Connection: close"), std::string::npos) << coding;
    EXPECT_EQ(out.find("NOT_FOUND"), std::string::npos) << coding << ": the body was served";
  }
}

TEST_F(HttpServerTest, TransferEncodingWithContentLengthIs400AndCloses) {
  const std::string body = "0\r\n\r\n";
  const std::string out =
      raw("POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
          "Content-Length: 5\r\n\r\n" +
          body + "GET /api/v1/nothing HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_TRUE(out.starts_with("HTTP/1.1 400")) << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
  EXPECT_EQ(out.find("NOT_FOUND"), std::string::npos);
}

TEST_F(HttpServerTest, ChunkedBodyIsRead) {
  const std::string json = R"({"username":"nobody_here","password":"whatever-pass"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", json.size());
  const std::string out =
      raw("POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
          "Transfer-Encoding: chunked\r\n\r\n" +
          std::string(size) + "\r\n" + json + "\r\n0\r\n\r\n");
  EXPECT_TRUE(out.starts_with("HTTP/1.1 401")) << out;
  EXPECT_NE(out.find("BAD_CREDENTIALS"), std::string::npos);
}

TEST_F(HttpServerTest, Http11NeedsExactlyOneWellFormedHost) {
  for (const std::string& header :
       {std::string(""), std::string("Host: a\r\nHost: b\r\n"), std::string("Host: user@evil\r\n"),
        std::string("Host: a b\r\n")}) {
    const std::string out = raw("GET /healthz HTTP/1.1\r\n" + header + "\r\n");
    EXPECT_TRUE(out.starts_with("HTTP/1.1 400")) << header << ": " << out;
  }
  EXPECT_TRUE(raw("GET /healthz HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n")
                  .starts_with("HTTP/1.1 200"));
  // HTTP/1.0 had no Host.
  EXPECT_TRUE(raw("GET /healthz HTTP/1.0\r\n\r\n").starts_with("HTTP/1.0 200"));
}

// HEAD answers as GET would, without the body, so that the next response on the
// connection is read as one.
TEST_F(HttpServerTest, HeadIsGetWithoutTheBody) {
  const std::string out =
      raw("HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
          "HEAD /api/v1/nothing HTTP/1.1\r\nHost: t\r\n\r\n"
          "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const std::string ok = "HTTP/1.1 200 OK\r\n";
  ASSERT_TRUE(out.starts_with(ok)) << out;
  EXPECT_NE(out.find("Content-Length: 15\r\n"), std::string::npos) << out;
  const auto second = out.find("HTTP/1.1 404");
  ASSERT_NE(second, std::string::npos) << out;
  // The only body is the last response's.
  EXPECT_EQ(out.find("{\"status\":\"ok\"}"), out.rfind("{\"status\":\"ok\"}"));
  EXPECT_EQ(out.find("NOT_FOUND"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("{\"status\":\"ok\"}")) << out;
}

TEST_F(HttpServerTest, AbsoluteFormTargetIsServedLikeOriginForm) {
  EXPECT_TRUE(raw("GET http://t/healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                  .starts_with("HTTP/1.1 200"));
  const std::string missing =
      raw("GET http://t:8080/api/v1/nothing?x=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(missing.starts_with("HTTP/1.1 404")) << missing;
  for (const char* target : {"ftp://t/healthz", "healthz", "*"}) {
    const std::string out =
        raw(std::string("GET ") + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(out.starts_with("HTTP/1.1 400")) << target << ": " << out;
  }
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  const std::string out = raw("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_TRUE(out.starts_with("HTTP/1.1 400")) << out;
  EXPECT_NE(out.find("BAD_REQUEST"), std::string::npos);
}

TEST_F(HttpServerTest, StatusPollAnswersWhileTheBlockingPoolIsBusy) {
  const auto user = users_.sign_up("poller", "password123").value();
  const auto ticket = queue_.join(user.id).value();
  const std::string token = tokens_.issue_queue(user.id, ticket.entry.number);

  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  for (std::size_t i = 0; i < kPoolThreads; ++i) {
    net::post(pool_, [released] { released.wait(); });
  }
  const auto res = request(beast::http::verb::get, "/api/v1/queue/status?token=" + token);
  release.set_value();
  EXPECT_EQ(res.result_int(), 200U);
  EXPECT_EQ(boost::json::parse(res.body()).at("status").as_string(), "WAITING");
}

TEST_F(HttpServerTest, ShutdownClosesIdleConnectionsAndFinishesRequestsInFlight) {
  tcp::socket idle = connect();
  net::write(idle, net::buffer(std::string_view("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")));
  beast::flat_buffer idle_buffer;
  HttpResponse first;
  beast::http::read(idle, idle_buffer, first);
  EXPECT_TRUE(first.keep_alive());

  const std::string body = R"({"username":"latecomer","password":"password123"})";
  tcp::socket busy = connect();
  net::write(busy, net::buffer("POST /api/v1/users HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10)));
  std::this_thread::sleep_for(100ms);  // the server has the header: the request is in flight

  auto done = shutdown(5s);
  EXPECT_EQ(read_to_end(idle), "");  // closed without a response
  EXPECT_EQ(done.wait_for(200ms), std::future_status::timeout);

  net::write(busy, net::buffer(body.substr(10)));
  beast::flat_buffer buffer;
  HttpResponse res;
  beast::http::read(busy, buffer, res);
  EXPECT_EQ(res.result_int(), 201U);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_EQ(done.wait_for(5s), std::future_status::ready);
  EXPECT_THROW(connect(), boost::system::system_error);
}

TEST(HttpErrors, EveryErrcHasItsOwnCode) {
  std::set<std::string_view> codes;
  const auto last = static_cast<int>(Errc::kIdempotencyKeyReused);
  for (int i = 0; i <= last; ++i) {
    const ProblemType type = problem_type(static_cast<Errc>(i));
    EXPECT_NE(type.code, problems::kInternal.code) << i;
    EXPECT_TRUE(codes.insert(type.code).second) << type.code;
  }
  EXPECT_EQ(problem_type(Errc::kInsufficientBalance).status, beast::http::status::payment_required);
  EXPECT_EQ(problem_type(Errc::kIdempotencyKeyReused).status,
            beast::http::status::unprocessable_entity);
}

TEST(HttpErrors, ProblemHasTypeUriAndStatus) {
  const Response res = problem(Errc::kSeatUnavailable, "taken");
  EXPECT_EQ(res.content_type, kProblemJson);
  EXPECT_EQ(res.code, "SEAT_UNAVAILABLE");
  const auto body = boost::json::parse(res.body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "https://concertd.dev/problems/seat-unavailable");
  EXPECT_EQ(body.at("status").as_int64(), 409);
  EXPECT_EQ(body.at("code").as_string(), "SEAT_UNAVAILABLE");
  EXPECT_EQ(body.at("detail").as_string(), "taken");
}

TEST(HttpJson, AmountMustBeAJsonInteger) {
  const auto amount = [](std::string_view text) {
    return require_amount(boost::json::parse(text).as_object(), "amount");
  };
  EXPECT_EQ(amount(R"({"amount":5000})").value(), Won(5000));
  EXPECT_EQ(amount(R"({"amount":1.5})").error().code, Errc::kInvalidAmount);
  EXPECT_EQ(amount(R"({"amount":1e3})").error().code, Errc::kInvalidAmount);
  EXPECT_EQ(amount(R"({"amount":18446744073709551615})").error().code, Errc::kInvalidAmount);
  EXPECT_EQ(amount(R"({"amount":"5"})").error().code, Errc::kInvalidAmount);
  EXPECT_EQ(amount(R"({})").error().code, Errc::kInvalidArgument);
}

TEST(HttpJson, SeatNumberMustFitInt32) {
  const auto hold = [](std::string_view text) {
    return hold_from_json(boost::json::parse(text).as_object());
  };
  const std::string concert = ConcertId::random().to_string();
  EXPECT_EQ(hold(R"({"concertId":")" + concert + R"(","seatNumber":7})").value().seat, 7);
  EXPECT_FALSE(hold(R"({"concertId":")" + concert + R"(","seatNumber":2147483648})"));
  EXPECT_FALSE(hold(R"({"concertId":"nope","seatNumber":7})"));
}

TEST(HttpJson, DatesMustBeRealCalendarDays) {
  EXPECT_TRUE(parse_date("2028-02-29"));
  EXPECT_FALSE(parse_date("2027-02-29"));
  EXPECT_FALSE(parse_date("2027-13-01"));
  EXPECT_FALSE(parse_date("2027-1-01"));
  EXPECT_FALSE(parse_date("2027-01-01T00:00:00Z"));
  EXPECT_EQ(format_date(*parse_date("2027-01-05")), "2027-01-05");
}

net::awaitable<int> value_on_strand(net::thread_pool& pool,
                                    net::strand<net::any_io_executor> strand,
                                    std::thread::id* pool_thread) {
  auto work = [pool_thread] {
    *pool_thread = std::this_thread::get_id();
    return 42;
  };
  const int value = co_await run_blocking(pool, std::move(work));
  EXPECT_TRUE(strand.running_in_this_thread());
  co_return value;
}

net::awaitable<void> throwing(net::thread_pool& pool) {
  auto work = []() -> int { throw std::runtime_error("from the pool"); };
  co_await run_blocking(pool, std::move(work));
}

TEST(RunBlocking, RunsOnThePoolAndResumesOnTheCallersExecutor) {
  net::io_context ioc;
  net::thread_pool pool(1);
  const auto strand = net::make_strand(net::any_io_executor(ioc.get_executor()));
  std::thread::id pool_thread;
  auto result = net::co_spawn(strand, value_on_strand(pool, strand, &pool_thread), net::use_future);
  ioc.run();
  EXPECT_EQ(result.get(), 42);
  EXPECT_NE(pool_thread, std::this_thread::get_id());
  pool.join();
}

TEST(RunBlocking, RethrowsWhatTheWorkThrew) {
  net::io_context ioc;
  net::thread_pool pool(1);
  auto result = net::co_spawn(ioc, throwing(pool), net::use_future);
  ioc.run();
  EXPECT_THROW(result.get(), std::runtime_error);
  pool.join();
}

}  // namespace
}  // namespace concertd::http
