#include "http/support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef CONCERTD_TEST_WITH_MYSQL
#include <mysql.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>

namespace concertd::test {
namespace {

using tcp = net::ip::tcp;

constexpr const char* kMariadbTestServer = CONCERTD_MARIADB_TEST_SERVER;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string tail(const std::string& text, std::size_t bytes = 6000) {
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

std::filesystem::path make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "concertd-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
  }
  return pattern;
}

int open_for_writing(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("open " + path.string() + ": " + std::strerror(errno));
  return fd;
}

// Our environment with `extra` ("NAME=VALUE") added, each replacing a variable of that name.
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  const auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const bool replaced = std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
      return name_of(x) == name_of(entry);
    });
    if (!replaced) out.emplace_back(entry);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// fork + exec `args` with stdout/stderr on the given descriptors and stdin on /dev/null,
// in our environment plus `env` ("NAME=VALUE").
// The child dies with the thread that forked it, so a crashed test leaves no server behind.
pid_t spawn(const std::vector<std::string>& args, int out_fd, int err_fd,
            const std::vector<std::string>& env = {}) {
  const auto argv = c_strings(args);
  const auto environment = environment_with(env);
  const auto envp = c_strings(environment);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) throw std::runtime_error("open /dev/null: " + std::string(std::strerror(errno)));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(null_fd);
    throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  }
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(null_fd);
  return pid;
}

int decode_wait_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// The exit code once `pid` exited within `timeout`; nullopt while it still runs.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return decode_wait_status(status);
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string lowercase_hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xF];
  }
  return out;
}

}  // namespace

// Processes

std::uint16_t pick_free_port() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::address_v4::loopback(), 0));
  return acceptor.local_endpoint().port();
}

bool port_accepts(std::uint16_t port) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect(tcp::endpoint(net::ip::address_v4::loopback(), port), ec);
  return !ec;
}

ServerProcess::ServerProcess(ServerOptions options)
    : options_(std::move(options)), dir_(make_temp_dir()) {
  start();
}

ServerProcess::~ServerProcess() {
  if (running()) stop();
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- concertd log (" << (dir_ / "server.log").string() << ") ----\n"
              << tail(log()) << "\n---- end of concertd log; directory kept: " << dir_.string()
              << '\n';
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

DatabaseUrl ServerProcess::database() const {
  if (!options_.database_url.empty()) return {options_.database_url};
  return {"sqlite:" + db_path().string()};
}

std::string ServerProcess::log() const { return read_file(dir_ / "server.log"); }

void ServerProcess::start() {
  std::string failure;
  // Another process may take the port between pick_free_port() and the server's bind:
  // then the server exits early and we try another port.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (try_start(failure)) return;
  }
  throw std::runtime_error("concertd did not start: " + failure);
}

bool ServerProcess::try_start(std::string& failure) {
  port_ = pick_free_port();
  std::vector<std::string> args = {
      CONCERTD_BINARY, "--listen", endpoint().str(), "--database", database().url, "--jwt-secret",
      std::string(kJwtSecret), "--admin-key", std::string(kAdminKey), "--hold-ttl",
      std::to_string(options_.hold_ttl), "--active-ttl", std::to_string(options_.active_ttl),
      "--max-active", std::to_string(options_.max_active), "--admit-rate",
      std::to_string(options_.admit_rate), "--threads", std::to_string(options_.threads),
      // Tests make many accounts from one address; the abuse
      // tests turn the limits they test back on.
      "--rate-limits", "off"};
  if (options_.demo) args.emplace_back("--demo");
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());

  args.insert(args.begin(), options_.launcher.begin(), options_.launcher.end());
  args.front() = program_path(args.front());

  const int log_fd = open_for_writing(dir_ / "server.log");
  pid_ = spawn(args, log_fd, log_fd, options_.env);
  ::close(log_fd);

  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto code = wait_for_exit(pid_, 0ms)) {
      pid_ = -1;
      failure = "exited with code " + std::to_string(*code) + " before /healthz answered:\n" +
                tail(log());
      return false;
    }
    try {
      HttpClient client(endpoint(), 1s);
      if (client.get("/healthz").status == 200) {
        // The port might belong to someone else: make sure our child still runs.
        std::this_thread::sleep_for(20ms);
        if (auto code = wait_for_exit(pid_, 0ms)) {
          pid_ = -1;
          failure = "exited with code " + std::to_string(*code) + ":\n" + tail(log());
          return false;
        }
        return true;
      }
    } catch (const std::exception&) {
      // Not listening yet.
    }
    std::this_thread::sleep_for(20ms);
  }
  kill_and_reap(pid_);
  pid_ = -1;
  throw std::runtime_error("concertd did not answer GET /healthz within 20 s:\n" + tail(log()));
}

void ServerProcess::stop() {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  const auto code = wait_for_exit(pid_, 15s);
  if (!code) {
    kill_and_reap(pid_);
    pid_ = -1;
    ADD_FAILURE() << "concertd did not exit within 15 s of SIGTERM; log:\n" << tail(log());
    return;
  }
  pid_ = -1;
  EXPECT_EQ(*code, 0) << "concertd exit code after SIGTERM; log:\n" << tail(log());
}

