#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>

namespace concertd::bench {

// Watches the server process during the measured window: its resident memory (sampled)
// and its fdatasync + fsync calls (perf stat on the syscall tracepoints, which needs
// root or perf_event_paranoid <= 1). Not thread-safe.
class ServerProbe final {
 public:
  explicit ServerProbe(pid_t pid);
  ServerProbe(const ServerProbe&) = delete;
  ServerProbe& operator=(const ServerProbe&) = delete;
  ~ServerProbe();

  // Attaches perf stat; returns once it has had time to attach.
  void start();
  // Reads VmRSS now; the peak of the samples is reported.
  void sample();
  // Detaches perf stat and reads its counts.
  void stop();

  [[nodiscard]] std::optional<std::uint64_t> syncs() const noexcept { return syncs_; }
  [[nodiscard]] std::uint64_t last_rss_kb() const noexcept { return last_rss_kb_; }
  [[nodiscard]] std::uint64_t peak_rss_kb() const noexcept { return peak_rss_kb_; }
  // VmHWM: the peak since the server started, before the window too.
  [[nodiscard]] std::uint64_t hwm_kb() const noexcept { return hwm_kb_; }

 private:
  pid_t server_;
  pid_t perf_ = -1;
  std::filesystem::path perf_output_;
  std::optional<std::uint64_t> syncs_;
  std::uint64_t last_rss_kb_ = 0;
  std::uint64_t peak_rss_kb_ = 0;
  std::uint64_t hwm_kb_ = 0;
};

}  // namespace concertd::bench
