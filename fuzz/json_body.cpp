// Every request body decoder of src/http/json.hpp, through parse_body as the handlers call
// it. The input's first byte picks the decoder ('0' to '6', in the order of kDecoders;
// other bytes wrap around), the rest is the body. One target rather than seven: one build
// and link, one corpus, one run slot in CI, and the decoders share parse_object and the
// field accessors, so what the fuzzer learns of JSON serves all of them.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/json.hpp"

namespace {

using namespace concertd;
using namespace concertd::http;

// A decoder's only failures are the documented ones: BAD_REQUEST or INVALID_AMOUNT.
template <auto FromJson>
void decode(std::string_view body) {
  const auto decoded = parse_body(body, FromJson);
  if (!decoded && decoded.error().code != Errc::kInvalidArgument &&
      decoded.error().code != Errc::kInvalidAmount) {
    std::abort();
  }
}

constexpr std::array kDecoders{
    &decode<&credentials_from_json>, &decode<&queue_join_from_json>,
    &decode<&hold_from_json>,        &decode<&charge_from_json>,
    &decode<&payment_from_json>,     &decode<&admission_change_from_json>,
    &decode<&new_concert_from_json>,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto pick = static_cast<unsigned char>(data[0] - '0');
  kDecoders[pick % kDecoders.size()](body);
  return 0;
}