void ServerProcess::kill9() {
  if (!running()) return;
  kill_and_reap(pid_);
  pid_ = -1;
}

void ServerProcess::restart() {
  stop();
  start();
}

std::string nginx_binary() {
  for (const char* candidate : {"/usr/sbin/nginx", "/usr/bin/nginx"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  return {};
}

NginxProcess::NginxProcess(const std::vector<Endpoint>& upstreams) : dir_(make_temp_dir()) {
  const auto binary = nginx_binary();
  if (binary.empty()) throw std::runtime_error("nginx is not installed (scripts/setup)");
  // Workers run as nobody when we are root: let them use the temp directories.
  std::filesystem::permissions(dir_, std::filesystem::perms::all);
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = pick_free_port();
    const std::string d = dir_.string();
    std::ostringstream conf;
    conf << "worker_processes 1;\n"
         << "error_log " << d << "/error.log warn;\n"
         << "pid " << d << "/nginx.pid;\n"
         << "events { worker_connections 1024; }\n"
         << "http {\n"
         << "  access_log off;\n"
         << "  client_body_temp_path " << d << "/client_body;\n"
         << "  proxy_temp_path " << d << "/proxy;\n"
         << "  fastcgi_temp_path " << d << "/fastcgi;\n"
         << "  uwsgi_temp_path " << d << "/uwsgi;\n"
         << "  scgi_temp_path " << d << "/scgi;\n"
         << "  upstream concertd {\n";
    for (const auto& server : upstreams) {
      conf << "    server " << server.str() << " max_fails=1 fail_timeout=2s;\n";
    }
    conf << "    keepalive 64;\n"
         << "  }\n"
         << "  server {\n"
         << "    listen 127.0.0.1:" << port_ << ";\n"
         << "    location / {\n"
         << "      proxy_pass http://concertd;\n"
         << "      proxy_http_version 1.1;\n"
         << "      proxy_set_header Connection \"\";\n"
         << "      proxy_set_header Host $host;\n"
         << "      proxy_connect_timeout 2s;\n"
         << "      proxy_read_timeout 30s;\n"
         << "    }\n"
         << "  }\n"
         << "}\n";
    {
      std::ofstream out(dir_ / "nginx.conf");
      out << conf.str();
    }
    const int log_fd = open_for_writing(dir_ / "stderr.log");
    pid_ = spawn(
        {binary, "-p", d, "-e", d + "/error.log", "-c", d + "/nginx.conf", "-g", "daemon off;"},
        log_fd, log_fd);
    ::close(log_fd);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (wait_for_exit(pid_, 0ms)) {
        pid_ = -1;
        break;
      }
      if (port_accepts(port_)) return;
      std::this_thread::sleep_for(20ms);
    }
    if (pid_ > 0) {
      kill_and_reap(pid_);
      pid_ = -1;
    }
  }
  throw std::runtime_error("nginx did not start: " + read_file(dir_ / "stderr.log") +
                           read_file(dir_ / "error.log"));
}

NginxProcess::~NginxProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGQUIT);
    if (!wait_for_exit(pid_, 5s)) kill_and_reap(pid_);
  }
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- nginx error log ----\n"
              << tail(read_file(dir_ / "error.log")) << "\n---- directory kept: " << dir_.string()
              << '\n';
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

