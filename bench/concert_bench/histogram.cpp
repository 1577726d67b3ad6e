#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace concertd::bench {

// For value in [2^k, 2^(k+1)) with k > kSubBits: shift = k - kSubBits, the value's top
// kSubBits + 1 bits (64..127) pick the sub-bucket, and index = shift * 64 + sub.
// Exact values 0..127 take indexes 0..127; shift 1 starts at 1 * 64 + 64 = 128.
std::size_t Histogram::index_of(std::uint64_t value) noexcept {
  if (value < kExact) return static_cast<std::size_t>(value);
  const auto shift = static_cast<unsigned>(std::bit_width(value)) - 1 - kSubBits;
  return (std::size_t{shift} << kSubBits) + static_cast<std::size_t>(value >> shift);
}

std::uint64_t Histogram::upper_bound_of(std::size_t index) noexcept {
  if (index < kExact) return index;
  const auto shift = static_cast<unsigned>(index >> kSubBits) - 1;
  const std::uint64_t sub = (index & ((std::size_t{1} << kSubBits) - 1)) | (1u << kSubBits);
  return ((sub + 1) << shift) - 1;
}

void Histogram::record(std::uint64_t value) noexcept {
  ++buckets_[index_of(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<double>(value);
}

void Histogram::merge(const Histogram& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void Histogram::reset() noexcept { *this = Histogram{}; }

double Histogram::mean() const noexcept {
  return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_);
}

std::uint64_t Histogram::percentile(double quantile) const noexcept {
  if (count_ == 0) return 0;
  const double wanted = std::ceil(std::clamp(quantile, 0.0, 1.0) * static_cast<double>(count_));
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min(upper_bound_of(i), max_);
  }
  return max_;
}

}  // namespace concertd::bench
