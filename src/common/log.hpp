#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace concertd::log {

// One JSON object per line on stderr: {"ts":...,"level":...,"event":...,...}.
// Messages are the object's remaining members, e.g.
//   spdlog::info(R"("event":"startup","listen":{})", log::quote(endpoint));
// Never log tokens, passwords, payment details or request bodies.
void init(spdlog::level::level_enum level = spdlog::level::info);

// `text` as a JSON string literal, quotes included.
[[nodiscard]] std::string quote(std::string_view text);

}  // namespace concertd::log
