// The --database URL: src/store/mysql/url.hpp's parse_url, the redaction every message
// about a URL goes through, and the flag's own check (sqlite:PATH or mysql://...) in
// src/app/config.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "app/config.hpp"
#include "store/mysql/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view url(reinterpret_cast<const char*>(data), size);
  std::string why;
  // A reason is one line (it ends up in a log line or a usage message).
  if (!concertd::store::mysql::parse_url(url, &why) && why.find('\n') != std::string::npos) {
    std::abort();
  }
  std::ignore = concertd::app::redact_database_url(url);
  std::ignore = concertd::app::parse_command_line(
      {"--database", url}, [](const char*) { return std::optional<std::string>(); });
  return 0;
}
