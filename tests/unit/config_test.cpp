#include "app/config.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>

namespace concertd::app {
namespace {

ParsedCommandLine parse(std::vector<std::string_view> args,
                        std::map<std::string, std::string> env = {}) {
  return parse_command_line(args, [&](const char* name) -> std::optional<std::string> {
    if (auto it = env.find(name); it != env.end()) return it->second;
    return std::nullopt;
  });
}

TEST(CommandLine, DefaultsFollowTheContract) {
  const auto config = std::get<Config>(parse({}));
  EXPECT_EQ(config.listen_host, "127.0.0.1");
  EXPECT_EQ(config.listen_port, 8080);
  EXPECT_EQ(config.sqlite_path, "concert.db");
  EXPECT_EQ(config.hold_ttl.count(), 300);
  EXPECT_EQ(config.active_ttl.count(), 600);
  EXPECT_EQ(config.max_active, 1000u);
  EXPECT_EQ(config.admit_rate, 100u);
  EXPECT_GE(config.threads, 1u);
  EXPECT_FALSE(config.admin_key);
  EXPECT_FALSE(config.demo);
}

TEST(CommandLine, FlagsOverrideEnvironment) {
  const auto config =
      std::get<Config>(parse({"--max-active", "5", "--listen=0.0.0.0:9000", "--demo"},
                             {{"CONCERT_MAX_ACTIVE", "7"}, {"CONCERT_ADMIT_RATE", "9"}}));
  EXPECT_EQ(config.max_active, 5u);
  EXPECT_EQ(config.admit_rate, 9u);
  EXPECT_EQ(config.listen_host, "0.0.0.0");
  EXPECT_EQ(config.listen_port, 9000);
  EXPECT_TRUE(config.demo);
}

TEST(CommandLine, OperatingFlags) {
  const auto defaults = std::get<Config>(parse({}));
  EXPECT_TRUE(defaults.access_log);
  EXPECT_TRUE(defaults.metrics);
  EXPECT_EQ(defaults.log_level, "info");
  EXPECT_TRUE(defaults.web_root.ends_with("/web")) << defaults.web_root;
  EXPECT_TRUE(defaults.swagger_ui.ends_with("/node_modules/swagger-ui-dist"));
  const auto config = std::get<Config>(
      parse({"--access-log", "off", "--metrics=off", "--log-level", "warn", "--web-root", "/srv/w"},
            {{"CONCERT_SWAGGER_UI", "/srv/swagger"}}));
  EXPECT_FALSE(config.access_log);
  EXPECT_FALSE(config.metrics);
  EXPECT_EQ(config.log_level, "warn");
  EXPECT_EQ(config.web_root, "/srv/w");
  EXPECT_EQ(config.swagger_ui, "/srv/swagger");
  for (const auto& args : std::vector<std::vector<std::string_view>>{
           {"--access-log", "yes"}, {"--metrics", "1"}, {"--log-level", "loud"}}) {
    EXPECT_TRUE(std::holds_alternative<BadUsage>(parse(args))) << args.front();
  }
}

TEST(CommandLine, JoinPowIsOffUnlessGivenBits) {
  EXPECT_EQ(std::get<Config>(parse({})).join_pow_bits, 0U);
  EXPECT_EQ(std::get<Config>(parse({"--join-pow", "18"})).join_pow_bits, 18U);
  EXPECT_EQ(std::get<Config>(parse({}, {{"CONCERT_JOIN_POW", "32"}})).join_pow_bits, 32U);
  for (const auto& value : {"33", "-1", "on", ""}) {
    EXPECT_TRUE(std::holds_alternative<BadUsage>(parse({"--join-pow", value}))) << value;
  }
}

TEST(CommandLine, AdmissionIsFixedUnlessAdaptiveIsAsked) {
  const auto defaults = std::get<Config>(parse({}));
  EXPECT_EQ(defaults.admission, queue::AdmissionMode::kFixed);
  EXPECT_EQ(defaults.admission_targets.p95, std::chrono::milliseconds{50});
  EXPECT_EQ(defaults.admission_targets.error_percent, 1U);
  const auto config = std::get<Config>(
      parse({"--admission", "adaptive", "--target-p95-ms=120"},
            {{"CONCERT_TARGET_ERROR_PERCENT", "0"}, {"CONCERT_ADMISSION", "fixed"}}));
  EXPECT_EQ(config.admission, queue::AdmissionMode::kAdaptive);
  EXPECT_EQ(config.admission_targets.p95, std::chrono::milliseconds{120});
  EXPECT_EQ(config.admission_targets.error_percent, 0U);
  for (const auto& args :
       std::vector<std::vector<std::string_view>>{{"--admission", "aimd"},
                                                  {"--target-p95-ms", "0"},
                                                  {"--target-p95-ms", "10001"},
                                                  {"--target-p95-ms", "1.5"},
                                                  {"--target-error-percent", "101"},
                                                  {"--target-error-percent", "-1"}}) {
    EXPECT_TRUE(std::holds_alternative<BadUsage>(parse(args)))
        << args.front() << " " << args.back();
  }
}

TEST(CommandLine, AuditReadsTheDatabaseFlagOnly) {
  const auto audit = std::get<AuditCommand>(
      parse({"audit", "--database", "sqlite:/srv/concert.db"}, {{"CONCERT_MAX_ACTIVE", "7"}}));
  EXPECT_EQ(audit.config.sqlite_path, "/srv/concert.db");
  EXPECT_EQ(std::get<AuditCommand>(parse({"audit"}, {{"CONCERT_DATABASE", "sqlite:env.db"}}))
                .config.sqlite_path,
            "env.db");
  EXPECT_TRUE(std::holds_alternative<BadUsage>(parse({"audit", "--demo"})));
  EXPECT_TRUE(std::holds_alternative<BadUsage>(parse({"audit", "--database", "postgres://x"})));
  EXPECT_TRUE(std::holds_alternative<ShowHelp>(parse({"audit", "--help"})));
  // Only as the first word: elsewhere it is an unknown argument.
  EXPECT_TRUE(std::holds_alternative<BadUsage>(parse({"--demo", "audit"})));
}

TEST(CommandLine, HelpIsRecognised) {
  EXPECT_TRUE(std::holds_alternative<ShowHelp>(parse({"--help"})));
}

TEST(CommandLine, BadInputIsBadUsage) {
  for (const auto& args :
       std::vector<std::vector<std::string_view>>{{"--bogus"},
                                                  {"--hold-ttl", "0"},
                                                  {"--hold-ttl", "5s"},
                                                  {"--max-active", "-1"},
                                                  {"--threads"},
                                                  {"--listen", "localhost"},
                                                  {"--listen", "127.0.0.1:99999"},
                                                  {"--database", "postgres://x"},
                                                  {"--demo=yes"}}) {
    EXPECT_TRUE(std::holds_alternative<BadUsage>(parse(args))) << args.front();
  }
  EXPECT_TRUE(std::holds_alternative<BadUsage>(parse({}, {{"CONCERT_ADMIT_RATE", "fast"}})));
}

#ifdef CONCERTD_WITH_MYSQL
TEST(CommandLine, MysqlUrlIsAccepted) {
  const auto config = std::get<Config>(parse({"--database", "mysql://u:p%40ss@127.0.0.1:3306/db"}));
  EXPECT_EQ(config.database_url, "mysql://u:p%40ss@127.0.0.1:3306/db");
  EXPECT_TRUE(is_mysql_url(config.database_url));
  EXPECT_TRUE(config.sqlite_path.empty());
  const auto from_env =
      std::get<Config>(parse({}, {{"CONCERT_DATABASE", "mysql://app:pw@db.internal/shop"}}));
  EXPECT_EQ(from_env.database_url, "mysql://app:pw@db.internal/shop");
  const auto cluster = parse({"--database", "mysql://u:pw@g1:3306,g2:3306,g3/db"});
  ASSERT_TRUE(std::holds_alternative<Config>(cluster));
  EXPECT_EQ(std::get<Config>(cluster).database_url, "mysql://u:pw@g1:3306,g2:3306,g3/db");
}

TEST(CommandLine, MalformedMysqlUrlIsBadUsageThatHidesThePassword) {
  for (const char* url :
       {"mysql://", "mysql://db.internal/shop", "mysql://u:s3cret-pw@h:99999/db",
        "mysql://u:s3cret-pw@h:0/db", "mysql://u:s3cret-pw@h:1/", "mysql://u:s3cret-pw@h/a/b",
        "mysql://u:s3cret-pw@h/db?ssl=1", "mysql://u:s3cret-pw@/db", "mysql://u:s3cret-pw@h1,/db",
        "mysql://u:s3cret-pw@h1,h2:99999/db"}) {
    const auto parsed = parse({"--database", url});
    ASSERT_TRUE(std::holds_alternative<BadUsage>(parsed)) << url;
    const auto& message = std::get<BadUsage>(parsed).message;
    EXPECT_EQ(message.find("s3cret-pw"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  const auto from_env = parse({}, {{"CONCERT_DATABASE", "mysql://u:s3cret-pw@h:99999/db"}});
  ASSERT_TRUE(std::holds_alternative<BadUsage>(from_env));
  EXPECT_EQ(std::get<BadUsage>(from_env).message.find("s3cret-pw"), std::string::npos);
}
#endif

TEST(CommandLine, DatabaseUrlsAreShownWithoutTheirPassword) {
  EXPECT_EQ(redact_database_url("mysql://u:s3cret@h:1/db"), "mysql://u:***@h:1/db");
  EXPECT_EQ(redact_database_url("mysql://u:a@b@h/db"), "mysql://u:***@h/db");
  EXPECT_EQ(redact_database_url("postgres://u:s3cret@h/db"), "postgres://u:***@h/db");
  EXPECT_EQ(redact_database_url("mysql://u@h:1/db"), "mysql://u@h:1/db");
  EXPECT_EQ(redact_database_url("mysql://u:s3cret@h1:1,h2:2/db"), "mysql://u:***@h1:1,h2:2/db");
  EXPECT_EQ(redact_database_url("sqlite:/var/lib/x@y:z.db"), "sqlite:/var/lib/x@y:z.db");
}

TEST(CommandLine, UsageListsEveryFlag) {
  const auto text = usage();
  for (const char* flag : {"--listen", "--database", "--jwt-secret", "--admin-key", "--hold-ttl",
                           "--active-ttl", "--max-active", "--admit-rate", "--threads", "--demo"}) {
    EXPECT_NE(text.find(flag), std::string::npos) << flag;
  }
}

// --help shows each default from Config itself: every one shown is a value its flag takes,
// and taking it changes nothing.
TEST(CommandLine, UsageShowsEachDefaultAsAValueItsFlagTakes) {
  const auto defaults = std::get<Config>(parse({}));
  const std::regex shown_default(R"(^  (--[a-z-]+) VALUE .*\(default ([^:)][^)]*)\))");
  std::istringstream help(usage());
  std::size_t shown = 0;
  for (std::string line; std::getline(help, line);) {
    std::smatch match;
    if (!std::regex_search(line, match, shown_default)) continue;
    ++shown;
    const auto flag = match[1].str();
    const auto value = match[2].str();
    const auto parsed = parse({flag, value});
    ASSERT_TRUE(std::holds_alternative<Config>(parsed)) << flag << " " << value;
    EXPECT_TRUE(std::get<Config>(parsed) == defaults) << flag << " " << value;
  }
  EXPECT_GE(shown, 19u);
}

}  // namespace
}  // namespace concertd::app
