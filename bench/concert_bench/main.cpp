// concert-bench: seeds a concertd database and measures concertd over HTTP (bench/README.md).
#include <sodium.h>

#include <boost/system/system_error.hpp>
#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "scenarios.hpp"
#include "seed.hpp"

int main(int argc, char** argv) {
  using namespace concertd::bench;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  Command command;
  try {
    command = parse_command_line(args);
  } catch (const UsageError& e) {
    std::cerr << "concert-bench: " << e.what() << " (see --help)\n";
    return 2;
  }
  if (std::holds_alternative<ShowHelp>(command)) {
    std::cout << help_text();
    return 0;
  }
  if (sodium_init() < 0) {
    std::cerr << "concert-bench: libsodium cannot initialise\n";
    return 1;
  }
  try {
    if (const auto* seed_options = std::get_if<SeedOptions>(&command)) {
      seed(*seed_options);
      return 0;
    }
    return run_scenario(std::get<RunOptions>(command));
  } catch (const boost::system::system_error& e) {
    std::cerr << "concert-bench: " << e.code().message() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "concert-bench: " << e.what() << '\n';
    return 1;
  }
}
