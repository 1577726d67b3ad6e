#include "cli.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace concertd::bench {
namespace {

using Args = std::vector<std::string_view>;

RunOptions run(const Args& args) { return std::get<RunOptions>(parse_command_line(args)); }

TEST(Cli, RunTakesTheDocumentedDefaults) {
  const auto o = run({"run", "--scenario", "status", "--target", "http://127.0.0.1:8080"});
  EXPECT_EQ(o.scenario, Scenario::kStatus);
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 8080);
  EXPECT_EQ(o.connections, 64u);
  EXPECT_EQ(o.duration, std::chrono::seconds(10));
  EXPECT_FALSE(o.rate);
  EXPECT_EQ(o.users, 1000);
  EXPECT_EQ(o.seats, 5000);
  EXPECT_EQ(o.label, "status");
  EXPECT_EQ(o.client_threads, 1u);
  EXPECT_FALSE(o.quiet);
  EXPECT_FALSE(o.jwt_secret);
}

TEST(Cli, RunReadsEveryFlagInBothSpellings) {
  const auto o = run({"run",
                      "--scenario=flash-sale",
                      "--target",
                      "http://localhost:9000/",
                      "--database",
                      "sqlite:/tmp/x.db",
                      "--jwt-secret",
                      "0123456789abcdef0",
                      "--admin-key=admin-key-1",
                      "--connections",
                      "8",
                      "--duration",
                      "3",
                      "--users",
                      "300",
                      "--first-user",
                      "1001",
                      "--seats",
                      "100",
                      "--server-pid",
                      "42",
                      "--out",
                      "/tmp/out",
                      "--label",
                      "sale-1",
                      "--quiet",
                      "--client-threads",
                      "2",
                      "--poll-every",
                      "1000"});
  EXPECT_EQ(o.scenario, Scenario::kFlashSale);
  EXPECT_EQ(o.host, "localhost");
  EXPECT_EQ(o.port, 9000);
  EXPECT_EQ(o.database, "sqlite:/tmp/x.db");
  EXPECT_EQ(o.admin_key, "admin-key-1");
  EXPECT_EQ(o.connections, 8u);
  EXPECT_EQ(o.duration, std::chrono::seconds(3));
  EXPECT_EQ(o.users, 300);
  EXPECT_EQ(o.first_user, 1001);
  EXPECT_EQ(o.seats, 100);
  EXPECT_EQ(o.server_pid, 42);
  EXPECT_EQ(o.out_dir, "/tmp/out");
  EXPECT_EQ(o.label, "sale-1");
  EXPECT_TRUE(o.quiet);
  EXPECT_EQ(o.client_threads, 2u);
  EXPECT_EQ(o.poll_every, std::chrono::milliseconds(1000));
}

TEST(Cli, FlashSaleDefaultsToTwentyThousandFansAndALongTimeLimit) {
  const auto o = run({"run", "--scenario", "flash-sale", "--target", "http://127.0.0.1:1",
                      "--jwt-secret", "0123456789abcdef0"});
  EXPECT_EQ(o.users, 20'000);
  EXPECT_EQ(o.duration, std::chrono::seconds(300));
}

TEST(Cli, HoldPayIsTimedLikeTheOthersWithFlashSaleFans) {
  const auto o = run({"run", "--scenario", "hold-pay", "--target", "http://127.0.0.1:1",
                      "--jwt-secret", "0123456789abcdef0"});
  EXPECT_EQ(o.scenario, Scenario::kHoldPay);
  EXPECT_EQ(o.label, "hold-pay");
  EXPECT_EQ(o.users, 20'000);
  EXPECT_EQ(o.duration, std::chrono::seconds(10));
}

TEST(Cli, RateMeansOpenLoop) {
  const auto o =
      run({"run", "--scenario", "status", "--target", "http://127.0.0.1:1", "--rate", "5000"});
  ASSERT_TRUE(o.rate);
  EXPECT_DOUBLE_EQ(*o.rate, 5000.0);
}

TEST(Cli, RejectsWhatCannotRun) {
  const std::vector<Args> bad = {
      {},
      {"bench"},
      {"run", "--target", "http://127.0.0.1:1"},
      {"run", "--scenario", "status"},
      {"run", "--scenario", "nope", "--target", "http://127.0.0.1:1"},
      {"run", "--scenario", "status", "--target", "127.0.0.1"},
      {"run", "--scenario", "status", "--target", "http://127.0.0.1:0"},
      {"run", "--scenario", "status", "--target", "http://127.0.0.1:1/path"},
      {"run", "--scenario", "status", "--target", "http://127.0.0.1:1", "--connections", "0"},
      {"run", "--scenario", "status", "--target", "http://127.0.0.1:1", "--connections"},
      {"run", "--scenario", "status", "--target", "http://127.0.0.1:1", "--duration", "1x"},
      {"run", "--scenario", "status", "--target", "http://127.0.0.1:1", "--label", "a/b"},
      {"run", "--scenario", "status", "--target", "http://127.0.0.1:1", "--label", "<a>"},
      {"run", "--scenario", "status", "--target", "http://127.0.0.1:1", "--what", "1"},
      {"run", "--scenario", "status", "--target", "http://127.0.0.1:1", "--database", "x.db"},
      {"run", "--scenario", "status", "--target", "http://127.0.0.1:1", "--jwt-secret", "short"},
      {"run", "--scenario", "tokens", "--target", "http://127.0.0.1:1"},  // needs the secret
      {"run", "--scenario", "flash-sale", "--target", "http://127.0.0.1:1", "--jwt-secret",
       "0123456789abcdef0", "--rate", "10"},
      {"run", "--scenario", "hold-pay", "--target", "http://127.0.0.1:1", "--jwt-secret",
       "0123456789abcdef0", "--rate", "10"},
      {"run", "--scenario", "hold-pay", "--target", "http://127.0.0.1:1"},  // needs the secret
      {"seed", "--users", "10"},
      {"seed", "--database", "sqlite:x.db"},
      {"seed", "--database", "sqlite:x.db", "--users", "10", "--waiting", "11"},
      {"seed", "--database", "sqlite:x.db", "--users", "-1"},
  };
  for (const auto& args : bad) {
    EXPECT_THROW((void)parse_command_line(args), UsageError) << ::testing::PrintToString(args);
  }
}

TEST(Cli, SeedReadsItsFlags) {
  const auto o = std::get<SeedOptions>(parse_command_line(
      {"seed", "--database", "mysql://u:p@127.0.0.1:3306/db", "--users", "1000000", "--balance",
       "100000", "--waiting", "1000000", "--concert-seats", "5000", "--price", "1000",
       "--jwt-secret", "0123456789abcdef0", "--first-user", "7"}));
  EXPECT_EQ(o.database, "mysql://u:p@127.0.0.1:3306/db");
  EXPECT_EQ(o.users, 1'000'000);
  EXPECT_EQ(o.balance, 100'000);
  EXPECT_EQ(o.waiting, 1'000'000);
  EXPECT_EQ(o.concert_seats, 5000);
  EXPECT_EQ(o.price, 1000);
  EXPECT_EQ(o.jwt_secret, "0123456789abcdef0");
  EXPECT_EQ(o.first_user, 7);
}

TEST(Cli, HelpWinsAnywhere) {
  EXPECT_TRUE(std::holds_alternative<ShowHelp>(parse_command_line({"run", "--help"})));
  EXPECT_TRUE(std::holds_alternative<ShowHelp>(parse_command_line({"--help"})));
}

}  // namespace
}  // namespace concertd::bench
