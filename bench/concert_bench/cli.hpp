#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace concertd::bench {

enum class Scenario { kStatus, kTokens, kSeats, kFlashSale, kHoldPay };

[[nodiscard]] std::string_view to_string(Scenario scenario) noexcept;

// concert-bench seed: bulk rows straight into a migrated concertd database.
struct SeedOptions {
  std::string database;    // sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB
  std::int64_t users = 0;  // fans first_user .. first_user + users - 1
  std::int64_t first_user = 1;
  std::int64_t balance = 0;        // won charged to each new fan; 0: none
  std::int64_t waiting = 0;        // WAITING entries for the first `waiting` of those fans
  std::int64_t concert_seats = 0;  // 0: no concert
  std::int64_t price = 1000;
  std::optional<std::string> jwt_secret;  // stored as the server's key unless one is set
};

// concert-bench run: load over HTTP against a running server.
struct RunOptions {
  Scenario scenario = Scenario::kStatus;
  std::string host;  // from --target http://HOST:PORT
  std::uint16_t port = 0;
  std::optional<std::string> database;
  std::optional<std::string> jwt_secret;
  std::optional<std::string> admin_key;
  std::size_t connections = 64;
  std::chrono::seconds duration{10};
  bool duration_given = false;
  std::optional<double> rate;  // requests per second over all connections: open loop
  std::int64_t users = 0;      // 0: the scenario's default (see default_users)
  std::int64_t first_user = 1;
  std::int64_t seats = 5000;
  std::int64_t price = 1000;
  std::optional<int> server_pid;
  std::optional<std::string> out_dir;
  std::string label;  // defaults to the scenario's name
  bool quiet = false;
  std::size_t client_threads = 1;
  // flash-sale and hold-pay: how often a waiting fan polls its status.
  std::chrono::milliseconds poll_every{20};
};

struct ShowHelp {};

using Command = std::variant<SeedOptions, RunOptions, ShowHelp>;

// A command line that cannot be run; what() is a one-line message.
class UsageError final : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// args excludes the program name. Throws UsageError.
[[nodiscard]] Command parse_command_line(const std::vector<std::string_view>& args);

// The fans a scenario uses when --users is absent.
[[nodiscard]] std::int64_t default_users(Scenario scenario) noexcept;

[[nodiscard]] std::string help_text();

}  // namespace concertd::bench
