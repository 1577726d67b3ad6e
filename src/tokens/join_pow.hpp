#pragma once

#include <sodium/crypto_auth_hmacsha256.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <queue>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/id.hpp"

namespace concertd::tokens {

// What verify() found of a join's proof of work.
enum class PowOutcome {
  kAccepted,
  kMissing,     // no challenge or no nonce
  kForged,      // not a challenge this key issued for this user (tampered, another user's, garbage)
  kExpired,     // issued more than kChallengeTtl ago
  kWrongNonce,  // SHA-256(challenge || nonce) has fewer leading zero bits than required
  kReplayed,    // this node already accepted a solution of this challenge
};

// A challenge as the client gets it: `text` is what it hashes (ASCII, base64url).
struct PowChallenge {
  std::string text;
  Timestamp expires_at;
};

// The number of leading zero bits of `bytes` (8 * size when all are zero).
[[nodiscard]] unsigned leading_zero_bits(std::span<const unsigned char> bytes) noexcept;

// Proof of work on queue joins (--join-pow BITS). A challenge is stateless: 16 random bytes
// and an expiry, authenticated with HMAC-SHA256 under a key derived from the token secret
// over the user's id as well, so that any node sharing the secret verifies it, and a solved
// challenge is good for that user's join only. A solution is a nonce such that
// SHA-256(challenge text || nonce) has at least bits() leading zero bits; verifying it costs
// one HMAC and one SHA-256. Each node remembers the challenges it accepted until they expire
// (at most kMaxRemembered, the soonest to expire forgotten first) and refuses them again.
// Counts issued challenges, acceptances and refusals in metrics::registry(). Thread-safe.
class JoinPow final {
 public:
  static constexpr std::chrono::seconds kChallengeTtl{120};
  static constexpr unsigned kMaxBits = 32;
  static constexpr std::size_t kMaxRemembered = 1 << 19;
  static constexpr std::size_t kMaxNonce = 64;

  // `bits` 0..kMaxBits; 0: off (challenges are still issued, joins need none).
  JoinPow(std::string_view secret, unsigned bits, const Clock& clock);

  [[nodiscard]] unsigned bits() const noexcept { return bits_; }
  [[nodiscard]] bool enabled() const noexcept { return bits_ > 0; }

  [[nodiscard]] PowChallenge issue(UserId user) const;
  // Whether `nonce` solves `challenge` for `user` now; kAccepted at most once per challenge on
  // this node. Empty strings are kMissing.
  [[nodiscard]] PowOutcome verify(UserId user, std::string_view challenge, std::string_view nonce);

  // A nonce's form: 1..kMaxNonce characters of [A-Za-z0-9_-].
  [[nodiscard]] static bool well_formed_nonce(std::string_view nonce) noexcept;

 private:
  using Key = std::array<unsigned char, 16>;  // a challenge's random bytes
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept;
  };

  [[nodiscard]] PowOutcome check(UserId user, std::string_view challenge, std::string_view nonce);
  // False when `key` is remembered already; else remembers it until `expires_at`.
  bool remember(const Key& key, Timestamp expires_at, Timestamp now);

  unsigned bits_;
  const Clock& clock_;
  crypto_auth_hmacsha256_state keyed_{};  // the HMAC state after the derived key
  std::mutex mutex_;
  std::unordered_set<Key, KeyHash> used_;  // guarded by mutex_
  // used_ by expiry, soonest first; guarded by mutex_.
  std::priority_queue<std::pair<Timestamp, Key>, std::vector<std::pair<Timestamp, Key>>,
                      std::greater<>>
      expiries_;
};

}  // namespace concertd::tokens
