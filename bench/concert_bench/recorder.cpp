#include "recorder.hpp"

namespace concertd::bench {

std::string_view to_string(Op op) noexcept {
  switch (op) {
    case Op::kStatus:
      return "status";
    case Op::kTokens:
      return "tokens";
    case Op::kSeats:
      return "seats";
    case Op::kHold:
      return "hold";
    case Op::kPay:
      return "pay";
    case Op::kReservation:
      return "reservation";
  }
  return "?";
}

std::uint64_t Totals::ok() const noexcept {
  std::uint64_t n = 0;
  for (const auto& op : ops) n += op.ok;
  return n;
}

std::uint64_t Totals::error_count() const noexcept {
  std::uint64_t n = 0;
  for (const auto& op : ops) n += op.errors;
  return n;
}

void Recorder::record(Op op, std::chrono::nanoseconds latency, unsigned status,
                      std::string_view code) {
  const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(latency).count()));
  const bool ok = status >= 200 && status < 300;
  const std::lock_guard lock(mutex_);
  auto& figures = totals_.ops[static_cast<std::size_t>(op)];
  figures.latency_us.record(us);
  totals_.latency_us.record(us);
  interval_.latency_us.record(us);
  if (ok) {
    ++figures.ok;
    ++interval_.ok;
    return;
  }
  ++figures.errors;
  ++interval_.errors;
  ++totals_.errors[ErrorKey(status, std::string(code))];
}

void Recorder::record_transport_error(Op op, std::string_view what) {
  const std::lock_guard lock(mutex_);
  ++totals_.ops[static_cast<std::size_t>(op)].errors;
  ++interval_.errors;
  ++totals_.errors[ErrorKey(0, std::string(what))];
}

Interval Recorder::take_interval() {
  const std::lock_guard lock(mutex_);
  Interval out = interval_;
  interval_ = Interval{};
  return out;
}

void Recorder::add_totals(Totals& into) const {
  const std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < kOps; ++i) {
    into.ops[i].ok += totals_.ops[i].ok;
    into.ops[i].errors += totals_.ops[i].errors;
    into.ops[i].latency_us.merge(totals_.ops[i].latency_us);
  }
  for (const auto& [key, n] : totals_.errors) into.errors[key] += n;
  into.latency_us.merge(totals_.latency_us);
}

}  // namespace concertd::bench
