#pragma once

#include <atomic>
#include <chrono>

#include "common/clock.hpp"

namespace concertd::testing {

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start = Timestamp{std::chrono::sys_days{std::chrono::year{2026} /
                                                                       11 / 24}} +
                                       std::chrono::hours{10})
      : now_(start) {}

  [[nodiscard]] Timestamp now() const override { return now_.load(); }
  void advance(std::chrono::milliseconds by) { now_.store(now_.load() + by); }

 private:
  std::atomic<Timestamp> now_;
};

}  // namespace concertd::testing
