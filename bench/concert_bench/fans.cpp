#include "fans.hpp"

namespace concertd::bench {

UserId fan_id(std::int64_t index) {
  Uuid::Bytes bytes{0xbe, 0x9c, 0xfa, 0x45, 0xc0, 0x9c, 0x40, 0x00, 0x80, 0x00};
  auto n = static_cast<std::uint64_t>(index);
  for (std::size_t i = bytes.size(); i-- > 10;) {
    bytes[i] = static_cast<std::uint8_t>(n & 0xff);
    n >>= 8;
  }
  return UserId(Uuid(bytes));
}

std::string fan_name(std::int64_t index) { return "bench-fan-" + std::to_string(index); }

std::string concert_name(std::int64_t seats) {
  return "concert-bench " + std::to_string(seats) + " seats";
}

}  // namespace concertd::bench
