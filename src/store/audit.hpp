#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "store/statement.hpp"

// The invariants of contract §4 as queries for the rows that break them, in SQL that
// SQLite and MariaDB read alike. `concertd audit`, GET /api/v1/admin/audit and the crash,
// fault and race tests run them.
namespace concertd::store {

struct AuditCheck {
  std::string_view invariant;  // the item of contract §4, e.g. "4.1"
  std::string_view rule;       // what each row the query finds is
  // The query selects (hex id, integer) per offending row; these name the two columns.
  std::string_view subject;
  std::string_view detail;
  // Each `?` is the audit's time (ms since the epoch): holds and entries lapse.
  Statement statement;

  [[nodiscard]] constexpr int parameters() const noexcept {
    return static_cast<int>(std::ranges::count(statement.sql, '?'));
  }
};

// Static storage: connections cache each statement under its address (see Statement).
inline constexpr std::array kAuditChecks{
    // §4.1: a seat is sold at most once and held by at most one live hold.
    AuditCheck{"4.1",
               "a seat with more than one confirmed or live held reservation",
               "concert",
               "seat",
               {"SELECT hex(concert_id), seat_number FROM reservations "
                "WHERE status = 'CONFIRMED' OR (status = 'HELD' AND expires_at > ?) "
                "GROUP BY concert_id, seat_number HAVING count(*) > 1"}},
    AuditCheck{"4.1",
               "a seat paid more than once",
               "concert",
               "seat",
               {"SELECT hex(r.concert_id), r.seat_number FROM payments p "
                "JOIN reservations r ON r.id = p.reservation_id "
                "GROUP BY r.concert_id, r.seat_number HAVING count(*) > 1"}},
    AuditCheck{"4.1",
               "a confirmed reservation whose seat is not SOLD to it",
               "reservation",
               "seat",
               {"SELECT hex(r.id), r.seat_number FROM reservations r JOIN seats s "
                "ON s.concert_id = r.concert_id AND s.seat_number = r.seat_number "
                "WHERE r.status = 'CONFIRMED' AND NOT (s.state = 'SOLD' AND s.reservation_id = "
                "r.id AND s.holder = r.user_id)"}},
    AuditCheck{"4.1",
               "a live HELD seat whose reservation is not HELD by its holder",
               "concert",
               "seat",
               {"SELECT hex(s.concert_id), s.seat_number FROM seats s "
                "LEFT JOIN reservations r ON r.id = s.reservation_id "
                "WHERE s.state = 'HELD' AND s.hold_expires_at > ? AND (r.id IS NULL OR "
                "r.status <> 'HELD' OR r.user_id <> s.holder OR r.concert_id <> s.concert_id OR "
                "r.seat_number <> s.seat_number)"}},
    // §4.2: balance = charges - payments, never negative, not even in between.
    AuditCheck{"4.2",
               "a balance that is not charges - payments",
               "user",
               "balance",
               {"SELECT hex(u.id), u.balance FROM users u WHERE u.balance <> "
                "(SELECT coalesce(sum(CASE kind WHEN 'CHARGE' THEN amount ELSE -amount END), 0) "
                "FROM ledger l WHERE l.user_id = u.id)"}},
    AuditCheck{"4.2",
               "a negative balance",
               "user",
               "balance",
               {"SELECT hex(id), balance FROM users WHERE balance < 0"}},
    AuditCheck{"4.2",
               "a ledger prefix with a negative running balance",
               "user",
               "ledger row",
               {"SELECT hex(user_id), id FROM (SELECT user_id, id, sum(CASE kind WHEN 'CHARGE' "
                "THEN amount ELSE -amount END) OVER (PARTITION BY user_id ORDER BY id) AS running "
                "FROM ledger) AS prefixes "
                "WHERE running < 0"}},
    AuditCheck{"4.2",
               "a payment without exactly one matching ledger debit",
               "payment",
               "amount",
               {"SELECT hex(p.id), p.amount FROM payments p WHERE (SELECT count(*) FROM ledger l "
                "WHERE l.kind = 'PAYMENT' AND l.payment_id = p.id AND l.amount = p.amount "
                "AND l.user_id = p.user_id) <> 1"}},
    AuditCheck{"4.2",
               "a ledger debit without a payment",
               "user",
               "ledger row",
               {"SELECT hex(l.user_id), l.id FROM ledger l WHERE l.kind = 'PAYMENT' AND NOT EXISTS "
                "(SELECT 1 FROM payments p WHERE p.id = l.payment_id)"}},
    // §4.4: a sold seat has exactly one payment, of exactly its price, by the holder.
    AuditCheck{"4.4",
               "a SOLD seat without exactly one payment of its price by its holder",
               "concert",
               "seat",
               {"SELECT hex(s.concert_id), s.seat_number FROM seats s WHERE s.state = 'SOLD' AND "
                "(SELECT count(*) FROM payments p JOIN reservations r ON r.id = p.reservation_id "
                "WHERE r.concert_id = s.concert_id AND r.seat_number = s.seat_number "
                "AND r.id = s.reservation_id AND r.status = 'CONFIRMED' AND p.amount = s.price "
                "AND p.user_id = s.holder AND r.user_id = s.holder) <> 1"}},
    AuditCheck{"4.4",
               "a payment whose reservation is not CONFIRMED or whose seat is not SOLD",
               "payment",
               "amount",
               {"SELECT hex(p.id), p.amount FROM payments p "
                "JOIN reservations r ON r.id = p.reservation_id "
                "JOIN seats s ON s.concert_id = r.concert_id AND s.seat_number = r.seat_number "
                "WHERE r.status <> 'CONFIRMED' OR s.state <> 'SOLD' OR s.reservation_id <> r.id"}},
    // §4.5: admission is FIFO: it has passed every number up to its horizon and none beyond.
    AuditCheck{"4.5",
               "a waiting entry passed over by admission",
               "user",
               "queue number",
               {"SELECT hex(user_id), number FROM queue_entries WHERE status = 'WAITING' AND "
                "number <= (SELECT admitted_up_to FROM queue_state WHERE id = 1)"}},
    AuditCheck{"4.5",
               "an active entry admitted ahead of its turn",
               "user",
               "queue number",
               {"SELECT hex(user_id), number FROM queue_entries WHERE status = 'ACTIVE' AND "
                "number > (SELECT admitted_up_to FROM queue_state WHERE id = 1)"}},
};

// What one check found: how many rows break it, and the first few of them.
struct AuditResult {
  static constexpr std::size_t kExamples = 5;

