#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace concertd::bench {

// A log-bucketed latency histogram (HDR style) in fixed memory (about 30 KB): values
// below 128 are exact, larger ones fall in buckets 1/64 of their power of two wide, so
// a percentile is within 1.6% of the true value. Values are whatever unit the caller
// records (the bench records microseconds). Not thread-safe.
class Histogram final {
 public:
  void record(std::uint64_t value) noexcept;
  void merge(const Histogram& other) noexcept;
  void reset() noexcept;

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  [[nodiscard]] double mean() const noexcept;
  // The smallest bucket bound that at least `quantile` (0..1) of the values do not
  // exceed, capped at max(); 0 when empty.
  [[nodiscard]] std::uint64_t percentile(double quantile) const noexcept;

 private:
  static constexpr unsigned kSubBits = 6;                // 64 sub-buckets per power of two
  static constexpr std::size_t kExact = 2u << kSubBits;  // 0..127 are their own bucket
  static constexpr std::size_t kBuckets = (64 - kSubBits) * (std::size_t{1} << kSubBits) + kExact;

  [[nodiscard]] static std::size_t index_of(std::uint64_t value) noexcept;
  // The largest value that falls in bucket `index`.
  [[nodiscard]] static std::uint64_t upper_bound_of(std::size_t index) noexcept;

  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace concertd::bench
