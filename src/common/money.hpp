#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>

namespace concertd {

// An amount of Korean won. KRW has no minor unit, so amounts are whole numbers.
class Won final {
 public:
  constexpr Won() = default;
  constexpr explicit Won(std::int64_t amount) : amount_(amount) {}

  [[nodiscard]] constexpr std::int64_t value() const noexcept { return amount_; }
  constexpr auto operator<=>(const Won&) const = default;

  // nullopt when the sum would overflow.
  [[nodiscard]] constexpr std::optional<Won> checked_add(Won other) const noexcept {
    if (other.amount_ > 0 && amount_ > std::numeric_limits<std::int64_t>::max() - other.amount_) {
      return std::nullopt;
    }
    return Won(amount_ + other.amount_);
  }
  [[nodiscard]] constexpr Won operator-(Won other) const noexcept {
    return Won(amount_ - other.amount_);
  }

 private:
  std::int64_t amount_ = 0;
};

}  // namespace concertd
