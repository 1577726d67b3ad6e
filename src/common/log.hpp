#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>
#include <utility>

namespace concertd::log {

// One JSON object per line on stderr: {"ts":...,"level":...,"event":...,...}.
// Messages are the object's remaining members, e.g.
//   spdlog::info(R"("event":"startup","listen":{})", log::quote(endpoint));
// Never log tokens, passwords, payment details or request bodies.
// Also makes the access logger. Call once, before any other thread logs.
void init(spdlog::level::level_enum level = spdlog::level::info);
// Flushes the access log's queue; call before exit.
void shutdown();

// The access log: one line per request, same format and stream, written by a background
// thread so that an io thread never waits on a slow terminal or pipe. When more than a
// queue's worth of lines wait, the oldest are dropped rather than the server slowed.
[[nodiscard]] spdlog::logger& access_logger();
template <class... Args>
void access(spdlog::format_string_t<Args...> format, Args&&... args) {
  access_logger().info(format, std::forward<Args>(args)...);
}

// `text` as a JSON string literal, quotes included.
[[nodiscard]] std::string quote(std::string_view text);

}  // namespace concertd::log
