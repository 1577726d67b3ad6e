#include "common/log.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cstdio>
#include <memory>

namespace concertd::log {
namespace {

constexpr std::size_t kAccessQueue = 8192;
constexpr std::string_view kPattern = R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})";

std::shared_ptr<spdlog::logger>& access_instance() {
  static std::shared_ptr<spdlog::logger> logger;
  return logger;
}

}  // namespace

void init(spdlog::level::level_enum level) {
  // One sink, so that lines of both loggers never interleave mid-line.
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("concertd", sink);
  logger->set_pattern(std::string(kPattern), spdlog::pattern_time_type::utc);
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));

  spdlog::init_thread_pool(kAccessQueue, 1);
  auto access = std::make_shared<spdlog::async_logger>(
      "access", sink, spdlog::thread_pool(), spdlog::async_overflow_policy::overrun_oldest);
  access->set_pattern(std::string(kPattern), spdlog::pattern_time_type::utc);
  access->set_level(spdlog::level::info);
  access_instance() = std::move(access);
}

void shutdown() {
  if (auto& access = access_instance()) access->flush();
  spdlog::shutdown();
}

spdlog::logger& access_logger() {
  // Before init() (unit tests of the server): the default logger.
  const auto& access = access_instance();
  return access ? *access : *spdlog::default_logger_raw();
}

std::string quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace concertd::log
