#include "users/user_service.hpp"

#include <algorithm>

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

UserService::UserService(store::Database& db) : db_(db) {}

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
  const auto user =
      store::read(db_, [&](store::Tx& tx) { return tx.users.find_by_username(username); });
  const bool ok = verify_password(user ? user->password_hash : decoy_hash(), password);
  if (!user || !ok) return make_error(Errc::kBadCredentials, "wrong username or password");
  return user->id;
}

}  // namespace concertd::users
