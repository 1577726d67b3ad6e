#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"
#include "store/mysql/connection.hpp"

// The store interfaces over one MariaDB/MySQL connection. Each runs inside whatever
// transaction the connection has open; none begins or commits one.
namespace concertd::store::mysql {

class MysqlUserStore final : public users::UserStore {
 public:
  explicit MysqlUserStore(Connection& conn) : conn_(conn) {}
  [[nodiscard]] Result<void> insert(const users::User& user) override;
  [[nodiscard]] std::optional<users::User> find_by_username(std::string_view username) override;
  [[nodiscard]] bool exists(UserId id) override;
  [[nodiscard]] bool lock(UserId id) override;
  [[nodiscard]] std::optional<users::User> lock_by_username(std::string_view username) override;
  void set_login_failures(UserId id, const users::LoginFailures& failures) override;

 private:
  Connection& conn_;
};

class MysqlQueueStore final : public queue::QueueStore {
 public:
  explicit MysqlQueueStore(Connection& conn) : conn_(conn) {}
  [[nodiscard]] std::optional<queue::QueueEntry> find_live(UserId user, Timestamp now) override;
  [[nodiscard]] queue::QueueEntry enqueue(UserId user, Timestamp now) override;
  [[nodiscard]] bool is_active(std::int64_t number, UserId user, Timestamp now) override;
  [[nodiscard]] std::vector<queue::QueueSlot> entries_after(std::int64_t after,
                                                            std::size_t limit) override;
  [[nodiscard]] bool fill_gap(std::int64_t number, Timestamp now) override;
  void activate(std::int64_t first, std::int64_t last, Timestamp expires_at) override;
  void expire(std::int64_t number) override;
  void expire_active_of(UserId user) override;
  std::size_t publish_departures(std::int64_t seq) override;
  void set_change_seq(std::int64_t seq) override;
  std::size_t expire_lapsed(Timestamp now) override;
  void set_admitted_up_to(std::int64_t number) override;
  [[nodiscard]] bool try_lead(std::string_view node, Timestamp now, Timestamp lease_until) override;
  void resign(std::string_view node) override;
  [[nodiscard]] queue::QueueCounters counters() override;
  [[nodiscard]] queue::QueueSnapshot snapshot(Timestamp now) override;
  [[nodiscard]] std::vector<queue::QueueEntry> admitted_between(std::int64_t after,
                                                                std::int64_t up_to,
                                                                Timestamp now) override;
  [[nodiscard]] std::vector<std::int64_t> left_between(std::int64_t after,
                                                       std::int64_t up_to) override;

 private:
  Connection& conn_;
};

class MysqlConcertStore final : public concerts::ConcertStore {
 public:
  explicit MysqlConcertStore(Connection& conn) : conn_(conn) {}
  void insert(const concerts::Concert& concert, std::span<const concerts::SeatSpec> seats) override;
  [[nodiscard]] std::vector<concerts::ConcertSummary> upcoming(std::chrono::sys_days from,
                                                               Timestamp now) override;
  [[nodiscard]] std::optional<std::vector<concerts::SeatView>> seats(ConcertId id,
                                                                     Timestamp now) override;
  [[nodiscard]] std::optional<Timestamp> next_hold_lapse(ConcertId id, Timestamp now) override;
  [[nodiscard]] std::vector<concerts::ConcertSales> sales(Timestamp now) override;
  [[nodiscard]] bool any() override;

