#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/client.hpp"
#include "http/limits.hpp"
#include "queue/adaptive_rate.hpp"
#include "queue/waiting_room.hpp"
#include "users/user_service.hpp"

namespace concertd::app {

struct Config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  // sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB (checked); contains the password, so
  // show it only through redact_database_url().
  std::string database_url = "sqlite:concert.db";
  std::string sqlite_path = "concert.db";  // from a sqlite: database_url, else empty
  std::optional<std::string> jwt_secret;
  std::optional<std::string> admin_key;
  std::chrono::seconds hold_ttl{300};
  std::chrono::seconds active_ttl{600};
  // A WAITING fan unseen this long is skipped when their turn comes; 0: never.
  std::chrono::seconds abandon_after = queue::WaitingRoomConfig{}.abandon_after;
  std::size_t max_active = 1000;
  std::size_t admit_rate = 100;
  // kAdaptive: the admit rate follows hold and payment health under admit_rate.
  queue::AdmissionMode admission = queue::AdmissionMode::kFixed;
  queue::AdmissionTargets admission_targets;
  std::size_t threads = 0;  // 0: one per core
  bool demo = false;
  // The booking page, the console and the docs page (index.html, admin.html, docs.html,
  // static/), and Swagger UI's files (the npm package swagger-ui-dist).
  std::string web_root = CONCERTD_DEFAULT_WEB_ROOT;
  std::string swagger_ui = CONCERTD_DEFAULT_SWAGGER_UI;
  std::string log_level = "info";  // trace, debug, info, warn, error
  bool access_log = true;
  bool metrics = true;
  // Password hashing (sign-ups, logins) runs on its own pool of this many threads.
  std::size_t hash_threads = 0;  // 0: one per core
  std::chrono::seconds header_timeout{10};
  // How often an idle queue event stream gets a keep-alive comment.
  std::chrono::seconds stream_keep_alive{15};
  std::size_t max_connections = 10'000;
  std::size_t max_connections_per_client = 256;
  std::vector<http::Network> trusted_proxies;
  http::RateLimits limits;
  users::LoginPolicy login_policy;
  // Leading zero bits of SHA-256 a queue join must prove (tokens::JoinPow); 0: off.
  unsigned join_pow_bits = 0;
  friend bool operator==(const Config&, const Config&) = default;
};

// `concertd audit [--database URL]`: check contract §4 against the database, then exit.
struct AuditCommand {
  Config config;  // only its database matters
};

struct ShowHelp {};
struct BadUsage {
  std::string message;  // one line, without the program name
};
using ParsedCommandLine = std::variant<Config, AuditCommand, ShowHelp, BadUsage>;

// Flags win over environment variables (CONCERT_*), which win over defaults.
// `getenv` returns the value of a variable, nullopt when unset.
[[nodiscard]] ParsedCommandLine parse_command_line(
    const std::vector<std::string_view>& args,
    const std::function<std::optional<std::string>(const char*)>& getenv);

[[nodiscard]] std::string usage();

// True for mysql:// URLs, false for sqlite: ones.
[[nodiscard]] bool is_mysql_url(std::string_view url);

// `url` for messages and logs: the password of SCHEME://USER:PASS@... becomes ***.
[[nodiscard]] std::string redact_database_url(std::string_view url);

}  // namespace concertd::app
