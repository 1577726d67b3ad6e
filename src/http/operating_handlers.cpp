#include <unistd.h>

#include <array>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <sstream>
#include <utility>

#include "common/metrics.hpp"
#include "http/exposition.hpp"
#include "http/handlers.hpp"
#include "http/json.hpp"
#include "http/openapi.hpp"
#include "http/router.hpp"

namespace concertd::http {
namespace {

namespace ex = exposition;

struct ProcessStat {
  double cpu_seconds = 0;
  std::int64_t resident_bytes = 0;
};

// utime, stime (fields 14, 15, in clock ticks) and rss (field 24, in pages) of
// /proc/self/stat; the second field may contain spaces, so fields count from its ')'.
ProcessStat process_stat() {
  std::ifstream in("/proc/self/stat");
  const std::string stat(std::istreambuf_iterator<char>(in), {});
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream fields(stat.substr(close + 2));
  std::array<std::string, 22> field;  // fields 3..24
  for (auto& f : field) fields >> f;
  const auto number = [](const std::string& s) { return s.empty() ? 0.0 : std::stod(s); };
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  return {(number(field[11]) + number(field[12])) / ticks,
          static_cast<std::int64_t>(number(field[21]) * page)};
}

void counter(std::string& out, std::string_view name, std::string_view help,
             const metrics::Counter& c) {
  ex::family(out, name, "counter", help);
  ex::sample(out, name, {}, c.value());
}

// A counter family with one sample per value of the label `label`.
void counters_by(
    std::string& out, std::string_view name, std::string_view help, std::string_view label,
    std::initializer_list<std::pair<std::string_view, const metrics::Counter*>> samples) {
  ex::family(out, name, "counter", help);
  for (const auto& [value, c] : samples) ex::sample(out, name, ex::label(label, value), c->value());
}

void gauge(std::string& out, std::string_view name, std::string_view help, std::int64_t value) {
  ex::family(out, name, "gauge", help);
  ex::sample(out, name, {}, value);
}

void histogram(std::string& out, std::string_view name, std::string_view help,
               const metrics::Histogram& h) {
  ex::family(out, name, "histogram", help);
  ex::histogram(out, name, {}, h);
}

// `live_holds`: from the database, or nullopt when it did not answer (the scrape still
// shows everything else: an operator needs it most while the database is down).
std::string render_metrics(const Services& services, std::optional<std::int64_t> live_holds) {
  const auto& m = metrics::registry();
  std::string out;
  out.reserve(16 * 1024);
  append_request_metrics(out);
  gauge(out, "concertd_http_connections", "Open HTTP connections", m.http_connections.value());

  const auto admission = services.queue.admission();
  const auto to_gauge = [](std::size_t n) { return static_cast<std::int64_t>(n); };
  gauge(out, "concertd_queue_waiting", "Fans waiting (cluster-wide, as of the last refresh)",
        admission.counts.waiting);
  gauge(out, "concertd_queue_active", "Fans ACTIVE (cluster-wide, as of the last refresh)",
        to_gauge(admission.counts.active));
  gauge(out, "concertd_queue_admit_rate",
        "Admissions allowed per second now: the admit rate, or the adaptive rate under it "
        "(this node's; the admitter's applies)",
        to_gauge(admission.rate));
  gauge(out, "concertd_queue_admit_rate_limit",
        "The operator's admit rate (--admit-rate, PATCH /admin/queue), per second",
        to_gauge(admission.settings.admit_rate));
  gauge(out, "concertd_queue_admission_adaptive", "1 with --admission adaptive, 0 with fixed",
        admission.adaptive ? 1 : 0);
  if (admission.adaptive) {
    ex::family(out, "concertd_queue_admission_backoffs_total", "counter",
               "Times the adaptive admit rate halved (hold/payment p95 or errors over target)");
    ex::sample(out, "concertd_queue_admission_backoffs_total", {}, admission.adaptive->backoffs);
    ex::family(out, "concertd_queue_admission_slow_ratio", "gauge",
               "Share of this node's hold and payment answers of the last judged second slower "
               "than --target-p95-ms");
    ex::sample(out, "concertd_queue_admission_slow_ratio", {}, admission.adaptive->slow_ratio);
    ex::family(out, "concertd_queue_admission_error_ratio", "gauge",
               "Share of this node's hold and payment answers of the last judged second that "
               "were 5xx");
    ex::sample(out, "concertd_queue_admission_error_ratio", {}, admission.adaptive->error_ratio);
  }
  gauge(out, "concertd_queue_max_active", "Most fans ACTIVE at once",
        to_gauge(admission.settings.max_active));
  gauge(out, "concertd_queue_paused", "1 while an operator has paused admission",
        admission.settings.paused ? 1 : 0);
  ex::family(out, "concertd_queue_admission_pace", "gauge",
             "Measured pace of the admission horizon, per second (the waiting-time estimate's)");
  ex::sample(out, "concertd_queue_admission_pace", {}, admission.counts.pace);
  if (live_holds) {
    gauge(out, "concertd_holds_live", "Seats under a hold that has not lapsed (cluster-wide)",
          *live_holds);
  }

  counter(out, "concertd_queue_admitted_total", "Fans admitted by this node", m.admitted);
  counter(out, "concertd_queue_skipped_total",
          "WAITING fans skipped as walked away by this node (only the admitter skips)",
          m.queue_skipped);
  counter(out, "concertd_queue_left_total", "Fans who left the queue through this node",
          m.queue_left);
  counter(out, "concertd_queue_presence_marks_total",
          "Presence marks this node wrote for the admitter (shared store)", m.presence_marks);
  gauge(out, "concertd_queue_streams", "Open queue event streams (GET /queue/events)",
        m.queue_streams.value());
  counter(out, "concertd_queue_stream_events_total",
          "Events written to queue event streams (not keep-alives)", m.queue_stream_events);
  histogram(out, "concertd_queue_stream_notify_cpu_seconds",
            "CPU time of one notifier walk over the queue event streams",
            m.queue_stream_notify_cpu);
  counter(out, "concertd_holds_total", "Seat holds made through this node", m.holds);
  counter(out, "concertd_hold_extensions_total", "Seat holds extended through this node",
          m.hold_extensions);
  counter(out, "concertd_sales_total", "Seats sold through this node", m.sales);
  counter(out, "concertd_revenue_won_total", "Won paid for seats sold through this node",
          m.revenue_won);
  counter(out, "concertd_charges_total", "Balance charges through this node", m.charges);

  histogram(out, "concertd_store_commit_batch_size", "Requests per SQLite group commit",
            m.commit_batch_size);
  histogram(out, "concertd_store_commit_duration_seconds", "Duration of a SQLite group commit",
            m.commit_duration);
  counters_by(out, "concertd_store_retries_total",
              "Transactions run again after a lost race (MariaDB)", "reason",
              {{"deadlock", &m.retries_deadlock},
               {"lock_wait", &m.retries_lock_wait},
               {"lost_race", &m.retries_lost_race}});
  counter(out, "concertd_store_failovers_total",
          "New database connections that went to the next server of --database (MariaDB)",
          m.database_failovers);
  counter(out, "concertd_store_unavailable_total",
          "Requests answered 503 because the database was unavailable", m.store_unavailable);
  counter(out, "concertd_rate_limited_total", "Requests answered 429 RATE_LIMITED", m.rate_limited);
  counter(out, "concertd_connections_refused_total",
          "Connections refused with 503 (connection caps, out of file descriptors)",
          m.connections_refused);
  gauge(out, "concertd_join_pow_bits", "Proof-of-work bits a queue join needs (0: off)",
        services.join_pow.bits());
  counter(out, "concertd_join_pow_challenges_total", "Join challenges issued by this node",
          m.pow_challenges);
  counter(out, "concertd_join_pow_accepted_total", "Join proofs of work accepted by this node",
          m.pow_accepted);
  counters_by(out, "concertd_join_pow_refused_total",
              "Queue joins refused for their proof of work, by reason", "reason",
              {{"missing", &m.pow_refused_missing},
               {"forged", &m.pow_refused_forged},
               {"expired", &m.pow_refused_expired},
               {"wrong_nonce", &m.pow_refused_wrong_nonce},
               {"replayed", &m.pow_refused_replayed}});
  gauge(out, "concertd_blocking_queue_depth", "Database and hashing tasks waiting for a thread",
        m.blocking_queue_depth.value());
  counter(out, "concertd_blocking_tasks_total", "Database and hashing tasks run", m.blocking_tasks);

  const auto stat = process_stat();
  ex::family(out, "process_cpu_seconds_total", "counter", "User and system CPU time");
  ex::sample(out, "process_cpu_seconds_total", {}, stat.cpu_seconds);
  gauge(out, "process_resident_memory_bytes", "Resident memory", stat.resident_bytes);
  gauge(out, "process_start_time_seconds", "Start time since the Unix epoch",
        m.process_start_seconds.value());
  ex::family(out, "concertd_build_info", "gauge", "The running build (always 1)");
  ex::sample(out, "concertd_build_info",
             ex::label("version", CONCERTD_VERSION) + "," + ex::label("store", services.store),
             std::int64_t{1});
  return out;
}

}  // namespace

Response healthz(const Context& /*ctx*/, const Request& /*req*/) {
  return json_response(beast::http::status::ok, status_json("ok"));
}

net::awaitable<Response> readyz(Context ctx, Request /*req*/) {
  auto work = [&db = ctx.services.db] { return db.ready(); };
  const bool ready = co_await run_blocking(ctx.blocking, std::move(work));
  if (!ready) co_return problem(problems::kUnavailable, "the database is not answering");
  co_return json_response(beast::http::status::ok, status_json("ready"));
}

net::awaitable<Response> metrics(Context ctx, Request /*req*/) {
  auto work = [&concerts = ctx.services.concerts]() -> std::optional<std::int64_t> {
    try {
      std::int64_t held = 0;
      for (const auto& concert : concerts.sales()) held += concert.held;
      return held;
    } catch (const StoreUnavailable&) {
      return std::nullopt;
    }
  };
  const auto live_holds = co_await run_blocking(ctx.blocking, std::move(work));
  co_return Response{.body = render_metrics(ctx.services, live_holds),
                     .content_type = ex::kContentType};
}

Response openapi(const Context& /*ctx*/, const Request& /*req*/) {
  return Response{.body = std::string(openapi_document()), .cache_control = "no-cache"};
}

}  // namespace concertd::http
