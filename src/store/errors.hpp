#pragma once

#include <stdexcept>
#include <string>
#include <utility>

// Failures both adapters report alike, so that the store code written once over them
// (store/sql) can act on them.
namespace concertd::store {

// An INSERT refused because a row with the same unique key exists. The statement is
// undone and the transaction goes on. `key()` names the key in the dialect's own terms
// (Dialect::kUsernameKey and the like); the message names the key, never a value.
class DuplicateKey final : public std::runtime_error {
 public:
  explicit DuplicateKey(std::string key)
      : std::runtime_error("duplicate key " + key), key_(std::move(key)) {}
  [[nodiscard]] const std::string& key() const noexcept { return key_; }

 private:
  std::string key_;
};

// An INSERT refused because a row it refers to (by a foreign key) does not exist, e.g. a
// queue entry of a user that is not there. The statement is undone and the transaction
// goes on.
class MissingReference final : public std::runtime_error {
 public:
  MissingReference() : std::runtime_error("a referenced row does not exist") {}
};

// Thrown by a store when its transaction lost a race that a rerun settles (e.g. another
// node inserted the same idempotency key first): MysqlDatabase::write runs the work again.
// On SQLite, whose one writer runs each write transaction alone, no such race exists.
class LostRace final : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace concertd::store
