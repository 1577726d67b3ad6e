// What operators see of a running concertd: /metrics, /openapi.json, request ids, the
// access and audit logs, and the pages it serves. Metrics and logs run on every store
// (the stores report their own series); the pages do not touch a store.

#include <boost/json/parse.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "http/support.hpp"

namespace concertd::test {
namespace {

class Operating : public OnEveryStore {};
CONCERTD_ON_EVERY_STORE(Operating);

// The value of the sample `series` (name and labels exactly as exposed) in a Prometheus
// text exposition, or nullopt when there is no such line.
std::optional<double> sample(const std::string& exposition, std::string_view series) {
  const std::string prefix = std::string(series) + " ";
  std::size_t at = 0;
  while ((at = exposition.find(prefix, at)) != std::string::npos) {
    if (at == 0 || exposition[at - 1] == '\n') {
      const auto start = at + prefix.size();
      const auto end = exposition.find('\n', start);
      double value = 0;
      const char* first = exposition.data() + start;
      const char* last = exposition.data() + (end == std::string::npos ? exposition.size() : end);
      if (std::from_chars(first, last, value).ec == std::errc{}) return value;
      return std::nullopt;
    }
    at += prefix.size();
  }
  return std::nullopt;
}

// Each series (name and labels exactly as exposed) has the value given, nullopt: no sample.
void expect_samples(
    const std::string& exposition,
    std::initializer_list<std::pair<std::string_view, std::optional<double>>> want) {
  for (const auto& [series, value] : want) EXPECT_EQ(sample(exposition, series), value) << series;
}

std::string requests_series(std::string_view route, std::string_view method,
                            std::string_view status) {
  return "concertd_http_request_duration_seconds_count{route=\"" + std::string(route) +
         "\",method=\"" + std::string(method) + "\",status=\"" + std::string(status) + "\"}";
}

TEST_P(Operating, MetricsCountRequestsAndSalesButNotReplays) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 5000);
  const auto concert = create_concert(http, 2, 1500);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  const auto during = http.get("/metrics").body;
  expect_samples(during, {{"concertd_holds_live", 1.0},
                          {"concertd_queue_active", 1.0},
                          {"concertd_queue_admit_rate", 1000.0},
                          {"concertd_queue_admit_rate_limit", 1000.0},
                          {"concertd_queue_admission_adaptive", 0.0},
                          {"concertd_queue_admission_backoffs_total", std::nullopt},
                          {"concertd_queue_paused", 0.0}});
  ASSERT_TRUE(has_status(pay(http, rid, 1500, a.queue, "pay-once"), 201));
  // The same payment again under its key: answered as before, and not a second sale.
  ASSERT_TRUE(has_status(pay(http, rid, 1500, a.queue, "pay-once"), 201));
  EXPECT_TRUE(is_problem(hold(http, concert, 1, a.queue), 403, "QUEUE_NOT_ACTIVE"));

