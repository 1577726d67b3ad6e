#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "recorder.hpp"

namespace concertd::bench {

using SteadyClock = std::chrono::steady_clock;

class ServerProbe;

// What one connection's coroutine sees: its connection, its thread's recorder, and when
// to stop. Used by one coroutine on one thread.
class Session final {
 public:
  Session(HttpConnection& conn, Recorder& recorder, const std::atomic<bool>& stop,
          SteadyClock::time_point start, SteadyClock::time_point deadline, std::uint64_t seed);

  // Sends `request` (which must outlive the call) and records the answer under `op`, its
  // latency counted from `intended` (open loop: the scheduled time). nullopt after a
  // transport failure, which is recorded too.
  net::awaitable<std::optional<Response>> call(Op op, const Request& request,
                                               SteadyClock::time_point intended);
  net::awaitable<std::optional<Response>> call(Op op, const Request& request);
  net::awaitable<void> sleep_until(SteadyClock::time_point when);

  // True once the deadline passed or the run was stopped.
  [[nodiscard]] bool done() const noexcept;
  [[nodiscard]] SteadyClock::time_point start() const noexcept { return start_; }
  [[nodiscard]] SteadyClock::time_point deadline() const noexcept { return deadline_; }
  [[nodiscard]] std::mt19937_64& random() noexcept { return random_; }

 private:
  HttpConnection& conn_;
  Recorder& recorder_;
  const std::atomic<bool>& stop_;
  SteadyClock::time_point start_;
  SteadyClock::time_point deadline_;
  std::mt19937_64 random_;
};

// What every connection does during the run. run() is called once per connection,
// concurrently on several threads, and returns when that connection is done.
class Workload {
 public:
  virtual ~Workload() = default;
  virtual net::awaitable<void> run(Session& session, std::size_t connection) = 0;
};

struct LoadPlan {
  net::ip::tcp::endpoint endpoint;
  std::size_t connections = 64;
  std::size_t threads = 1;
  std::chrono::seconds duration{10};
  bool quiet = false;
};

struct Second {
  double at_s = 0;  // end of the interval, from the start
  double ok_per_s = 0;
  double errors_per_s = 0;
  double p99_ms = 0;
  double rss_mb = 0;  // 0 without a server probe
};

struct LoadResult {
  Totals totals;
  std::vector<Second> series;
  double elapsed_s = 0;  // from the start until the last connection finished
};

// Connects every connection, then runs `workload` on each until it returns; prints a
// progress line a second to stderr unless quiet. Throws std::runtime_error when the
// target cannot be reached or a workload throws.
[[nodiscard]] LoadResult run_load(const LoadPlan& plan, Workload& workload, ServerProbe* probe);

}  // namespace concertd::bench
