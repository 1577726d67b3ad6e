#include "queue/admission_pace.hpp"

#include <algorithm>
#include <cmath>

namespace concertd::queue {

void AdmissionPace::tick(Timestamp now, bool demand) {
  if (last_tick_ && demand_ && demand && now > *last_tick_) {
    span_ += std::chrono::duration_cast<std::chrono::milliseconds>(now - *last_tick_);
    counted_ += pending_;
  }
  pending_ = 0;
  last_tick_ = now;
  demand_ = demand;
  if (span_ < kSample) return;
  // Incremental exponentially weighted mean and variance (Finch 2009, "Incremental
  // calculation of weighted mean and variance"), weighted by the sample's span.
  const double seconds = std::chrono::duration<double>(span_).count();
  const double rate = static_cast<double>(counted_) / seconds;
  const double alpha = 1.0 - std::exp(-seconds / static_cast<double>(kTimeConstant.count()));
  const double diff = rate - mean_;
  const double step = alpha * diff;
  mean_ += step;
  variance_ = (1.0 - alpha) * (variance_ + diff * step);
  counted_ = 0;
  span_ = {};
}

void AdmissionPace::restart(Timestamp now) noexcept {
  last_tick_ = now;
  demand_ = false;
  pending_ = 0;
  counted_ = 0;
  span_ = {};
}

double AdmissionPace::deviation() const noexcept { return std::sqrt(std::max(0.0, variance_)); }

WaitEstimate AdmissionPace::wait(std::int64_t position, double min_rate,
                                 double max_rate) const noexcept {
  const auto at = [&](double rate) {
    return static_cast<std::int64_t>(
        std::ceil(static_cast<double>(position) / std::clamp(rate, min_rate, max_rate)));
  };
  const double spread = kZ90 * deviation();
  // A faster pace is a shorter wait: the pace's p90 gives the wait's p10.
  return {.seconds = at(mean_), .p10 = at(mean_ + spread), .p90 = at(mean_ - spread)};
}

}  // namespace concertd::queue
