#include "histogram.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace concertd::bench {
namespace {

// Percentiles are bucket bounds: within 1/64 above the true value.
void expect_near(std::uint64_t got, std::uint64_t want) {
  EXPECT_GE(got, want);
  EXPECT_LE(static_cast<double>(got), static_cast<double>(want) * (1.0 + 1.0 / 64));
}

TEST(Histogram, EmptyReportsZero) {
  const Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.99), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.50), 50u);
  EXPECT_EQ(h.percentile(0.99), 99u);
  EXPECT_EQ(h.percentile(1.0), 100u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(Histogram, PercentilesOfAUniformSpreadAreWithinTheBucketWidth) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 1'000'000; ++v) h.record(v);
  expect_near(h.percentile(0.50), 500'000);
  expect_near(h.percentile(0.99), 990'000);
  expect_near(h.percentile(0.999), 999'000);
  EXPECT_EQ(h.percentile(1.0), 1'000'000u);
  EXPECT_EQ(h.max(), 1'000'000u);
}

TEST(Histogram, ATailShowsInTheHighPercentilesOnly) {
  Histogram h;
  for (int i = 0; i < 990; ++i) h.record(1000);
  for (int i = 0; i < 10; ++i) h.record(50'000);
  expect_near(h.percentile(0.50), 1000);
  expect_near(h.percentile(0.99), 1000);
  expect_near(h.percentile(0.995), 50'000);
  EXPECT_EQ(h.max(), 50'000u);
}

TEST(Histogram, HugeValuesDoNotOverflow) {
  Histogram h;
  h.record(UINT64_MAX);
  h.record(1);
  EXPECT_EQ(h.percentile(1.0), UINT64_MAX);
  EXPECT_EQ(h.percentile(0.5), 1u);
}

TEST(Histogram, MergeAddsCountsAndKeepsExtremes) {
  Histogram a;
  Histogram b;
  for (int i = 0; i < 100; ++i) a.record(10);
  for (int i = 0; i < 100; ++i) b.record(20'000);
  a.merge(b);
  EXPECT_EQ(a.count(), 200u);
  EXPECT_EQ(a.min(), 10u);
  EXPECT_EQ(a.max(), 20'000u);
  EXPECT_EQ(a.percentile(0.5), 10u);
  expect_near(a.percentile(0.51), 20'000);
  a.reset();
  EXPECT_EQ(a.count(), 0u);
}

}  // namespace
}  // namespace concertd::bench
