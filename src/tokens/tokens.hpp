#pragma once

#include <sodium/crypto_auth_hmacsha256.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/id.hpp"

namespace concertd::tokens {

// Who a queue token belongs to and which waiting-room entry it stands for.
struct QueueClaims {
  UserId user;
  std::int64_t number = 0;
};

// Issues and verifies the two HS256 JWTs of the contract. A token of one kind is
// never accepted as the other ("typ" claim). Only HS256 is accepted, so "alg":"none"
// and algorithm-confusion tokens fail. Thread-safe.
class TokenService final {
 public:
  static constexpr std::chrono::seconds kAccessTtl{3600};
  // Queue tokens outlive any entry; the entry's own state says whether it is still good.
  static constexpr std::chrono::hours kQueueTtl{24};

  TokenService(std::string secret, const Clock& clock);

  [[nodiscard]] std::string issue_access(UserId user) const;
  [[nodiscard]] std::string issue_queue(UserId user, std::int64_t number) const;
  // kInvalidToken for anything but an unexpired token of the right kind signed with our key.
  [[nodiscard]] Result<UserId> verify_access(std::string_view token) const;
  [[nodiscard]] Result<QueueClaims> verify_queue(std::string_view token) const;

 private:
  std::string secret_;
  crypto_auth_hmacsha256_state keyed_{};  // the HMAC state after the key, copied per token
  const Clock& clock_;
};

}  // namespace concertd::tokens
