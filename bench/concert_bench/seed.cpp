#include "seed.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <vector>

#include "database.hpp"
#include "fans.hpp"
#include "users/password.hpp"

namespace concertd::bench {
namespace {

// Rows per INSERT (MariaDB allows 65,535 parameters a statement, SQLite 32,766) and per
// transaction (big enough that commits cost nothing, small enough for the WAL).
constexpr std::int64_t kRowsPerInsert = 1000;
constexpr std::int64_t kRowsPerTransaction = 100'000;

constexpr std::string_view kInsertUsers =
    "INSERT INTO users (id, username, password_hash, balance) VALUES ";
constexpr std::string_view kUserRow = "(?, ?, ?, ?)";
constexpr std::string_view kInsertCharges =
    "INSERT INTO ledger (user_id, kind, amount, payment_id, created_at) VALUES ";
constexpr std::string_view kChargeRow = "(?, 'CHARGE', ?, NULL, ?)";
constexpr std::string_view kInsertEntries =
    "INSERT INTO queue_entries (number, user_id, status, created_at) VALUES ";
constexpr std::string_view kEntryRow = "(?, ?, 'WAITING', ?)";
constexpr store::Statement kInsertConcert{"INSERT INTO concerts (id, name, date) VALUES (?, ?, ?)"};
constexpr std::string_view kInsertSeats =
    "INSERT INTO seats (concert_id, seat_number, price) VALUES ";
constexpr std::string_view kSeatRow = "(?, ?, ?)";
constexpr std::string_view kConcertDate = "2099-12-31";

constexpr store::Statement kJwtSecret{"SELECT value FROM settings WHERE name = 'jwt_secret'"};
constexpr store::Statement kPutJwtSecret{
    "INSERT INTO settings (name, value) VALUES ('jwt_secret', ?)"};
// The queue's last number: SQLite hands numbers out by AUTOINCREMENT (sqlite_sequence
// keeps the highest ever given), MariaDB by AUTO_INCREMENT, which the explicit numbers
// inserted here move past. The seed runs before any fan joins.
constexpr store::Statement kSqliteLastNumber{
    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'queue_entries'), 0),"
    " COALESCE((SELECT MAX(number) FROM queue_entries), 0))"};
constexpr store::Statement kMysqlLastNumber{"SELECT COALESCE(MAX(number), 0) FROM queue_entries"};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Inserts rows first..first+count-1 with `bind_row(query, next_index, row)` binding each
// row's parameters from `next_index` on and returning the index after them, in the
// caller's transaction.
template <class BindRow>
void insert_rows(SqlDatabase& db, std::string_view insert, std::string_view row, std::int64_t first,
                 std::int64_t count, BindRow bind_row) {
  for (std::int64_t done = 0; done < count;) {
    const std::int64_t rows = std::min(kRowsPerInsert, count - done);
    const auto sql = multi_row(insert, row, static_cast<std::size_t>(rows));
    db.visit([&](auto& conn) {
      conn.run_once(sql, [&](auto& query) {
        int index = 1;
        for (std::int64_t i = 0; i < rows; ++i) index = bind_row(query, index, first + done + i);
        query.run();
      });
    });
    done += rows;
  }
}

// The ids (and names) of fans first..first+count-1.
void fan_rows(std::int64_t first, std::int64_t count, std::vector<UserId>& ids,
              std::vector<std::string>* names) {
  ids.clear();
  if (names != nullptr) names->clear();
  for (std::int64_t fan = first; fan < first + count; ++fan) {
    ids.push_back(fan_id(fan));
    if (names != nullptr) names->push_back(fan_name(fan));
  }
}

void store_jwt_secret(SqlDatabase& db, const std::string& secret) {
  const auto stored = db.visit([&](auto& conn) -> std::optional<std::string> {
    auto query = conn.query(kJwtSecret);
    if (!query.step()) return std::nullopt;
    return query.text(0);
  });
  if (stored && *stored != secret) {
    throw std::runtime_error("the database already has another jwt secret");
  }
  if (stored) return;
  db.begin();
  db.visit([&](auto& conn) { conn.query(kPutJwtSecret).bind(1, std::string_view(secret)).run(); });
  db.commit();
}

