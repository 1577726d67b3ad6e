#include <cstdlib>
#include <iostream>
#include <string_view>
#include <vector>

#include "app/config.hpp"
#include "app/run.hpp"

int main(int argc, char** argv) {
  using namespace concertd::app;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const auto parsed = parse_command_line(args, [](const char* name) -> std::optional<std::string> {
    if (const char* value = std::getenv(name)) return value;
    return std::nullopt;
  });
  if (std::holds_alternative<ShowHelp>(parsed)) {
    std::cout << usage();
    return 0;
  }
  if (const auto* bad = std::get_if<BadUsage>(&parsed)) {
    std::cerr << "concertd: " << bad->message << " (see --help)\n";
    return 2;
  }
  if (const auto* audit_command = std::get_if<AuditCommand>(&parsed)) {
    return audit(audit_command->config);
  }
  return run(std::get<Config>(parsed));
}
