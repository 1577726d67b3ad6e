#pragma once

#include <string>
#include <string_view>

namespace concertd::users {

// Argon2id (libsodium crypto_pwhash_str) at OWASP's minimum cost: 19 MiB, 2 passes.
// Slow on purpose (~20-40 ms); call from a blocking pool. Thread-safe.
[[nodiscard]] std::string hash_password(std::string_view password);
[[nodiscard]] bool verify_password(std::string_view hash, std::string_view password);

}  // namespace concertd::users
