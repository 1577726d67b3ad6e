#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/metrics.hpp"

// The Prometheus text exposition format, version 0.0.4: `# HELP` and `# TYPE` lines per
// family, then one sample per line. Label sets are passed pre-rendered (`a="b",c="d"`,
// or empty) by callers that know their values need no escaping, or through label().
namespace concertd::http::exposition {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help);
void sample(std::string& out, std::string_view name, std::string_view labels, double value);
void sample(std::string& out, std::string_view name, std::string_view labels, std::int64_t value);
void sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value);
// `name`_bucket (cumulative, with le), `name`_sum (in the exposed unit) and `name`_count.
void histogram(std::string& out, std::string_view name, std::string_view labels,
               const metrics::Histogram& h);
// `name="value"` with value escaped (backslash, double quote, newline).
[[nodiscard]] std::string label(std::string_view name, std::string_view value);

}  // namespace concertd::http::exposition
