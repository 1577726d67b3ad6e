#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

// Process-wide metrics for /metrics: counters, gauges and histograms that the hot paths
// update with one relaxed atomic operation each (no lock, no allocation), and that the
// exposition reads without stopping them. Nothing here knows HTTP or Prometheus beyond
// the text format's number syntax; src/http/metrics_handlers.cpp renders them.
namespace concertd::metrics {

class Counter final {
 public:
  void add(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge final {
 public:
  void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Latency buckets in microseconds: 0.5 ms .. 10 s.
inline constexpr std::array<std::uint64_t, 14> kLatencyMicros{
    500,     1'000,   2'500,   5'000,     10'000,    25'000,    50'000,
    100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000};

// A histogram over whole numbers in a fixed unit (microseconds, rows, ...): `bounds` are
// the inclusive upper bounds of its buckets in that unit, ascending (at most kMaxBuckets);
// the exposed value is the value divided by `per_unit` (1'000'000 for microseconds exposed
// as seconds). Bucket counts are
// not cumulative here; a reader adds them up. A concurrent read may see a count without
// its sum or the reverse, which Prometheus tolerates (rates over a window).
class Histogram final {
 public:
  static constexpr std::size_t kMaxBuckets = 16;

  // Latencies in microseconds, exposed in seconds, unless told otherwise.
  constexpr explicit Histogram(std::span<const std::uint64_t> bounds = kLatencyMicros,
                               std::uint64_t per_unit = 1'000'000) noexcept
      : bounds_(bounds), per_unit_(per_unit) {}

  void observe(std::uint64_t value) noexcept {
    std::size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
  }

  [[nodiscard]] std::span<const std::uint64_t> bounds() const noexcept { return bounds_; }
  [[nodiscard]] std::uint64_t per_unit() const noexcept { return per_unit_; }
  // Observations in bucket i (i == bounds().size(): above the last bound).
  [[nodiscard]] std::uint64_t bucket(std::size_t i) const noexcept {
    return counts_[i].load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t count() const noexcept;
  [[nodiscard]] std::uint64_t sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::span<const std::uint64_t> bounds_;
  std::uint64_t per_unit_;
  std::array<std::atomic<std::uint64_t>, kMaxBuckets + 1> counts_{};
  std::atomic<std::uint64_t> sum_{0};
};

// What the layers below HTTP report. One instance per process: metrics are process state
// in the sense Prometheus means it, and the stores and the blocking pool are shared by
// every request.
struct Registry {
  Gauge process_start_seconds;  // since the Unix epoch
  Gauge http_connections;
  // Blocking pool: tasks posted and not yet started, and tasks ever posted.
  Gauge blocking_queue_depth;
  Counter blocking_tasks;
  // SQLite group commit: requests per committed batch, and the commit's duration.
  static constexpr std::array<std::uint64_t, 9> kBatchBounds{1, 2, 4, 8, 16, 32, 64, 128, 256};
  Histogram commit_batch_size{kBatchBounds, 1};
  Histogram commit_duration;
  // MariaDB: transactions run again after a deadlock, a lock wait timeout, or a race a
  // store detected itself (e.g. two first inserts of one row).
  Counter retries_deadlock;
  Counter retries_lock_wait;
  Counter retries_lost_race;
  // MariaDB: new connections that went to another server of the URL's list than the last.
  Counter database_failovers;
  // Requests answered 503 because the database was unavailable (either store).
  Counter store_unavailable;
  // Abuse limits: requests answered 429 RATE_LIMITED, and connections refused with 503
  // (over a connection cap, or out of file descriptors).
  Counter rate_limited;
  Counter connections_refused;
  // Business events, counted by the use cases after their commit (never for a replay).
  Counter holds;
  Counter hold_extensions;
  Counter sales;
  Counter revenue_won;
  Counter charges;
  Counter admitted;
  // The waiting room: WAITING fans skipped as walked away (by the admitter), fans who left
  // (DELETE /queue/entry), and presence marks written for the admitter (shared store).
  Counter queue_skipped;
  Counter queue_left;
  Counter presence_marks;
  // Queue event streams (GET /queue/events): open now, events written (not keep-alives),
  // and the CPU time of each walk of the notifier over them.
  Gauge queue_streams;
  Counter queue_stream_events;
  Histogram queue_stream_notify_cpu;
  // Proof of work on queue joins (--join-pow): challenges issued, solutions accepted, and
  // joins refused, by why (tokens::PowOutcome).
  Counter pow_challenges;
  Counter pow_accepted;
  Counter pow_refused_missing;
  Counter pow_refused_forged;
  Counter pow_refused_expired;
  Counter pow_refused_wrong_nonce;
  Counter pow_refused_replayed;
};

[[nodiscard]] Registry& registry() noexcept;

}  // namespace concertd::metrics
