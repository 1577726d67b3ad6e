// app::parse_command_line (src/app/config.hpp): the input split at NUL bytes into the
// arguments after the program name, as execve hands them over; no CONCERT_* variables.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "app/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> args;
  while (!rest.empty()) {
    const std::size_t end = std::min(rest.find('\0'), rest.size());
    args.push_back(rest.substr(0, end));
    rest.remove_prefix(std::min(end + 1, rest.size()));
  }
  std::ignore = concertd::app::parse_command_line(
      args, [](const char*) { return std::optional<std::string>(); });
  return 0;
}
