#include "http/queue_events.hpp"

#include <time.h>

#include <algorithm>
#include <array>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <charconv>
#include <iterator>

#include "common/metrics.hpp"
#include "http/json.hpp"

namespace concertd::http {
namespace {

using queue::QueueStatus;

constexpr std::string_view kKeepAlive = ": keep-alive\n\n";
constexpr std::int64_t kMinRefreshTenths = 10;
constexpr std::int64_t kMaxRefreshTenths = 300;
constexpr std::int64_t kPausedRefreshTenths = 100;
// How many different stretches (in 64ths) entry numbers spread polls over.
constexpr std::int64_t kRefreshSpread = 16;

std::string_view event_name(QueueStatus status) {
  switch (status) {
    case QueueStatus::kWaiting:
      return "status";
    case QueueStatus::kActive:
      return "admitted";
    case QueueStatus::kExpired:
      return "expired";
  }
  return "expired";
}

bool same(const queue::QueueView& a, const queue::QueueView& b) {
  return a.status == b.status && a.position == b.position &&
         a.remaining_seconds == b.remaining_seconds && a.paused == b.paused;
}

void append_event(std::string& out, std::int64_t number, const queue::QueueView& view,
                  std::string_view name) {
  std::array<char, 24> digits{};
  out += "id: ";
  out.append(digits.data(),
             std::to_chars(digits.begin(), digits.end(), event_id(view, number)).ptr);
  out += "\nevent: ";
  out += name;
  out += "\ndata: ";
  out += queue_view_json(view, refresh_after_tenths(view, number));
  out += "\n\n";
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return id;
}

// CPU time of the calling thread, in microseconds.
std::uint64_t thread_cpu_micros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1'000;
}

}  // namespace

std::int64_t refresh_after_tenths(const queue::QueueView& view, std::int64_t number) {
  if (view.status != QueueStatus::kWaiting) return kMaxRefreshTenths;
  if (view.paused) return kPausedRefreshTenths;
  const std::int64_t base =
      std::clamp(view.remaining_seconds, kMinRefreshTenths, kMaxRefreshTenths);
  const std::int64_t stretch = number % kRefreshSpread;
  return std::min(kMaxRefreshTenths, base + base * stretch / 64);
}

std::int64_t event_id(const queue::QueueView& view, std::int64_t number) {
  switch (view.status) {
    case QueueStatus::kWaiting:
      return number - view.position;
    case QueueStatus::kActive:
      return number;
    case QueueStatus::kExpired:
      return number + 1;
  }
  return number + 1;
}

Response open_event_stream(std::int64_t number, const queue::QueueView& view,
                           std::string_view last_event_id) {
  const bool seen = parse_id(last_event_id) == event_id(view, number);
  const bool final_state = view.status != QueueStatus::kWaiting;
  if (final_state && seen) {
    return Response{.status = beast::http::status::no_content, .content_type = "text/event-stream"};
  }
  Response response{.content_type = "text/event-stream",
                    .cache_control = "no-cache",
                    .headers = {{"X-Accel-Buffering", "no"}}};
  response.body = "retry: " + std::to_string(kEventRetry.count()) + "\n\n";
  if (!seen) {
    append_event(response.body, number, view, event_name(view.status));
    metrics::registry().queue_stream_events.add();
  }
  response.stream = EventStream{.number = number, .sent = view, .follow = !final_state};
  return response;
}

QueueEvents::QueueEvents(net::io_context& ioc, queue::QueueService& queue,
                         std::chrono::seconds keep_alive)
    : queue_(queue), keep_alive_(keep_alive), strand_(net::make_strand(ioc)), timer_(strand_) {}

void QueueEvents::start() {
  net::post(strand_, [self = shared_from_this()] {
    self->kept_alive_at_ = std::chrono::steady_clock::now();
    self->schedule();
  });
}

