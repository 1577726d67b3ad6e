#include "common/metrics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "http/exposition.hpp"

namespace concertd {
namespace {

TEST(Histogram, CountsEachObservationInItsBucket) {
  static constexpr std::array<std::uint64_t, 3> kBounds{10, 100, 1000};
  metrics::Histogram h(kBounds, 1);
  for (const std::uint64_t v : {0U, 10U, 11U, 100U, 5000U}) h.observe(v);
  EXPECT_EQ(h.bucket(0), 2U);  // 0, 10: bounds are inclusive
  EXPECT_EQ(h.bucket(1), 2U);  // 11, 100
  EXPECT_EQ(h.bucket(2), 0U);
  EXPECT_EQ(h.bucket(3), 1U);  // above the last bound
  EXPECT_EQ(h.count(), 5U);
  EXPECT_EQ(h.sum(), 5121U);
}

TEST(Histogram, ConcurrentObservationsAreAllCounted) {
  metrics::Histogram h;
  metrics::Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (std::uint64_t i = 0; i < 10'000; ++i) {
        h.observe(i);
        c.add();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.count(), 40'000U);
  EXPECT_EQ(c.value(), 40'000U);
  EXPECT_EQ(h.sum(), 4U * (9'999U * 10'000U / 2));
}

TEST(Exposition, HistogramIsCumulativeInTheExposedUnit) {
  metrics::Histogram h;   // microseconds, exposed in seconds
  h.observe(400);         // 0.4 ms
  h.observe(2'000);       // 2 ms
  h.observe(20'000'000);  // 20 s: beyond the last bucket
  std::string out;
  http::exposition::histogram(out, "x_seconds", R"(route="/a")", h);
  EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"0.0005\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"0.0025\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"10\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_sum{route=\"/a\"} 20.0024\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_count{route=\"/a\"} 3\n"), std::string::npos);
}

TEST(Exposition, LabelValuesAreEscaped) {
  EXPECT_EQ(http::exposition::label("route", "a\"b\\c\nd"), R"(route="a\"b\\c\nd")");
}

}  // namespace
}  // namespace concertd
