#include "app/config.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <limits>
#include <thread>

#include "queue/queue_service.hpp"
#include "queue/waiting_room.hpp"
#include "tokens/join_pow.hpp"

#ifdef CONCERTD_WITH_MYSQL
#include "store/mysql/url.hpp"
#endif

namespace concertd::app {
namespace {

std::string shown(std::size_t n) { return std::to_string(n); }
std::string shown(std::chrono::seconds s) { return std::to_string(s.count()); }
std::string shown(bool on) { return on ? "on" : "off"; }
std::string shown(const RateLimit& limit) {
  if (!limit.enabled()) return "off";
  return std::to_string(limit.burst) + "/" + std::to_string(limit.period.count());
}

struct Flag {
  std::string_view name;
  const char* env;  // nullptr: flag only
  std::string_view help;
  // The value of `config` as this flag would take it: usage() shows it for Config{}, so each
  // default is written once, in Config. nullptr where the default is no value of the flag
  // (one per core, generated, disabled): then the help says what it is.
  std::string (*shown)(const Config& config) = nullptr;
  bool takes_value = true;
};

constexpr Flag kFlags[] = {
    {"--listen", "CONCERT_LISTEN", "HOST:PORT to serve on",
     [](const Config& c) { return c.listen_host + ":" + std::to_string(c.listen_port); }},
    {"--database", "CONCERT_DATABASE",
     "sqlite:PATH (embedded, one node) or mysql://USER:PASS@HOST:PORT[,HOST:PORT...]/DB",
     [](const Config& c) { return c.database_url; }},
    {"--jwt-secret", "CONCERT_JWT_SECRET",
     "HS256 key for every token (default: generated once, kept in the database)"},
    {"--admin-key", "CONCERT_ADMIN_KEY", "key for /api/v1/admin/* (default: admin API disabled)"},
    {"--hold-ttl", "CONCERT_HOLD_TTL", "SECONDS an unpaid seat hold lasts",
     [](const Config& c) { return shown(c.hold_ttl); }},
    {"--active-ttl", "CONCERT_ACTIVE_TTL", "SECONDS an admitted queue entry lasts",
     [](const Config& c) { return shown(c.active_ttl); }},
    {"--abandon-after", "CONCERT_ABANDON_AFTER",
     "SECONDS a waiting fan may go unseen (no poll on any node) before their turn is "
     "skipped; 0: never, else at least 5",
     [](const Config& c) { return shown(c.abandon_after); }},
    {"--max-active", "CONCERT_MAX_ACTIVE", "most users ACTIVE at once",
     [](const Config& c) { return shown(c.max_active); }},
    {"--admit-rate", "CONCERT_ADMIT_RATE", "most users admitted per second",
     [](const Config& c) { return shown(c.admit_rate); }},
    {"--admission", "CONCERT_ADMISSION",
     "fixed (the admit rate) or adaptive (AIMD under the admit rate, following the p95 "
     "latency and error rate of holds and payments)",
     [](const Config& c) {
       return std::string(c.admission == queue::AdmissionMode::kAdaptive ? "adaptive" : "fixed");
     }},
    {"--target-p95-ms", "CONCERT_TARGET_P95_MS",
     "MS adaptive admission keeps the hold and payment p95 latency under",
     [](const Config& c) { return std::to_string(c.admission_targets.p95.count()); }},
    {"--target-error-percent", "CONCERT_TARGET_ERROR_PERCENT",
     "PERCENT of hold and payment answers adaptive admission tolerates as 5xx, 0..100",
     [](const Config& c) { return std::to_string(c.admission_targets.error_percent); }},
    {"--threads", "CONCERT_THREADS", "io threads (default: number of cores)"},
    {"--web-root", "CONCERT_WEB_ROOT",
     "DIR with the booking page, the console and the docs page (default: the source tree's "
     "web/)"},
    {"--swagger-ui", "CONCERT_SWAGGER_UI",
     "DIR of the swagger-ui-dist npm package, served at /docs/vendor/ (default: the source "
     "tree's node_modules/swagger-ui-dist)"},
    {"--log-level", "CONCERT_LOG_LEVEL", "trace, debug, info, warn or error",
     [](const Config& c) { return c.log_level; }},
    {"--access-log", "CONCERT_ACCESS_LOG", "on or off: a JSON line per request",
     [](const Config& c) { return shown(c.access_log); }},
    {"--metrics", "CONCERT_METRICS", "on or off: request series in /metrics",
     [](const Config& c) { return shown(c.metrics); }},
    {"--hash-threads", "CONCERT_HASH_THREADS",
     "threads that hash passwords, apart from the database's (default: number of cores)"},
    {"--header-timeout", "CONCERT_HEADER_TIMEOUT",
     "SECONDS from a request's first byte to the end of its header, else 408",
     [](const Config& c) { return shown(c.header_timeout); }},
    {"--stream-keepalive", "CONCERT_STREAM_KEEPALIVE",
     "SECONDS between keep-alive comments on an idle queue event stream",
     [](const Config& c) { return shown(c.stream_keep_alive); }},
    {"--max-connections", "CONCERT_MAX_CONNECTIONS",
     "connections at once, past which new ones get 503",
     [](const Config& c) { return shown(c.max_connections); }},
    {"--max-connections-per-client", "CONCERT_MAX_CONNECTIONS_PER_CLIENT",
     "connections at once from one address, trusted proxies exempt",
     [](const Config& c) { return shown(c.max_connections_per_client); }},
    {"--trusted-proxy", "CONCERT_TRUSTED_PROXY",
     "ADDRESS[/PREFIX][,...] whose X-Forwarded-For names the client (default: none)"},
    {"--rate-limits", "CONCERT_RATE_LIMITS",
     "on, or off: every per-client rate limit below off, for load tests (default on)"},
    {"--login-limit", "CONCERT_LOGIN_LIMIT", "N/SECONDS failed logins per client address, or off",
     [](const Config& c) { return shown(c.limits.login); }},
    {"--signup-limit", "CONCERT_SIGNUP_LIMIT", "N/SECONDS sign-ups per client address, or off",
     [](const Config& c) { return shown(c.limits.signup); }},
    {"--token-limit", "CONCERT_TOKEN_LIMIT", "N/SECONDS queue tokens per client address, or off",
     [](const Config& c) { return shown(c.limits.tokens); }},
    {"--hold-limit", "CONCERT_HOLD_LIMIT", "N/SECONDS hold attempts per user, or off",
     [](const Config& c) { return shown(c.limits.holds); }},
    {"--login-lockout", "CONCERT_LOGIN_LOCKOUT",
     "failed logins in a row before an account locks, doubling from 1 s, or off",
     [](const Config& c) {
       return c.login_policy.free_failures == 0 ? std::string("off")
                                                : std::to_string(c.login_policy.free_failures);
     }},
    {"--login-lockout-max", "CONCERT_LOGIN_LOCKOUT_MAX", "SECONDS an account lock lasts at most",
     [](const Config& c) { return shown(c.login_policy.max_lock); }},
    {"--join-pow", "CONCERT_JOIN_POW",
     "BITS of proof of work a queue join needs: leading zero bits of a SHA-256, 1..32, or 0: "
     "off",
     [](const Config& c) { return std::to_string(c.join_pow_bits); }},
    {"--demo", nullptr, "on an empty database, create demo concerts and seats", nullptr, false},
    {"--help", nullptr, "print this help and exit", nullptr, false},
};

template <class T>
std::optional<T> parse_number(std::string_view text, T min, T max) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

// Applies one flag's value to `config`; an error message when the value is unusable.
std::optional<std::string> apply(Config& config, std::string_view flag, const std::string& value) {
  const auto bad = [&](std::string_view what) {
    return std::string(flag) + ": " + std::string(what) + ", got '" + value + "'";
  };
  const auto seconds = [&](std::chrono::seconds& out) -> std::optional<std::string> {
    const auto n = parse_number<std::int64_t>(value, 1, 7 * 24 * 3600);
    if (!n) return bad("expected whole seconds 1..604800");
    out = std::chrono::seconds{*n};
    return std::nullopt;
  };
  const auto on_off = [&](bool& out) -> std::optional<std::string> {
    if (value != "on" && value != "off") return bad("expected on or off");
    out = value == "on";
    return std::nullopt;
  };
  const auto count = [&](std::size_t& out, std::size_t max) -> std::optional<std::string> {
    const auto n = parse_number<std::size_t>(value, 1, max);
    if (!n) return bad("expected a whole number 1.." + std::to_string(max));
    out = *n;
    return std::nullopt;
  };

  // N/SECONDS, or off.
  const auto rate = [&](RateLimit& out) -> std::optional<std::string> {
    if (value == "off") {
      out = RateLimit{};
      return std::nullopt;
    }
    const auto slash = value.find('/');
    const auto burst =
        parse_number<std::uint32_t>(std::string_view(value).substr(0, slash), 1, 1'000'000);
    const auto period =
        slash == std::string::npos
            ? std::nullopt
            : parse_number<std::int64_t>(std::string_view(value).substr(slash + 1), 1, 86'400);
    if (!burst || !period) return bad("expected N/SECONDS (e.g. 20/60) or off");
    out = RateLimit{.burst = *burst, .period = std::chrono::seconds(*period)};
    return std::nullopt;
  };

  if (flag == "--listen") {
    const auto colon = value.rfind(':');
    if (colon == std::string::npos) return bad("expected HOST:PORT");
    boost::system::error_code ec;
    const auto host = value.substr(0, colon);
    boost::asio::ip::make_address(host, ec);
    const auto port = parse_number<std::uint16_t>(std::string_view(value).substr(colon + 1), 0,
                                                  std::numeric_limits<std::uint16_t>::max());
    if (ec || !port) return bad("expected an IP address and a port, e.g. 127.0.0.1:8080");
    config.listen_host = host;
    config.listen_port = *port;
  } else if (flag == "--database") {
    // Never echo the value itself: it may carry a password.
    const auto bad_url = [&](std::string_view what) {
      return std::string(flag) + ": " + std::string(what) + ", got '" + redact_database_url(value) +
             "'";
    };
    if (is_mysql_url(value)) {
#ifdef CONCERTD_WITH_MYSQL
      std::string why;
      if (!store::mysql::parse_url(value, &why)) return bad_url(why);
      config.database_url = value;
      config.sqlite_path.clear();
      return std::nullopt;
#else
      return std::string(flag) + ": this build has no MySQL support; use sqlite:PATH";
#endif
    }
    if (!value.starts_with("sqlite:") || value.size() == 7) {
      return bad_url("expected sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB");
    }
    config.database_url = value;
    config.sqlite_path = value.substr(7);
  } else if (flag == "--jwt-secret") {
    if (value.size() < 16) return std::string(flag) + ": must be at least 16 characters";
    config.jwt_secret = value;
  } else if (flag == "--admin-key") {
    if (value.size() < 8) return std::string(flag) + ": must be at least 8 characters";
    config.admin_key = value;
  } else if (flag == "--hold-ttl") {
    return seconds(config.hold_ttl);
  } else if (flag == "--active-ttl") {
    return seconds(config.active_ttl);
  } else if (flag == "--abandon-after") {
    const auto n = parse_number<std::int64_t>(value, 0, 7 * 24 * 3600);
    const auto least = queue::QueueService::kMinAbandonAfter.count();
    if (!n || (*n != 0 && *n < least)) {
      return bad("expected 0 or whole seconds " + std::to_string(least) + "..604800");
    }
    config.abandon_after = std::chrono::seconds{*n};
    return std::nullopt;
  } else if (flag == "--max-active") {
    return count(config.max_active, queue::kMaxActiveLimit);
  } else if (flag == "--admit-rate") {
    return count(config.admit_rate, queue::kMaxAdmitRate);
  } else if (flag == "--admission") {
    if (value != "fixed" && value != "adaptive") return bad("expected fixed or adaptive");
    config.admission =
        value == "adaptive" ? queue::AdmissionMode::kAdaptive : queue::AdmissionMode::kFixed;
  } else if (flag == "--target-p95-ms") {
    const auto most = queue::AdmissionTargets::kMaxP95.count();
    const auto ms = parse_number<std::int64_t>(value, 1, most);
    if (!ms) return bad("expected whole milliseconds 1.." + std::to_string(most));
    config.admission_targets.p95 = std::chrono::milliseconds{*ms};
  } else if (flag == "--target-error-percent") {
    const auto percent = parse_number<unsigned>(value, 0, 100);
    if (!percent) return bad("expected a whole percentage 0..100");
    config.admission_targets.error_percent = *percent;
  } else if (flag == "--threads") {
    return count(config.threads, 256);
  } else if (flag == "--web-root") {
    config.web_root = value;
  } else if (flag == "--swagger-ui") {
    config.swagger_ui = value;
  } else if (flag == "--log-level") {
    constexpr std::array kLevels{"trace", "debug", "info", "warn", "error"};
    if (std::ranges::find(kLevels, value) == kLevels.end()) {
      return bad("expected trace, debug, info, warn or error");
    }
    config.log_level = value;
  } else if (flag == "--access-log") {
    return on_off(config.access_log);
  } else if (flag == "--metrics") {
    return on_off(config.metrics);
  } else if (flag == "--hash-threads") {
    return count(config.hash_threads, 256);
  } else if (flag == "--header-timeout") {
    return seconds(config.header_timeout);
  } else if (flag == "--stream-keepalive") {
    return seconds(config.stream_keep_alive);
  } else if (flag == "--max-connections") {
    return count(config.max_connections, 10'000'000);
  } else if (flag == "--max-connections-per-client") {
    return count(config.max_connections_per_client, 10'000'000);
  } else if (flag == "--trusted-proxy") {
    config.trusted_proxies.clear();
    for (std::string_view rest = value; !rest.empty();) {
      const auto comma = rest.find(',');
      const auto network = http::Network::parse(rest.substr(0, comma));
      if (!network) return bad("expected ADDRESS[/PREFIX][,ADDRESS[/PREFIX]...]");
      config.trusted_proxies.push_back(*network);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  } else if (flag == "--rate-limits") {
    bool on = true;
    if (auto error = on_off(on)) return error;
    config.limits = on ? http::RateLimits{}
                       : http::RateLimits{.login = {}, .signup = {}, .tokens = {}, .holds = {}};
  } else if (flag == "--login-limit") {
    return rate(config.limits.login);
  } else if (flag == "--signup-limit") {
    return rate(config.limits.signup);
  } else if (flag == "--token-limit") {
    return rate(config.limits.tokens);
  } else if (flag == "--hold-limit") {
    return rate(config.limits.holds);
  } else if (flag == "--login-lockout") {
    if (value == "off") {
      config.login_policy.free_failures = 0;
      return std::nullopt;
    }
    std::size_t failures = 0;
    if (auto error = count(failures, 1000)) return error;
    config.login_policy.free_failures = static_cast<std::uint32_t>(failures);
  } else if (flag == "--login-lockout-max") {
    return seconds(config.login_policy.max_lock);
  } else if (flag == "--join-pow") {
    const auto bits = parse_number<unsigned>(value, 0, tokens::JoinPow::kMaxBits);
    if (!bits) return bad("expected BITS 0.." + std::to_string(tokens::JoinPow::kMaxBits));
    config.join_pow_bits = *bits;
  }
  return std::nullopt;
}

const Flag* find_flag(std::string_view name) {
  const auto it = std::ranges::find(kFlags, name, &Flag::name);
  return it == std::end(kFlags) ? nullptr : &*it;
}

}  // namespace

ParsedCommandLine parse_command_line(
    const std::vector<std::string_view>& args,
    const std::function<std::optional<std::string>(const char*)>& getenv) {
  Config config;
  for (const auto& flag : kFlags) {
    if (flag.env == nullptr) continue;
    if (auto value = getenv(flag.env)) {
      if (auto error = apply(config, flag.name, *value))
        return BadUsage{*error + " (from " + flag.env + ")"};
    }
  }
  // A leading `audit` is the audit command, which reads --database and nothing else.
  const bool auditing = !args.empty() && args.front() == "audit";
  for (std::size_t i = auditing ? 1 : 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::optional<std::string> inline_value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      inline_value = std::string(arg.substr(eq + 1));
      arg = arg.substr(0, eq);
    }
    const Flag* flag = find_flag(arg);
    if (flag == nullptr) return BadUsage{"unknown argument '" + std::string(arg) + "'"};
    if (flag->name == "--help") return ShowHelp{};
    if (auditing && flag->name != "--database") {
      return BadUsage{"audit takes --database only, got '" + std::string(arg) + "'"};
    }
    if (!flag->takes_value) {
      if (inline_value) return BadUsage{std::string(arg) + " takes no value"};
      config.demo = true;
      continue;
    }
    if (!inline_value) {
      if (i + 1 == args.size()) return BadUsage{std::string(arg) + " needs a value"};
      inline_value = std::string(args[++i]);
    }
    if (auto error = apply(config, flag->name, *inline_value)) return BadUsage{*error};
  }
  if (auditing) return AuditCommand{std::move(config)};
  if (config.threads == 0) config.threads = std::max(1U, std::thread::hardware_concurrency());
  if (config.hash_threads == 0) {
    config.hash_threads = std::max(1U, std::thread::hardware_concurrency());
  }
  return config;
}

std::string usage() {
  std::string text =
      "usage: concertd [flags]\n"
      "       concertd audit [--database URL]\n"
      "Concert seat reservation service: waiting room, seat holds, balances, payments.\n"
      "audit checks the invariants of the contract (§4) against the database and prints\n"
      "what breaks them: exit 0 when they all hold, 1 when one does not, 2 when the\n"
      "database cannot be read.\n\n";
  for (const auto& flag : kFlags) {
    std::string line = "  " + std::string(flag.name) + (flag.takes_value ? " VALUE" : "");
    line.resize(std::max<std::size_t>(line.size() + 2, 24), ' ');
    text += line + std::string(flag.help);
    if (flag.shown != nullptr) text += " (default " + flag.shown(Config{}) + ")";
    if (flag.env != nullptr) text += std::string(" [env ") + flag.env + "]";
    text += '\n';
  }
  return text;
}

bool is_mysql_url(std::string_view url) { return url.starts_with("mysql://"); }

std::string redact_database_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto start = scheme_end + 3;
  const auto end = std::min(url.find_first_of("/?#", start), url.size());
  const auto authority = url.substr(start, end - start);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  const auto colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start + colon + 1)) + "***" +
         std::string(url.substr(start + at));
}

}  // namespace concertd::app
