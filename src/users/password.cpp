#include "users/password.hpp"

#include <sodium.h>

#include <stdexcept>

namespace concertd::users {
namespace {

constexpr unsigned long long kOpsLimit = 2;
constexpr std::size_t kMemLimit = 19 * 1024 * 1024;

}  // namespace

std::string hash_password(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("argon2id: out of memory");
  }
  return out;
}

bool verify_password(std::string_view hash, std::string_view password) {
  const std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

}  // namespace concertd::users
