#pragma once

#include <chrono>
#include <string>

namespace concertd {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// The only source of "now" for domain code. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] Timestamp now() const override;
};

// RFC 3339 UTC with second precision, e.g. 2026-11-24T10:00:00Z.
[[nodiscard]] std::string format_rfc3339(Timestamp t);

}  // namespace concertd