  const AuditCheck* check = nullptr;
  std::size_t violations = 0;
  std::vector<std::string> examples{};  // e.g. "concert 0A1B… seat 7"
};

// Every check's result, in the order of kAuditChecks.
struct AuditReport {
  std::vector<AuditResult> results;

  [[nodiscard]] std::size_t broken() const noexcept {
    return static_cast<std::size_t>(
        std::ranges::count_if(results, [](const AuditResult& r) { return r.violations > 0; }));
  }
  [[nodiscard]] bool ok() const noexcept { return broken() == 0; }
};

// Runs every check on `conn`, an adapter's connection inside one read snapshot: its
// query(statement) returns a Query with bind(int, Timestamp), step(), text(0) and int64(1).
template <class Connection>
[[nodiscard]] AuditReport run_audit(Connection& conn, Timestamp now) {
  AuditReport report;
  report.results.reserve(kAuditChecks.size());
  for (const AuditCheck& check : kAuditChecks) {
    AuditResult& result = report.results.emplace_back(AuditResult{.check = &check});
    auto query = conn.query(check.statement);
    for (int i = 1; i <= check.parameters(); ++i) query.bind(i, now);
    while (query.step()) {
      if (result.examples.size() < AuditResult::kExamples) {
        result.examples.push_back(
            fmt::format("{} {} {} {}", check.subject, query.text(0), check.detail, query.int64(1)));
      }
      ++result.violations;
    }
  }
  return report;
}

}  // namespace concertd::store
