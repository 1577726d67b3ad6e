#include "server_probe.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

extern char** environ;

namespace concertd::bench {
namespace {

using namespace std::chrono_literals;

// perf needs a moment to open its counters on every thread of the server.
constexpr auto kPerfAttach = 300ms;

// A "Name:   1234 kB" line of /proc/PID/status, in kB; 0 when absent.
std::uint64_t status_kb(std::string_view text, std::string_view name) {
  const auto at = text.find(name);
  if (at == std::string_view::npos) return 0;
  auto rest = text.substr(at + name.size());
  rest.remove_prefix(std::min(rest.find_first_not_of(" \t:"), rest.size()));
  std::uint64_t kb = 0;
  std::from_chars(rest.data(), rest.data() + rest.size(), kb);
  return kb;
}

// Sums the counts of perf stat -x, output ("COUNT,,EVENT,..."); nullopt when an event was
// not counted (perf failed to attach or lacks the tracepoint).
std::optional<std::uint64_t> perf_sum(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::uint64_t sum = 0;
  int events = 0;
  while (std::getline(in, line)) {
    if (line.find("syscalls:sys_enter_") == std::string::npos) continue;
    const std::string_view field = std::string_view(line).substr(0, line.find(','));
    std::uint64_t n = 0;
    if (field == "<not counted>") {
      n = 0;  // no call of it while attached
    } else {
      const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), n);
      if (ec != std::errc{} || end != field.data() + field.size()) return std::nullopt;
    }
    sum += n;
    ++events;
  }
  if (events != 2) return std::nullopt;
  return sum;
}

}  // namespace

ServerProbe::ServerProbe(pid_t pid)
    : server_(pid),
      perf_output_(std::filesystem::temp_directory_path() /
                   ("concert-bench-perf-" + std::to_string(::getpid()) + ".csv")) {}

ServerProbe::~ServerProbe() {
  if (perf_ > 0) stop();
  std::error_code ignored;
  std::filesystem::remove(perf_output_, ignored);
}

void ServerProbe::start() {
  sample();
  const std::string pid = std::to_string(server_);
  const std::string output = perf_output_.string();
  std::vector<std::string> args = {"perf",
                                   "stat",
                                   "-x,",
                                   "-o",
                                   output,
                                   "-e",
                                   "syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync",
                                   "-p",
                                   pid};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t child = -1;
  if (posix_spawnp(&child, "perf", &actions, nullptr, argv.data(), environ) == 0) perf_ = child;
  posix_spawn_file_actions_destroy(&actions);
  std::this_thread::sleep_for(kPerfAttach);
}

void ServerProbe::sample() {
  std::ifstream in("/proc/" + std::to_string(server_) + "/status");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  last_rss_kb_ = status_kb(text, "VmRSS");
  peak_rss_kb_ = std::max(peak_rss_kb_, last_rss_kb_);
  hwm_kb_ = std::max(hwm_kb_, status_kb(text, "VmHWM"));
}

void ServerProbe::stop() {
  sample();
  if (perf_ <= 0) return;
  ::kill(perf_, SIGINT);
  int status = 0;
  ::waitpid(perf_, &status, 0);
  perf_ = -1;
  syncs_ = perf_sum(perf_output_);
}

}  // namespace concertd::bench
