#pragma once

#include <string_view>

namespace concertd::http {

// docs/openapi.json as it was when this binary was built (embedded by CMake), served at
// GET /openapi.json.
[[nodiscard]] std::string_view openapi_document() noexcept;

}  // namespace concertd::http
