#include "users/user_service.hpp"

#include <algorithm>
#include <optional>

#include "users/password.hpp"

namespace concertd::users {
namespace {

bool valid_username(std::string_view name) {
  return name.size() >= 3 && name.size() <= 32 && std::ranges::all_of(name, [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
         });
}

// Verified against when the username is unknown, so that a wrong username takes as
// long as a wrong password and does not reveal which accounts exist.
const std::string& decoy_hash() {
  static const std::string hash = hash_password("concertd-decoy-password");
  return hash;
}

}  // namespace

std::chrono::seconds lockout_after(const LoginPolicy& policy, std::uint32_t failures) noexcept {
  if (policy.free_failures == 0 || failures <= policy.free_failures) return {};
  // 2^31 s is far past any max_lock: stop doubling there.
  const std::uint32_t doublings = std::min<std::uint32_t>(failures - policy.free_failures - 1, 31);
  return std::min(std::chrono::seconds(std::int64_t{1} << doublings), policy.max_lock);
}

UserService::UserService(store::Database& db, const Clock& clock, LoginPolicy policy)
    : db_(db), clock_(clock), policy_(policy) {}

Result<User> UserService::sign_up(std::string_view username, std::string_view password) {
  if (!valid_username(username)) {
    return make_error(Errc::kInvalidArgument,
                      "username must be 3-32 characters of letters, digits, '_', '.', '-'");
  }
  if (password.size() < 8 || password.size() > 128) {
    return make_error(Errc::kInvalidArgument, "password must be 8-128 bytes");
  }
  // Hash before entering the transaction: it is slow and must not hold the writer.
  User user{UserId::random(), std::string(username), hash_password(password)};
  auto inserted = store::write(db_, [&](store::Tx& tx) { return tx.users.insert(user); });
  if (!inserted) return inserted.error();
  return user;
}

Result<UserId> UserService::authenticate(std::string_view username, std::string_view password) {
  const Timestamp now = clock_.now();
  // The attempt counts as a failure before the password is checked, in the same
  // transaction that read the count: concurrent guesses, on any node, each see the
  // ones before them, and a locked account costs no hashing at all.
  const auto user = store::write(db_, [&](store::Tx& tx) -> Result<std::optional<User>> {
    auto found = policy_.free_failures > 0 ? tx.users.lock_by_username(username)
                                           : tx.users.find_by_username(username);
    if (!found) return std::optional<User>();
    if (found->login.locked_until > now) {
      const auto wait = std::chrono::ceil<std::chrono::seconds>(found->login.locked_until - now);
      return make_error(Errc::kLoginLocked, "too many failed logins; try again later", wait);
    }
    if (policy_.free_failures > 0) {
      const std::uint32_t failures = found->login.count + 1;
      tx.users.set_login_failures(
          found->id, {.count = failures, .locked_until = now + lockout_after(policy_, failures)});
    }
    return found;
  });
  if (!user) return user.error();
  const bool ok = verify_password(*user ? (*user)->password_hash : decoy_hash(), password);
  if (!*user || !ok) return make_error(Errc::kBadCredentials, "wrong username or password");
  if (policy_.free_failures > 0) {
    db_.write([&](store::Tx& tx) {
      tx.users.set_login_failures((*user)->id, {});
      return true;
    });
  }
  return (*user)->id;
}

}  // namespace concertd::users
