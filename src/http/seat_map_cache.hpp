#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/id.hpp"
#include "concerts/concert_service.hpp"

namespace concertd::http {

namespace net = boost::asio;

// The rendered answers of GET /concerts/{id}/seats (seats_json), one per concert.
//
// A request is served a rendering only if it is current for that request: no
// seats_changed(id) came between the rendering's read and the request (generations), none
// of the concert's holds has lapsed since the read (its seat would read as taken), and, with
// `max_age`, the read is less than max_age old: for a store that other nodes write too,
// whose holds never reach this node's seats_changed.
//
// Rebuilds are single-flight per concert: at most one read of a concert runs at a time,
// on `blocking`. A request with no current rendering starts the read when none runs and
// otherwise waits for the running one, suspended, holding no thread; if that read began
// before the request's change, it waits for (or starts) the next. With max_age, the first
// request that finds a rendering older than max_age / 2 rebuilds it while concurrent
// requests are still served the old one (stale-while-revalidate, never past max_age), so
// under steady load no request waits on another's read.
//
// kConcertNotFound is answered to the reader and its waiters, never cached. A read that
// throws (StoreUnavailable, or anything else) throws the same exception to the reader and
// to every waiter; nothing is cached and the next request reads again.
//
// Thread-safe; get() may be awaited from any executor and resumes on it. The
// ConcertService, the Clock and the pool must outlive every get() in flight.
class SeatMapCache final {
 public:
  using Text = std::shared_ptr<const std::string>;

  SeatMapCache(concerts::ConcertService& concerts, const Clock& clock, net::thread_pool& blocking,
               std::optional<std::chrono::milliseconds> max_age = std::nullopt);

  // The concert's seats as seats_json renders them. kConcertNotFound.
  [[nodiscard]] net::awaitable<Result<Text>> get(ConcertId id);

 private:
  struct Rendering {
    Result<Text> text;  // or kConcertNotFound
    std::uint64_t generation = 0;
    Timestamp valid_until{};  // the first lapse of a live hold, and as_of + max_age
    Timestamp refresh_at{};   // as_of + max_age / 2 (then rebuilt), else valid_until

    // Whether a request that saw `generation` `need` at `now` may be answered this.
    [[nodiscard]] bool serves(std::uint64_t need, Timestamp now) const;
  };
  using Built = std::shared_ptr<const Rendering>;
  // Completes one waiter, on its own executor: with the read's exception, or with what it
  // built (null when the read had already finished when the waiter enlisted).
  using Wake = std::function<void(std::exception_ptr, Built)>;
  struct WaitInitiation;

  struct Entry {
    Built current;  // the last rendering of a concert that exists; null: none yet
    bool rebuilding = false;
    std::vector<Wake> waiters;  // for the running read; empty unless rebuilding
  };

  [[nodiscard]] net::awaitable<Result<Text>> rebuild(ConcertId id);
  [[nodiscard]] Built render(ConcertId id) const;  // on the pool: the read and seats_json
  // Adds `wake` to the running read of `id`; false when none runs any more.
  bool enlist(ConcertId id, const Wake& wake);

  concerts::ConcertService& concerts_;
  const Clock& clock_;
  net::thread_pool& blocking_;
  const std::optional<std::chrono::milliseconds> max_age_;
  std::mutex mutex_;
  std::unordered_map<ConcertId, Entry> entries_;  // guarded by mutex_
};

}  // namespace concertd::http