void QueueEvents::add(net::ip::tcp::socket socket, std::shared_ptr<void> hold,
                      const EventStream& stream) {
  net::post(strand_, [self = shared_from_this(), socket = std::move(socket), hold = std::move(hold),
                      stream]() mutable {
    if (self->closed_) return;  // the socket closes as this handler goes
    beast::error_code ignored;
    socket.non_blocking(true, ignored);
    self->streams_.push_back(Stream{.socket = std::move(socket),
                                    .hold = std::move(hold),
                                    .number = stream.number,
                                    .sent = stream.sent});
    metrics::registry().queue_streams.add(1);
    ++self->size_;
    auto& added = self->streams_.back();
    self->watch(std::prev(self->streams_.end()));
    if (self->sold_out_.load() && self->end_sold_out(added, self->queue_.status(added.number))) {
      metrics::registry().queue_stream_events.add();
    }
  });
}

void QueueEvents::queue_changed() noexcept { changed_.store(true, std::memory_order_relaxed); }

void QueueEvents::set_sold_out(bool sold_out) noexcept {
  if (sold_out && !sold_out_.exchange(true)) changed_.store(true, std::memory_order_relaxed);
  if (!sold_out) sold_out_.store(false);
}

void QueueEvents::close_all() {
  net::post(strand_, [self = shared_from_this()] {
    self->closed_ = true;
    self->timer_.cancel();
    for (auto& stream : self->streams_) end(stream);
  });
}

void QueueEvents::schedule() {
  timer_.expires_after(kEventGap);
  timer_.async_wait([self = shared_from_this()](const beast::error_code& error) {
    if (!error && !self->closed_) self->tick();
  });
}

// A stream's only pending operation: it completes when the client sends anything or
// closes, or when end() closed the socket; then the stream goes.
void QueueEvents::watch(Streams::iterator it) {
  it->socket.async_wait(net::socket_base::wait_read,
                        net::bind_executor(strand_, [self = shared_from_this(),
                                                     it](const beast::error_code& /*error*/) {
                          self->streams_.erase(it);
                          metrics::registry().queue_streams.add(-1);
                          --self->size_;
                        }));
}

void QueueEvents::tick() {
  const bool changed = changed_.exchange(false, std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  const bool keep_alive = now - kept_alive_at_ >= keep_alive_;
  if (keep_alive) kept_alive_at_ = now;
  if ((changed || keep_alive) && !streams_.empty()) {
    const std::uint64_t started = thread_cpu_micros();
    const bool sold_out = sold_out_.load();
    std::uint64_t events = 0;
    for (auto& stream : streams_) {
      if (!stream.socket.is_open()) continue;  // ended; its watch has yet to run
      const queue::QueueView view = queue_.status(stream.number);
      if (sold_out && view.status == QueueStatus::kWaiting) {
        if (end_sold_out(stream, view)) ++events;
        continue;
      }
      if (same(view, stream.sent)) {
        if (keep_alive) send(stream, kKeepAlive);
        continue;
      }
      event_.clear();
      append_event(event_, stream.number, view, event_name(view.status));
      if (!send(stream, event_)) continue;
      ++events;
      stream.sent = view;
      if (view.status != QueueStatus::kWaiting) end(stream);
    }
    auto& m = metrics::registry();
    m.queue_stream_events.add(events);
    m.queue_stream_notify_cpu.observe(thread_cpu_micros() - started);
  }
  schedule();
}

bool QueueEvents::send(Stream& stream, std::string_view text) {
  beast::error_code error;
  const std::size_t written = stream.socket.write_some(net::buffer(text), error);
  if (!error && written == text.size()) return true;
  end(stream);
  return false;
}

bool QueueEvents::end_sold_out(Stream& stream, const queue::QueueView& view) {
  event_.clear();
  append_event(event_, stream.number, view, "soldout");
  if (!send(stream, event_)) return false;
  end(stream);
  return true;
}

void QueueEvents::end(Stream& stream) {
  beast::error_code ignored;
  stream.socket.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream.socket.close(ignored);
}

}  // namespace concertd::http