void seed_fans(SqlDatabase& db, const SeedOptions& o) {
  const std::string hash = users::hash_password(kFanPassword);
  const std::int64_t created_at = now_ms();
  // SQLite binds text and blobs without copying them: they must outlive each INSERT.
  std::vector<UserId> ids;
  std::vector<std::string> names;
  for (std::int64_t start = 0; start < o.users; start += kRowsPerTransaction) {
    const std::int64_t first = o.first_user + start;
    const std::int64_t count = std::min(kRowsPerTransaction, o.users - start);
    fan_rows(first, count, ids, &names);
    const auto at = [first](std::int64_t fan) { return static_cast<std::size_t>(fan - first); };
    db.begin();
    insert_rows(db, kInsertUsers, kUserRow, first, count,
                [&](auto& query, int index, std::int64_t fan) {
                  query.bind(index, ids[at(fan)])
                      .bind(index + 1, std::string_view(names[at(fan)]))
                      .bind(index + 2, std::string_view(hash))
                      .bind(index + 3, o.balance);
                  return index + 4;
                });
    if (o.balance > 0) {
      insert_rows(
          db, kInsertCharges, kChargeRow, first, count,
          [&](auto& query, int index, std::int64_t fan) {
            query.bind(index, ids[at(fan)]).bind(index + 1, o.balance).bind(index + 2, created_at);
            return index + 3;
          });
    }
    db.commit();
  }
}

// Returns the first number handed out.
std::int64_t seed_waiting(SqlDatabase& db, const SeedOptions& o) {
  const std::int64_t created_at = now_ms();
  std::int64_t first_number = 0;
  std::vector<UserId> ids;
  for (std::int64_t start = 0; start < o.waiting; start += kRowsPerTransaction) {
    const std::int64_t count = std::min(kRowsPerTransaction, o.waiting - start);
    fan_rows(o.first_user + start, count, ids, nullptr);
    db.begin();
    const std::int64_t last = db.scalar(db.is_mysql() ? kMysqlLastNumber : kSqliteLastNumber);
    if (start == 0) first_number = last + 1;
    // Fan first_user + start + i takes number last + 1 + i.
    const std::int64_t first_fan = o.first_user + start;
    insert_rows(db, kInsertEntries, kEntryRow, first_fan, count,
                [&](auto& query, int index, std::int64_t fan) {
                  query.bind(index, last + 1 + (fan - first_fan))
                      .bind(index + 1, ids[static_cast<std::size_t>(fan - first_fan)])
                      .bind(index + 2, created_at);
                  return index + 3;
                });
    db.commit();
  }
  return first_number;
}

std::string seed_concert(SqlDatabase& db, const SeedOptions& o) {
  const auto concert = ConcertId::random();
  const std::string name = concert_name(o.concert_seats);
  db.begin();
  db.visit([&](auto& conn) {
    conn.query(kInsertConcert)
        .bind(1, concert)
        .bind(2, std::string_view(name))
        .bind(3, kConcertDate)
        .run();
  });
  insert_rows(db, kInsertSeats, kSeatRow, 1, o.concert_seats,
              [&](auto& query, int index, std::int64_t seat) {
                query.bind(index, concert).bind(index + 1, seat).bind(index + 2, o.price);
                return index + 3;
              });
  db.commit();
  return concert.to_string();
}

}  // namespace

void seed(const SeedOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  SqlDatabase db(options.database);
  db.prepare_bulk_load();
  if (options.jwt_secret) store_jwt_secret(db, *options.jwt_secret);
  if (options.users > 0) {
    try {
      seed_fans(db, options);
    } catch (const std::exception& e) {
      throw std::runtime_error(
          std::string("cannot insert the fans (already seeded? use --first-user): ") + e.what());
    }
    std::cout << "seeded fans " << options.first_user << ".."
              << options.first_user + options.users - 1 << " (" << fan_name(options.first_user)
              << "...), balance " << options.balance << '\n';
  }
  if (options.waiting > 0) {
    const std::int64_t first = seed_waiting(db, options);
    std::cout << "queued fans " << options.first_user << ".."
              << options.first_user + options.waiting - 1 << " as numbers " << first << ".."
              << first + options.waiting - 1 << '\n';
  }
  if (options.concert_seats > 0) {
    std::cout << "concert " << seed_concert(db, options) << " \""
              << concert_name(options.concert_seats) << "\" with seats 1.." << options.concert_seats
              << " at " << options.price << '\n';
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  std::cout << "seeded in " << took.count() << " s\n";
}

}  // namespace concertd::bench