RunResult run_concertd(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {CONCERTD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(std::move(argv), timeout);
}

std::string program_path(std::string_view name) {
  if (name.find('/') != std::string_view::npos) return std::string(name);
  const char* env = std::getenv("PATH");
  std::string dirs = std::string(env != nullptr ? env : "/usr/bin:/bin") + ":/usr/sbin:/sbin";
  std::istringstream in(dirs);
  for (std::string dir; std::getline(in, dir, ':');) {
    const auto candidate = (std::filesystem::path(dir.empty() ? "." : dir) / name).string();
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

RunResult run_program(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  const auto path = program_path(argv.at(0));
  if (path.empty()) return {.exit_code = 127, .out = {}, .err = argv[0] + ": not found"};
  argv[0] = path;
  const auto dir = make_temp_dir();
  const int out_fd = open_for_writing(dir / "out");
  const int err_fd = open_for_writing(dir / "err");
  const pid_t pid = spawn(argv, out_fd, err_fd);
  ::close(out_fd);
  ::close(err_fd);
  RunResult result;
  if (auto code = wait_for_exit(pid, timeout)) {
    result.exit_code = *code;
  } else {
    kill_and_reap(pid);
  }
  result.out = read_file(dir / "out");
  result.err = read_file(dir / "err");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return result;
}

MariadbTestServer::MariadbTestServer(std::vector<std::string> launcher, std::string host,
                                     std::string server_args)
    : dir_(make_temp_dir()) {
  auto argv = std::move(launcher);
  argv.insert(argv.end(), {"env", "MARIADB_TEST_HOST=" + host, "MARIADB_TEST_ARGS=" + server_args,
                           kMariadbTestServer, "start", dir_.string()});
  auto r = run_program(std::move(argv), 120s);
  while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == '\r')) r.out.pop_back();
  if (r.exit_code != 0 || r.out.empty()) {
    throw std::runtime_error("mariadb-test-server start failed (" + std::to_string(r.exit_code) +
                             "): " + tail(r.err));
  }
  dsn_ = r.out;
}

MariadbTestServer::~MariadbTestServer() {
  const auto r = run_program({kMariadbTestServer, "stop", dir_.string()}, 60s);
  if (r.exit_code != 0) std::cerr << "mariadb-test-server stop: " << tail(r.err) << '\n';
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- MariaDB directory kept: " << dir_.string() << '\n';
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

// HTTP

std::string Response::header(std::string_view name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : std::string(it->value());
}

std::string Response::code() const {
  if (!json.is_object()) return {};
  const auto* c = json.as_object().if_contains("code");
  return c != nullptr && c->is_string() ? std::string(c->as_string()) : std::string();
}

const json::object& Response::object() const {
  if (!json.is_object()) throw std::runtime_error("expected a JSON object, got " + describe());
  return json.as_object();
}

const json::array& Response::array() const {
  if (!json.is_array()) throw std::runtime_error("expected a JSON array, got " + describe());
  return json.as_array();
}

std::string Response::str(std::string_view key) const {
  const auto* v = object().if_contains(key);
  if (v == nullptr || !v->is_string()) {
    throw std::runtime_error("expected string \"" + std::string(key) + "\" in " + describe());
  }
  return std::string(v->as_string());
}

std::int64_t Response::integer(std::string_view key) const {
  const auto* v = object().if_contains(key);
  if (v != nullptr && v->is_int64()) return v->as_int64();
  if (v != nullptr && v->is_uint64() &&
      v->as_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::int64_t>(v->as_uint64());
  }
  throw std::runtime_error("expected integer \"" + std::string(key) + "\" in " + describe());
}

std::string Response::describe() const {
  return std::to_string(status) + " " + header("Content-Type") + " " + tail(body, 2000);
}

HttpClient::HttpClient(Endpoint server, std::chrono::milliseconds timeout)
    : server_(std::move(server)), timeout_(timeout), stream_(ioc_) {}

HttpClient::~HttpClient() { close(); }

template <class Start>
beast::error_code HttpClient::run(Start&& start) {
  beast::error_code result = net::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc_.restart();
  ioc_.run();
  return result;
}

void HttpClient::connect() {
  buffer_.clear();
  stream_.expires_after(timeout_);
  const tcp::endpoint endpoint(net::ip::make_address(server_.host), server_.port);
  const auto ec = run([&](auto handler) { stream_.async_connect(endpoint, std::move(handler)); });
  if (ec) {
    close();
    throw std::runtime_error("connect to " + server_.str() + ": " + ec.message());
  }
  connected_ = true;
  ++connections_;
}

void HttpClient::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  connected_ = false;
}

Response HttpClient::get(std::string_view target, std::string_view bearer, const Headers& headers) {
  Headers all = headers;
  if (!bearer.empty()) all.emplace_back("Authorization", "Bearer " + std::string(bearer));
  return send(beast::http::verb::get, target, {}, {}, all);
}

Response HttpClient::post(std::string_view target, const json::value& body, std::string_view bearer,
                          const Headers& headers) {
  Headers all = headers;
  if (!bearer.empty()) all.emplace_back("Authorization", "Bearer " + std::string(bearer));
  return send(beast::http::verb::post, target, json::serialize(body), "application/json", all);
}

Response HttpClient::del(std::string_view target, std::string_view bearer) {
  Headers all;
  if (!bearer.empty()) all.emplace_back("Authorization", "Bearer " + std::string(bearer));
  return send(beast::http::verb::delete_, target, {}, {}, all);
}

Response HttpClient::send(beast::http::verb verb, std::string_view target, std::string body,
                          std::string_view content_type, const Headers& headers) {
  beast::http::request<beast::http::string_body> req{verb, target, 11};
  req.set(beast::http::field::host, server_.str());
  req.set(beast::http::field::user_agent, "concertd-http-tests");
  if (!content_type.empty()) req.set(beast::http::field::content_type, content_type);
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.prepare_payload();
  if (!connected_) connect();
  stream_.expires_after(timeout_);
  const auto ec =
      run([&](auto handler) { beast::http::async_write(stream_, req, std::move(handler)); });
  if (ec) {
    close();
    throw std::runtime_error(std::string(beast::http::to_string(verb)) + " " + std::string(target) +
                             ": write: " + ec.message());
  }
  return read_response();
}

void HttpClient::send_raw(std::string_view bytes) {
  if (!connected_) connect();
  stream_.expires_after(timeout_);
  const auto ec = run([&](auto handler) {
    net::async_write(stream_, net::buffer(bytes.data(), bytes.size()), std::move(handler));
  });
  if (ec) {
    close();
    throw std::runtime_error("raw write: " + ec.message());
  }
}

Response HttpClient::read_response() {
  if (!connected_) throw std::runtime_error("read_response: not connected");
  beast::http::response_parser<beast::http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  stream_.expires_after(timeout_);
  const auto ec = run(
      [&](auto handler) { beast::http::async_read(stream_, buffer_, parser, std::move(handler)); });
  if (ec) {
    close();
    throw std::runtime_error("reading a response from " + server_.str() + ": " + ec.message());
  }
  auto msg = parser.release();
  Response r;
  r.status = msg.result_int();
  r.headers = msg.base();
  r.keep_alive = msg.keep_alive();
  r.body = std::move(msg.body());
  boost::system::error_code jec;
  r.json = json::parse(r.body, jec);
  if (jec) r.json = nullptr;
  if (!r.keep_alive) close();
  return r;
}

// Assertions

::testing::AssertionResult has_status(const Response& r, unsigned status) {
  if (r.status == status) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << status << ", got " << r.describe();
}

::testing::AssertionResult is_problem(const Response& r, unsigned status, std::string_view code) {
  auto fail = [&](std::string_view why) {
    return ::testing::AssertionFailure() << "expected problem " << status << " " << code << " ("
                                         << why << "), got " << r.describe();
  };
  if (r.status != status) return fail("status");
  const auto type = r.header("Content-Type");
  if (!type.starts_with("application/problem+json")) return fail("Content-Type");
  if (!r.json.is_object()) return fail("body is not a JSON object");
  const auto& o = r.json.as_object();
  const auto* s = o.if_contains("status");
  if (s == nullptr || !s->is_number() || s->to_number<std::int64_t>() != status) {
    return fail("\"status\" member");
  }
  for (const char* key : {"type", "title"}) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) return fail(std::string("\"") + key + "\" member");
  }
  if (r.code().empty() || (!code.empty() && r.code() != code)) return fail("\"code\" member");
  return ::testing::AssertionSuccess();
}

