#include "http/seat_map_cache.hpp"

#include <algorithm>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "http/json.hpp"
#include "http/run_blocking.hpp"

namespace concertd::http {

bool SeatMapCache::Rendering::serves(std::uint64_t need, Timestamp now) const {
  // Ids are random and known only once their concert exists: a "no such concert" read that
  // began before a request is still true for it.
  if (!text) return true;
  return generation >= need && now < valid_until;
}

// Enlists the awaiting coroutine as a waiter of the running read, or completes it at once
// (with nothing built) when that read has finished meanwhile. Completions are posted to the
// waiter's executor, whose work guard keeps its context running until then.
struct SeatMapCache::WaitInitiation {
  template <class Handler>
  void operator()(Handler handler, SeatMapCache* cache, ConcertId id) const {
    struct Waiter {
      Handler handler;
      net::executor_work_guard<net::associated_executor_t<Handler>> work;
    };
    auto work = net::make_work_guard(handler);
    auto waiter = std::make_shared<Waiter>(Waiter{std::move(handler), std::move(work)});
    const Wake wake = [waiter](std::exception_ptr error, Built built) {
      auto executor = waiter->work.get_executor();
      net::post(executor, [waiter, error, built = std::move(built)]() mutable {
        std::move(waiter->handler)(error, std::move(built));
        waiter->work.reset();
      });
    };
    if (!cache->enlist(id, wake)) wake(nullptr, nullptr);
  }
};

SeatMapCache::SeatMapCache(concerts::ConcertService& concerts, const Clock& clock,
                           net::thread_pool& blocking,
                           std::optional<std::chrono::milliseconds> max_age)
    : concerts_(concerts), clock_(clock), blocking_(blocking), max_age_(max_age) {}

net::awaitable<Result<SeatMapCache::Text>> SeatMapCache::get(ConcertId id) {
  // Taken once: the answer must include every change made before the request arrived,
  // and need not include later ones.
  const std::uint64_t need = concerts_.seats_generation(id);
  const Timestamp arrived = clock_.now();
  for (;;) {
    bool waits = false;
    {
      const std::lock_guard lock(mutex_);
      Entry& entry = entries_[id];
      if (entry.current && entry.current->serves(need, arrived) &&
          (entry.rebuilding || arrived < entry.current->refresh_at)) {
        co_return entry.current->text;
      }
      waits = std::exchange(entry.rebuilding, true);
    }
    if (!waits) co_return co_await rebuild(id);
    // Rethrows the read's exception. A read that began before this request's change, or
    // before a lapse it must see, does not serve it: then the loop waits for or starts the next.
    const Built built =
        co_await net::async_initiate<const net::use_awaitable_t<>, void(std::exception_ptr, Built)>(
            WaitInitiation{}, net::use_awaitable, this, id);
    if (built && built->serves(need, arrived)) co_return built->text;
  }
}

bool SeatMapCache::enlist(ConcertId id, const Wake& wake) {
  const std::lock_guard lock(mutex_);
  const auto it = entries_.find(id);
  if (it == entries_.end() || !it->second.rebuilding) return false;
  it->second.waiters.push_back(wake);
  return true;
}

net::awaitable<Result<SeatMapCache::Text>> SeatMapCache::rebuild(ConcertId id) {
  Built built;
  std::exception_ptr error;
  try {
    auto work = [this, id] { return render(id); };
    built = co_await run_blocking(blocking_, std::move(work));
  } catch (...) {
    error = std::current_exception();
  }
  std::vector<Wake> waiters;
  {
    const std::lock_guard lock(mutex_);
    // The entry is there: one being rebuilt is never erased.
    const auto it = entries_.find(id);
    Entry& entry = it->second;
    entry.rebuilding = false;
    waiters.swap(entry.waiters);
    if (built && built->text) entry.current = built;
    // Unknown ids leave nothing behind.
    if (!entry.current) entries_.erase(it);
  }
  for (const Wake& wake : waiters) wake(error, built);
  if (error) std::rethrow_exception(error);
  co_return built->text;
}

SeatMapCache::Built SeatMapCache::render(ConcertId id) const {
  auto map = concerts_.seat_map(id);
  if (!map) return std::make_shared<const Rendering>(Rendering{.text = map.error()});
  Timestamp valid_until = map->valid_until;
  Timestamp refresh_at = valid_until;
  if (max_age_) {
    valid_until = std::min(valid_until, map->as_of + *max_age_);
    refresh_at = std::min(valid_until, map->as_of + *max_age_ / 2);
  }
  return std::make_shared<const Rendering>(
      Rendering{.text = std::make_shared<const std::string>(seats_json(map->seats)),
                .generation = map->generation,
                .valid_until = valid_until,
                .refresh_at = refresh_at});
}

}  // namespace concertd::http
