// TokenService's verifier (src/tokens/tokens.hpp) with a fixed key and a fixed clock, on
// three tokens made of each input, so that mutations reach the claims checks (exp, nbf,
// iat, typ, sub, qn) and not only the signature check:
// - the input as a client sends it;
// - the input's signed part (all before its last '.') with our signature;
// - the input as the claims JSON, with libjwt's header and our signature.
#include <sodium/crypto_auth_hmacsha256.h>
#include <sodium/utils.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fakes/fake_clock.hpp"
#include "tokens/tokens.hpp"

namespace {

using concertd::tokens::TokenService;

// The corpus's tokens are signed with this key at FakeClock's start, 2026-11-24T10:00:00Z.
constexpr std::string_view kSecret = "concertd-fuzz-key-0123456789abcdef";
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

std::string base64url(std::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::string signed_with_key(std::string_view signed_part) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(kSecret.data()),
                              kSecret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(signed_part.data()),
                                signed_part.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  return std::string(signed_part) + "." +
         base64url(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

// A token of one kind is never accepted as the other.
void verify(const TokenService& tokens, std::string_view token) {
  if (tokens.verify_access(token) && tokens.verify_queue(token)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const concertd::testing::FakeClock clock;
  static const TokenService tokens(std::string(kSecret), clock);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  verify(tokens, input);
  verify(tokens, signed_with_key(input.substr(0, input.rfind('.'))));
  verify(tokens, signed_with_key(base64url(kHeader) + "." + base64url(input)));
  return 0;
}
