// The seat-map cache of the HTTP adapter over a real SQLite file: when it reads again,
// and that concurrent requests share one read. The io_context runs on the test thread
// (poll() lets every request run until it waits), reads on a pool, held at a gate.
#include "http/seat_map_cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/parse.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <vector>

#include "concerts/concert_service.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/temp_dir.hpp"
#include "payments/balance_service.hpp"
#include "payments/payment_service.hpp"
#include "queue/queue_service.hpp"
#include "reservations/reservation_service.hpp"
#include "store/audit.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "users/user_service.hpp"

namespace concertd::http {
namespace {

using namespace std::chrono_literals;
using Text = SeatMapCache::Text;

// Forwards to SQLite and counts reads; while the gate is closed a read waits at it, and
// when told, a read fails as a busy database does.
class GatedDatabase final : public store::Database {
 public:
  explicit GatedDatabase(store::Database& inner) : inner_(inner) {}

  void write(const std::function<bool(store::Tx&)>& work) override { inner_.write(work); }
  void read(const std::function<void(store::Tx&)>& work) override {
    {
      std::unique_lock lock(mutex_);
      ++reads_;
      arrived_.notify_all();
      opened_.wait(lock, [this] { return open_; });
      if (fail_) throw StoreUnavailable("database is locked");
    }
    inner_.read(work);
  }
  [[nodiscard]] bool ready() override { return inner_.ready(); }
  [[nodiscard]] store::AuditReport audit(Timestamp now) override { return inner_.audit(now); }

  void close_gate() {
    const std::lock_guard lock(mutex_);
    open_ = false;
  }
  void open_gate() {
    {
      const std::lock_guard lock(mutex_);
      open_ = true;
    }
    opened_.notify_all();
  }
  void set_failing(bool on) {
    const std::lock_guard lock(mutex_);
    fail_ = on;
  }
  // Until `n` reads in all have begun (a read begins after its seats_generation).
  void await_reads(int n) {
    std::unique_lock lock(mutex_);
    arrived_.wait(lock, [&] { return reads_ >= n; });
  }
  [[nodiscard]] int reads() {
    const std::lock_guard lock(mutex_);
    return reads_;
  }

 private:
  store::Database& inner_;
  std::mutex mutex_;
  std::condition_variable opened_;
  std::condition_variable arrived_;
  bool open_ = true;
  bool fail_ = false;
  int reads_ = 0;
};

// '1' per available seat of a rendered map, '0' per taken one.
std::string availability_of(const std::string& text) {
  const auto seats = boost::json::parse(text);
  std::string out;
  for (const auto& seat : seats.as_array()) out += seat.at("available").as_bool() ? '1' : '0';
  return out;
}

// One get()'s outcome, once its coroutine finished.
struct Answer {
  bool done = false;
  std::exception_ptr error;
  Result<Text> result;
};

class SeatMapCacheTest : public ::testing::Test {
 protected:
  static constexpr std::size_t kRequests = 8;

  SeatMapCacheTest() {
    queue_.restore();
    concert_ = concerts_
                   .create("Test Concert", std::chrono::year{2026} / 12 / 24,
                           {{1, Won{2000}}, {2, Won{2000}}, {3, Won{3000}}, {4, Won{2000}}})
                   .value();
  }

  ~SeatMapCacheTest() override {
    db_.open_gate();
    pool_.join();
  }

  // Starts `n` requests for `id` and runs each until it finished or waits.
  std::vector<Answer> start(std::size_t n, ConcertId id) {
    std::vector<Answer> answers(n);
    for (auto& answer : answers) {
      net::co_spawn(ioc_, cache_.get(id), [&answer](std::exception_ptr e, Result<Text> r) {
        answer = {true, e, std::move(r)};
      });
    }
    ioc_.restart();
    ioc_.poll();
    return answers;
  }
  // Opens the gate and runs until every request finished.
  void finish() {
    db_.open_gate();
    ioc_.restart();
    ioc_.run();
  }
  Answer get(ConcertId id) {
    auto answers = start(1, id);
    finish();
    return std::move(answers.front());
  }
  // '1' per available seat, '0' per taken one, read through the cache.
  std::string availability() {
    const auto answer = get(concert_);
    if (answer.error) std::rethrow_exception(answer.error);
    return availability_of(*answer.result.value());
  }
  static std::size_t count_done(const std::vector<Answer>& answers) {
    return static_cast<std::size_t>(
        std::ranges::count_if(answers, [](const Answer& a) { return a.done; }));
  }

