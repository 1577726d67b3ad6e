#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "store/database.hpp"
#include "users/user.hpp"

namespace concertd::users {

// How an account resists password guessing: after `free_failures` failed logins in a
// row, each further one locks the account for twice as long as the one before (1 s,
// 2 s, 4 s, ...), at most `max_lock`. The count lives in the database, so it holds on
// every node; a successful login resets it. free_failures 0: no lockout.
struct LoginPolicy {
  std::uint32_t free_failures = 5;
  std::chrono::seconds max_lock{900};
  friend bool operator==(const LoginPolicy&, const LoginPolicy&) = default;
};

// How long a login is refused after `failures` failures in a row (zero: not at all).
[[nodiscard]] std::chrono::seconds lockout_after(const LoginPolicy& policy,
                                                 std::uint32_t failures) noexcept;

class UserService final {
 public:
  UserService(store::Database& db, const Clock& clock, LoginPolicy policy = {});

  // kInvalidArgument: username not 3..32 of [A-Za-z0-9_.-], or password not 8..128 bytes.
  // kUsernameTaken.
  [[nodiscard]] Result<User> sign_up(std::string_view username, std::string_view password);
  // kBadCredentials for an unknown user or a wrong password, in the same time;
  // kLoginLocked (with retry_after) while the account is locked, without checking the
  // password. Slow on purpose (Argon2id): call from the password-hashing pool.
  [[nodiscard]] Result<UserId> authenticate(std::string_view username, std::string_view password);

 private:
  store::Database& db_;
  const Clock& clock_;
  const LoginPolicy policy_;
};

}  // namespace concertd::users
