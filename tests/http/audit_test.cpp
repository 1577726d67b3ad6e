// `concertd audit` and GET /api/v1/admin/audit: contract §4 checked against the database.
// A database that concertd wrote passes; one with a broken row of every kind the audit
// knows fails, and each check names its rows. On SQLite and on MariaDB.

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <string>

#include "http/support.hpp"

namespace concertd::test {
namespace {

class Audit : public OnEveryStore {};
CONCERTD_ON_EVERY_STORE(Audit);

// Ids of rows the test writes by hand.
constexpr std::string_view kStrayReservation = "00000000-0000-4000-8000-00000000a001";
constexpr std::string_view kStrayPayment = "00000000-0000-4000-8000-00000000a002";
constexpr std::string_view kMissingPayment = "00000000-0000-4000-8000-00000000a003";

std::set<std::string> broken_rules(const Response& report) {
  std::set<std::string> rules;
  for (const auto& check : report.object().at("checks").as_array()) {
    const auto& c = check.as_object();
    if (c.at("violations").as_int64() > 0) rules.insert(std::string(c.at("rule").as_string()));
  }
  return rules;
}

TEST_P(Audit, FindsEveryKindOfBrokenRow) {
  ServerProcess server(on_store({}));
  HttpClient http(server.port());
  const Headers admin = {{"X-Admin-Key", std::string(kAdminKey)}};
  const auto concert = create_concert(http, 10, 100);
  // Seats 1-3 sold (a payment ends its payer's entry: one fan each), seat 4 held by b.
  std::string paid[3];
  for (int i = 0; i < 3; ++i) {
    auto payer = ready_fan(server, http, 1000);
    paid[i] = hold_ok(http, concert, i + 1, payer.queue);
    ASSERT_TRUE(has_status(pay(http, paid[i], 100, payer.queue), 201));
  }
  auto b = ready_fan(server, http, 1000);
  auto c = ready_fan(server, http, 0);
  const auto held = hold_ok(http, concert, 4, b.queue);

  const auto clean = http.get("/api/v1/admin/audit", {}, admin);
  ASSERT_TRUE(has_status(clean, 200));
  EXPECT_TRUE(clean.object().at("ok").as_bool()) << clean.describe();
  EXPECT_EQ(clean.object().at("checks").as_array().size(), 13U);
  const auto passed = run_concertd({"audit", "--database", server.database().url});
  EXPECT_EQ(passed.exit_code, 0) << passed.out << passed.err;
  EXPECT_NE(passed.out.find("13 checks of contract §4"), std::string::npos) << passed.out;
  EXPECT_NE(passed.out.find("every invariant holds"), std::string::npos) << passed.out;

  // No admission round from here on: one would fill the gap before c's entry below and
  // pass it, and "an active entry admitted ahead of its turn" would heal under the audits.
  ASSERT_TRUE(has_status(http.send(beast::http::verb::patch, "/api/v1/admin/queue",
                                   R"({"paused":true})", "application/json", admin),
                         200));

  // A row of every kind the audit looks for, written past the schema's own checks.
  {
    Db db(server.database(), Db::Access::kWrite);
    const bool mysql = server.database().is_mysql();
    db.exec(mysql ? "SET SESSION check_constraint_checks = OFF"
                  : "PRAGMA ignore_check_constraints = ON");
    if (mysql) db.exec("SET SESSION foreign_key_checks = 0");
    const auto now = now_ms();
    // Seat 1 confirmed and paid a second time, by a reservation its seat does not name
    // and a payment without a ledger debit.
    db.exec(
        "INSERT INTO reservations (id, user_id, concert_id, seat_number, price, status, "
        "created_at, expires_at) VALUES (?, ?, ?, 1, 100, 'CONFIRMED', ?, ?)",
        {uuid(kStrayReservation), uuid(b.id), uuid(concert), now, now});
    db.exec(
        "INSERT INTO payments (id, reservation_id, user_id, amount, created_at) "
        "VALUES (?, ?, ?, 100, ?)",
        {uuid(kStrayPayment), uuid(kStrayReservation), uuid(b.id), now});
    // Seat 2 paid less than its price.
    db.exec("UPDATE payments SET amount = 99 WHERE reservation_id = ?", {uuid(paid[1])});
    // Seat 4's live hold cancelled under it.
    db.exec("UPDATE reservations SET status = 'CANCELLED' WHERE id = ?", {uuid(held)});
    // b's balance off by one; c negative, after a debit for a payment that does not exist
    // that came before the charge that covers it.
    db.exec("UPDATE users SET balance = balance + 1 WHERE id = ?", {uuid(b.id)});
    db.exec("UPDATE users SET balance = -5 WHERE id = ?", {uuid(c.id)});
    db.exec(
        "INSERT INTO ledger (user_id, kind, amount, payment_id, created_at) "
        "VALUES (?, 'PAYMENT', 50, ?, ?)",
        {uuid(c.id), uuid(kMissingPayment), now});
    db.exec(
        "INSERT INTO ledger (user_id, kind, amount, payment_id, created_at) "
        "VALUES (?, 'CHARGE', 50, NULL, ?)",
        {uuid(c.id), now});
    // b's admitted entry back to WAITING; c's far past the admission horizon.
    db.exec("UPDATE queue_entries SET status = 'WAITING' WHERE user_id = ?", {uuid(b.id)});
    db.exec("UPDATE queue_entries SET status = 'EXPIRED' WHERE user_id = ?", {uuid(c.id)});
    db.exec(
        "INSERT INTO queue_entries (number, user_id, status, created_at, expires_at) "
        "VALUES ((SELECT admitted_up_to + 1000 FROM queue_state WHERE id = 1), ?, "
        "'ACTIVE', ?, ?)",
        {uuid(c.id), now, now + 600'000});
  }

  const auto report = http.get("/api/v1/admin/audit", {}, admin);
  ASSERT_TRUE(has_status(report, 200));
  EXPECT_FALSE(report.object().at("ok").as_bool());
  const std::set<std::string> expected = {
      "a seat with more than one confirmed or live held reservation",
      "a seat paid more than once",
      "a confirmed reservation whose seat is not SOLD to it",
      "a live HELD seat whose reservation is not HELD by its holder",
      "a balance that is not charges - payments",
      "a negative balance",
      "a ledger prefix with a negative running balance",
      "a payment without exactly one matching ledger debit",
      "a ledger debit without a payment",
      "a SOLD seat without exactly one payment of its price by its holder",
      "a payment whose reservation is not CONFIRMED or whose seat is not SOLD",
      "a waiting entry passed over by admission",
      "an active entry admitted ahead of its turn",
  };
  EXPECT_EQ(broken_rules(report), expected) << report.describe();
  EXPECT_EQ(report.integer("broken"), 13);

  const auto failed = run_concertd({"audit", "--database", server.database().url});
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_NE(failed.out.find("13 broken"), std::string::npos) << failed.out;
  // Each finding names its rows: here the user whose balance is negative.
  std::string user = uuid_hex(c.id);
  std::ranges::transform(user, user.begin(), [](unsigned char ch) { return std::toupper(ch); });
  EXPECT_NE(
      failed.out.find("§4.2 broken: a negative balance (1 row)\n  user " + user + " balance -5\n"),
      std::string::npos)
      << failed.out;
}

TEST(Audit, RefusesWhatItCannotRead) {
  const auto none = std::filesystem::temp_directory_path() / (unique_username("audit") + ".db");
  const auto missing = run_concertd({"audit", "--database", "sqlite:" + none.string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no such file"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(none)) << "the audit created a database";
  const auto unreachable = run_concertd({"audit", "--database", "mysql://u:secret@127.0.0.1:1/db"});
  EXPECT_EQ(unreachable.exit_code, 2);
  EXPECT_EQ(unreachable.err.find("secret"), std::string::npos) << "password shown";
  const auto other_flag = run_concertd({"audit", "--listen", "127.0.0.1:1"});
  EXPECT_EQ(other_flag.exit_code, 2);
}

TEST(Audit, IsForTheAdminOnly) {
  ServerProcess server;
  HttpClient http(server.port());
  EXPECT_TRUE(is_problem(http.get("/api/v1/admin/audit"), 403, "FORBIDDEN"));
}

}  // namespace
}  // namespace concertd::test
