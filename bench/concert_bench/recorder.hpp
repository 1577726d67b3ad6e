#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "histogram.hpp"

namespace concertd::bench {

// The kinds of request the scenarios send; each gets its own figures.
enum class Op : std::size_t { kStatus, kTokens, kSeats, kHold, kPay, kReservation };
inline constexpr std::size_t kOps = 6;
[[nodiscard]] std::string_view to_string(Op op) noexcept;

// An answer that was not 2xx: HTTP status and the problem's `code` ("" when the body had
// none), or status 0 and what went wrong for a transport failure (connect, timeout, ...).
using ErrorKey = std::pair<unsigned, std::string>;

struct OpFigures {
  std::uint64_t ok = 0;
  std::uint64_t errors = 0;
  Histogram latency_us;  // every answer, 2xx or not (transport failures are not timed)
};

// What happened since the last take_interval().
struct Interval {
  std::uint64_t ok = 0;
  std::uint64_t errors = 0;
  Histogram latency_us;
};

struct Totals {
  std::array<OpFigures, kOps> ops;
  std::map<ErrorKey, std::uint64_t> errors;
  Histogram latency_us;
  [[nodiscard]] std::uint64_t ok() const noexcept;
  [[nodiscard]] std::uint64_t error_count() const noexcept;
};

// One client thread's figures; read by the reporting thread. Thread-safe (one mutex,
// taken once per answer by its owner and once a second by the reporter).
class Recorder final {
 public:
  void record(Op op, std::chrono::nanoseconds latency, unsigned status, std::string_view code);
  void record_transport_error(Op op, std::string_view what);
  [[nodiscard]] Interval take_interval();
  // Adds this recorder's totals into `into`.
  void add_totals(Totals& into) const;

 private:
  mutable std::mutex mutex_;
  Totals totals_;
  Interval interval_;
};

}  // namespace concertd::bench
