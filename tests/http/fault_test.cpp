// MariaDB restarted under load: a concertd on a private MariaDB instance (not the shared
// test server) answers 503 with Retry-After while the database is gone, recovers by itself
// within 5 s of its return, and loses no acknowledged charge.

#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/support.hpp"

namespace concertd::test {
namespace {

// Runs `command` through the shell; returns its stdout, throws when it fails.
std::string shell(const std::string& command) {
  std::unique_ptr<FILE, decltype(&::pclose)> pipe(::popen(command.c_str(), "r"), &::pclose);
  if (!pipe) throw std::runtime_error("popen: " + command);
  std::string out;
  char buffer[4096];
  while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe.get())) out.append(buffer, n);
  const int status = ::pclose(pipe.release());
  if (status != 0) throw std::runtime_error(command + " failed (" + std::to_string(status) + ")");
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// Its own MariaDB (scripts/mariadb-test-server on a temp directory), stopped at the end.
class PrivateMariaDb final {
 public:
  PrivateMariaDb() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "concertd-fault-mdb-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = pattern;
    dsn_ = start();
  }
  ~PrivateMariaDb() {
    try {
      stop();
    } catch (const std::exception& e) {
      std::cerr << e.what() << '\n';
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PrivateMariaDb(const PrivateMariaDb&) = delete;
  PrivateMariaDb& operator=(const PrivateMariaDb&) = delete;

  std::string start() { return shell(std::string(kScript) + " start " + dir_.string()); }
  void stop() { shell(std::string(kScript) + " stop " + dir_.string()); }
  [[nodiscard]] const std::string& dsn() const noexcept { return dsn_; }

 private:
  static constexpr const char* kScript = CONCERTD_MARIADB_TEST_SERVER;
  std::filesystem::path dir_;
  std::string dsn_;
};

bool is_unavailable(const Response& r) {
  return r.status == 503 && !r.header("Retry-After").empty() && is_problem(r, 503, "");
}

TEST(DatabaseFaults, MariaDbRestartUnderLoadAnswers503AndRecovers) {
  std::string why;
  if (!mysql_available(why)) GTEST_SKIP() << why;
  constexpr std::size_t kWorkers = 4;
  PrivateMariaDb mariadb;
  ServerProcess server({.threads = 2, .database_url = mariadb.dsn()});
  auto workers = make_accounts(server.port(), kWorkers, 4);

  std::atomic<bool> stop{false};
  std::vector<ChargeLoad> loads(kWorkers);
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] { loads[w] = charge_until(server.port(), workers[w], stop, 10s); });
  }
  const auto stop_load = [&] {
    stop = true;
    for (auto& t : threads) t.join();
    threads.clear();
  };

  std::this_thread::sleep_for(1s);
  mariadb.stop();
  HttpClient probe(server.port(), 10s);
  Response last;
  EXPECT_TRUE(eventually(
      [&] {
        last = probe.get("/readyz");
        return last.status == 503;
      },
      5s))
      << "/readyz during the outage: " << last.describe();
  const auto charge_during =
      probe.post("/api/v1/users/" + workers[0].id + "/balance",
                 {{"userId", workers[0].id}, {"amount", 1000000}}, workers[0].access);
  EXPECT_TRUE(is_unavailable(charge_during)) << charge_during.describe();
  std::this_thread::sleep_for(1s);

  EXPECT_EQ(mariadb.start(), mariadb.dsn());
  const auto back = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually(
      [&] {
        last = probe.get("/readyz");
        return last.status == 200;
      },
      5s))
      << "/readyz after the restart: " << last.describe();
  EXPECT_TRUE(eventually(
      [&] {
        last = probe.post("/api/v1/users/" + workers[0].id + "/balance",
                          {{"userId", workers[0].id}, {"amount", 3000000}}, workers[0].access);
        return last.status == 200;
      },
      5s))
      << "a charge after the restart: " << last.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - back, 5s);
  std::this_thread::sleep_for(500ms);
  stop_load();

  Db db(DatabaseUrl{mariadb.dsn()});
  for (std::size_t w = 0; w < kWorkers; ++w) {
    EXPECT_EQ(loads[w].unanswered, 0U) << "worker " << w;
    std::map<std::string, int> refusals;
    for (const auto& r : loads[w].refused) {
      ++refusals[is_unavailable(r) ? "503 problem+json with Retry-After" : r.describe()];
    }
    for (const auto& [what, count] : refusals) {
      EXPECT_EQ(what, "503 problem+json with Retry-After") << "worker " << w << " x" << count;
    }
    EXPECT_FALSE(refusals.empty()) << "worker " << w << " never saw the outage";
    const auto in_ledger = charges_in_ledger(db, workers[w]);
    std::size_t lost = 0;
    for (const auto amount : loads[w].acknowledged) lost += in_ledger.count(amount) == 1 ? 0U : 1U;
    EXPECT_EQ(lost, 0U) << "worker " << w << " lost acknowledged charges";
    // The charge made during the outage is not there.
    if (w == 0) {
      EXPECT_EQ(in_ledger.count(1000000), 0U);
    }
  }
  expect_invariants(DatabaseUrl{mariadb.dsn()});
  server.stop();
}

}  // namespace
}  // namespace concertd::test
