#include "tokens/tokens.hpp"

#include <jwt.h>
#include <sodium.h>

#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>

namespace concertd::tokens {
namespace {

constexpr const char* kAccessKind = "access";
constexpr const char* kQueueKind = "queue";

struct JwtDeleter {
  void operator()(jwt_t* jwt) const noexcept { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

long epoch_seconds(Timestamp t) {
  return static_cast<long>(std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count());
}

Error invalid_token(std::string detail) {
  return make_error(Errc::kInvalidToken, std::move(detail));
}

void check(int rc) {
  if (rc != 0) throw std::runtime_error("jwt: cannot build token");
}

std::string sign(const std::string& secret, UserId user, const char* kind, Timestamp now,
                 std::chrono::seconds ttl, const std::int64_t* number) {
  jwt_t* raw = nullptr;
  check(jwt_new(&raw));
  const JwtPtr jwt(raw);
  check(jwt_add_grant(jwt.get(), "sub", user.to_string().c_str()));
  check(jwt_add_grant(jwt.get(), "typ", kind));
  check(jwt_add_grant_int(jwt.get(), "iat", epoch_seconds(now)));
  check(jwt_add_grant_int(jwt.get(), "exp", epoch_seconds(now + ttl)));
  if (number != nullptr) check(jwt_add_grant_int(jwt.get(), "qn", static_cast<long>(*number)));
  check(jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                    static_cast<int>(secret.size())));
  const std::unique_ptr<char, decltype(&std::free)> text(jwt_encode_str(jwt.get()), &std::free);
  if (!text) throw std::runtime_error("jwt: cannot encode token");
  return text.get();
}

// Verification is on the hot path (every status poll), so it does not go through libjwt,
// which parses with jansson and allocates for every call: it checks the HMAC first
// (libsodium, constant time), then reads the header and the claims with Boost.JSON from
// stack buffers. The rules are libjwt's plus ours: three base64url segments, an HS256
// signature with our key, "alg":"HS256" in the header (so "none" and algorithm confusion
// fail), and the claims below.
constexpr std::size_t kMaxToken = 4096;
constexpr std::size_t kJsonArena = 2048;

// The header libjwt writes, {"alg":"HS256","typ":"JWT"}: found verbatim, it needs no parsing.
constexpr std::string_view kOurHeader = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

constexpr auto kBase64urlValues = [] {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::array<std::int8_t, 256> values{};
  values.fill(-1);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return values;
}();

// The unpadded base64url text `in` decoded into `out`; nullopt unless it is the canonical
// encoding of at most out.size() bytes. (sodium_base642bin is constant-time, which tokens
// need not be, and costs more than the HMAC.)
std::optional<std::string_view> decode_segment(std::string_view in, std::span<char> out) {
  if (in.size() % 4 == 1 || in.size() / 4 * 3 + (in.size() % 4) * 3 / 4 > out.size()) {
    return std::nullopt;
  }
  std::uint32_t bits = 0;
  int pending = 0;
  std::size_t length = 0;
  for (const char c : in) {
    const int value = kBase64urlValues[static_cast<unsigned char>(c)];
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    pending += 6;
    if (pending >= 8) {
      pending -= 8;
      out[length++] = static_cast<char>(bits >> pending);
      bits &= (1U << pending) - 1;
    }
  }
  if (bits != 0) return std::nullopt;  // the unused low bits of the last character
  return std::string_view(out.data(), length);
}

// The decoded segment parsed as JSON in `arena`; null unless it is base64url JSON.
boost::json::value parse_segment(std::string_view segment, std::span<char> text,
                                 boost::json::monotonic_resource& arena) {
  const auto json = decode_segment(segment, text);
  if (!json) return nullptr;
  boost::json::error_code ec;
  auto value = boost::json::parse(*json, ec, &arena);
  if (ec) return nullptr;
  return value;
}

// A claim that must be an integer; nullopt when absent or of another type (as libjwt).
std::optional<std::int64_t> int_claim(const boost::json::object& claims, std::string_view name) {
  const auto* value = claims.if_contains(name);
  if (value == nullptr || !value->is_int64()) return std::nullopt;
  return value->as_int64();
}

std::string_view string_claim(const boost::json::object& claims, std::string_view name) {
  const auto* value = claims.if_contains(name);
  if (value == nullptr || !value->is_string()) return {};
  return value->as_string();
}

struct Verified {
  UserId user;
  std::optional<std::int64_t> number;  // the "qn" claim
};

// How far ahead of this node's clock a token's "nbf" and "iat" may be: nodes' clocks differ
// by a little, and a token issued by one is used on another within milliseconds.
constexpr std::int64_t kLeewaySeconds = 30;

// A time claim that must, when present, be an integer no later than now + the leeway.
bool time_claim_ok(const boost::json::object& claims, std::string_view name, std::int64_t now) {
  if (!claims.contains(name)) return true;
  const auto value = int_claim(claims, name);
  return value && *value <= now + kLeewaySeconds;
}

// Checks what every token of ours has and returns its subject and queue number. `keyed`
// is the HMAC state after our key. "exp" is required; "nbf" and "iat", when present, may
// not be in the future (beyond kLeewaySeconds), as RFC 7519 4.1.4-6 has them.
Result<Verified> verify(const crypto_auth_hmacsha256_state& keyed, std::string_view token,
                        std::string_view kind, Timestamp now) {
  const auto first_dot = token.find('.');
  const auto last_dot = token.rfind('.');
  if (token.size() > kMaxToken || first_dot == std::string_view::npos || first_dot == last_dot ||
      token.find('.', first_dot + 1) != last_dot) {
    return invalid_token("malformed token");
  }
  const std::string_view signed_part = token.substr(0, last_dot);
  std::array<char, crypto_auth_hmacsha256_BYTES> signature{};
  const auto given = decode_segment(token.substr(last_dot + 1), signature);
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> expected{};
  crypto_auth_hmacsha256_state state = keyed;
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(signed_part.data()),
                                signed_part.size());
  crypto_auth_hmacsha256_final(&state, expected.data());
  if (!given || given->size() != expected.size() ||
      crypto_verify_32(reinterpret_cast<const unsigned char*>(signature.data()), expected.data()) !=
          0) {
    return invalid_token("token signature or format is invalid");
  }