  const auto scrape = http.get("/metrics");
  ASSERT_TRUE(has_status(scrape, 200));
  EXPECT_EQ(scrape.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto& text = scrape.body;
  EXPECT_EQ(sample(text, "concertd_holds_total"), 1.0);
  EXPECT_EQ(sample(text, "concertd_holds_live"), 0.0);
  EXPECT_EQ(sample(text, "concertd_sales_total"), 1.0);
  EXPECT_EQ(sample(text, "concertd_revenue_won_total"), 1500.0);
  EXPECT_EQ(sample(text, "concertd_charges_total"), 1.0);
  EXPECT_GE(sample(text, "concertd_queue_admitted_total").value_or(0), 1.0);
  EXPECT_EQ(sample(text, requests_series("/api/v1/payments", "POST", "2xx")), 2.0);
  EXPECT_EQ(sample(text, requests_series("/api/v1/reservations", "POST", "4xx")), 1.0);
  // Buckets are cumulative: the +Inf bucket equals the count.
  EXPECT_EQ(sample(text,
                   "concertd_http_request_duration_seconds_bucket{route=\"/api/v1/payments\","
                   "method=\"POST\",status=\"2xx\",le=\"+Inf\"}"),
            2.0);
  EXPECT_GE(sample(text, "concertd_blocking_tasks_total").value_or(0), 5.0);
  EXPECT_GE(sample(text, "concertd_http_connections").value_or(0), 1.0);
  EXPECT_GT(sample(text, "process_start_time_seconds").value_or(0), 1.7e9);
  EXPECT_GT(sample(text, "process_resident_memory_bytes").value_or(0), 0.0);
  const std::string store = GetParam() == Store::kSqlite ? "sqlite" : "mysql";
  EXPECT_NE(text.find("concertd_build_info{version=\""), std::string::npos);
  EXPECT_NE(text.find("store=\"" + store + "\"} 1\n"), std::string::npos);
  if (GetParam() == Store::kSqlite) {
    EXPECT_GE(sample(text, "concertd_store_commit_batch_size_count").value_or(0), 4.0);
  }
}

// --admission adaptive: the rate starts at a step of the admit rate (1000 / 20), grows while
// someone waits, and never passes the operator's admit rate.
TEST_P(Operating, AdaptiveAdmitRateGrowsWhileFansWaitUnderTheAdmitRate) {
  ServerProcess server(
      on_store({.max_active = 1, .admit_rate = 1000, .extra_args = {"--admission", "adaptive"}}));
  HttpClient http(server.port());
  const Headers key{{"X-Admin-Key", std::string(kAdminKey)}};
  const auto rate = [&] { return sample(http.get("/metrics").body, "concertd_queue_admit_rate"); };
  const auto first = http.get("/metrics").body;
  expect_samples(first, {{"concertd_queue_admit_rate", 50.0},
                         {"concertd_queue_admit_rate_limit", 1000.0},
                         {"concertd_queue_admission_adaptive", 1.0},
                         {"concertd_queue_admission_backoffs_total", 0.0},
                         {"concertd_queue_admission_slow_ratio", 0.0},
                         {"concertd_queue_admission_error_ratio", 0.0}});
  const auto admission = http.get("/api/v1/admin/queue", {}, key);
  ASSERT_TRUE(has_status(admission, 200));
  EXPECT_EQ(admission.str("admission"), "adaptive") << admission.describe();
  EXPECT_EQ(admission.integer("currentAdmitRate"), 50) << admission.describe();

  auto a = ready_fan(server, http, 5000);
  auto b = make_account(server.port());
  join_queue(http, b);  // waits: the one ACTIVE slot is a's
  EXPECT_TRUE(eventually([&] { return rate() >= 150.0; })) << rate().value_or(-1);
  EXPECT_EQ(queue_status(http, b.queue).integer("queuePosition"), 1);
  const auto capped = http.send(beast::http::verb::patch, "/api/v1/admin/queue",
                                R"({"admitRate":60})", "application/json", key);
  ASSERT_TRUE(has_status(capped, 200));
  EXPECT_EQ(capped.integer("admitRate"), 60);
  EXPECT_EQ(capped.integer("currentAdmitRate"), 60) << capped.describe();

  // Holds and payments go on as ever; paying frees the slot for the next in line.
  const auto concert = create_concert(http, 2, 1500);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  ASSERT_TRUE(has_status(pay(http, rid, 1500, a.queue, "adaptive-pay"), 201));
  wait_active(http, b.queue);
}

TEST_P(Operating, MetricsOffLeavesOutTheRequestSeries) {
  ServerProcess server(on_store({.extra_args = {"--metrics", "off"}}));
  HttpClient http(server.port());
  ASSERT_TRUE(has_status(http.get("/api/v1/concerts"), 200));
  const auto scrape = http.get("/metrics");
  ASSERT_TRUE(has_status(scrape, 200));
  EXPECT_EQ(scrape.body.find("concertd_http_request_duration_seconds_count{"), std::string::npos)
      << scrape.body;
  EXPECT_TRUE(sample(scrape.body, "concertd_sales_total").has_value());
}

TEST_P(Operating, RequestIdIsEchoedOrMadeAndInProblems) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto mine = http.get("/api/v1/nothing-here", {}, {{"X-Request-Id", "trace-42.a_b"}});
  EXPECT_TRUE(is_problem(mine, 404, "NOT_FOUND"));
  EXPECT_EQ(mine.header("X-Request-Id"), "trace-42.a_b");
  EXPECT_EQ(mine.str("requestId"), "trace-42.a_b");

  // Not well-formed (a space, or too long): replaced by one the server makes.
  for (const std::string& bad : {std::string("has space"), std::string(65, 'x')}) {
    const auto r = http.get("/api/v1/nothing-here", {}, {{"X-Request-Id", bad}});
    const auto id = r.header("X-Request-Id");
    EXPECT_FALSE(id.empty());
    EXPECT_NE(id, bad);
    EXPECT_EQ(r.str("requestId"), id);
  }
  const auto first = http.get("/healthz").header("X-Request-Id");
  const auto second = http.get("/healthz").header("X-Request-Id");
  EXPECT_FALSE(first.empty());
  EXPECT_NE(first, second);
}

