#include "report.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace concertd::bench {
namespace {

namespace json = boost::json;

double ms(std::uint64_t us) { return static_cast<double>(us) / 1000.0; }

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::optional<double> syncs_per_s(const Report& r) {
  if (!r.server || !r.server->syncs || r.load.elapsed_s <= 0) return std::nullopt;
  return static_cast<double>(*r.server->syncs) / r.load.elapsed_s;
}

// Answers per fdatasync/fsync; nullopt without a count or without syncs.
std::optional<double> per_sync(const Report& r, double count) {
  if (!r.server || !r.server->syncs || *r.server->syncs == 0) return std::nullopt;
  return count / static_cast<double>(*r.server->syncs);
}

// A database counter per paid seat (a sale) or per request; nullopt without the counters.
std::optional<double> per_op(const Report& r, std::int64_t ServerCounters::*counter) {
  if (!r.database || r.ops() <= 0) return std::nullopt;
  return static_cast<double>((*r.database).*counter) / r.ops();
}

std::string or_na(const std::optional<double>& value, int digits) {
  return value ? fixed(*value, digits) : "n/a";
}

json::value optional_json(const std::optional<double>& value) {
  return value ? json::value(*value) : json::value(nullptr);
}

std::string error_name(const ErrorKey& key) {
  if (key.first == 0) return "transport " + key.second;
  return std::to_string(key.first) + (key.second.empty() ? "" : " " + key.second);
}

json::object latency_json(const Histogram& h) {
  return {{"p50_ms", ms(h.percentile(0.50))},
          {"p90_ms", ms(h.percentile(0.90))},
          {"p99_ms", ms(h.percentile(0.99))},
          {"p999_ms", ms(h.percentile(0.999))},
          {"max_ms", ms(h.max())},
          {"mean_ms", h.mean() / 1000.0}};
}

std::string loop_name(const RunOptions& o) {
  return o.rate ? "open loop at " + fixed(*o.rate, 0) + " req/s" : std::string("closed loop");
}

}  // namespace

double Report::ok_per_s() const noexcept {
  return load.elapsed_s > 0 ? static_cast<double>(load.totals.ok()) / load.elapsed_s : 0;
}

double Report::ops() const noexcept {
  return static_cast<double>(sale ? sale->paid : static_cast<std::int64_t>(load.totals.ok()));
}

void print_summary(std::ostream& out, const Report& r) {
  const auto& o = r.options;
  out << "concert-bench " << to_string(o.scenario) << " (" << o.label << "): " << o.connections
      << " connections, " << loop_name(o) << ", " << o.client_threads << " client thread(s), "
      << fixed(r.load.elapsed_s, 1) << " s\n";
  out << std::left << std::setw(12) << "op" << std::right << std::setw(10) << "ok" << std::setw(9)
      << "errors" << std::setw(11) << "ok/s" << std::setw(9) << "p50 ms" << std::setw(9) << "p99 ms"
      << std::setw(10) << "p99.9 ms" << std::setw(9) << "max ms" << '\n';
  const auto row = [&](std::string_view name, std::uint64_t ok, std::uint64_t errors,
                       const Histogram& h) {
    out << std::left << std::setw(12) << name << std::right << std::setw(10) << ok << std::setw(9)
        << errors << std::setw(11)
        << fixed(r.load.elapsed_s > 0 ? static_cast<double>(ok) / r.load.elapsed_s : 0, 1)
        << std::setw(9) << fixed(ms(h.percentile(0.50)), 2) << std::setw(9)
        << fixed(ms(h.percentile(0.99)), 2) << std::setw(10) << fixed(ms(h.percentile(0.999)), 2)
        << std::setw(9) << fixed(ms(h.max()), 2) << '\n';
  };
  for (std::size_t i = 0; i < kOps; ++i) {
    const auto& op = r.load.totals.ops[i];
    if (op.ok + op.errors > 0) row(to_string(static_cast<Op>(i)), op.ok, op.errors, op.latency_us);
  }
  row("total", r.load.totals.ok(), r.load.totals.error_count(), r.load.totals.latency_us);
  if (!r.load.totals.errors.empty()) {
    out << "errors by status and code:\n";
    for (const auto& [key, n] : r.load.totals.errors) {
      out << "  " << std::left << std::setw(36) << error_name(key) << std::right << n << '\n';
    }
  }
  if (r.server) {
    out << "server: peak RSS " << fixed(r.server->peak_rss_mb, 1) << " MB (VmHWM "
        << fixed(r.server->hwm_mb, 1) << " MB); fdatasync+fsync ";
    if (r.server->syncs) {
      out << *r.server->syncs << " = " << or_na(syncs_per_s(r), 1) << "/s, "
          << or_na(per_sync(r, static_cast<double>(r.load.totals.ok())), 2) << " ok per sync\n";
    } else {
      out << "n/a (perf stat could not count)\n";
    }
  }
  if (r.database) {
    const auto& d = *r.database;
    out << "database: " << d.statements << " statements, " << d.commits << " commits, "
        << d.round_trips << " round trips = " << or_na(per_op(r, &ServerCounters::statements), 2)
        << ", " << or_na(per_op(r, &ServerCounters::commits), 2) << ", "
        << or_na(per_op(r, &ServerCounters::round_trips), 2) << " per "
        << (r.sale ? "paid seat" : "answer") << '\n';
  }
  if (r.sale) {
    const auto& s = *r.sale;
    out << to_string(r.options.scenario) << ": " << s.paid << " of " << s.seats << " seats paid in "
        << fixed(s.sale_s, 2) << " s = " << fixed(s.paid_per_s(), 1) << " paid seats/s";
    if (auto p = per_sync(r, static_cast<double>(s.paid)))
      out << " (" << fixed(*p, 2) << " per sync)";
    out << "; " << s.fans_started << " fans started, " << s.fans_sold_out << " found it sold out, "
        << s.fans_failed << " failed" << (s.sold_out ? "" : "; NOT sold out") << '\n';
  }
  for (const auto& note : r.notes) out << "note: " << note << '\n';
  for (const auto& failed : r.failed) out << "CHECK FAILED: " << failed << '\n';
  out << result_line(r) << std::endl;
}