  std::pair<UserId, std::int64_t> active_fan() {
    const auto user = users_.sign_up("fan" + std::to_string(++fans_), "correct horse").value();
    const auto number = queue_.join(user.id).value().entry.number;
    clock_.advance(1s);
    queue_.admit();
    return {user.id, number};
  }
  Result<reservations::Reservation> hold(const std::pair<UserId, std::int64_t>& fan,
                                         std::int32_t seat) {
    return reservations_.hold(fan.first, fan.second, concert_, seat);
  }

  ::concertd::testing::TempDir dir_;
  ::concertd::testing::FakeClock clock_;
  std::unique_ptr<store::Database> sqlite_ = store::sqlite::SqliteDatabase::open(dir_.file("t.db"));
  GatedDatabase db_{*sqlite_};
  users::UserService users_{db_, clock_};
  queue::QueueService queue_{
      db_, clock_, {.max_active = 10, .admit_rate = 100, .active_ttl = 600s}};
  concerts::ConcertService concerts_{db_, clock_};
  reservations::ReservationService reservations_{db_, concerts_, clock_, 300s};
  payments::BalanceService balances_{db_, clock_};
  payments::PaymentService payments_{db_, queue_, clock_};
  net::io_context ioc_;
  net::thread_pool pool_{2};
  SeatMapCache cache_{concerts_, clock_, pool_, 250ms};
  ConcertId concert_;
  int fans_ = 0;
};

TEST_F(SeatMapCacheTest, ConcurrentRequestsForAnExpiredMapCauseOneRead) {
  const auto first = get(concert_).result.value();
  clock_.advance(250ms);  // past max_age: nobody may be served the old map
  const int before = db_.reads();
  db_.close_gate();
  auto answers = start(kRequests, concert_);
  EXPECT_EQ(count_done(answers), 0u);  // one reads, the others wait for it
  finish();
  EXPECT_EQ(db_.reads() - before, 1);
  ASSERT_EQ(count_done(answers), kRequests);
  const Text rebuilt = answers.front().result.value();
  EXPECT_NE(rebuilt, first);
  for (const auto& answer : answers) EXPECT_EQ(answer.result.value(), rebuilt);
}

TEST_F(SeatMapCacheTest, AgeingMapIsServedWhileOneRequestRebuildsIt) {
  const auto first = get(concert_).result.value();
  clock_.advance(125ms);  // half of max_age: rebuilt, and still served meanwhile
  const int before = db_.reads();
  db_.close_gate();
  auto answers = start(kRequests, concert_);
  EXPECT_EQ(count_done(answers), kRequests - 1);
  for (const auto& answer : answers) {
    if (answer.done) {
      EXPECT_EQ(answer.result.value(), first);
    }
  }
  finish();
  EXPECT_EQ(db_.reads() - before, 1);
  ASSERT_EQ(count_done(answers), kRequests);
  const auto rebuilt = get(concert_).result.value();
  EXPECT_NE(rebuilt, first);
  EXPECT_EQ(db_.reads() - before, 1);
}

TEST_F(SeatMapCacheTest, ChangeInvalidatesTheMap) {
  const auto fan = active_fan();
  ASSERT_EQ(availability(), "1111");
  const int before = db_.reads();
  EXPECT_EQ(availability(), "1111");
  EXPECT_EQ(db_.reads(), before);
  ASSERT_TRUE(hold(fan, 1));  // the clock stands still: only the change can expire the map  //
                              // seats_changed after its commit
  const int after_hold = db_.reads();
  EXPECT_EQ(availability(), "0111");
  EXPECT_EQ(db_.reads() - after_hold, 1);
}

TEST_F(SeatMapCacheTest, ReadBegunBeforeAChangeDoesNotAnswerARequestAfterIt) {
  ASSERT_EQ(availability(), "1111");
  const auto fan = active_fan();
  clock_.advance(250ms);
  const int before = db_.reads();
  db_.close_gate();
  auto early = start(1, concert_);  // its read takes the generation, then waits at the gate
  db_.await_reads(before + 1);
  ASSERT_TRUE(hold(fan, 2));
  auto late = start(1, concert_);  // waits for that read, which may not have seen the hold
  EXPECT_EQ(count_done(early) + count_done(late), 0u);
  finish();
  EXPECT_EQ(db_.reads() - before, 2);  // so it read again, after that read
  ASSERT_TRUE(late.front().done);
  EXPECT_EQ(availability_of(*late.front().result.value()), "1011");
}

TEST_F(SeatMapCacheTest, HoldsLapseInvalidatesTheMap) {
  const auto fan = active_fan();
  ASSERT_TRUE(hold(fan, 3));
  SeatMapCache cache{concerts_, clock_, pool_};  // a store only this process writes: no max_age
  const auto read = [&] {
    std::optional<Result<Text>> out;
    net::co_spawn(ioc_, cache.get(concert_), [&out](std::exception_ptr e, Result<Text> r) {
      if (e) std::rethrow_exception(e);
      out = std::move(r);
    });
    ioc_.restart();
    ioc_.run();
    return *out.value().value();
  };
  const auto held = read();
  const int before = db_.reads();
  clock_.advance(300s - 1ms);
  EXPECT_EQ(read(), held);
  EXPECT_EQ(db_.reads(), before);
  clock_.advance(1ms);  // the hold lapses, with no write
  EXPECT_EQ(availability_of(held), "1101");
  EXPECT_EQ(availability_of(read()), "1111");
  EXPECT_EQ(db_.reads() - before, 1);
}

TEST_F(SeatMapCacheTest, FailedRebuildWakesTheWaitersWithTheErrorAndTheNextRequestReadsAgain) {
  const int before = db_.reads();
  db_.close_gate();
  db_.set_failing(true);
  auto answers = start(kRequests, concert_);
  EXPECT_EQ(count_done(answers), 0u);
  finish();
  EXPECT_EQ(db_.reads() - before, 1);
  for (const auto& answer : answers) {
    ASSERT_TRUE(answer.done);
    ASSERT_TRUE(answer.error);
    EXPECT_THROW(std::rethrow_exception(answer.error), StoreUnavailable);
  }
  db_.set_failing(false);
  EXPECT_EQ(availability(), "1111");
  EXPECT_EQ(db_.reads() - before, 2);
}

TEST_F(SeatMapCacheTest, UnknownConcertIsNotFoundForEveryWaiter) {
  const int before = db_.reads();
  db_.close_gate();
  auto answers = start(kRequests, ConcertId::random());
  finish();
  EXPECT_EQ(db_.reads() - before, 1);
  for (const auto& answer : answers) {
    ASSERT_TRUE(answer.done);
    EXPECT_EQ(answer.result.error().code, Errc::kConcertNotFound);
  }
}

TEST_F(SeatMapCacheTest, MapFollowsHoldsLapsesPaymentsAndCancels) {
  const auto fan = active_fan();
  ASSERT_EQ(availability(), "1111");
  ASSERT_TRUE(hold(fan, 1));
  EXPECT_EQ(availability(), "0111");
  clock_.advance(100s);
  const auto second = hold(fan, 2);
  ASSERT_TRUE(second);
  EXPECT_EQ(availability(), "0011");
  clock_.advance(200s - 1ms);
  EXPECT_EQ(availability(), "0011");
  clock_.advance(1ms);  // the first hold lapses, with no write
  EXPECT_EQ(availability(), "1011");
  ASSERT_TRUE(balances_.charge(fan.first, Won{10000}, std::nullopt));
  ASSERT_TRUE(payments_.pay(fan.first, second->id, Won{2000}, std::nullopt));
  EXPECT_EQ(availability(), "1011");
  clock_.advance(100s);  // the paid seat stays sold after its hold would have lapsed
  EXPECT_EQ(availability(), "1011");
  const auto other = active_fan();
  const auto held = hold(other, 3);
  ASSERT_TRUE(held);
  EXPECT_EQ(availability(), "1001");
  ASSERT_TRUE(reservations_.cancel(other.first, held->id));
  EXPECT_EQ(availability(), "1011");
}

}  // namespace
}  // namespace concertd::http
