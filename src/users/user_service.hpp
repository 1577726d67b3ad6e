#pragma once

#include <string_view>

#include "common/error.hpp"
#include "store/database.hpp"
#include "users/user.hpp"

namespace concertd::users {

class UserService final {
 public:
  explicit UserService(store::Database& db);

  // kInvalidArgument: username not 3..32 of [A-Za-z0-9_.-], or password not 8..128 bytes.
  // kUsernameTaken.
  [[nodiscard]] Result<User> sign_up(std::string_view username, std::string_view password);
  // kBadCredentials for an unknown user or a wrong password, in the same time.
  [[nodiscard]] Result<UserId> authenticate(std::string_view username, std::string_view password);

 private:
  store::Database& db_;
};

}  // namespace concertd::users
