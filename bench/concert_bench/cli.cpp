#include "cli.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace concertd::bench {
namespace {

template <class T>
T number(std::string_view flag, std::string_view text, T min, T max) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    throw UsageError(std::string(flag) + ": expected a number " + std::to_string(min) + ".." +
                     std::to_string(max) + ", got '" + std::string(text) + "'");
  }
  return value;
}

std::string database_url(std::string_view flag, std::string_view value) {
  if ((value.starts_with("sqlite:") && value.size() > 7) || value.starts_with("mysql://")) {
    return std::string(value);
  }
  throw UsageError(std::string(flag) + ": expected sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB");
}

std::string secret(std::string_view flag, std::string_view value) {
  if (value.size() < 16) throw UsageError(std::string(flag) + ": must be at least 16 characters");
  return std::string(value);
}

Scenario scenario(std::string_view value) {
  for (const auto s : {Scenario::kStatus, Scenario::kTokens, Scenario::kSeats, Scenario::kFlashSale,
                       Scenario::kHoldPay}) {
    if (to_string(s) == value) return s;
  }
  throw UsageError("--scenario: expected status, tokens, seats, flash-sale or hold-pay, got '" +
                   std::string(value) + "'");
}

// http://HOST:PORT with an IP or name and an explicit port; no path.
void target(RunOptions& options, std::string_view value) {
  constexpr std::string_view kScheme = "http://";
  std::string_view rest = value;
  if (rest.starts_with(kScheme)) rest.remove_prefix(kScheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || rest.find('/') != std::string_view::npos) {
    throw UsageError("--target: expected http://HOST:PORT, got '" + std::string(value) + "'");
  }
  options.host = std::string(rest.substr(0, colon));
  options.port = number<std::uint16_t>("--target port", rest.substr(colon + 1), 1, 65535);
}

// Splits "--flag=value" and "--flag value"; `i` moves past what was used.
struct Arg {
  std::string_view flag;
  std::optional<std::string_view> value;
};

Arg next_arg(const std::vector<std::string_view>& args, std::size_t& i,
             bool (*takes_value)(std::string_view)) {
  std::string_view arg = args[i];
  if (!arg.starts_with("--")) throw UsageError("unexpected argument '" + std::string(arg) + "'");
  if (const auto eq = arg.find('='); eq != std::string_view::npos) {
    return {arg.substr(0, eq), arg.substr(eq + 1)};
  }
  if (!takes_value(arg)) return {arg, std::nullopt};
  if (i + 1 >= args.size()) throw UsageError(std::string(arg) + ": needs a value");
  return {arg, args[++i]};
}

constexpr std::int64_t kMaxFans = 100'000'000;
constexpr std::int64_t kMaxWon = 1'000'000'000'000;

bool seed_flag_takes_value(std::string_view) { return true; }

SeedOptions parse_seed(const std::vector<std::string_view>& args) {
  SeedOptions o;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto [flag, v] = next_arg(args, i, &seed_flag_takes_value);
    const std::string_view value = *v;
    if (flag == "--database") {
      o.database = database_url(flag, value);
    } else if (flag == "--users") {
      o.users = number<std::int64_t>(flag, value, 1, kMaxFans);
    } else if (flag == "--first-user") {
      o.first_user = number<std::int64_t>(flag, value, 1, kMaxFans);
    } else if (flag == "--balance") {
      o.balance = number<std::int64_t>(flag, value, 0, kMaxWon);
    } else if (flag == "--waiting") {
      o.waiting = number<std::int64_t>(flag, value, 0, kMaxFans);
    } else if (flag == "--concert-seats") {
      o.concert_seats = number<std::int64_t>(flag, value, 1, 1'000'000);
    } else if (flag == "--price") {
      o.price = number<std::int64_t>(flag, value, 0, 10'000'000);
    } else if (flag == "--jwt-secret") {
      o.jwt_secret = secret(flag, value);
    } else {
      throw UsageError("seed: unknown flag " + std::string(flag));
    }
  }
  if (o.database.empty()) throw UsageError("seed: --database is required");
  if (o.users == 0 && o.concert_seats == 0 && !o.jwt_secret) {
    throw UsageError("seed: nothing to do (give --users, --concert-seats or --jwt-secret)");
  }
  if (o.waiting > o.users) throw UsageError("seed: --waiting must not exceed --users");
  return o;
}

bool run_flag_takes_value(std::string_view flag) { return flag != "--quiet"; }

