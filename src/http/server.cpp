#include "http/server.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

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
#include "http/queue_events.hpp"
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
// A refused connection (over a cap) is answered and lingered on this briefly only.
constexpr std::chrono::milliseconds kRefusalLinger{200};
// While out of file descriptors, one log line per this, with the count in between.
constexpr std::chrono::seconds kAcceptFailureLogEvery{10};
constexpr std::size_t kFirstRead = 4096;
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
// connection reuses. Without the body for a HEAD request (its Content-Length stays). An
// event stream's body ends with the connection: it has no Content-Length.
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
  // A 304 has no body, and its Content-Length would have to be the 200's: leave it out;
  // a 204 must not have one (RFC 9110 §8.6).
  const bool streams = response.stream && with_body;
  if (response.status != beast::http::status::not_modified &&
      response.status != beast::http::status::no_content && !streams) {
    out += "Content-Length: ";
    out.append(digits.data(),
               std::to_chars(digits.begin(), digits.end(), response.body.size()).ptr);
    out += "\r\n";
  }
  out += "\r\n";
  if (with_body) out += response.body;
}

// One open descriptor of /dev/null, to be released when accept() fails for the lack of
// one and taken again afterwards.
class ReserveDescriptor {
 public:
  ReserveDescriptor() { take(); }
  ~ReserveDescriptor() { release(); }
  ReserveDescriptor(const ReserveDescriptor&) = delete;
  ReserveDescriptor& operator=(const ReserveDescriptor&) = delete;

  void release() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void take() noexcept {
    if (fd_ < 0) fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }

 private:
  int fd_ = -1;
};

}  // namespace

namespace detail {

struct ServerState {
  struct Connection {
    explicit Connection(net::ip::tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool idle = false;  // waiting for a request header; used only on the stream's strand
  };

  // Keeps a connection in `connections` (and counted for its client, unless that is
  // empty: a trusted proxy) for exactly as long as its session runs. Refuses, leaving
  // `admitted()` false, when a connection cap is reached.
  class Registration {
   public:
    // Shares `state`: an event stream's registration may outlive its session.
    Registration(std::shared_ptr<ServerState> state, const std::shared_ptr<Connection>& connection,
                 std::string client)
        : state_(std::move(state)), client_(std::move(client)) {
      const std::lock_guard lock(state_->mutex);
      if (state_->connections.size() >= state_->options.max_connections) return;
      if (!client_.empty()) {
        auto& count = state_->per_client[client_];
        if (count >= state_->options.max_connections_per_client) return;
        ++count;
      }
      id_ = state_->next_connection++;
      state_->connections.emplace(*id_, connection);
      metrics::registry().http_connections.add(1);
    }
    ~Registration() {
      if (!id_) return;
      metrics::registry().http_connections.add(-1);
      const std::lock_guard lock(state_->mutex);
      state_->connections.erase(*id_);
      if (!client_.empty()) {
        const auto it = state_->per_client.find(client_);
        if (--it->second == 0) state_->per_client.erase(it);
      }
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

    [[nodiscard]] bool admitted() const noexcept { return id_.has_value(); }

   private:
    std::shared_ptr<ServerState> state_;
    std::string client_;
    std::optional<std::uint64_t> id_;
  };

  ServerState(net::io_context& io, net::thread_pool& pool, net::thread_pool& hashing_pool,
              Services s, ServerOptions o)
      : ioc(io),
        blocking(pool),
        hashing(hashing_pool),
        services(std::move(s)),
        options(std::move(o)),
        limits(options.limits),
        seat_maps(services.concerts, services.clock, pool, options.seat_map_max_age),
        events(std::make_shared<QueueEvents>(io, services.queue, options.stream_keep_alive)),
        acceptor(net::make_strand(io)) {}