 private:
  Connection& conn_;
};

class MysqlReservationStore final : public reservations::ReservationStore {
 public:
  explicit MysqlReservationStore(Connection& conn) : conn_(conn) {}
  [[nodiscard]] std::optional<Won> try_hold_seat(ConcertId concert, std::int32_t seat,
                                                 ReservationId reservation, UserId user,
                                                 Timestamp now, Timestamp expires_at) override;
  [[nodiscard]] bool seat_exists(ConcertId concert, std::int32_t seat) override;
  [[nodiscard]] std::int64_t live_holds(UserId user, Timestamp now) override;
  void insert(const reservations::Reservation& reservation) override;
  [[nodiscard]] std::optional<reservations::Reservation> find(ReservationId id) override;
  [[nodiscard]] std::vector<reservations::ReservationListing> of_user(UserId user,
                                                                      std::size_t limit) override;
  [[nodiscard]] bool release_seat(const reservations::Reservation& reservation,
                                  Timestamp now) override;
  [[nodiscard]] bool sell_seat(const reservations::Reservation& reservation,
                               Timestamp now) override;
  void set_status(ReservationId id, reservations::ReservationStatus status) override;
  std::size_t sweep_lapsed(Timestamp now) override;

 private:
  [[nodiscard]] bool change_held_seat(const Statement& statement,
                                      const reservations::Reservation& r, Timestamp now);
  Connection& conn_;
};

class MysqlLedgerStore final : public payments::LedgerStore {
 public:
  explicit MysqlLedgerStore(Connection& conn) : conn_(conn) {}
  [[nodiscard]] std::optional<Won> balance(UserId user) override;
  [[nodiscard]] std::optional<Won> credit(UserId user, Won amount, Timestamp now) override;
  [[nodiscard]] std::optional<Won> debit(UserId user, Won amount, PaymentId payment,
                                         Timestamp now) override;

 private:
  Connection& conn_;
};

class MysqlPaymentStore final : public payments::PaymentStore {
 public:
  explicit MysqlPaymentStore(Connection& conn) : conn_(conn) {}
  void insert(const payments::Payment& payment) override;

 private:
  Connection& conn_;
};

class MysqlIdempotencyStore final : public payments::IdempotencyStore {
 public:
  explicit MysqlIdempotencyStore(Connection& conn) : conn_(conn) {}
  [[nodiscard]] std::optional<payments::IdempotencyRecord> find(UserId user,
                                                                std::string_view key) override;
  void insert(UserId user, std::string_view key, const payments::IdempotencyRecord& record,
              Timestamp now) override;
  std::size_t purge(Timestamp cutoff) override;

 private:
  Connection& conn_;
};

class MysqlSettingsStore final : public SettingsStore {
 public:
  explicit MysqlSettingsStore(Connection& conn) : conn_(conn) {}
  [[nodiscard]] std::optional<std::string> get(std::string_view name) override;
  [[nodiscard]] std::string put_if_absent(std::string_view name, std::string_view value) override;
  void put(std::string_view name, std::string_view value) override;

 private:
  Connection& conn_;
};

// A connection with every store bound to it. Neither copyable nor movable: the
// stores and the Tx refer to its members.
// The isolation level of the transactions a session starts.
enum class Isolation { kReadCommitted, kRepeatableRead };

class Session final {
 public:
  Session(const Endpoint& endpoint, const Timeouts& timeouts, std::chrono::seconds lock_wait)
      : conn_(endpoint, timeouts, lock_wait) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  [[nodiscard]] Connection& connection() noexcept { return conn_; }
  [[nodiscard]] Tx& tx() noexcept { return tx_; }
  // Sets the level of the transactions it starts from now on; a no-op when already set
  // (connections start at READ COMMITTED).
  void set_isolation(Isolation isolation);
  [[nodiscard]] Isolation isolation() const noexcept { return isolation_; }

 private:
  Connection conn_;
  Isolation isolation_ = Isolation::kReadCommitted;
  MysqlUserStore users_{conn_};
  MysqlQueueStore queue_{conn_};
  MysqlConcertStore concerts_{conn_};
  MysqlReservationStore reservations_{conn_};
  MysqlLedgerStore ledger_{conn_};
  MysqlPaymentStore payments_{conn_};
  MysqlIdempotencyStore idempotency_{conn_};
  MysqlSettingsStore settings_{conn_};
  Tx tx_{users_, queue_, concerts_, reservations_, ledger_, payments_, idempotency_, settings_};
};

}  // namespace concertd::store::mysql