bool is_uuid(std::string_view text) { return text.size() == 36 && Uuid::parse(text).has_value(); }

std::int64_t parse_rfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  const auto num = [&](std::size_t pos, std::size_t len) -> int {
    if (pos + len > text.size()) throw std::runtime_error("bad RFC 3339 time");
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') throw std::runtime_error("bad RFC 3339 time");
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z') {
    throw std::runtime_error("bad RFC 3339 time: " + std::string(text));
  }
  if (text.size() > 20) {
    if (text[19] != '.' || text.size() < 22) {
      throw std::runtime_error("bad RFC 3339 time: " + std::string(text));
    }
    (void)num(20, text.size() - 21);
  }
  const std::chrono::year_month_day ymd{std::chrono::year{num(0, 4)},
                                        std::chrono::month{static_cast<unsigned>(num(5, 2))},
                                        std::chrono::day{static_cast<unsigned>(num(8, 2))}};
  if (!ymd.ok()) throw std::runtime_error("bad RFC 3339 date: " + std::string(text));
  const auto days = std::chrono::sys_days{ymd}.time_since_epoch();
  return std::chrono::duration_cast<std::chrono::seconds>(days).count() + num(11, 2) * 3600 +
         num(14, 2) * 60 + num(17, 2);
}

bool is_rfc3339_utc(std::string_view text) {
  try {
    (void)parse_rfc3339(text);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// API helpers

namespace {

std::runtime_error unexpected(std::string_view what, const Response& r) {
  return std::runtime_error(std::string(what) + ": unexpected response " + r.describe());
}

}  // namespace

std::string unique_username(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

Account make_account(const Endpoint& server, std::string_view prefix) {
  HttpClient http(server);
  Account a;
  a.username = unique_username(prefix);
  a.password = "correct horse " + a.username;
  const auto up = http.post("/api/v1/users", {{"username", a.username}, {"password", a.password}});
  if (up.status != 201) throw unexpected("POST /api/v1/users", up);
  a.id = up.str("userId");
  const auto in =
      http.post("/api/v1/auth/login", {{"username", a.username}, {"password", a.password}});
  if (in.status != 200) throw unexpected("POST /api/v1/auth/login", in);
  a.access = in.str("accessToken");
  if (in.str("userId") != a.id) throw unexpected("login userId differs from sign-up", in);
  return a;
}

std::vector<Account> make_accounts(const Endpoint& server, std::size_t count,
                                   std::size_t parallel) {
  std::vector<Account> accounts(count);
  std::vector<std::exception_ptr> errors(parallel);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < parallel; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (std::size_t i = t; i < count; i += parallel) accounts[i] = make_account(server);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return accounts;
}

std::vector<std::unique_ptr<HttpClient>> connected_clients(const Endpoint& server, std::size_t n) {
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (std::size_t i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<HttpClient>(server));
    if (clients.back()->get("/healthz").status != 200) throw std::runtime_error("healthz");
  }
  return clients;
}

std::int64_t charge(HttpClient& http, const Account& a, std::int64_t amount) {
  const auto r = http.post("/api/v1/users/" + a.id + "/balance",
                           {{"userId", a.id}, {"amount", amount}}, a.access);
  if (r.status != 200) throw unexpected("charge", r);
  return r.integer("newBalance");
}

std::int64_t balance(HttpClient& http, const Account& a) {
  const auto r = http.get("/api/v1/users/" + a.id + "/balance", a.access);
  if (r.status != 200) throw unexpected("GET balance", r);
  return r.integer("currentBalance");
}

std::string join_queue(HttpClient& http, Account& a) {
  const auto r = http.post("/api/v1/tokens", {{"userId", a.id}}, a.access);
  if (r.status != 200 && r.status != 201) throw unexpected("POST /api/v1/tokens", r);
  a.queue = r.str("token");
  return a.queue;
}

Response queue_status(HttpClient& http, std::string_view queue_token) {
  return http.get("/api/v1/queue/status", queue_token);
}

void wait_active(HttpClient& http, std::string_view queue_token,
                 std::chrono::milliseconds timeout) {
  Response last;
  const bool ok = eventually(
      [&] {
        last = queue_status(http, queue_token);
        return last.status == 200 && last.str("status") == "ACTIVE";
      },
      timeout);
  if (!ok) throw unexpected("waiting for ACTIVE", last);
}

std::string admit(HttpClient& http, Account& a) {
  join_queue(http, a);
  wait_active(http, a.queue);
  return a.queue;
}

Account ready_fan(const ServerProcess& server, HttpClient& http, std::int64_t money) {
  auto a = make_account(server.port());
  if (money > 0) charge(http, a, money);
  admit(http, a);
  return a;
}

std::string create_concert(HttpClient& http, std::int64_t seat_count, std::int64_t price,
                           std::string_view date, std::string_view name) {
  const auto r = http.post(
      "/api/v1/admin/concerts",
      {{"concertName", name}, {"date", date}, {"seatCount", seat_count}, {"price", price}}, {},
      {{"X-Admin-Key", std::string(kAdminKey)}});
  if (r.status != 201) throw unexpected("POST /api/v1/admin/concerts", r);
  return r.str("concertId");
}

Response hold(HttpClient& http, std::string_view concert_id, std::int64_t seat,
              std::string_view queue_token) {
  return http.post("/api/v1/reservations",
                   {{"concertId", concert_id}, {"seatNumber", seat}, {"token", queue_token}});
}

std::string hold_ok(HttpClient& http, std::string_view concert_id, std::int64_t seat,
                    std::string_view queue_token) {
  const auto r = hold(http, concert_id, seat, queue_token);
  if (r.status != 201) throw unexpected("POST /api/v1/reservations", r);
  return r.str("reservationId");
}

Response pay(HttpClient& http, std::string_view reservation_id, std::int64_t amount,
             std::string_view queue_token, std::string_view idempotency_key) {
  Headers headers;
  if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
  return http.post("/api/v1/payments",
                   {{"reservationId", reservation_id}, {"amount", amount}, {"token", queue_token}},
                   {}, headers);
}

Response get_reservation(HttpClient& http, std::string_view reservation_id,
                         std::string_view token) {
  return http.get("/api/v1/reservations/" + std::string(reservation_id), token);
}

std::vector<std::pair<std::int64_t, bool>> seat_map(HttpClient& http, std::string_view concert_id) {
  const auto r = http.get("/api/v1/concerts/" + std::string(concert_id) + "/seats");
  if (r.status != 200) throw unexpected("GET seats", r);
  std::vector<std::pair<std::int64_t, bool>> seats;
  for (const auto& v : r.array()) {
    const auto& o = v.as_object();
    seats.emplace_back(o.at("seatNumber").to_number<std::int64_t>(), o.at("available").as_bool());
  }
  return seats;
}

bool seat_available(HttpClient& http, std::string_view concert_id, std::int64_t seat) {
  for (const auto& [number, available] : seat_map(http, concert_id)) {
    if (number == seat) return available;
  }
  throw std::runtime_error("seat " + std::to_string(seat) + " missing from the seat map");
}

// Tokens

std::string base64url_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : bytes) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3F];
  return out;
}