  [[nodiscard]] bool trusted(const net::ip::address& peer) const {
    return std::ranges::any_of(options.trusted_proxies,
                               [&](const Network& proxy) { return proxy.contains(peer); });
  }

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
  net::thread_pool& hashing;
  const Services services;
  const ServerOptions options;
  Limiters limits;
  SeatMapCache seat_maps;
  const std::shared_ptr<QueueEvents> events;
  net::ip::tcp::acceptor acceptor;  // on its own strand
  net::ip::tcp::endpoint local;
  // Used only on the acceptor's strand: a descriptor held in reserve, given up to accept
  // and refuse one connection when the process is out of them (so that clients get an
  // answer instead of waiting in the backlog), and when failures were last logged.
  ReserveDescriptor reserve;
  std::chrono::steady_clock::time_point accept_failure_logged{};
  std::uint64_t accept_failures_unlogged = 0;
  const std::string out_of_descriptors_response = [] {
    std::string out;
    serialize(problem(problems::kTooManyConnections, "the server is out of connections"), {}, 11,
              false, true, out);
    return out;
  }();
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> next_request{1};
  // Generated request ids are "<this prefix>-<counter in hex>": unique across nodes.
  const std::string request_id_prefix = Uuid::random().to_string().substr(0, 8);

  std::mutex mutex;
  std::uint64_t next_connection = 0;
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections;
  std::unordered_map<std::string, std::size_t> per_client;  // live connections by client_key
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
                                      std::string request_id, unsigned version,
                                      std::chrono::milliseconds linger = kLingerTimeout) {
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
  connection->stream.expires_after(linger);
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

// Reads the next request's header into `parser`: waits up to the idle timeout for its
// first byte (the connection is `idle` meanwhile), then up to the header timeout for the
// rest. Unlike the stream's own timeout, which closes the socket, the header timer only
// cancels the read, so that a 408 can still be written; `timed_out` tells that it fired.
net::awaitable<beast::error_code> read_header(State& state, Connection& connection,
                                              beast::flat_buffer& buffer, RequestParser& parser,
                                              bool& timed_out) {
  timed_out = false;
  if (buffer.size() == 0) {
    connection.idle = true;
    connection.stream.expires_after(state.options.idle_timeout);
    auto [error, got] =
        co_await connection.stream.async_read_some(buffer.prepare(kFirstRead), kTuple);
    connection.idle = false;
    if (error) co_return error;
    buffer.commit(got);
  }
  connection.stream.expires_never();
  net::steady_timer deadline(connection.stream.get_executor());
  deadline.expires_after(state.options.header_timeout);
  deadline.async_wait([&connection, &timed_out](const beast::error_code& error) {
    if (error) return;
    timed_out = true;
    beast::error_code ignored;
    connection.stream.socket().cancel(ignored);
  });
  auto [error, bytes] =
      co_await beast::http::async_read_header(connection.stream, buffer, parser, kTuple);
  deadline.cancel();
  co_return error;
}

// One connection: read a request, answer it, repeat. Requests are handled one at a
// time, so pipelined requests (already in `buffer`) are answered in order.
net::awaitable<void> run_session(std::shared_ptr<State> state,
                                 std::shared_ptr<Connection> connection) {
  beast::error_code peer_error;
  const net::ip::address peer = connection->stream.socket().remote_endpoint(peer_error).address();
  const bool behind_proxy = state->trusted(peer);
  std::string client = peer.to_string();
  std::string client_key = http::client_key(peer);
  auto registration = std::make_shared<State::Registration>(
      state, connection, behind_proxy ? std::string() : client_key);
  if (!registration->admitted()) {
    metrics::registry().connections_refused.add();
    RequestIdBuffer refusal_id;
    const std::string id(request_id(*state, {}, refusal_id));
    co_await reply_and_linger(
        state, connection,
        problem(problems::kTooManyConnections, "too many connections; retry shortly"), id, 11,
        kRefusalLinger);
    co_return;
  }
  const ServerOptions& options = state->options;
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

    bool timed_out = false;
    const auto header_error = co_await read_header(*state, *connection, buffer, parser, timed_out);
    if (header_error) {
      if (timed_out) {
        const std::string id(request_id(*state, {}, id_buffer));
        co_await reply_and_linger(
            state, connection,
            problem(problems::kRequestTimeout,
                    fmt::format("the request header did not arrive within {} s",
                                options.header_timeout.count())),
            id, 11);
      } else if (auto failure = read_failure(header_error, options.body_limit)) {
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
    if (behind_proxy) {
      const auto address =
          client_address(peer, message["X-Forwarded-For"], options.trusted_proxies);
      client = address.to_string();
      client_key = http::client_key(address);
    }
    auto req = make_request(message, id, client, client_key);
    if (!req) {
      Response bad = problem(Errc::kInvalidArgument, "malformed request target");
      co_await reply_and_linger(state, connection, std::move(bad), std::string(id),
                                message.version());
      break;
    }
    // Named, not a braced temporary inside co_await: see reply_blocking in handler.hpp.
    const Context ctx{.services = state->services,
                      .blocking = state->blocking,
                      .hashing = state->hashing,
                      .options = state->options,
                      .limits = state->limits,
                      .seat_maps = state->seat_maps};
    Response response = co_await handle_request(ctx, std::move(*req));
    if (response.stream && message.method() != beast::http::verb::head) {
      serialize(response, id, message.version(), false, true, out);
      connection->stream.expires_after(options.read_timeout);
      auto [write_error, written] =
          co_await net::async_write(connection->stream, net::buffer(out), kTuple);
      if (write_error || !response.stream->follow) break;
      // The stream is a small record of the notifier's now, not this coroutine's frame.
      connection->stream.expires_never();
      state->events->add(connection->stream.release_socket(), std::move(registration),
                         *response.stream);
      co_return;
    }

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

bool out_of_descriptors(const beast::error_code& error) {
  return error == net::error::no_descriptors ||
         error == boost::system::errc::too_many_files_open_in_system;
}

// Out of descriptors, the connection accept() could not take waits in the backlog and its
// client hangs. So give up the reserve descriptor, accept that connection, answer it 503
// and close it, then take the reserve back. True when a connection was refused.
bool refuse_one(State& state) {
  state.reserve.release();
  net::ip::tcp::socket socket(state.ioc);
  beast::error_code ec;
  state.acceptor.accept(socket, ec);  // the acceptor is non-blocking: never waits
  const bool refused = !ec;
  if (refused) {
    metrics::registry().connections_refused.add();
    socket.non_blocking(true, ec);
    socket.write_some(net::buffer(state.out_of_descriptors_response), ec);
    socket.shutdown(net::ip::tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }
  state.reserve.take();
  return refused;
}

// At most one line per kAcceptFailureLogEvery, with the failures since the last one.
void log_accept_failure(State& state, const beast::error_code& error) {
  ++state.accept_failures_unlogged;
  const auto now = std::chrono::steady_clock::now();
  if (now - state.accept_failure_logged < kAcceptFailureLogEvery) return;
  spdlog::warn(R"("event":"accept_failed","error":{},"failures":{})", log::quote(error.message()),
               state.accept_failures_unlogged);
  state.accept_failure_logged = now;
  state.accept_failures_unlogged = 0;
}

net::awaitable<void> accept_loop(std::shared_ptr<State> state) {
  net::steady_timer backoff(state->acceptor.get_executor());
  for (;;) {
    const net::any_io_executor executor = net::make_strand(state->ioc);
    auto [error, socket] = co_await state->acceptor.async_accept(executor, kTuple);
    if (state->stopping.load() || error == net::error::operation_aborted) break;
    if (error) {
      log_accept_failure(*state, error);
      if (out_of_descriptors(error) && refuse_one(*state)) continue;
      // Give in-flight work a moment to end (and release what it holds).
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

Server::Server(net::io_context& ioc, net::thread_pool& blocking, net::thread_pool& hashing,
               const net::ip::tcp::endpoint& listen, Services services, ServerOptions options)
    : state_(std::make_shared<detail::ServerState>(ioc, blocking, hashing, std::move(services),
                                                   std::move(options))) {
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
  // For refuse_one()'s synchronous accept; asynchronous accepts are not affected.
  acceptor.non_blocking(true, ec);
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
  state_->events->start();
}

void Server::queue_changed() noexcept { state_->events->queue_changed(); }

void Server::set_sold_out(bool sold_out) noexcept { state_->events->set_sold_out(sold_out); }

bool Server::streaming() const noexcept { return state_->events->size() > 0; }

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
  // A connection waiting for a header is idle: end it now, as every event stream. One
  // inside a request sees `stopping` after its response and closes then.
  state->events->close_all();
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
