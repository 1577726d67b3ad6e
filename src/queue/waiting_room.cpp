#include "queue/waiting_room.hpp"

#include <algorithm>
#include <cmath>

namespace concertd::queue {
namespace {

std::uint32_t epoch_seconds(Timestamp t) {
  return static_cast<std::uint32_t>(
      std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count());
}

// last_seen_ of an entry that left the queue.
constexpr std::uint32_t kLeft = 0;

std::int64_t ceil_seconds(double seconds) { return static_cast<std::int64_t>(std::ceil(seconds)); }

}  // namespace

WaitingRoom::WaitingRoom(WaitingRoomConfig config)
    : active_ttl_(config.active_ttl),
      abandon_after_(config.abandon_after),
      presence_window_(config.presence_window),
      admission_{.paused = false, .admit_rate = config.admit_rate, .max_active = config.max_active},
      pace_(static_cast<double>(config.admit_rate)) {}

AdmissionSettings WaitingRoom::admission() const {
  const std::lock_guard lock(mutex_);
  return admission_;
}

void WaitingRoom::set_admission(const AdmissionSettings& settings) {
  const std::lock_guard lock(mutex_);
  admission_ = settings;
}

void WaitingRoom::restore(const QueueSnapshot& snapshot, Timestamp now) {
  const std::lock_guard lock(mutex_);
  admitted_up_to_ = snapshot.admitted_up_to;
  last_number_ = std::max(snapshot.last_number, snapshot.admitted_up_to);
  active_.clear();
  for (const auto& entry : snapshot.active) {
    if (entry.expires_at) active_.emplace(entry.number, Active{entry.user, *entry.expires_at});
  }
  // Nobody has been seen since the restart began: give everyone waiting a fresh start.
  last_seen_.assign(static_cast<std::size_t>(last_number_ - admitted_up_to_), epoch_seconds(now));
  refilled_at_ = now;
  pace_.restart(now);
}

void WaitingRoom::catch_up(const QueueChanges& changes, Timestamp now,
                           std::uint64_t departures_before_read) {
  const std::lock_guard lock(mutex_);
  advance_locked(changes.counters.admitted_up_to);
  for (const auto& entry : changes.admitted) {
    // Read before its user paid here: the changes still show it ACTIVE.
    if (const auto it = departed_.find(entry.number);
        it != departed_.end() && it->second > departures_before_read) {
      continue;
    }
    if (entry.expires_at) active_.emplace(entry.number, Active{entry.user, *entry.expires_at});
  }
  // Departures before the read are in the changes (their entries are no longer ACTIVE).
  std::erase_if(departed_, [&](const auto& item) { return item.second <= departures_before_read; });
  extend_locked(changes.counters.last_number, now);
  for (const auto number : changes.left) {
    active_.erase(number);
    mark_left_locked(number);
  }
}

std::uint64_t WaitingRoom::departures() const {
  const std::lock_guard lock(mutex_);
  return departures_;
}

void WaitingRoom::on_enqueued(std::int64_t number, Timestamp now) {
  const std::lock_guard lock(mutex_);
  extend_locked(number, now);
  touch_locked(number, now);  // joining counts as being seen
}

void WaitingRoom::extend_locked(std::int64_t number, Timestamp now) {
  if (number <= admitted_up_to_) return;
  const auto wanted = static_cast<std::size_t>(number - admitted_up_to_);
  if (last_seen_.size() < wanted) last_seen_.resize(wanted, epoch_seconds(now));
  last_number_ = std::max(last_number_, number);
}

QueueView WaitingRoom::view(std::int64_t number, Timestamp now) {
  const std::lock_guard lock(mutex_);
  const bool paused = admission_.paused;
  if (number > admitted_up_to_) {
    const auto index = static_cast<std::size_t>(number - admitted_up_to_ - 1);
    if (index < last_seen_.size() && last_seen_[index] == kLeft) {
      return {QueueStatus::kExpired, 0, 0, paused};
    }
    touch_locked(number, now);
    const std::int64_t position = number - admitted_up_to_;
    const auto wait = wait_locked(position);
    return {QueueStatus::kWaiting, position, wait.seconds, wait.p10, wait.p90, paused};
  }
  const auto it = active_.find(number);
  if (it == active_.end() || it->second.expires_at <= now) {
    return {QueueStatus::kExpired, 0, 0, 0, 0, paused};
  }
  const auto left =
      ceil_seconds(std::chrono::duration<double>(it->second.expires_at - now).count());
  return {QueueStatus::kActive, 0, left, left, left, paused};
}

void WaitingRoom::touch_locked(std::int64_t number, Timestamp now) {
  if (number <= admitted_up_to_) return;
  const auto index = static_cast<std::size_t>(number - admitted_up_to_ - 1);
  if (index >= last_seen_.size() || last_seen_[index] == kLeft) return;
  last_seen_[index] = epoch_seconds(now);
  if (index < presence_window_) seen_since_take_.insert(number);
}

std::vector<Presence> WaitingRoom::take_presence() {
  const std::lock_guard lock(mutex_);
  std::vector<Presence> out;
  for (const auto number : seen_since_take_) {
    if (number <= admitted_up_to_) continue;  // reached since: no longer needed
    const auto index = static_cast<std::size_t>(number - admitted_up_to_ - 1);
    if (index >= last_seen_.size() || last_seen_[index] == kLeft) continue;
    out.push_back(
        {.number = number, .seen_at = Timestamp(std::chrono::seconds(last_seen_[index]))});
  }
  seen_since_take_.clear();
  std::ranges::sort(out, {}, &Presence::number);
  return out;
}

bool WaitingRoom::is_active(std::int64_t number, Timestamp now) const {
  const std::lock_guard lock(mutex_);
  const auto it = active_.find(number);
  return it != active_.end() && it->second.expires_at > now;
}

std::size_t WaitingRoom::admission_budget(Timestamp now, std::optional<double> rate_limit) {
  const std::lock_guard lock(mutex_);
  std::erase_if(active_, [now](const auto& item) { return item.second.expires_at <= now; });
  const auto rate = std::min(static_cast<double>(admission_.admit_rate),
                             rate_limit.value_or(static_cast<double>(admission_.admit_rate)));
  const auto elapsed = std::chrono::duration<double>(now - refilled_at_).count();
  tokens_ = std::min(rate, tokens_ + std::max(0.0, elapsed) * rate);
  refilled_at_ = now;
  pace_.tick(now, !admission_.paused && last_number_ > admitted_up_to_);
  if (admission_.paused) return 0;
  const std::size_t free_slots =
      active_.size() < admission_.max_active ? admission_.max_active - active_.size() : 0;
  return std::min(free_slots, static_cast<std::size_t>(tokens_));
}

bool WaitingRoom::abandoned(std::int64_t number, Timestamp now,
                            std::optional<Timestamp> seen_elsewhere) const {
  const std::lock_guard lock(mutex_);
  if (abandon_after_.count() == 0 || number <= admitted_up_to_) return false;
  const auto index = static_cast<std::size_t>(number - admitted_up_to_ - 1);
  if (index >= last_seen_.size()) return false;
  if (last_seen_[index] == kLeft) return true;
  // The admitter reads `now` before its transaction waits for the writer, so a poll may
  // have been recorded at a later second than `now`: that fan is here, not gone.
  const std::uint32_t seen =
      std::max(last_seen_[index], seen_elsewhere ? epoch_seconds(*seen_elsewhere) : kLeft);
  const std::uint32_t at = epoch_seconds(now);
  return at > seen && at - seen > static_cast<std::uint32_t>(abandon_after_.count());
}

std::int64_t WaitingRoom::admitted_up_to() const {
  const std::lock_guard lock(mutex_);
  return admitted_up_to_;
}

void WaitingRoom::on_admitted(const std::vector<QueueEntry>& admitted, std::int64_t reached,
                              Timestamp now) {
  const std::lock_guard lock(mutex_);
  for (const auto& entry : admitted) {
    if (entry.expires_at && *entry.expires_at > now) {
      active_.insert_or_assign(entry.number, Active{entry.user, *entry.expires_at});
    }
  }
  tokens_ = std::max(0.0, tokens_ - static_cast<double>(admitted.size()));
  advance_locked(reached);
}

void WaitingRoom::on_left(UserId user) {
  const std::lock_guard lock(mutex_);
  ++departures_;
  std::erase_if(active_, [&](const auto& item) {
    if (item.second.user != user) return false;
    departed_[item.first] = departures_;
    return true;
  });
}

void WaitingRoom::on_left_waiting(std::int64_t number) {
  const std::lock_guard lock(mutex_);
  mark_left_locked(number);
}

void WaitingRoom::mark_left_locked(std::int64_t number) {
  if (number <= admitted_up_to_) return;
  const auto index = static_cast<std::size_t>(number - admitted_up_to_ - 1);
  if (index < last_seen_.size()) last_seen_[index] = kLeft;
}

WaitingRoom::Counts WaitingRoom::counts() const {
  const std::lock_guard lock(mutex_);
  return {last_number_ - admitted_up_to_, active_.size(), admitted_up_to_, last_number_,
          pace_.per_second()};
}

WaitEstimate WaitingRoom::wait_locked(std::int64_t position) const {
  // Slots turn over at least once per active TTL, and never faster than the admit rate.
  const double floor_rate = static_cast<double>(admission_.max_active) /
                            static_cast<double>(std::max<std::int64_t>(1, active_ttl_.count()));
  const auto admit_rate = static_cast<double>(admission_.admit_rate);
  return pace_.wait(position, std::min(floor_rate, admit_rate), admit_rate);
}

void WaitingRoom::advance_locked(std::int64_t reached) {
  if (reached <= admitted_up_to_) return;
  pace_.passed(reached - admitted_up_to_);
  const auto passed = static_cast<std::size_t>(reached - admitted_up_to_);
  last_seen_.erase(last_seen_.begin(), last_seen_.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                                passed, last_seen_.size())));
  admitted_up_to_ = reached;
  last_number_ = std::max(last_number_, reached);
}

}  // namespace concertd::queue
