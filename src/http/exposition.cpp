#include "http/exposition.hpp"

#include <fmt/format.h>

namespace concertd::http::exposition {
namespace {

void start(std::string& out, std::string_view name, std::string_view labels) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
}

}  // namespace

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  start(out, name, labels);
  fmt::format_to(std::back_inserter(out), "{}\n", value);
}

void sample(std::string& out, std::string_view name, std::string_view labels, std::int64_t value) {
  start(out, name, labels);
  fmt::format_to(std::back_inserter(out), "{}\n", value);
}

void sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value) {
  start(out, name, labels);
  fmt::format_to(std::back_inserter(out), "{}\n", value);
}

void histogram(std::string& out, std::string_view name, std::string_view labels,
               const metrics::Histogram& h) {
  const std::string bucket = std::string(name) + "_bucket";
  const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
  std::uint64_t cumulative = 0;
  const auto bounds = h.bounds();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += h.bucket(i);
    const double le = static_cast<double>(bounds[i]) / static_cast<double>(h.per_unit());
    sample(out, bucket, fmt::format("{}le=\"{}\"", prefix, le), cumulative);
  }
  cumulative += h.bucket(bounds.size());
  sample(out, bucket, prefix + "le=\"+Inf\"", cumulative);
  sample(out, std::string(name) + "_sum", labels,
         static_cast<double>(h.sum()) / static_cast<double>(h.per_unit()));
  sample(out, std::string(name) + "_count", labels, cumulative);
}

std::string label(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace concertd::http::exposition
