#include "users/tokens.hpp"

#include <jwt.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace concertd::users {
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

// Checks what every token of ours has and returns its subject.
Result<UserId> verify(const JwtPtr& jwt, const char* kind, Timestamp now) {
  // jwt_decode would accept "alg":"none" without checking the key; only HS256 is ours.
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return invalid_token("unsupported algorithm");
  const char* typ = jwt_get_grant(jwt.get(), "typ");
  if (typ == nullptr || std::string_view(typ) != kind) return invalid_token("wrong kind of token");
  errno = 0;
  const long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (errno != 0 || exp <= epoch_seconds(now)) return invalid_token("token expired");
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  const auto user = sub ? UserId::parse(sub) : std::nullopt;
  if (!user) return invalid_token("token has no valid subject");
  return *user;
}

Result<JwtPtr> decode(const std::string& secret, std::string_view token) {
  if (token.empty() || token.size() > 4096) return invalid_token("malformed token");
  const std::string terminated(token);
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, terminated.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                 static_cast<int>(secret.size())) != 0) {
    return invalid_token("token signature or format is invalid");
  }
  return JwtPtr(raw);
}

}  // namespace

TokenService::TokenService(std::string secret, const Clock& clock)
    : secret_(std::move(secret)), clock_(clock) {
  if (secret_.empty()) throw std::invalid_argument("jwt secret must not be empty");
}

std::string TokenService::issue_access(UserId user) const {
  return sign(secret_, user, kAccessKind, clock_.now(), kAccessTtl, nullptr);
}

std::string TokenService::issue_queue(UserId user, std::int64_t number) const {
  return sign(secret_, user, kQueueKind, clock_.now(), kQueueTtl, &number);
}

Result<UserId> TokenService::verify_access(std::string_view token) const {
  auto jwt = decode(secret_, token);
  if (!jwt) return jwt.error();
  return verify(*jwt, kAccessKind, clock_.now());
}

Result<QueueClaims> TokenService::verify_queue(std::string_view token) const {
  auto jwt = decode(secret_, token);
  if (!jwt) return jwt.error();
  auto user = verify(*jwt, kQueueKind, clock_.now());
  if (!user) return user.error();
  errno = 0;
  const long number = jwt_get_grant_int(jwt->get(), "qn");
  if (errno != 0 || number <= 0) return invalid_token("token has no queue number");
  return QueueClaims{*user, number};
}

}  // namespace concertd::users
