#include "queue/adaptive_rate.hpp"

#include <algorithm>

namespace concertd::queue {
namespace {

// The additive increase.
std::size_t step_of(std::size_t ceiling) {
  return std::max<std::size_t>(1, ceiling / AdaptiveRate::kStepsToCeiling);
}

}  // namespace

void AdaptiveRate::observe(std::chrono::microseconds latency, bool server_error) noexcept {
  if (server_error) errors_.fetch_add(1, std::memory_order_relaxed);
  if (latency > targets_.p95) slow_.fetch_add(1, std::memory_order_relaxed);
  answers_.fetch_add(1, std::memory_order_relaxed);
}

AdaptiveRate::AdaptiveRate(AdmissionTargets targets, std::size_t ceiling) noexcept
    : targets_(targets),
      state_{.rate = std::min(step_of(ceiling), ceiling),
             .slow_ratio = 0,
             .error_ratio = 0,
             .backoffs = 0} {}

std::size_t AdaptiveRate::update(Timestamp now, std::size_t ceiling, bool waiting) {
  const std::lock_guard lock(mutex_);
  if (!judged_at_) judged_at_ = now;
  // A lowered ceiling takes effect at once, and the rate grows again from it.
  state_.rate = std::min(state_.rate, ceiling);
  if (now - *judged_at_ < kPeriod) return state_.rate;
  judged_at_ = now;
  // Answers counted between these reads fall into this period or the next: either is fine.
  const auto answers = answers_.exchange(0, std::memory_order_relaxed);
  const auto slow = std::min(answers, slow_.exchange(0, std::memory_order_relaxed));
  const auto errors = std::min(answers, errors_.exchange(0, std::memory_order_relaxed));
  const auto share = [answers](std::uint64_t n) {
    return answers == 0 ? 0.0 : static_cast<double>(n) / static_cast<double>(answers);
  };
  state_.slow_ratio = share(slow);
  state_.error_ratio = share(errors);
  const bool too_slow = answers >= kMinAnswers && slow * 20 > answers;
  const bool failing = errors * 100 > std::uint64_t{targets_.error_percent} * answers;
  if (too_slow || failing) {
    state_.rate = std::max(kMinRate, state_.rate / 2);
    ++state_.backoffs;
  } else if (waiting) {
    state_.rate = std::min(ceiling, state_.rate + step_of(ceiling));
  }
  return state_.rate;
}

AdaptiveRate::State AdaptiveRate::state() const {
  const std::lock_guard lock(mutex_);
  return state_;
}

}  // namespace concertd::queue
