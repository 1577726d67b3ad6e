#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "common/metrics.hpp"

namespace concertd::http {

namespace net = boost::asio;

namespace detail {

template <class R>
struct BlockingSignature {
  using type = void(std::exception_ptr, std::optional<R>);
};
template <>
struct BlockingSignature<void> {
  using type = void(std::exception_ptr);
};

// Runs `f` on the pool, then completes `handler` on the handler's own executor. The
// work guard keeps that executor's context from running out of work meanwhile.
struct RunBlockingInitiation {
  template <class Handler, class F>
  void operator()(Handler handler, net::thread_pool* pool, F f) const {
    auto work = net::make_work_guard(handler);
    auto& m = metrics::registry();
    m.blocking_queue_depth.add(1);
    m.blocking_tasks.add();
    net::post(
        *pool, [handler = std::move(handler), work = std::move(work), f = std::move(f)]() mutable {
          metrics::registry().blocking_queue_depth.add(-1);
          using R = std::invoke_result_t<F&>;
          std::exception_ptr error;
          if constexpr (std::is_void_v<R>) {
            try {
              f();
            } catch (...) {
              error = std::current_exception();
            }
            net::dispatch(work.get_executor(), [handler = std::move(handler), error]() mutable {
              std::move(handler)(error);
            });
          } else {
            std::optional<R> value;
            try {
              value.emplace(f());
            } catch (...) {
              error = std::current_exception();
            }
            net::dispatch(work.get_executor(), [handler = std::move(handler), error,
                                                value = std::move(value)]() mutable {
              std::move(handler)(error, std::move(value));
            });
          }
          work.reset();
        });
  }
};

}  // namespace detail

// Runs `f` on `pool` (blocking database and domain calls belong there, never on an io
// thread) and resumes the awaiting coroutine on its own executor with f's value, or
// rethrows what f threw. `f` is moved to the pool thread; whatever it references must
// stay alive until the co_await completes. Not cancellable: once posted, f runs.
template <class F>
net::awaitable<std::invoke_result_t<F&>> run_blocking(net::thread_pool& pool, F f) {
  using R = std::invoke_result_t<F&>;
  using Signature = typename detail::BlockingSignature<R>::type;
  if constexpr (std::is_void_v<R>) {
    co_await net::async_initiate<const net::use_awaitable_t<>, Signature>(
        detail::RunBlockingInitiation{}, net::use_awaitable, &pool, std::move(f));
  } else {
    std::optional<R> value = co_await net::async_initiate<const net::use_awaitable_t<>, Signature>(
        detail::RunBlockingInitiation{}, net::use_awaitable, &pool, std::move(f));
    co_return std::move(*value);
  }
}

}  // namespace concertd::http