std::string base64url_decode(std::string_view text) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    std::uint32_t v = 0;
    if (c >= 'A' && c <= 'Z') {
      v = static_cast<std::uint32_t>(c - 'A');
    } else if (c >= 'a' && c <= 'z') {
      v = static_cast<std::uint32_t>(c - 'a' + 26);
    } else if (c >= '0' && c <= '9') {
      v = static_cast<std::uint32_t>(c - '0' + 52);
    } else if (c == '-' || c == '+') {
      v = 62;
    } else if (c == '_' || c == '/') {
      v = 63;
    } else if (c == '=') {
      break;
    } else {
      throw std::runtime_error("bad base64url");
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

namespace {

std::array<std::string, 3> split_jwt(std::string_view jwt) {
  const auto a = jwt.find('.');
  const auto b = a == std::string_view::npos ? a : jwt.find('.', a + 1);
  if (b == std::string_view::npos) throw std::runtime_error("not a JWT: " + std::string(jwt));
  return {std::string(jwt.substr(0, a)), std::string(jwt.substr(a + 1, b - a - 1)),
          std::string(jwt.substr(b + 1))};
}

}  // namespace

std::string forge_subject(std::string_view jwt, std::string_view subject) {
  auto parts = split_jwt(jwt);
  auto payload = json::parse(base64url_decode(parts[1])).as_object();
  payload["sub"] = subject;
  return parts[0] + "." + base64url_encode(json::serialize(payload)) + "." + parts[2];
}

std::string alg_none(std::string_view jwt) {
  const auto parts = split_jwt(jwt);
  return base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + parts[1] + ".";
}

// Database

Uuid uuid(std::string_view text) {
  const auto id = Uuid::parse(text);
  if (!id) throw std::runtime_error("not a UUID: '" + std::string(text) + "'");
  return *id;
}

std::string uuid_hex(std::string_view text) {
  const Uuid id = uuid(text);  // a named copy: bytes() of a temporary would dangle
  return lowercase_hex(id.bytes().data(), id.bytes().size());
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

#ifdef CONCERTD_TEST_WITH_MYSQL
namespace {

struct MysqlDsn {
  std::string user, password, host, database;
  unsigned port = 3306;
  std::string servers;  // HOST:PORT[,HOST:PORT...] as the DSN lists them; host:port is the first
};

// mysql://USER:PASS@HOST:PORT[,HOST:PORT...]/DB (no escapes: the test server's credentials
// are hex).
MysqlDsn parse_mysql_dsn(std::string_view dsn) {
  constexpr std::string_view kScheme = "mysql://";
  const auto fail = [&] { return std::runtime_error("bad MySQL DSN: " + std::string(dsn)); };
  if (!dsn.starts_with(kScheme)) throw fail();
  dsn.remove_prefix(kScheme.size());
  MysqlDsn out;
  const auto at = dsn.rfind('@');
  const auto slash = dsn.find('/', at == std::string_view::npos ? 0 : at);
  if (at == std::string_view::npos || slash == std::string_view::npos) throw fail();
  const auto creds = dsn.substr(0, at);
  const auto colon = creds.find(':');
  out.user = std::string(creds.substr(0, colon));
  if (colon != std::string_view::npos) out.password = std::string(creds.substr(colon + 1));
  out.servers = std::string(dsn.substr(at + 1, slash - at - 1));
  const auto hostport = std::string_view(out.servers).substr(0, out.servers.find(','));
  const auto pc = hostport.rfind(':');
  out.host = std::string(hostport.substr(0, pc));
  if (pc != std::string_view::npos) {
    out.port = static_cast<unsigned>(std::stoul(std::string(hostport.substr(pc + 1))));
  }
  out.database = std::string(dsn.substr(slash + 1));
  const auto q = out.database.find('?');
  if (q != std::string::npos) out.database.resize(q);
  return out;
}

MYSQL* mysql_open(const MysqlDsn& dsn, bool with_database) {
  MYSQL* m = mysql_init(nullptr);
  if (m == nullptr) throw std::runtime_error("mysql_init failed");
  unsigned timeout = 10;
  mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  if (mysql_real_connect(m, dsn.host.c_str(), dsn.user.c_str(), dsn.password.c_str(),
                         with_database ? dsn.database.c_str() : nullptr, dsn.port, nullptr,
                         0) == nullptr) {
    const std::string message = mysql_error(m);
    mysql_close(m);
    throw std::runtime_error("mysql connect " + dsn.host + ":" + std::to_string(dsn.port) + ": " +
                             message);
  }
  return m;
}

void mysql_exec(MYSQL* m, const std::string& sql) {
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
    throw std::runtime_error("mysql: " + std::string(mysql_error(m)) + " in " + sql);
  }
}

}  // namespace
#endif

bool mysql_available(std::string& why) {
#ifdef CONCERTD_TEST_WITH_MYSQL
  const char* dsn = std::getenv("CONCERTD_TEST_MYSQL_DSN");
  if (dsn == nullptr || *dsn == '\0') {
    why = "CONCERTD_TEST_MYSQL_DSN is not set (scripts/test starts a private MariaDB)";
    return false;
  }
  return true;
#else
  why = "built without CONCERTD_WITH_MYSQL";
  return false;
#endif
}

namespace {

std::string test_mysql_dsn() {
  const char* env = std::getenv("CONCERTD_TEST_MYSQL_DSN");
  if (env == nullptr) throw std::runtime_error("CONCERTD_TEST_MYSQL_DSN is not set");
  return env;
}

}  // namespace

TestDatabase::TestDatabase() : TestDatabase(test_mysql_dsn()) {}

TestDatabase::TestDatabase(std::string server_dsn) : server_dsn_(std::move(server_dsn)) {
#ifdef CONCERTD_TEST_WITH_MYSQL
  auto dsn = parse_mysql_dsn(server_dsn_);
  std::random_device rd;
  std::ostringstream name;
  name << "concertd_c_" << std::hex << rd() << rd();
  name_ = name.str();
  MYSQL* m = mysql_open(dsn, false);
  try {
    mysql_exec(m, "CREATE DATABASE " + name_ + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
  } catch (...) {
    mysql_close(m);
    throw;
  }
  mysql_close(m);
  url_ = "mysql://" + dsn.user + ":" + dsn.password + "@" + dsn.servers + "/" + name_;
#else
  throw std::runtime_error("built without CONCERTD_WITH_MYSQL");
#endif
}

TestDatabase::~TestDatabase() {
#ifdef CONCERTD_TEST_WITH_MYSQL
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- MariaDB database kept for diagnosis: " << name_ << '\n';
    return;
  }
  try {
    MYSQL* m = mysql_open(parse_mysql_dsn(server_dsn_), false);
    try {
      mysql_exec(m, "DROP DATABASE IF EXISTS " + name_);
    } catch (const std::exception& e) {
      std::cerr << "dropping " << name_ << ": " << e.what() << '\n';
    }
    mysql_close(m);
  } catch (const std::exception& e) {
    std::cerr << "dropping " << name_ << ": " << e.what() << '\n';
  }
#endif
}

Db::Db(const DatabaseUrl& database, Access access) {
  if (!database.is_mysql()) {
    constexpr std::string_view kPrefix = "sqlite:";
    std::string_view file = database.url;
    if (file.starts_with(kPrefix)) file.remove_prefix(kPrefix.size());
    open_sqlite(std::filesystem::path(file), access);
    return;
  }
#ifdef CONCERTD_TEST_WITH_MYSQL
  mysql_ = mysql_open(parse_mysql_dsn(database.url), true);
  // Read what is committed now, not a snapshot from the first query.
  mysql_exec(static_cast<MYSQL*>(mysql_), "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
#else
  throw std::runtime_error("built without CONCERTD_WITH_MYSQL: " + database.url);
#endif
}

Db::Db(const std::filesystem::path& path, Access access) { open_sqlite(path, access); }

void Db::open_sqlite(const std::filesystem::path& path, Access access) {
  const int flags = access == Access::kWrite ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("sqlite open " + path.string() + ": " + message);
  }
  sqlite3_busy_timeout(db_, 5000);
}

Db::~Db() {
  sqlite3_close(db_);
#ifdef CONCERTD_TEST_WITH_MYSQL
  if (mysql_ != nullptr) mysql_close(static_cast<MYSQL*>(mysql_));
#endif
}

// Test-only checks: the parameters are typed (integers and 16-byte ids), so they are
// spelled as literals here rather than going through the prepared-statement API.
std::vector<Db::Row> Db::mysql_rows(std::string_view sql, const std::vector<Param>& params) {
#ifdef CONCERTD_TEST_WITH_MYSQL
  auto* m = static_cast<MYSQL*>(mysql_);
  std::string text;
  std::size_t next = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '?') {
      text += sql[i];
      continue;
    }
    // "?N" is the N-th parameter (as in SQLite), a bare "?" the next one.
    std::size_t index = next++;
    if (i + 1 < sql.size() && sql[i + 1] >= '1' && sql[i + 1] <= '9') {
      index = 0;
      while (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
        index = index * 10 + static_cast<std::size_t>(sql[++i] - '0');
      }
      --index;
    }
    if (index >= params.size()) {
      throw std::runtime_error("too few parameters for " + std::string(sql));
    }
    const auto& p = params[index];
    if (const auto* n = std::get_if<std::int64_t>(&p)) {
      text += std::to_string(*n);
    } else {
      const auto& bytes = std::get<Uuid>(p).bytes();
      text += "X'" + lowercase_hex(bytes.data(), bytes.size()) + "'";
    }
  }
  mysql_exec(m, text);
  MYSQL_RES* result = mysql_store_result(m);
  if (result == nullptr) {
    if (mysql_field_count(m) == 0) return {};
    throw std::runtime_error("mysql store result: " + std::string(mysql_error(m)));
  }
  std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> guard(result, &mysql_free_result);
  const unsigned columns = mysql_num_fields(result);
  const MYSQL_FIELD* fields = mysql_fetch_fields(result);
  std::vector<Row> out;
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    const unsigned long* lengths = mysql_fetch_lengths(result);
    Row r;
    for (unsigned c = 0; c < columns; ++c) {
      if (row[c] == nullptr) {
        r.emplace_back("NULL");
        continue;
      }
      const auto type = fields[c].type;
      const bool stringish = type == MYSQL_TYPE_STRING || type == MYSQL_TYPE_VAR_STRING ||
                             type == MYSQL_TYPE_VARCHAR || type == MYSQL_TYPE_BLOB ||
                             type == MYSQL_TYPE_TINY_BLOB || type == MYSQL_TYPE_MEDIUM_BLOB ||
                             type == MYSQL_TYPE_LONG_BLOB;
      if (stringish && fields[c].charsetnr == 63) {
        r.push_back(lowercase_hex(reinterpret_cast<const unsigned char*>(row[c]), lengths[c]));
      } else {
        r.emplace_back(row[c], lengths[c]);
      }
    }
    out.push_back(std::move(r));
  }
  return out;