RunOptions parse_run(const std::vector<std::string_view>& args) {
  RunOptions o;
  bool have_scenario = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto [flag, v] = next_arg(args, i, &run_flag_takes_value);
    if (flag == "--quiet") {
      if (v) throw UsageError("--quiet takes no value");
      o.quiet = true;
      continue;
    }
    const std::string_view value = *v;
    if (flag == "--scenario") {
      o.scenario = scenario(value);
      have_scenario = true;
    } else if (flag == "--target") {
      target(o, value);
    } else if (flag == "--database") {
      o.database = database_url(flag, value);
    } else if (flag == "--jwt-secret") {
      o.jwt_secret = secret(flag, value);
    } else if (flag == "--admin-key") {
      o.admin_key = std::string(value);
    } else if (flag == "--connections") {
      o.connections = number<std::size_t>(flag, value, 1, 100'000);
    } else if (flag == "--duration") {
      o.duration = std::chrono::seconds(number<std::int64_t>(flag, value, 1, 24 * 3600));
      o.duration_given = true;
    } else if (flag == "--rate") {
      const auto rate = number<std::int64_t>(flag, value, 1, 100'000'000);
      o.rate = static_cast<double>(rate);
    } else if (flag == "--users") {
      o.users = number<std::int64_t>(flag, value, 1, kMaxFans);
    } else if (flag == "--first-user") {
      o.first_user = number<std::int64_t>(flag, value, 1, kMaxFans);
    } else if (flag == "--seats") {
      o.seats = number<std::int64_t>(flag, value, 1, 1'000'000);
    } else if (flag == "--price") {
      o.price = number<std::int64_t>(flag, value, 0, 10'000'000);
    } else if (flag == "--server-pid") {
      o.server_pid = number<int>(flag, value, 1, std::numeric_limits<int>::max());
    } else if (flag == "--out") {
      o.out_dir = std::string(value);
    } else if (flag == "--label") {
      // It names files and goes into the SVG unescaped.
      const auto allowed = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
      };
      if (value.empty() || !std::ranges::all_of(value, allowed)) {
        throw UsageError("--label: expected letters, digits, '-', '_' and '.' only");
      }
      o.label = std::string(value);
    } else if (flag == "--client-threads") {
      o.client_threads = number<std::size_t>(flag, value, 1, 64);
    } else if (flag == "--poll-every") {
      o.poll_every = std::chrono::milliseconds(number<std::int64_t>(flag, value, 1, 60'000));
    } else {
      throw UsageError("run: unknown flag " + std::string(flag));
    }
  }
  if (!have_scenario) throw UsageError("run: --scenario is required");
  if (o.host.empty()) throw UsageError("run: --target is required");
  if (o.scenario != Scenario::kStatus && !o.jwt_secret) {
    throw UsageError("run: --jwt-secret is required (the server's key, to mint tokens)");
  }
  const bool sale = o.scenario == Scenario::kFlashSale || o.scenario == Scenario::kHoldPay;
  if (sale && o.rate) {
    throw UsageError("run: " + std::string(to_string(o.scenario)) +
                     " is closed loop only (fans in flight = --connections)");
  }
  if (o.scenario == Scenario::kFlashSale && !o.duration_given)
    o.duration = std::chrono::seconds(300);
  if (o.label.empty()) o.label = std::string(to_string(o.scenario));
  if (o.users == 0) o.users = default_users(o.scenario);
  return o;
}

}  // namespace

std::string_view to_string(Scenario scenario) noexcept {
  switch (scenario) {
    case Scenario::kStatus:
      return "status";
    case Scenario::kTokens:
      return "tokens";
    case Scenario::kSeats:
      return "seats";
    case Scenario::kFlashSale:
      return "flash-sale";
    case Scenario::kHoldPay:
      return "hold-pay";
  }
  return "?";
}

std::int64_t default_users(Scenario scenario) noexcept {
  switch (scenario) {
    case Scenario::kStatus:
      return 1000;
    case Scenario::kTokens:
      return 100'000;
    case Scenario::kSeats:
      return 1;
    case Scenario::kFlashSale:
    case Scenario::kHoldPay:
      return 20'000;
  }
  return 1;
}

Command parse_command_line(const std::vector<std::string_view>& args) {
  if (args.empty()) throw UsageError("expected a command: seed, run or --help");
  for (const auto arg : args) {
    if (arg == "--help" || arg == "-h" || arg == "help") return ShowHelp{};
  }
  if (args[0] == "seed") return parse_seed(args);
  if (args[0] == "run") return parse_run(args);
  throw UsageError("unknown command '" + std::string(args[0]) + "' (expected seed or run)");
}

