// UserStore and SettingsStore.
#include <latch>
#include <thread>

#include "contract/store_contract.hpp"

namespace concertd::contract {
namespace {

TEST_P(UserStore, InsertedUserIsFoundByUsername) {
  const users::User user{.id = UserId::random(), .username = "alice", .password_hash = "hash-a"};
  EXPECT_TRUE(commit([&](store::Tx& tx) { return tx.users.insert(user); }));
  const auto found = query([&](store::Tx& tx) { return tx.users.find_by_username("alice"); });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, user.id);
  EXPECT_EQ(found->username, "alice");
  EXPECT_EQ(found->password_hash, "hash-a");
}

TEST_P(UserStore, UnknownUsernameIsNotFound) {
  add_user("alice");
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.users.find_by_username("bob"); }));
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.users.find_by_username(""); }));
}

TEST_P(UserStore, TakenUsernameIsRejectedAndTheFirstUserKept) {
  const auto first = add_user("alice");
  const users::User second{.id = UserId::random(), .username = "alice", .password_hash = "h2"};
  const auto inserted = commit([&](store::Tx& tx) { return tx.users.insert(second); });
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, Errc::kUsernameTaken);
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.users.exists(second.id); }));
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.users.find_by_username("alice"); })->id, first);
}

TEST_P(UserStore, UsernamesAreCaseSensitive) {
  add_user("alice");
  const users::User other{.id = UserId::random(), .username = "Alice", .password_hash = "h"};
  EXPECT_TRUE(commit([&](store::Tx& tx) { return tx.users.insert(other); }));
}

TEST_P(UserStore, ExistsOnlyForInsertedUsers) {
  const auto user = add_user();
  EXPECT_TRUE(query([&](store::Tx& tx) { return tx.users.exists(user); }));
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.users.exists(UserId::random()); }));
}

TEST_P(UserStore, LoginFailuresAreKeptWithTheUser) {
  const auto user = add_user("alice");
  const auto fresh = query([&](store::Tx& tx) { return tx.users.find_by_username("alice"); });
  EXPECT_EQ(fresh->login, users::LoginFailures{});
  const users::LoginFailures failures{.count = 7, .locked_until = kT0 + std::chrono::seconds(8)};
  commit([&](store::Tx& tx) {
    tx.users.set_login_failures(user, failures);
    return true;
  });
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.users.find_by_username("alice"); })->login,
            failures);
  const auto locked = commit([&](store::Tx& tx) { return tx.users.lock_by_username("alice"); });
  ASSERT_TRUE(locked);
  EXPECT_EQ(locked->id, user);
  EXPECT_EQ(locked->login, failures);
  EXPECT_FALSE(commit([&](store::Tx& tx) { return tx.users.lock_by_username("bob"); }));
}

// What makes concurrent login attempts count one after another, on every node.
TEST_P(UserStore, LockedByUsernameWaitsForTheHolderToCommit) {
  const auto user = add_user("alice");
  std::latch locked(1);
  std::thread holder([&] {
    db().write([&](store::Tx& tx) {
      EXPECT_TRUE(tx.users.lock_by_username("alice"));
      locked.count_down();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      tx.users.set_login_failures(user, {.count = 1, .locked_until = kT0});
      return true;
    });
  });
  locked.wait();
  const auto seen = commit([&](store::Tx& tx) { return tx.users.lock_by_username("alice"); });
  holder.join();
  EXPECT_EQ(seen->login.count, 1U);
}

TEST_P(SettingsStore, UnsetNameHasNoValue) {
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.settings.get("jwt_secret"); }));
}

TEST_P(SettingsStore, PutIfAbsentKeepsTheFirstValue) {
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.settings.put_if_absent("jwt_secret", "one"); }),
            "one");
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.settings.put_if_absent("jwt_secret", "two"); }),
            "one");
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.settings.get("jwt_secret"); }), "one");
  EXPECT_EQ(commit([&](store::Tx& tx) { return tx.settings.put_if_absent("other", ""); }), "");
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.settings.get("other"); }), "");
}

TEST_P(SettingsStore, PutReplacesTheValue) {
  commit([&](store::Tx& tx) {
    tx.settings.put("admission.paused", "true");
    return true;
  });
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.settings.get("admission.paused"); }), "true");
  commit([&](store::Tx& tx) {
    tx.settings.put("admission.paused", "false");
    return true;
  });
  EXPECT_EQ(query([&](store::Tx& tx) { return tx.settings.get("admission.paused"); }), "false");
  EXPECT_EQ(
      commit([&](store::Tx& tx) { return tx.settings.put_if_absent("admission.paused", "x"); }),
      "false");
  EXPECT_FALSE(query([&](store::Tx& tx) { return tx.settings.get("admission.admit_rate"); }));
}

}  // namespace
}  // namespace concertd::contract