  std::array<unsigned char, kJsonArena> arena_buffer;
  boost::json::monotonic_resource arena(arena_buffer.data(), arena_buffer.size());
  std::array<char, kMaxToken> text;
  if (const auto header_text = token.substr(0, first_dot); header_text != kOurHeader) {
    const auto header_value = parse_segment(header_text, text, arena);
    const auto* header = header_value.if_object();
    if (header == nullptr) return invalid_token("token signature or format is invalid");
    if (string_claim(*header, "alg") != "HS256") return invalid_token("unsupported algorithm");
  }
  const auto claims_value = parse_segment(signed_part.substr(first_dot + 1), text, arena);
  const auto* claims = claims_value.if_object();
  if (claims == nullptr) return invalid_token("token signature or format is invalid");

  if (string_claim(*claims, "typ") != kind) return invalid_token("wrong kind of token");
  const auto seconds = epoch_seconds(now);
  const auto exp = int_claim(*claims, "exp");
  if (!exp || *exp <= seconds) return invalid_token("token expired");
  if (!time_claim_ok(*claims, "nbf", seconds)) return invalid_token("token not valid yet");
  if (!time_claim_ok(*claims, "iat", seconds)) return invalid_token("token issued in the future");
  const auto user = UserId::parse(string_claim(*claims, "sub"));
  if (!user) return invalid_token("token has no valid subject");
  return Verified{*user, int_claim(*claims, "qn")};
}

}  // namespace

TokenService::TokenService(std::string secret, const Clock& clock)
    : secret_(std::move(secret)), clock_(clock) {
  if (secret_.empty()) throw std::invalid_argument("jwt secret must not be empty");
  crypto_auth_hmacsha256_init(&keyed_, reinterpret_cast<const unsigned char*>(secret_.data()),
                              secret_.size());
}

std::string TokenService::issue_access(UserId user) const {
  return sign(secret_, user, kAccessKind, clock_.now(), kAccessTtl, nullptr);
}

std::string TokenService::issue_queue(UserId user, std::int64_t number) const {
  return sign(secret_, user, kQueueKind, clock_.now(), kQueueTtl, &number);
}

Result<UserId> TokenService::verify_access(std::string_view token) const {
  auto verified = verify(keyed_, token, kAccessKind, clock_.now());
  if (!verified) return verified.error();
  return verified->user;
}

Result<QueueClaims> TokenService::verify_queue(std::string_view token) const {
  auto verified = verify(keyed_, token, kQueueKind, clock_.now());
  if (!verified) return verified.error();
  if (!verified->number || *verified->number <= 0) {
    return invalid_token("token has no queue number");
  }
  return QueueClaims{verified->user, *verified->number};
}

}  // namespace concertd::tokens