TEST_P(Operating, AccessAndAuditLogsNameRequestsButNoSecrets) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = ready_fan(server, http, 7654321);
  const auto concert = create_concert(http, 1, 4321);
  const auto rid = hold_ok(http, concert, 1, a.queue);
  ASSERT_TRUE(has_status(pay(http, rid, 4321, a.queue), 201));
  EXPECT_TRUE(is_problem(
      http.post("/api/v1/auth/login", {{"username", a.username}, {"password", "wrong-password-1"}}),
      401, "BAD_CREDENTIALS"));
  EXPECT_TRUE(is_problem(http.post("/api/v1/admin/concerts", {{"concertName", "x"}}, {},
                                   {{"X-Admin-Key", "guess-me"}}),
                         403, "FORBIDDEN"));
  server.stop();  // flushes the access log
  const std::string log = server.log();

  EXPECT_NE(log.find(R"("event":"access")"), std::string::npos);
  EXPECT_NE(log.find(R"("route":"/api/v1/reservations","status":201)"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("user_id":")" + a.id + "\""), std::string::npos);
  EXPECT_NE(log.find(R"("status":401)"), std::string::npos);
  EXPECT_NE(log.find(R"("code":"BAD_CREDENTIALS")"), std::string::npos);
  EXPECT_NE(log.find(R"("action":"login_failed")"), std::string::npos);
  EXPECT_NE(log.find(R"("username":")" + a.username + "\""), std::string::npos);
  EXPECT_NE(log.find(R"("action":"admin_denied")"), std::string::npos);
  EXPECT_NE(log.find(R"("action":"concert_create")"), std::string::npos);
  for (const std::string& secret :
       {a.password, std::string("wrong-password-1"), a.access, a.queue, std::string(kAdminKey),
        std::string("guess-me"), std::string(kJwtSecret), std::string("7654321")}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "the log shows " << secret;
  }
}

TEST_P(Operating, OpenApiDocumentIsServed) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  const auto r = http.get("/openapi.json");
  ASSERT_TRUE(has_status(r, 200));
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_TRUE(r.str("openapi").starts_with("3."));
  EXPECT_TRUE(r.object().at("paths").is_object());
}

// A --web-root of the test's own, so that what is checked does not depend on the pages.
class WebRoot {
 public:
  WebRoot() : dir_(std::filesystem::temp_directory_path() / ("concertd-web-" + unique_username())) {
    std::filesystem::create_directories(dir_ / "static" / "img");
    write("index.html", "<!doctype html><title>shop</title>");
    write("admin.html", "<!doctype html><title>console</title>");
    write("static/app.js", "export const x = 1;\n");
    write("static/img/logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
  }
  ~WebRoot() { std::filesystem::remove_all(dir_); }
  WebRoot(const WebRoot&) = delete;
  WebRoot& operator=(const WebRoot&) = delete;
  [[nodiscard]] std::string path() const { return dir_.string(); }

 private:
  void write(const std::string& name, std::string_view text) const {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

TEST(Pages, ServedFromTheWebRootWithTypesPolicyAndRevalidation) {
  const WebRoot web;
  ServerProcess server({.extra_args = {"--web-root", web.path()}});
  HttpClient http(server.port());

  const auto page = http.get("/");
  ASSERT_TRUE(has_status(page, 200));
  EXPECT_EQ(page.body, "<!doctype html><title>shop</title>");
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_TRUE(page.header("Content-Security-Policy").starts_with("default-src 'self'"));
  EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page.header("Cache-Control"), "no-cache");
  const auto etag = page.header("ETag");
  ASSERT_FALSE(etag.empty());
  const auto again = http.get("/", {}, {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304U);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.header("ETag"), etag);

  EXPECT_EQ(http.get("/admin").body, "<!doctype html><title>console</title>");
  EXPECT_EQ(http.get("/static/app.js").header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(http.get("/static/img/logo.svg").header("Content-Type"), "image/svg+xml");
  // Only files read at startup: nothing outside the web root, no directory listing.
  EXPECT_TRUE(is_problem(http.get("/static/../index.html"), 404, "NOT_FOUND"));
  EXPECT_TRUE(is_problem(http.get("/static/"), 404, "NOT_FOUND"));
  EXPECT_TRUE(is_problem(http.get("/static/nothing.js"), 404, "NOT_FOUND"));
  // The API keeps its own answers: JSON, never cached.
  EXPECT_EQ(http.get("/api/v1/concerts").header("Cache-Control"), "no-store");
}

TEST(Pages, MissingWebRootServesTheApiAndSaysSo) {
  ServerProcess server({.extra_args = {"--web-root", "/nonexistent/concertd-web"}});
  HttpClient http(server.port());
  EXPECT_TRUE(is_problem(http.get("/"), 404, "NOT_FOUND"));
  EXPECT_TRUE(has_status(http.get("/api/v1/concerts"), 200));
  EXPECT_NE(server.log().find(R"("event":"no_pages")"), std::string::npos);
}

}  // namespace
}  // namespace concertd::test
