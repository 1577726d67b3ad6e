#include "app/config.hpp"

#include <gtest/gtest.h>

#include <map>

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
                                                  {"--database", "mysql://u:p@127.0.0.1:3306/db"},
                                                  {"--demo=yes"}}) {
    EXPECT_TRUE(std::holds_alternative<BadUsage>(parse(args))) << args.front();
  }
  EXPECT_TRUE(std::holds_alternative<BadUsage>(parse({}, {{"CONCERT_ADMIT_RATE", "fast"}})));
}

TEST(CommandLine, UsageListsEveryFlag) {
  const auto text = usage();
  for (const char* flag : {"--listen", "--database", "--jwt-secret", "--admin-key", "--hold-ttl",
                           "--active-ttl", "--max-active", "--admit-rate", "--threads", "--demo"}) {
    EXPECT_NE(text.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace concertd::app
