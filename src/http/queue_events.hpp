#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "queue/queue_service.hpp"

// Live push of a queue entry's state: GET /api/v1/queue/events (Server-Sent Events), and
// the polling hint every queue answer carries.
namespace concertd::http {

namespace net = boost::asio;

// Streams are written at most this often: the notifier walks them at most once per gap.
inline constexpr std::chrono::milliseconds kEventGap{500};
// The `retry:` hint: how long EventSource waits before it reconnects.
inline constexpr std::chrono::milliseconds kEventRetry{3000};

// `refreshAfter` of the status and join answers, in tenths of a second: WAITING, a tenth of
// the estimated wait, 1..30 s, stretched by 0..23% after the entry's number so that fans who
// joined together do not poll together; 10 s while paused (the wait counts from the
// resume); 30 s for ACTIVE and EXPIRED, which do not change by waiting.
[[nodiscard]] std::int64_t refresh_after_tenths(const queue::QueueView& view, std::int64_t number);

// The `id:` of the event that carries `view`: non-decreasing over the entry's life, and the
// same for two views with the same position and status. WAITING: the admission horizon
// (number - position, below `number`); ACTIVE: `number`; EXPIRED: `number` + 1. (A
// `soldout` event, which ends a WAITING stream, carries the WAITING view's id + 1: above
// every id the stream sent, and a status change after a reconnect still differs.)
[[nodiscard]] std::int64_t event_id(const queue::QueueView& view, std::int64_t number);

// The answer to GET /queue/events for entry `number` now at `view`: the stream's header,
// the `retry:` hint and the current state, unless `last_event_id` (the Last-Event-ID
// header, empty when absent) is its id already. A WAITING entry's answer hands the
// connection over to QueueEvents (Response::stream); an ACTIVE or EXPIRED one is the final
// event and the connection's end, or 204 (which stops EventSource from reconnecting) when
// the client saw it.
[[nodiscard]] Response open_event_stream(std::int64_t number, const queue::QueueView& view,
                                         std::string_view last_event_id);

// One notifier for every event stream of this process. Streams are small records on one
// strand (the socket, what keeps the connection counted, the entry and its last sent view):
// no coroutine, timer or buffer each. A timer ticks every kEventGap; a tick after
// queue_changed() (an admission round, a refresh) reads every stream's view through
// QueueService::status, which also counts as the fan being there, and writes an event to
// those whose view changed; every keep-alive period a tick also writes `: keep-alive` to
// the others. A final state (ACTIVE, EXPIRED, or every concert sold out) is written and the
// stream closed. Writes do
// not wait: a client whose socket buffer is full (it stopped reading) loses its stream. A
// stream ends when its client closes it or sends anything.
//
// Thread-safety: every public member may be called from any thread. Lifetime: shared; its
// pending handlers keep it alive until the io_context runs or destroys them.
class QueueEvents final : public std::enable_shared_from_this<QueueEvents> {
 public:
  QueueEvents(net::io_context& ioc, queue::QueueService& queue, std::chrono::seconds keep_alive);

  // Starts the timer. Call once.
  void start();
  // Takes over a connection whose stream header and first events were written: `hold`
  // keeps it counted against the connection limits for as long as the stream is open.
  void add(net::ip::tcp::socket socket, std::shared_ptr<void> hold, const EventStream& stream);
  // The waiting room changed (a round, a refresh): the next tick walks the streams.
  void queue_changed() noexcept;
  // Whether every upcoming concert is sold out (ConcertService::sold_out): while it is, each
  // tick ends every stream with a `soldout` event, as add() ends the streams it gets.
  void set_sold_out(bool sold_out) noexcept;
  // Streams open now.
  [[nodiscard]] std::size_t size() const noexcept { return size_.load(); }
  // Closes every stream, stops the timer and refuses later add()s (shutdown).
  void close_all();

 private:
  struct Stream {
    net::ip::tcp::socket socket;
    std::shared_ptr<void> hold;
    std::int64_t number = 0;
    queue::QueueView sent;
  };
  using Streams = std::list<Stream>;

  void schedule();
  void tick();
  void watch(Streams::iterator it);
  // Writes `text` whole without waiting; else ends the stream. False when it ended.
  bool send(Stream& stream, std::string_view text);
  // Writes the `soldout` event with the entry's `view` and ends the stream; true when written.
  bool end_sold_out(Stream& stream, const queue::QueueView& view);
  static void end(Stream& stream);

  queue::QueueService& queue_;
  const std::chrono::seconds keep_alive_;
  net::strand<net::io_context::executor_type> strand_;
  std::atomic<bool> changed_{false};
  std::atomic<bool> sold_out_{false};
  std::atomic<std::size_t> size_{0};
  // Below: used on strand_ only.
  net::steady_timer timer_;
  Streams streams_;
  std::string event_;  // the event being written, reused
  std::chrono::steady_clock::time_point kept_alive_at_{};
  bool closed_ = false;
};

}  // namespace concertd::http