std::string help_text() {
  return R"(concert-bench: seeds a concertd database and measures concertd over HTTP.

concert-bench seed --database URL --users N [--first-user K] [--balance WON] [--waiting N]
                   [--concert-seats N [--price WON]] [--jwt-secret S]
  Writes straight into a database concertd has already migrated (start concertd on it once):
  sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB. Fans K..K+N-1 (default K=1) get fixed ids
  and usernames (bench-fan-<i>, password "concert-bench-password"), a balance of WON as one
  CHARGE ledger row, and with --waiting N a WAITING queue entry each for the first N of them,
  numbered in fan order after the queue's last number. --concert-seats adds a concert named
  "concert-bench N seats" with seats 1..N at --price. --jwt-secret stores the server's key
  (a server started without --jwt-secret then uses it). Bulk transactions: a million fans
  seed in seconds on SQLite.
  SQLite: seed while concertd is STOPPED (it loads the waiting room at startup). MariaDB:
  a running node picks new queue entries up within 200 ms.

concert-bench run --scenario status|tokens|seats|flash-sale|hold-pay --target http://HOST:PORT
                  [--database URL] [--jwt-secret S] [--admin-key K]
                  [--connections N=64] [--duration SECONDS=10] [--rate REQ_PER_S]
                  [--client-threads N=1] [--users N] [--first-user K=1] [--seats N=5000]
                  [--poll-every MS=20]
                  [--price WON=1000] [--server-pid PID] [--out DIR] [--label NAME] [--quiet]
  --poll-every: how often a waiting fan of flash-sale and hold-pay polls its status (the
  booking page: about 1000).
  Keep-alive connections spread over --client-threads; closed loop (each connection sends
  its next request when the answer came) unless --rate: then requests go out on a fixed
  schedule and latency counts from the scheduled time (no coordinated omission).
  Tokens are minted with --jwt-secret (the server's key); everything measured is HTTP.
  status      GET /api/v1/queue/status, round robin over --users (1000) queue tokens: with
              --database the last WAITING entries in the queue, else numbers 1..N of fans
              1..N (so that the same requests go to e.g. nginx serving a static file; without
              --jwt-secret the tokens are signed with a placeholder key).
  tokens      POST /api/v1/tokens, each of --users (100000) seeded fans once, from
              --first-user on; the run ends early when they are used up.
  seats       GET /api/v1/concerts/{id}/seats of the concert "concert-bench N seats"
              (N = --seats), created with --admin-key when there is none.
  flash-sale  --users (20000) seeded fans with balance, --connections of them in flight:
              POST /tokens, poll status until ACTIVE, hold a random free seat of a fresh
              --seats concert (created with --admin-key unless an unsold one was seeded),
              another on SEAT_UNAVAILABLE, pay with an Idempotency-Key. A fan who finds it
              sold out finishes, and fans not yet started then stop. Ends when all are done
              (--duration, default 300, is a time limit). Then checks the invariants through
              the API and, with --database, in SQL; exit status 1 names the failed check.
              Reports paid seats per second (seats sold / time to the last payment).
              The fans must have no live queue entry (use --first-user past --waiting fans).
  hold-pay    flash-sale without the waiting room in the way: first, untimed (and with at
              least 16 connections), each of the --users (20000) fans joins the queue, then
              each polls until ACTIVE; then for --duration (10) each connection takes the
              next ready fan: hold a random free seat of a fresh --seats concert (another
              on SEAT_UNAVAILABLE), pay it. Ends early when the seats or fans run out. Same
              checks and figures as flash-sale (ops hold and pay, paid seats per second).
  --server-pid  samples the server's RSS (peak reported) and counts its fdatasync+fsync
              calls with perf stat (n/a when perf cannot attach).
  --database  with a mysql:// URL, also counts the MariaDB server's statements, commits and
              round trips in the window (SHOW GLOBAL STATUS deltas: every client's), per
              paid seat in a sale, else per answer.
  --out DIR   writes DIR/LABEL.json (all figures, per-second series) and DIR/LABEL.svg.
  The last line is grep-able: RESULT label=... ok_per_s=... p50_ms=... p99_ms=...
  p999_ms=... errors=... syncs_per_s=... ok_per_sync=... peak_rss_mb=... paid_seats_per_s=...
  paid_per_sync=... statements_per_op=... commits_per_op=... round_trips_per_op=...

concertd flags the scenarios assume:
  all         --jwt-secret S (the same S as here); --admin-key K for seats and flash-sale
  tokens      --max-active 10000000 --admit-rate 1000000 (admission is not measured)
  flash-sale  --max-active 10000000 --admit-rate 1000000 --hold-ttl 300
  hold-pay    the same: every prepared fan must be ACTIVE at once (--max-active >= --users)
Exit status: 0 done, 1 a check or the run failed, 2 bad usage.
)";
}

}  // namespace concertd::bench