#else
  (void)sql;
  (void)params;
  throw std::runtime_error("built without CONCERTD_WITH_MYSQL");
#endif
}

std::vector<Db::Row> Db::rows(std::string_view sql, const std::vector<Param>& params) {
  if (mysql_ != nullptr) return mysql_rows(sql, params);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    throw std::runtime_error("sqlite prepare: " + std::string(sqlite3_errmsg(db_)) + " in " +
                             std::string(sql));
  }
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> guard(stmt, &sqlite3_finalize);
  int index = 1;
  for (const auto& p : params) {
    if (const auto* n = std::get_if<std::int64_t>(&p)) {
      sqlite3_bind_int64(stmt, index, *n);
    } else {
      const auto& bytes = std::get<Uuid>(p).bytes();
      sqlite3_bind_blob(stmt, index, bytes.data(), static_cast<int>(bytes.size()),
                        SQLITE_TRANSIENT);
    }
    ++index;
  }
  std::vector<Row> out;
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      throw std::runtime_error("sqlite step: " + std::string(sqlite3_errmsg(db_)) + " in " +
                               std::string(sql));
    }
    Row row;
    const int columns = sqlite3_column_count(stmt);
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_NULL:
          row.emplace_back("NULL");
          break;
        case SQLITE_INTEGER:
          row.push_back(std::to_string(sqlite3_column_int64(stmt, c)));
          break;
        case SQLITE_BLOB: {
          const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(stmt, c));
          row.push_back(
              lowercase_hex(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
          break;
        }
        default: {
          const auto* text = sqlite3_column_text(stmt, c);
          row.emplace_back(reinterpret_cast<const char*>(text),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)));
          break;
        }
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::int64_t Db::scalar(std::string_view sql, const std::vector<Param>& params) {
  const auto r = rows(sql, params);
  if (r.empty() || r.front().empty()) {
    throw std::runtime_error("no row from " + std::string(sql));
  }
  return r.front().front() == "NULL" ? 0 : std::stoll(r.front().front());
}

