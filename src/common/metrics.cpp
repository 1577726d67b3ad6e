#include "common/metrics.hpp"

namespace concertd::metrics {

std::uint64_t Histogram::count() const noexcept {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) total += bucket(i);
  return total;
}

Registry& registry() noexcept {
  static Registry instance;
  return instance;
}

}  // namespace concertd::metrics
