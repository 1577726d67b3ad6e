#include "load.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "server_probe.hpp"

namespace concertd::bench {
namespace {

// A transport failure's name for the error table.
std::string transport_error(const boost::system::system_error& e) {
  if (e.code() == beast::error::timeout) return "timeout";
  if (e.code() == beast::http::error::end_of_stream) return "closed";
  return e.code().message();
}

struct Thread {
  net::io_context ioc{1};
  Recorder recorder;
  std::vector<std::unique_ptr<HttpConnection>> connections;
  std::vector<std::unique_ptr<Session>> sessions;
  std::jthread worker;
};

// The first exception any coroutine ended with; the run stops on it.
class FirstFailure final {
 public:
  void set(std::exception_ptr e) {
    const std::lock_guard lock(mutex_);
    if (!failure_) failure_ = std::move(e);
  }
  void rethrow() {
    const std::lock_guard lock(mutex_);
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr failure_;
};

net::awaitable<void> connect_all(std::vector<HttpConnection*> connections) {
  for (auto* conn : connections) co_await conn->connect();
}

void print_progress(const LoadPlan& plan, const Second& s, std::uint64_t errors_total) {
  if (plan.quiet) return;
  static const bool tty = ::isatty(STDERR_FILENO) != 0;
  std::fprintf(stderr, "%s[%5.1fs] %9.0f ok/s  p99 %8.2f ms  errors %llu%s", tty ? "\r" : "",
               s.at_s, s.ok_per_s, s.p99_ms, static_cast<unsigned long long>(errors_total),
               tty ? "   " : "\n");
  std::fflush(stderr);
}

}  // namespace

Session::Session(HttpConnection& conn, Recorder& recorder, const std::atomic<bool>& stop,
                 SteadyClock::time_point start, SteadyClock::time_point deadline,
                 std::uint64_t seed)
    : conn_(conn),
      recorder_(recorder),
      stop_(stop),
      start_(start),
      deadline_(deadline),
      random_(seed) {}

net::awaitable<std::optional<Response>> Session::call(Op op, const Request& request,
                                                      SteadyClock::time_point intended) {
  try {
    Response response = co_await conn_.exchange(request);
    const auto status = response.result_int();
    recorder_.record(op, SteadyClock::now() - intended, status,
                     status >= 300 ? problem_code(response) : std::string());
    co_return response;
  } catch (const boost::system::system_error& e) {
    recorder_.record_transport_error(op, transport_error(e));
  }
  co_return std::nullopt;
}

net::awaitable<std::optional<Response>> Session::call(Op op, const Request& request) {
  co_return co_await call(op, request, SteadyClock::now());
}

net::awaitable<void> Session::sleep_until(SteadyClock::time_point when) {
  net::steady_timer timer(co_await net::this_coro::executor, when);
  co_await timer.async_wait(net::use_awaitable);
}

bool Session::done() const noexcept {
  return stop_.load(std::memory_order_relaxed) || SteadyClock::now() >= deadline_;
}

LoadResult run_load(const LoadPlan& plan, Workload& workload, ServerProbe* probe) {
  std::vector<std::unique_ptr<Thread>> threads;
  for (std::size_t t = 0; t < plan.threads; ++t) threads.push_back(std::make_unique<Thread>());
  for (std::size_t c = 0; c < plan.connections; ++c) {
    auto& thread = *threads[c % plan.threads];
    thread.connections.push_back(
        std::make_unique<HttpConnection>(thread.ioc.get_executor(), plan.endpoint));
  }

  // Connect everything before the clock starts.
  FirstFailure failure;
  const auto remember = [&failure](std::exception_ptr e) {
    if (e) failure.set(std::move(e));
  };
  for (auto& thread : threads) {
    std::vector<HttpConnection*> connections;
    for (auto& conn : thread->connections) connections.push_back(conn.get());
    net::co_spawn(thread->ioc, connect_all(std::move(connections)), remember);
    thread->ioc.run();
    thread->ioc.restart();
  }
  try {
    failure.rethrow();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot connect to the target: ") + e.what());
  }

  std::atomic<bool> stop = false;
  std::atomic<std::size_t> running = plan.threads;
  const auto start = SteadyClock::now();
  const auto deadline = start + plan.duration;
  std::mutex end_mutex;
  auto end = start;
  for (std::size_t t = 0; t < threads.size(); ++t) {
    auto& thread = *threads[t];
    for (std::size_t i = 0; i < thread.connections.size(); ++i) {
      const std::size_t connection = i * plan.threads + t;
      auto& session = *thread.sessions.emplace_back(std::make_unique<Session>(
          *thread.connections[i], thread.recorder, stop, start, deadline, connection + 1));
      const auto finished = [&failure, &stop](std::exception_ptr e) {
        if (!e) return;
        failure.set(std::move(e));
        stop = true;
      };
      net::co_spawn(thread.ioc, workload.run(session, connection), finished);
    }
    thread.worker = std::jthread([&thread, &running, &end, &end_mutex] {
      thread.ioc.run();
      const std::lock_guard lock(end_mutex);
      end = std::max(end, SteadyClock::now());
      --running;
    });
  }

  LoadResult result;
  std::uint64_t errors_total = 0;
  double last_at = 0;
  for (int second = 1; running > 0; ++second) {
    const auto tick = start + std::chrono::seconds(second);
    while (running > 0 && SteadyClock::now() < tick) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    Interval interval;
    for (auto& thread : threads) {
      const auto part = thread->recorder.take_interval();
      interval.ok += part.ok;
      interval.errors += part.errors;
      interval.latency_us.merge(part.latency_us);
    }
    if (probe != nullptr) probe->sample();
    errors_total += interval.errors;
    const std::chrono::duration<double> at = std::min(SteadyClock::now(), tick) - start;
    const double span = std::max(at.count() - last_at, 1e-3);
    last_at = at.count();
    Second s{.at_s = at.count(),
             .ok_per_s = static_cast<double>(interval.ok) / span,
             .errors_per_s = static_cast<double>(interval.errors) / span,
             .p99_ms = static_cast<double>(interval.latency_us.percentile(0.99)) / 1000.0,
             .rss_mb = probe != nullptr ? static_cast<double>(probe->last_rss_kb()) / 1024.0 : 0.0};
    print_progress(plan, s, errors_total);
    result.series.push_back(s);
  }
  for (auto& thread : threads) thread->worker.join();
  if (!plan.quiet && ::isatty(STDERR_FILENO) != 0) std::fputc('\n', stderr);
  failure.rethrow();

  for (auto& thread : threads) thread->recorder.add_totals(result.totals);
  result.elapsed_s = std::chrono::duration<double>(end - start).count();
  return result;
}

}  // namespace concertd::bench