void expect_invariants(const DatabaseUrl& database) {
  const auto audit = run_concertd({"audit", "--database", database.url}, 60s);
  EXPECT_EQ(audit.exit_code, 0) << "concertd audit:\n" << audit.out << audit.err;
}

// Tests over every store

const char* store_name(Store store) {
  switch (store) {
    case Store::kSqlite:
      return "Sqlite";
    case Store::kMariaDb:
      return "MariaDb";
    case Store::kGalera:
      return "Galera";
  }
  return "?";
}

void PrintTo(Store store, std::ostream* os) { *os << store_name(store); }

std::string store_param_name(const ::testing::TestParamInfo<Store>& info) {
  return store_name(info.param);
}

void OnEveryStore::SetUp() {
  if (GetParam() == Store::kSqlite) return;
  std::string why;
  if (!mysql_available(why)) GTEST_SKIP() << why;
  if (GetParam() == Store::kMariaDb) {
    database_.emplace();
    return;
  }
  const char* galera = std::getenv("CONCERTD_TEST_GALERA_DSN");
  if (galera == nullptr || *galera == '\0') {
    GTEST_SKIP() << "CONCERTD_TEST_GALERA_DSN is not set (scripts/test starts a Galera cluster)";
  }
  database_.emplace(galera);
}

ServerOptions OnEveryStore::on_store(ServerOptions options) const {
  if (database_) options.database_url = database_->url();
  return options;
}

// Load

ChargeLoad charge_until(const Endpoint& server, const Account& a, const std::atomic<bool>& stop,
                        std::chrono::milliseconds timeout) {
  ChargeLoad out;
  HttpClient http(server, timeout);
  for (std::int64_t amount = 1; !stop.load(); ++amount) {
    try {
      auto r = http.post("/api/v1/users/" + a.id + "/balance",
                         {{"userId", a.id}, {"amount", amount}}, a.access);
      if (r.status == 200) {
        out.acknowledged.push_back(amount);
        continue;
      }
      out.refused.push_back(std::move(r));
    } catch (const std::exception&) {
      ++out.unanswered;
      http.close();
    }
    std::this_thread::sleep_for(20ms);
  }
  return out;
}

std::set<std::int64_t> charges_in_ledger(Db& db, const Account& a) {
  std::set<std::int64_t> out;
  for (const auto& row :
       db.rows("SELECT amount FROM ledger WHERE user_id = ? AND kind = 'CHARGE'", {uuid(a.id)})) {
    out.insert(std::stoll(row.front()));
  }
  return out;
}

}  // namespace concertd::test
