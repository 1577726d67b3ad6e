#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "database.hpp"
#include "load.hpp"

namespace concertd::bench {

struct ServerFigures {
  std::optional<std::uint64_t> syncs;  // fdatasync + fsync in the window; nullopt: n/a
  double peak_rss_mb = 0;
  double hwm_mb = 0;  // VmHWM: peak since the server started
};

struct SaleFigures {
  std::int64_t seats = 0;
  std::int64_t paid = 0;
  double sale_s = 0;  // from the start to the last successful payment
  std::int64_t fans_started = 0;
  std::int64_t fans_sold_out = 0;  // found no free seat
  std::int64_t fans_failed = 0;    // gave up on an answer the contract does not allow
  bool sold_out = false;
  [[nodiscard]] double paid_per_s() const noexcept {
    return sale_s > 0 ? static_cast<double>(paid) / sale_s : 0;
  }
};

struct Report {
  RunOptions options{};
  LoadResult load{};
  std::optional<ServerFigures> server{};
  std::optional<SaleFigures> sale{};
  std::optional<ServerCounters> database{};  // MariaDB: what the server counted in the window
  bool users_exhausted = false;              // tokens: every fan was used before the deadline
  std::vector<std::string> notes{};          // what the run wants the reader to know
  std::vector<std::string> failed{};         // checks that failed: the exit status is 1

  [[nodiscard]] double ok_per_s() const noexcept;
  // What the database figures are counted per: a paid seat in a sale, else a request.
  [[nodiscard]] double ops() const noexcept;
};

// The summary table, the notes and failed checks, and the RESULT line.
void print_summary(std::ostream& out, const Report& report);
// `RESULT label=... ok_per_s=...`: one line, key=value, "n/a" where there is no figure.
[[nodiscard]] std::string result_line(const Report& report);
// DIR/LABEL.json and DIR/LABEL.svg. Throws std::runtime_error when it cannot write.
void write_files(const std::filesystem::path& dir, const Report& report);
[[nodiscard]] std::string to_json(const Report& report);
// Two panels over time: throughput (ok/s) and p99 latency.
[[nodiscard]] std::string to_svg(const Report& report);

}  // namespace concertd::bench