std::string result_line(const Report& r) {
  const auto& h = r.load.totals.latency_us;
  std::ostringstream line;
  line << "RESULT label=" << r.options.label << " scenario=" << to_string(r.options.scenario)
       << " ok_per_s=" << fixed(r.ok_per_s(), 1) << " p50_ms=" << fixed(ms(h.percentile(0.50)), 3)
       << " p99_ms=" << fixed(ms(h.percentile(0.99)), 3)
       << " p999_ms=" << fixed(ms(h.percentile(0.999)), 3)
       << " errors=" << r.load.totals.error_count() << " syncs_per_s=" << or_na(syncs_per_s(r), 1)
       << " ok_per_sync=" << or_na(per_sync(r, static_cast<double>(r.load.totals.ok())), 3)
       << " peak_rss_mb=" << (r.server ? fixed(r.server->peak_rss_mb, 1) : "n/a")
       << " paid_seats_per_s=" << (r.sale ? fixed(r.sale->paid_per_s(), 1) : "n/a")
       << " paid_per_sync="
       << or_na(r.sale ? per_sync(r, static_cast<double>(r.sale->paid)) : std::nullopt, 3)
       << " statements_per_op=" << or_na(per_op(r, &ServerCounters::statements), 2)
       << " commits_per_op=" << or_na(per_op(r, &ServerCounters::commits), 2)
       << " round_trips_per_op=" << or_na(per_op(r, &ServerCounters::round_trips), 2)
       << " checks=" << (r.failed.empty() ? "ok" : "failed");
  return line.str();
}

std::string to_json(const Report& r) {
  const auto& o = r.options;
  json::object ops;
  for (std::size_t i = 0; i < kOps; ++i) {
    const auto& op = r.load.totals.ops[i];
    if (op.ok + op.errors == 0) continue;
    auto figures = latency_json(op.latency_us);
    figures["ok"] = op.ok;
    figures["errors"] = op.errors;
    figures["ok_per_s"] =
        r.load.elapsed_s > 0 ? static_cast<double>(op.ok) / r.load.elapsed_s : 0.0;
    ops[to_string(static_cast<Op>(i))] = std::move(figures);
  }
  json::array errors;
  for (const auto& [key, n] : r.load.totals.errors) {
    errors.push_back(json::object{{"status", key.first}, {"code", key.second}, {"count", n}});
  }
  json::array series;
  for (const auto& s : r.load.series) {
    series.push_back(json::object{{"t_s", s.at_s},
                                  {"ok_per_s", s.ok_per_s},
                                  {"errors_per_s", s.errors_per_s},
                                  {"p99_ms", s.p99_ms},
                                  {"rss_mb", s.rss_mb}});
  }
  json::value server = nullptr;
  if (r.server) {
    server = json::object{
        {"syncs", r.server->syncs ? json::value(*r.server->syncs) : json::value(nullptr)},
        {"syncs_per_s", optional_json(syncs_per_s(r))},
        {"ok_per_sync", optional_json(per_sync(r, static_cast<double>(r.load.totals.ok())))},
        {"peak_rss_mb", r.server->peak_rss_mb},
        {"hwm_mb", r.server->hwm_mb}};
  }
  json::value database = nullptr;
  if (r.database) {
    database = json::object{
        {"statements", r.database->statements},
        {"commits", r.database->commits},
        {"round_trips", r.database->round_trips},
        {"per", r.sale ? "paid seat" : "answer"},
        {"statements_per_op", optional_json(per_op(r, &ServerCounters::statements))},
        {"commits_per_op", optional_json(per_op(r, &ServerCounters::commits))},
        {"round_trips_per_op", optional_json(per_op(r, &ServerCounters::round_trips))}};
  }
  json::value sale = nullptr;
  if (r.sale) {
    sale = json::object{
        {"seats", r.sale->seats},
        {"paid", r.sale->paid},
        {"sale_s", r.sale->sale_s},
        {"paid_seats_per_s", r.sale->paid_per_s()},
        {"paid_per_sync", optional_json(per_sync(r, static_cast<double>(r.sale->paid)))},
        {"fans_started", r.sale->fans_started},
        {"fans_sold_out", r.sale->fans_sold_out},
        {"fans_failed", r.sale->fans_failed},
        {"sold_out", r.sale->sold_out}};
  }
  json::array notes(r.notes.begin(), r.notes.end());
  json::array failed(r.failed.begin(), r.failed.end());
  auto latency = latency_json(r.load.totals.latency_us);
  const json::object root{{"label", o.label},
                          {"scenario", to_string(o.scenario)},
                          {"target", o.host + ":" + std::to_string(o.port)},
                          {"connections", o.connections},
                          {"client_threads", o.client_threads},
                          {"rate", o.rate ? json::value(*o.rate) : json::value(nullptr)},
                          {"duration_s", o.duration.count()},
                          {"users", o.users},
                          {"elapsed_s", r.load.elapsed_s},
                          {"ok", r.load.totals.ok()},
                          {"errors", r.load.totals.error_count()},
                          {"ok_per_s", r.ok_per_s()},
                          {"latency", std::move(latency)},
                          {"ops", std::move(ops)},
                          {"errors_by_code", std::move(errors)},
                          {"server", std::move(server)},
                          {"sale", std::move(sale)},
                          {"database", std::move(database)},
                          {"users_exhausted", r.users_exhausted},
                          {"series", std::move(series)},
                          {"notes", std::move(notes)},
                          {"failed", std::move(failed)},
                          {"result", result_line(r)}};
  return json::serialize(root) + "\n";
}

