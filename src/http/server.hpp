#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>

#include "http/services.hpp"

namespace concertd::http {

namespace net = boost::asio;

namespace detail {
struct ServerState;
}

// The HTTP/1.1 server of the contract: keep-alive, pipelining (answered in order), a
// coroutine per connection on its own strand of one io_context run by N threads.
// Domain and database calls run on `blocking`, password hashing on `hashing`, never on an
// io thread.
//
// Lifetime: the io_context, the pool and the Services must outlive every coroutine the
// server started (destroy them after the io_context stopped and the pool joined). The
// Server object itself may go first: its coroutines share its state.
class Server final {
 public:
  // Binds and listens. Throws std::system_error ("cannot listen on HOST:PORT: ...").
  Server(net::io_context& ioc, net::thread_pool& blocking, net::thread_pool& hashing,
         const net::ip::tcp::endpoint& listen, Services services, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Where it listens: the real port when asked for port 0. Thread-safe.
  [[nodiscard]] net::ip::tcp::endpoint local_endpoint() const;
  // Starts accepting (co_spawns the accept loop on the io_context) and the queue event
  // streams' notifier. Call once.
  void start();
  // The waiting room changed (an admission round, a refresh): open queue event streams are
  // brought up to date within kEventGap. Thread-safe, cheap.
  void queue_changed() noexcept;
  // Whether every upcoming concert is sold out: while it is, queue event streams end with a
  // `soldout` event. Thread-safe, cheap.
  void set_sold_out(bool sold_out) noexcept;
  // Whether any queue event stream is open. Thread-safe.
  [[nodiscard]] bool streaming() const noexcept;
  // Graceful stop: stops accepting, closes idle keep-alive connections and event streams,
  // lets requests in flight finish (their responses carry `Connection: close`), and
  // completes when every
  // connection is gone or `deadline` passed; then the stragglers are closed (a blocking
  // call already running still completes on the pool). May be awaited from any executor;
  // the io_context must keep running until it completes. Idempotent.
  net::awaitable<void> shutdown(std::chrono::milliseconds deadline);

 private:
  std::shared_ptr<detail::ServerState> state_;
};

}  // namespace concertd::http
