#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/id.hpp"

namespace concertd::users {

struct User {
  UserId id;
  std::string username;
  std::string password_hash;  // libsodium crypto_pwhash_str output (Argon2id)
};

// Accounts. Implementations are bound to one transaction (see store/database.hpp).
class UserStore {
 public:
  virtual ~UserStore() = default;
  // kUsernameTaken when the username exists.
  [[nodiscard]] virtual Result<void> insert(const User& user) = 0;
  [[nodiscard]] virtual std::optional<User> find_by_username(std::string_view username) = 0;
  [[nodiscard]] virtual bool exists(UserId id) = 0;
  // In a write transaction: exists(), and the user's row stays locked until the
  // transaction ends. One user's queue joins, holds and payments, whose rules read
  // before they write, thereby run one at a time on every node.
  [[nodiscard]] virtual bool lock(UserId id) = 0;
};

}  // namespace concertd::users
