#include "tokens/join_pow.hpp"

#include <sodium.h>

#include <bit>
#include <cstring>
#include <functional>
#include <stdexcept>

#include "common/metrics.hpp"

namespace concertd::tokens {
namespace {

// The challenge's bytes: random, expiry (Unix ms, big-endian), then the HMAC over the user's
// id, the random bytes and the expiry. Its text is their unpadded base64url (75 characters).
constexpr std::size_t kRandomBytes = 16;
constexpr std::size_t kExpiryBytes = 8;
constexpr std::size_t kSignedBytes = kRandomBytes + kExpiryBytes;
constexpr std::size_t kChallengeBytes = kSignedBytes + crypto_auth_hmacsha256_BYTES;
constexpr auto kBase64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
// The challenge key is HMAC-SHA256(secret, this): never the JWT key itself, so that no
// challenge's MAC is ever a valid token signature or the reverse.
constexpr std::string_view kKeyLabel = "concertd join-pow challenge key v1";

using Mac = std::array<unsigned char, crypto_auth_hmacsha256_BYTES>;

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

Mac mac_of(const crypto_auth_hmacsha256_state& keyed, UserId user,
           std::span<const unsigned char, kSignedBytes> signed_part) {
  crypto_auth_hmacsha256_state state = keyed;
  crypto_auth_hmacsha256_update(&state, user.uuid().bytes().data(), user.uuid().bytes().size());
  crypto_auth_hmacsha256_update(&state, signed_part.data(), signed_part.size());
  Mac mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  return mac;
}

void count(PowOutcome outcome) {
  auto& m = metrics::registry();
  // In the order of PowOutcome's enumerators.
  static_assert(static_cast<int>(PowOutcome::kReplayed) == 5);
  const std::array<metrics::Counter*, 6> counters{
      &m.pow_accepted,        &m.pow_refused_missing,     &m.pow_refused_forged,
      &m.pow_refused_expired, &m.pow_refused_wrong_nonce, &m.pow_refused_replayed};
  counters[static_cast<std::size_t>(outcome)]->add();
}

}  // namespace

unsigned leading_zero_bits(std::span<const unsigned char> bytes) noexcept {
  unsigned zeros = 0;
  for (const unsigned char b : bytes) {
    if (b != 0) return zeros + static_cast<unsigned>(std::countl_zero(b));
    zeros += 8;
  }
  return zeros;
}

JoinPow::JoinPow(std::string_view secret, unsigned bits, const Clock& clock)
    : bits_(bits), clock_(clock) {
  if (secret.empty()) throw std::invalid_argument("join-pow: the secret must not be empty");
  if (bits > kMaxBits) throw std::invalid_argument("join-pow: too many bits");
  Mac key{};
  crypto_auth_hmacsha256_state derive;
  crypto_auth_hmacsha256_init(&derive, bytes_of(secret), secret.size());
  crypto_auth_hmacsha256_update(&derive, bytes_of(kKeyLabel), kKeyLabel.size());
  crypto_auth_hmacsha256_final(&derive, key.data());
  crypto_auth_hmacsha256_init(&keyed_, key.data(), key.size());
  sodium_memzero(key.data(), key.size());
}

PowChallenge JoinPow::issue(UserId user) const {
  const Timestamp expires_at = clock_.now() + kChallengeTtl;
  std::array<unsigned char, kChallengeBytes> bytes{};
  randombytes_buf(bytes.data(), kRandomBytes);
  auto expiry = static_cast<std::uint64_t>(expires_at.time_since_epoch().count());
  for (std::size_t i = kSignedBytes; i-- > kRandomBytes; expiry >>= 8) {
    bytes[i] = static_cast<unsigned char>(expiry & 0xFF);
  }
  const Mac mac = mac_of(keyed_, user, std::span(bytes).first<kSignedBytes>());
  std::memcpy(bytes.data() + kSignedBytes, mac.data(), mac.size());

  std::string text(sodium_base64_ENCODED_LEN(kChallengeBytes, kBase64), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), kBase64);
  text.resize(text.size() - 1);  // the terminating NUL
  metrics::registry().pow_challenges.add();
  return {std::move(text), expires_at};
}

PowOutcome JoinPow::verify(UserId user, std::string_view challenge, std::string_view nonce) {
  const PowOutcome outcome = check(user, challenge, nonce);
  count(outcome);
  return outcome;
}

PowOutcome JoinPow::check(UserId user, std::string_view challenge, std::string_view nonce) {
  if (challenge.empty() || nonce.empty()) return PowOutcome::kMissing;
  std::array<unsigned char, kChallengeBytes> bytes{};
  std::size_t length = 0;
  if (challenge.size() != sodium_base64_ENCODED_LEN(kChallengeBytes, kBase64) - 1 ||
      sodium_base642bin(bytes.data(), bytes.size(), challenge.data(), challenge.size(), nullptr,
                        &length, nullptr, kBase64) != 0 ||
      length != kChallengeBytes) {
    return PowOutcome::kForged;
  }
  const Mac mac = mac_of(keyed_, user, std::span(bytes).first<kSignedBytes>());
  if (crypto_verify_32(mac.data(), bytes.data() + kSignedBytes) != 0) return PowOutcome::kForged;

  std::uint64_t expiry = 0;
  for (std::size_t i = kRandomBytes; i < kSignedBytes; ++i) expiry = (expiry << 8) | bytes[i];
  const Timestamp expires_at{std::chrono::milliseconds(static_cast<std::int64_t>(expiry))};
  const Timestamp now = clock_.now();
  if (expires_at <= now) return PowOutcome::kExpired;

  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256_state sha;
  crypto_hash_sha256_init(&sha);
  crypto_hash_sha256_update(&sha, bytes_of(challenge), challenge.size());
  crypto_hash_sha256_update(&sha, bytes_of(nonce), nonce.size());
  crypto_hash_sha256_final(&sha, digest.data());
  if (leading_zero_bits(digest) < bits_) return PowOutcome::kWrongNonce;

  Key key{};
  std::memcpy(key.data(), bytes.data(), key.size());
  if (!remember(key, expires_at, now)) return PowOutcome::kReplayed;
  return PowOutcome::kAccepted;
}

bool JoinPow::well_formed_nonce(std::string_view nonce) noexcept {
  if (nonce.empty() || nonce.size() > kMaxNonce) return false;
  for (const char c : nonce) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::size_t JoinPow::KeyHash::operator()(const Key& key) const noexcept {
  // The bytes are random: any eight of them are a good hash.
  std::size_t h = 0;
  std::memcpy(&h, key.data(), sizeof h);
  return h;
}

bool JoinPow::remember(const Key& key, Timestamp expires_at, Timestamp now) {
  const std::scoped_lock lock(mutex_);
  // Expired ones can be accepted no more anyway; past the cap the soonest to expire goes,
  // which could then be replayed here until it expires: for that user's own join only.
  while (!expiries_.empty() && (expiries_.top().first <= now || used_.size() >= kMaxRemembered)) {
    used_.erase(expiries_.top().second);
    expiries_.pop();
  }
  if (!used_.insert(key).second) return false;
  expiries_.emplace(expires_at, key);
  return true;
}

}  // namespace concertd::tokens
