#include "http/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <mutex>
#include <string>
#include <system_error>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "common/id.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "http/errors.hpp"
#include "http/request.hpp"
#include "http/router.hpp"

namespace concertd::http {
namespace {

// After an error response, how long and how much of the client's unread request we
// swallow so that closing does not reset the connection before the client read it.
constexpr std::chrono::seconds kLingerTimeout{1};
constexpr std::size_t kLingerBytes = 256 * 1024;
constexpr std::chrono::milliseconds kDrainPoll{10};
constexpr std::chrono::milliseconds kAcceptBackoff{50};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

constexpr std::size_t kFieldsArena = 1024;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kMaxRequestId = 64;
using RequestIdBuffer = std::array<char, kMaxRequestId>;

std::string describe(const net::ip::tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  const std::string host = endpoint.address().is_v6() ? "[" + address + "]" : address;
  return host + ":" + std::to_string(endpoint.port());
}

// Writes `response` into `out` as Beast's serializer would (same fields, in the same
// order), so that a response is one buffer built without allocations in a string the
// connection reuses. Without the body for a HEAD request (its Content-Length stays).
void serialize(const Response& response, std::string_view request_id, unsigned version,
               bool keep_alive, bool with_body, std::string& out) {
  out.clear();
  out += "HTTP/";
  out += static_cast<char>('0' + version / 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
  out += ' ';
  const auto status = static_cast<unsigned>(response.status);
  std::array<char, 8> digits{};
  out.append(digits.data(), std::to_chars(digits.begin(), digits.end(), status).ptr);
  out += ' ';
  out += beast::http::obsolete_reason(response.status);
  out += "\r\nServer: concertd\r\nContent-Type: ";
  out += response.content_type;
  out += "\r\nCache-Control: ";
  out += response.cache_control;
  out += "\r\nX-Content-Type-Options: nosniff\r\n";
  if (!request_id.empty()) {
    out += "X-Request-Id: ";
    out += request_id;
    out += "\r\n";
  }
  for (const auto& [name, value] : response.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (version >= 11 && !keep_alive) out += "Connection: close\r\n";
  if (version < 11 && keep_alive) out += "Connection: keep-alive\r\n";
  // A 304 has no body, and its Content-Length would have to be the 200's: leave it out.
  if (response.status != beast::http::status::not_modified) {
    out += "Content-Length: ";
    out.append(digits.data(),
               std::to_chars(digits.begin(), digits.end(), response.body.size()).ptr);
    out += "\r\n";
  }
  out += "\r\n";
  if (with_body) out += response.body;
}

}  // namespace

namespace detail {

struct ServerState {
  struct Connection {
    explicit Connection(net::ip::tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool idle = false;  // waiting for a request header; used only on the stream's strand
  };

  // Keeps a connection in `connections` for exactly as long as its session runs.
  class Registration {
   public:
    Registration(ServerState& state, const std::shared_ptr<Connection>& connection)
        : state_(state) {
      const std::lock_guard lock(state_.mutex);
      id_ = state_.next_connection++;
      state_.connections.emplace(id_, connection);
      metrics::registry().http_connections.add(1);
    }
    ~Registration() {
      metrics::registry().http_connections.add(-1);
      const std::lock_guard lock(state_.mutex);
      state_.connections.erase(id_);
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

   private:
    ServerState& state_;
    std::uint64_t id_ = 0;
  };

  ServerState(net::io_context& io, net::thread_pool& pool, Services s, ServerOptions o)
      : ioc(io),
        blocking(pool),
        services(std::move(s)),
        options(o),
        acceptor(net::make_strand(io)) {}

  std::size_t connection_count() {
    const std::lock_guard lock(mutex);
    return connections.size();
  }

  // Runs `f(connection)` on each live connection's strand.
  template <class F>
  void for_each_connection(F f) {
    std::vector<std::shared_ptr<Connection>> live;
    {
      const std::lock_guard lock(mutex);
      live.reserve(connections.size());
      for (const auto& [id, weak] : connections) {
        if (auto connection = weak.lock()) live.push_back(std::move(connection));
      }
    }
    for (auto& connection : live) {
      auto executor = connection->stream.get_executor();
      net::post(executor, [connection = std::move(connection), f] { f(*connection); });
    }
  }

  net::io_context& ioc;
  net::thread_pool& blocking;
  const Services services;
  const ServerOptions options;
  net::ip::tcp::acceptor acceptor;  // on its own strand
  net::ip::tcp::endpoint local;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> next_request{1};
  // Generated request ids are "<this prefix>-<counter in hex>": unique across nodes.
  const std::string request_id_prefix = Uuid::random().to_string().substr(0, 8);

  std::mutex mutex;
  std::uint64_t next_connection = 0;
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections;
};

}  // namespace detail

namespace {

using State = detail::ServerState;
using Connection = detail::ServerState::Connection;

void log_exception(std::string_view event, std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::error(R"("event":"{}","error":{})", event, log::quote(e.what()));
  } catch (...) {
    spdlog::error(R"("event":"{}","error":"unknown exception")", event);
  }
}

// Writes `response` with `Connection: close`, then half-closes and swallows what the
// client is still sending for a moment, so that it sees the response and not a reset.
net::awaitable<void> reply_and_linger(std::shared_ptr<State> state,
                                      std::shared_ptr<Connection> connection, Response response,
                                      std::string request_id, unsigned version) {
  std::string out;
  add_request_id(response, request_id);
  serialize(response, request_id, version, false, true, out);
  connection->stream.expires_after(state->options.read_timeout);
  auto [write_error, written] =
      co_await net::async_write(connection->stream, net::buffer(out), kTuple);
  if (write_error) co_return;
  beast::error_code ignored;
  connection->stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  std::array<char, 4096> scratch;
  std::size_t drained = 0;
  connection->stream.expires_after(kLingerTimeout);
  while (drained < kLingerBytes) {
    auto [read_error, got] =
        co_await connection->stream.async_read_some(net::buffer(scratch), kTuple);
    if (read_error) break;
    drained += got;
  }
}

bool well_formed_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestId) return false;
  return std::ranges::all_of(id, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// The client's X-Request-Id when well-formed, else the next one of this process,
// written into `buffer`.
std::string_view request_id(State& state, std::string_view given, RequestIdBuffer& buffer) {
  if (well_formed_request_id(given)) return given;
  const auto n = state.next_request.fetch_add(1, std::memory_order_relaxed);
  const auto end =
      fmt::format_to_n(buffer.data(), buffer.size(), "{}-{:x}", state.request_id_prefix, n).out;
  return {buffer.data(), end};
}

// One connection: read a request, answer it, repeat. Requests are handled one at a
// time, so pipelined requests (already in `buffer`) are answered in order.
net::awaitable<void> run_session(std::shared_ptr<State> state,
                                 std::shared_ptr<Connection> connection) {
  const State::Registration registration(*state, connection);
  const ServerOptions& options = state->options;
  beast::error_code peer_error;
  const std::string client =
      connection->stream.socket().remote_endpoint(peer_error).address().to_string();
  RequestIdBuffer id_buffer;
  beast::flat_buffer buffer;
  std::string out;  // the response being written, reused
  std::array<std::byte, kFieldsArena> fields_arena;
  for (;;) {
    if (state->stopping.load()) break;
    std::pmr::monotonic_buffer_resource fields_memory(fields_arena.data(), fields_arena.size());
    RequestParser parser(std::piecewise_construct, std::make_tuple(),
                         std::make_tuple(FieldsAllocator(&fields_memory)));
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.body_limit);

    connection->idle = true;
    connection->stream.expires_after(options.idle_timeout);
    auto [header_error, header_bytes] =
        co_await beast::http::async_read_header(connection->stream, buffer, parser, kTuple);
    connection->idle = false;
    if (header_error) {
      if (auto failure = read_failure(header_error, options.body_limit)) {
        // The client's id if its line was read before the failure (a body over the limit
        // is refused once the header is complete), else a fresh one.
        const std::string id(request_id(*state, parser.get()["X-Request-Id"], id_buffer));
        co_await reply_and_linger(state, connection, std::move(*failure), id, 11);
      }
      break;
    }

    if (auto refused = header_problem(parser)) {
      const std::string id(request_id(*state, parser.get()["X-Request-Id"], id_buffer));
      co_await reply_and_linger(state, connection, std::move(*refused), id, parser.get().version());
      break;
    }

    if (!parser.is_done()) {
      connection->stream.expires_after(options.read_timeout);
      const auto& header = parser.get();
      if (header.version() >= 11 &&
          beast::iequals(header[beast::http::field::expect], "100-continue")) {
        auto [continue_error, continue_bytes] =
            co_await net::async_write(connection->stream, net::buffer(kContinue), kTuple);
        if (continue_error) break;
      }
      auto [body_error, body_bytes] =
          co_await beast::http::async_read(connection->stream, buffer, parser, kTuple);
      if (body_error) {
        if (auto failure = read_failure(body_error, options.body_limit)) {
          // The header was read: the client's id, if it sent one.
          const std::string id(request_id(*state, parser.get()["X-Request-Id"], id_buffer));
          co_await reply_and_linger(state, connection, std::move(*failure), id,
                                    parser.get().version());
        }
        break;
      }
    }

    const HttpRequest& message = parser.get();
    const std::string_view id = request_id(*state, message["X-Request-Id"], id_buffer);
    auto req = make_request(message, id, client);
    if (!req) {
      Response bad = problem(Errc::kInvalidArgument, "malformed request target");
      co_await reply_and_linger(state, connection, std::move(bad), std::string(id),
                                message.version());
      break;
    }
    // Named, not a braced temporary inside co_await: see reply_blocking in handler.hpp.
    const Context ctx{state->services, state->blocking, state->options};
    Response response = co_await handle_request(ctx, std::move(*req));

    const bool keep_alive = message.keep_alive() && !state->stopping.load();
    serialize(response, id, message.version(), keep_alive,
              message.method() != beast::http::verb::head, out);
    connection->stream.expires_after(options.read_timeout);
    auto [write_error, written] =
        co_await net::async_write(connection->stream, net::buffer(out), kTuple);
    if (write_error || !keep_alive) break;
  }
  beast::error_code ignored;
  connection->stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  connection->stream.close();
}

net::awaitable<void> accept_loop(std::shared_ptr<State> state) {
  net::steady_timer backoff(state->acceptor.get_executor());
  for (;;) {
    const net::any_io_executor executor = net::make_strand(state->ioc);
    auto [error, socket] = co_await state->acceptor.async_accept(executor, kTuple);
    if (state->stopping.load() || error == net::error::operation_aborted) break;
    if (error) {
      // E.g. out of file descriptors: say so, and give in-flight work a moment to end.
      spdlog::warn(R"("event":"accept_failed","error":{})", log::quote(error.message()));
      backoff.expires_after(kAcceptBackoff);
      co_await backoff.async_wait(kTuple);
      continue;
    }
    beast::error_code ignored;
    socket.set_option(net::ip::tcp::no_delay(true), ignored);
    auto connection = std::make_shared<Connection>(std::move(socket));
    net::co_spawn(executor, run_session(state, std::move(connection)),
                  [](std::exception_ptr e) { log_exception("session_failed", e); });
  }
}

}  // namespace

Server::Server(net::io_context& ioc, net::thread_pool& blocking,
               const net::ip::tcp::endpoint& listen, Services services, ServerOptions options)
    : state_(std::make_shared<detail::ServerState>(ioc, blocking, std::move(services), options)) {
  auto& acceptor = state_->acceptor;
  beast::error_code ec;
  const auto check = [&] {
    if (ec) throw std::system_error(ec, "cannot listen on " + describe(listen));
  };
  acceptor.open(listen.protocol(), ec);
  check();
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  check();
  acceptor.bind(listen, ec);
  check();
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  check();
  state_->local = acceptor.local_endpoint(ec);
  check();
}

Server::~Server() = default;

net::ip::tcp::endpoint Server::local_endpoint() const { return state_->local; }

void Server::start() {
  spdlog::info(R"("event":"listening","address":{})", log::quote(describe(state_->local)));
  net::co_spawn(state_->acceptor.get_executor(), accept_loop(state_),
                [](std::exception_ptr e) { log_exception("accept_failed", e); });
}

net::awaitable<void> Server::shutdown(std::chrono::milliseconds deadline) {
  const std::shared_ptr<State> state = state_;
  const auto until = std::chrono::steady_clock::now() + deadline;
  if (!state->stopping.exchange(true)) {
    spdlog::info(R"("event":"shutdown_started","connections":{})", state->connection_count());
    net::post(state->acceptor.get_executor(), [state] {
      beast::error_code ignored;
      state->acceptor.close(ignored);
    });
  }
  // A connection waiting for a header is idle: end it now. One inside a request sees
  // `stopping` after its response and closes then.
  state->for_each_connection([](Connection& connection) {
    if (connection.idle) connection.stream.cancel();
  });
  net::steady_timer timer(co_await net::this_coro::executor);
  while (state->connection_count() > 0 && std::chrono::steady_clock::now() < until) {
    timer.expires_after(kDrainPoll);
    co_await timer.async_wait(kTuple);
  }
  if (const std::size_t left = state->connection_count(); left > 0) {
    spdlog::warn(R"("event":"shutdown_deadline_passed","connections":{})", left);
    state->for_each_connection([](Connection& connection) { connection.stream.close(); });
  } else {
    spdlog::info(R"("event":"shutdown_drained")");
  }
}

}  // namespace concertd::http
