#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/id.hpp"

namespace concertd::users {

// Failed logins in a row, and until when the account refuses logins (see UserService).
struct LoginFailures {
  std::uint32_t count = 0;
  Timestamp locked_until{};
  friend bool operator==(const LoginFailures&, const LoginFailures&) = default;
};

struct User {
  UserId id;
  std::string username;
  std::string password_hash;  // libsodium crypto_pwhash_str output (Argon2id)
  LoginFailures login{};
};

// Accounts. Implementations are bound to one transaction (see store/database.hpp).
class UserStore {
 public:
  virtual ~UserStore() = default;
  // kUsernameTaken when the username exists.
  [[nodiscard]] virtual Result<void> insert(const User& user) = 0;
  [[nodiscard]] virtual std::optional<User> find_by_username(std::string_view username) = 0;
  [[nodiscard]] virtual bool exists(UserId id) = 0;
  // In a write transaction: find_by_username(), and the user's row stays locked until the
  // transaction ends (holds and payments lock it too: ReservationStore::lock_holder,
  // PaymentStore::lock_payer), so that a rule that reads before it writes runs one
  // request of the user at a time on every node.
  [[nodiscard]] virtual std::optional<User> lock_by_username(std::string_view username) = 0;
  virtual void set_login_failures(UserId id, const LoginFailures& failures) = 0;
};

}  // namespace concertd::users