std::string to_svg(const Report& r) {
  constexpr double kWidth = 800;
  constexpr double kLeft = 70;
  constexpr double kRight = 20;
  constexpr double kPanel = 180;
  constexpr double kTop[] = {40, 270};
  const double plot_width = kWidth - kLeft - kRight;
  const auto& series = r.load.series;
  const double t_max = std::max(1.0, series.empty() ? 1.0 : series.back().at_s);

  std::ostringstream svg;
  svg << R"(<svg xmlns="http://www.w3.org/2000/svg" width="800" height="490" font-family="sans-serif" font-size="12">)"
      << "\n<rect width=\"800\" height=\"490\" fill=\"white\"/>\n"
      << "<text x=\"" << kLeft << "\" y=\"20\" font-size=\"14\">concert-bench "
      << to_string(r.options.scenario) << " (" << r.options.label << "): " << r.options.connections
      << " connections, " << loop_name(r.options) << "</text>\n";
  const auto panel = [&](int index, std::string_view title, std::string_view colour,
                         double (*value)(const Second&)) {
    const double top = kTop[index];
    double v_max = 0;
    for (const auto& s : series) v_max = std::max(v_max, value(s));
    v_max = v_max > 0 ? v_max * 1.1 : 1;
    svg << "<text x=\"" << kLeft << "\" y=\"" << top - 6 << "\">" << title << "</text>\n"
        << "<rect x=\"" << kLeft << "\" y=\"" << top << "\" width=\"" << plot_width
        << "\" height=\"" << kPanel << "\" fill=\"none\" stroke=\"#999\"/>\n";
    for (int tick = 0; tick <= 4; ++tick) {
      const double y = top + kPanel - kPanel * tick / 4;
      svg << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft + plot_width << "\" y1=\"" << y
          << "\" y2=\"" << y << "\" stroke=\"#eee\"/>\n<text x=\"" << kLeft - 6 << "\" y=\""
          << y + 4 << "\" text-anchor=\"end\">" << fixed(v_max * tick / 4, v_max < 10 ? 2 : 0)
          << "</text>\n";
    }
    for (int tick = 0; tick <= 5; ++tick) {
      const double x = kLeft + plot_width * tick / 5;
      svg << "<text x=\"" << x << "\" y=\"" << top + kPanel + 16 << "\" text-anchor=\"middle\">"
          << fixed(t_max * tick / 5, 1) << " s</text>\n";
    }
    svg << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\" points=\"";
    for (const auto& s : series) {
      svg << fixed(kLeft + plot_width * s.at_s / t_max, 1) << ','
          << fixed(top + kPanel - kPanel * value(s) / v_max, 1) << ' ';
    }
    svg << "\"/>\n";
  };
  panel(0, "throughput (ok answers per second)", "#1f77b4",
        [](const Second& s) { return s.ok_per_s; });
  panel(1, "p99 latency (ms) per second", "#d62728", [](const Second& s) { return s.p99_ms; });
  svg << "</svg>\n";
  return svg.str();
}

void write_files(const std::filesystem::path& dir, const Report& r) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto write = [&](const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path.string());
  };
  write(dir / (r.options.label + ".json"), to_json(r));
  write(dir / (r.options.label + ".svg"), to_svg(r));
}

}  // namespace concertd::bench
