#include "common/clock.hpp"

#include <cstdio>

namespace concertd {

Timestamp SystemClock::now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::string format_rfc3339(Timestamp t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{seconds - day};
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02ld:%02ld:%02lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()));
  return out;
}

}  // namespace concertd
