// FIFO admission (contract §4.5) when a join commits after joins numbered after it.
#include "http/late_join.hpp"

#include <thread>

namespace concertd::test {

void late_join_keeps_its_place(const std::vector<Endpoint>& nodes, const DatabaseUrl& database,
                               bool commits) {
  constexpr std::size_t kLater = 4;
  const auto early = make_account(nodes.front(), "early");
  std::vector<Account> later;
  for (std::size_t i = 0; i < kLater; ++i) later.push_back(make_account(nodes[i % nodes.size()]));

  Db open_join(database, Db::Access::kWrite);
  open_join.exec(database.is_mysql() ? "START TRANSACTION" : "BEGIN IMMEDIATE");
  open_join.exec(
      "INSERT INTO queue_entries (user_id, status, created_at) VALUES (?1, 'WAITING', ?2)",
      {uuid(early.id), now_ms()});
  const auto number = open_join.scalar("SELECT MAX(number) FROM queue_entries");
  std::jthread joins([&] {
    for (std::size_t i = 0; i < kLater; ++i) {
      HttpClient via(nodes[i % nodes.size()]);
      join_queue(via, later[i]);
    }
  });
  Db reader(database);
  if (database.is_mysql()) {
    ASSERT_TRUE(eventually([&] {
      return reader.scalar("SELECT count(*) FROM queue_entries WHERE number > ?1", {number}) ==
             static_cast<std::int64_t>(kLater);
    })) << "the later joins did not commit";
  }
  // Admission rounds run every 100 ms: several of them find the later entries.
  std::this_thread::sleep_for(std::chrono::milliseconds{600});
  EXPECT_EQ(reader.scalar("SELECT count(*) FROM queue_entries WHERE status = 'ACTIVE'"), 0)
      << "someone was admitted ahead of a join still open";

  open_join.exec(commits ? "COMMIT" : "ROLLBACK");
  joins.join();
  for (std::size_t i = 0; i < kLater; ++i) {
    HttpClient via(nodes[(i + 1) % nodes.size()]);
    wait_active(via, later[i].queue, std::chrono::seconds{10});
  }
  const auto early_entries = reader.scalar(
      "SELECT count(*) FROM queue_entries WHERE number = ?1 AND user_id = ?2 AND status = 'ACTIVE'",
      {number, uuid(early.id)});
  EXPECT_EQ(early_entries, commits ? 1 : 0);
  if (!commits && database.is_mysql()) {
    // Its number was closed with a placeholder; on SQLite a later join took it.
    EXPECT_EQ(reader.scalar("SELECT count(*) FROM queue_entries WHERE number = ?1 AND "
                            "user_id IS NULL AND status = 'EXPIRED'",
                            {number}),
              1);
  }
  expect_invariants(database);
}

namespace {

class LateJoin : public OnEveryStore {};
CONCERTD_ON_EVERY_STORE(LateJoin);

TEST_P(LateJoin, AJoinThatCommitsLateIsAdmittedBeforeEveryoneAfterIt) {
  ServerProcess server(on_store({.max_active = 100, .admit_rate = 1000}));
  late_join_keeps_its_place({server.port()}, server.database(), true);
}

TEST_P(LateJoin, AJoinThatRollsBackHoldsNobodyUp) {
  ServerProcess server(on_store({.max_active = 100, .admit_rate = 1000}));
  late_join_keeps_its_place({server.port()}, server.database(), false);
}

}  // namespace
}  // namespace concertd::test
