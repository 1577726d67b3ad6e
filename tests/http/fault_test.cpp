// Faults of the database under load: a concertd answers 503 problem+json with Retry-After
// while its database cannot write, keeps serving reads where it can, recovers by itself when
// the fault ends, and loses no acknowledged charge; the §4 invariants hold afterwards.
// MariaDB restarted (a private instance, not the shared test server); SQLite on a full disk
// (a small tmpfs) and on a disk whose writes and syncs fail with EIO (tests/fault/eio_shim).

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fakes/temp_dir.hpp"
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

// charge_until on a thread per account, from construction until stop().
class BackgroundCharges final {
 public:
  BackgroundCharges(const Endpoint& server, const std::vector<Account>& accounts)
      : loads_(accounts.size()) {
    for (std::size_t i = 0; i < accounts.size(); ++i) {
      threads_.emplace_back(
          [this, server, &a = accounts[i], i] { loads_[i] = charge_until(server, a, stop_, 10s); });
    }
  }
  ~BackgroundCharges() { (void)stop(); }
  BackgroundCharges(const BackgroundCharges&) = delete;
  BackgroundCharges& operator=(const BackgroundCharges&) = delete;

  // What each account's thread saw, in the order of the accounts.
  const std::vector<ChargeLoad>& stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
    return loads_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<ChargeLoad> loads_;
  std::vector<std::thread> threads_;
};

// Each account's load saw the fault, was refused only with 503 problem+json and
// Retry-After, always got an answer, and every charge acknowledged to it is in the ledger.
void expect_fault_survived(Db& db, const std::vector<Account>& accounts,
                           const std::vector<ChargeLoad>& loads) {
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    SCOPED_TRACE("account " + std::to_string(i));
    const auto& load = loads[i];
    EXPECT_EQ(load.unanswered, 0U);
    std::map<std::string, int> refusals;
    for (const auto& r : load.refused) {
      ++refusals[is_unavailable(r) ? "503 problem+json with Retry-After" : r.describe()];
    }
    for (const auto& [what, count] : refusals) {
      EXPECT_EQ(what, "503 problem+json with Retry-After") << "x" << count;
    }
    EXPECT_FALSE(refusals.empty()) << "never saw the fault";
    const auto in_ledger = charges_in_ledger(db, accounts[i]);
    std::size_t lost = 0;
    for (const auto amount : load.acknowledged) lost += in_ledger.contains(amount) ? 0U : 1U;
    EXPECT_EQ(lost, 0U) << "acknowledged charges lost, of " << load.acknowledged.size();
  }
}

TEST(DatabaseFaults, MariaDbRestartUnderLoadAnswers503AndRecovers) {
  std::string why;
  if (!mysql_available(why)) GTEST_SKIP() << why;
  constexpr std::size_t kWorkers = 4;
  PrivateMariaDb mariadb;
  ServerProcess server({.threads = 2, .database_url = mariadb.dsn()});
  const auto workers = make_accounts(server.port(), kWorkers, 4);
  BackgroundCharges load(server.port(), workers);

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
  const auto& loads = load.stop();

  Db db(DatabaseUrl{mariadb.dsn()});
  expect_fault_survived(db, workers, loads);
  // The charge made during the outage is not there.
  EXPECT_EQ(charges_in_ledger(db, workers[0]).count(1000000), 0U);
  expect_invariants(DatabaseUrl{mariadb.dsn()});
  server.stop();
}

// SQLite

constexpr std::size_t kSqliteWorkers = 3;

