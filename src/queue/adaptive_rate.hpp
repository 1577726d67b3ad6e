#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>

#include "common/clock.hpp"

namespace concertd::queue {

// How the admit rate is chosen: the operator's (--admit-rate, PATCH /admin/queue), or
// following the backend's health under it (AdaptiveRate).
enum class AdmissionMode { kFixed, kAdaptive };

// What the adaptive admit rate keeps hold and payment answers under.
struct AdmissionTargets {
  static constexpr std::chrono::milliseconds kMaxP95{10'000};
  std::chrono::milliseconds p95{50};  // their 95th percentile latency, 1..kMaxP95
  unsigned error_percent = 1;         // 5xx answers per 100 of them, 0..100
  friend bool operator==(const AdmissionTargets&, const AdmissionTargets&) = default;
};

// The adaptive admit rate, AIMD: every kPeriod the hold and payment answers of the period
// are judged against the targets. Healthy (p95 and error rate at or under them): the rate
// grows by a step, 1/kStepsToCeiling of the ceiling. Not: it halves (a backoff, rounding down),
// down to kMinRate. Rates are whole admissions per second.
// The rate never exceeds the ceiling (the operator's admit rate), which may change at any
// update. A period with fewer than kMinAnswers answers is not judged on latency (a few slow
// answers are no sign of a loaded backend, and no load is a healthy one); any 5xx counts,
// and so does any answer of those routes (a 409 SEAT_UNAVAILABLE took the store's time too).
// The p95 exceeds the target exactly when more than 5% of the answers took longer.
//
// Thread-safety: observe() from any thread (lock-free); update() from one thread at a time
// (the admission timer); state() from any thread.
class AdaptiveRate final {
 public:
  static constexpr std::chrono::seconds kPeriod{1};
  static constexpr std::size_t kMinRate = 1;          // per second
  static constexpr std::size_t kStepsToCeiling = 20;  // a step is the ceiling / this, at least 1
  static constexpr std::uint64_t kMinAnswers = 10;

  struct State {
    std::size_t rate = 0;    // per second, as of the last update
    double slow_ratio = 0;   // answers of the last judged period slower than the p95 target
    double error_ratio = 0;  // 5xx answers of the last judged period
    std::uint64_t backoffs = 0;
  };

  // Starts at one step of `ceiling` (>= 1), the admit rate at startup.
  AdaptiveRate(AdmissionTargets targets, std::size_t ceiling) noexcept;

  // One hold or payment answer: how long it took, and whether it was a 5xx.
  void observe(std::chrono::microseconds latency, bool server_error) noexcept;
  // The rate to admit at now, per second, within [kMinRate, ceiling]: judges the period when
  // kPeriod has passed since the last judgement (the first update starts the first period).
  // `ceiling` >= 1. `waiting`: fans are waiting now; a healthy period grows the
  // rate only then, so that a rate nobody used does not climb to the ceiling unproven.
  [[nodiscard]] std::size_t update(Timestamp now, std::size_t ceiling, bool waiting);
  [[nodiscard]] State state() const;

 private:
  const AdmissionTargets targets_;
  std::atomic<std::uint64_t> answers_{0};
  std::atomic<std::uint64_t> slow_{0};
  std::atomic<std::uint64_t> errors_{0};
  mutable std::mutex mutex_;
  std::optional<Timestamp> judged_at_;  // guarded by mutex_, like state_
  State state_;
};

}  // namespace concertd::queue
