#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "common/clock.hpp"

namespace concertd::queue {

// A waiting fan's estimated wait, in whole seconds (rounded up): p10 <= seconds <= p90.
struct WaitEstimate {
  std::int64_t seconds = 0;
  std::int64_t p10 = 0;
  std::int64_t p90 = 0;
};

// The measured pace of the admission horizon: entries per second that got their turn
// (admitted, or skipped as walked away) while fans were waiting, as an exponentially
// weighted mean and variance of one-second samples (time constant kTimeConstant). Only
// time with demand is measured: fans waiting both at its start and at its end (so the pace
// was the room's, not that of arrivals into an empty room or of a queue that ran dry), and
// admission not paused; otherwise the pace stays what it was. Not thread-safe: the owner
// (WaitingRoom) guards it.
//
// After the pace changes from a to b, the mean is b + (a - b)·e^(−t/10 s): from 100/s to
// 20/s the wait of position 1000 is within 10% of its new 50 s after about 36 s.
class AdmissionPace final {
 public:
  static constexpr std::chrono::seconds kTimeConstant{10};
  static constexpr std::chrono::seconds kSample{1};
  // The standard normal's 90th percentile: p10/p90 of the pace are mean ∓ kZ90·sd.
  static constexpr double kZ90 = 1.2815515655446004;

  // `initial`: the pace assumed until one is measured (per second).
  explicit AdmissionPace(double initial) noexcept : mean_(initial) {}

  // Closes the interval since the last tick: measured when `demand` held at its start (the
  // previous tick's argument) and holds now. `demand`: fans are waiting now and admission
  // is not paused.
  void tick(Timestamp now, bool demand);
  // `n` entries passed the horizon since the last tick.
  void passed(std::int64_t n) noexcept { pending_ += n; }
  // Starts measuring afresh from `now` (a restore), keeping the pace learnt so far.
  void restart(Timestamp now) noexcept;

  [[nodiscard]] double per_second() const noexcept { return mean_; }
  [[nodiscard]] double deviation() const noexcept;
  // The wait of `position`: position ÷ pace, the range from the pace's p90 and p10; each
  // pace clamped to [min_rate, max_rate] (0 < min_rate <= max_rate), so that an estimate
  // is bounded even before anything was measured.
  [[nodiscard]] WaitEstimate wait(std::int64_t position, double min_rate,
                                  double max_rate) const noexcept;

 private:
  double mean_;
  double variance_ = 0;
  std::optional<Timestamp> last_tick_;
  bool demand_ = false;                // at the last tick
  std::int64_t pending_ = 0;           // passed since the last tick
  std::int64_t counted_ = 0;           // in the sample being gathered
  std::chrono::milliseconds span_{0};  // measured time in it
};

}  // namespace concertd::queue