// Charges on a SQLite concertd under load while a fault is on (between `begin` and `end`):
// writes are answered 503 problem+json with Retry-After, reads (a balance, the concerts)
// keep working, writes work again within 5 s of the fault's end without a restart, no
// acknowledged charge is lost, the file passes SQLite's integrity check and the invariants
// hold. A charge refused with 503 may still be in the database (an EIO from the sync after
// SQLite wrote the commit to the WAL): 503 promises nothing, so only acknowledged charges are
// looked for.
//
// On a full disk a write may still succeed, durably, where it fits in the WAL file's
// existing pages (a WAL is reused from its start after a checkpoint): `every_write_refused`
// is false then, and a charge during the fault is either acknowledged (and then looked for
// like any other) or refused with 503.
void expect_sqlite_fault_survived(ServerProcess& server, const std::function<void()>& begin,
                                  const std::function<void()>& end, bool every_write_refused) {
  auto accounts = make_accounts(server.port(), kSqliteWorkers + 1);
  const Account prober = accounts.back();
  accounts.pop_back();
  HttpClient http(server.port(), 10s);
  (void)create_concert(http, 10, 1000);
  BackgroundCharges load(server.port(), accounts);
  ChargeLoad probed;
  std::int64_t next_amount = 1;
  Response last;
  const auto probe_charge = [&] {
    const auto amount = next_amount++;
    last = http.post("/api/v1/users/" + prober.id + "/balance",
                     {{"userId", prober.id}, {"amount", amount}}, prober.access);
    if (last.status == 200) {
      probed.acknowledged.push_back(amount);
    } else {
      probed.refused.push_back(last);
    }
    return last;
  };

  std::this_thread::sleep_for(300ms);
  begin();
  EXPECT_TRUE(eventually([&] { return is_unavailable(probe_charge()); }, 10s))
      << "a charge during the fault: " << last.describe();
  for (int i = 0; i < 5; ++i) {
    const auto balance_read =
        http.get("/api/v1/users/" + accounts[0].id + "/balance", accounts[0].access);
    EXPECT_TRUE(has_status(balance_read, 200)) << "a balance read during the fault";
    const auto concerts_read = http.get("/api/v1/concerts");
    EXPECT_TRUE(has_status(concerts_read, 200)) << "the concerts read during the fault";
    const auto charge = probe_charge();
    EXPECT_TRUE(is_unavailable(charge) || (!every_write_refused && charge.status == 200))
        << "a charge during the fault: " << last.describe();
    std::this_thread::sleep_for(100ms);
  }

  end();
  const auto back = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return probe_charge().status == 200; }, 5s))
      << "a charge after the fault: " << last.describe();
  std::cout << "writes back "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - back)
                   .count()
            << " ms after the fault ended\n";
  std::this_thread::sleep_for(300ms);
  auto loads = load.stop();
  http.close();
  server.stop();

  accounts.push_back(prober);
  loads.push_back(std::move(probed));
  Db db(server.database());
  expect_fault_survived(db, accounts, loads);
  EXPECT_EQ(db.rows("PRAGMA integrity_check"), std::vector<Db::Row>{{"ok"}});
  expect_invariants(server.database());
}

// A tmpfs of `size` (e.g. "32m") mounted on a fresh directory, unmounted by the destructor.
// Needs CAP_SYS_ADMIN: check mounted().
class SmallTmpfs final {
 public:
  explicit SmallTmpfs(const std::string& size) {
    std::filesystem::create_directories(dir_);
    const auto options = "size=" + size + ",mode=0700";
    if (::mount("concertd-test", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) ==
        0) {
      mounted_ = true;
    } else {
      why_ = std::strerror(errno);
    }
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;

  [[nodiscard]] bool mounted() const noexcept { return mounted_; }
  // Why mounting failed.
  [[nodiscard]] const std::string& why() const noexcept { return why_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return dir_; }

 private:
  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("concertd-tmpfs-" + std::to_string(::getpid()) +
                                                "-" + std::to_string(std::random_device{}()));
  bool mounted_ = false;
  std::string why_;
};

// Writes zeros to `path` until the file system is full.
void fill_disk(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("open " + path.string() + ": " + std::strerror(errno));
  const std::vector<char> zeros(1 << 20);
  while (::write(fd, zeros.data(), zeros.size()) > 0) {
  }
  const int error = errno;
  ::close(fd);
  if (error != ENOSPC) {
    throw std::runtime_error("filling the disk: " + std::string(std::strerror(error)));
  }
}

TEST(SqliteDiskFaults, DiskFullAnswers503AndWritesRecoverWhenSpaceReturns) {
  SmallTmpfs disk("32m");
  if (!disk.mounted()) {
    GTEST_SKIP() << "cannot mount a tmpfs for the database (" << disk.why()
                 << "): needs root or CAP_SYS_ADMIN";
  }
  ServerProcess server(
      {.threads = 2, .database_url = "sqlite:" + (disk.path() / "concert.db").string()});
  const auto filler = disk.path() / "filler";
  expect_sqlite_fault_survived(
      server, [&] { fill_disk(filler); }, [&] { std::filesystem::remove(filler); },
      /*every_write_refused=*/false);
}

TEST(SqliteDiskFaults, IoErrorsAnswer503AndWritesRecoverWhenTheyStop) {
#ifdef CONCERTD_TEST_SANITIZED
  GTEST_SKIP() << "the EIO shim is LD_PRELOADed ahead of the sanitizer runtime, which refuses "
                  "that: this test runs only in builds without sanitizers";
#endif
  const testing::TempDir control_dir;
  const auto control = control_dir.file("eio-on");
  // Every file of the database (concert.db, -wal, -shm) and nothing else: not the log.
  ServerProcess server({.threads = 2,
                        .env = {"LD_PRELOAD=" CONCERTD_EIO_SHIM, "CONCERTD_EIO_CONTROL=" + control,
                                "CONCERTD_EIO_PATHS=/concert.db"}});
  expect_sqlite_fault_survived(
      server, [&] { std::ofstream(control) << "on\n"; }, [&] { std::filesystem::remove(control); },
      /*every_write_refused=*/true);
}

}  // namespace
}  // namespace concertd::test
