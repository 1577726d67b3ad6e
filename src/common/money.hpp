#pragma once

#include <compare>
#include <cstdint>

namespace concertd {

// An amount of Korean won. KRW has no minor unit, so amounts are whole numbers. The
// stores do the arithmetic (in conditional updates that keep balances in range).
class Won final {
 public:
  constexpr Won() = default;
  constexpr explicit Won(std::int64_t amount) : amount_(amount) {}

  [[nodiscard]] constexpr std::int64_t value() const noexcept { return amount_; }
  constexpr auto operator<=>(const Won&) const = default;

 private:
  std::int64_t amount_ = 0;
};

}  // namespace concertd
