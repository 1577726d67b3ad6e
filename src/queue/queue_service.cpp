#include "queue/queue_service.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "common/metrics.hpp"

namespace concertd::queue {
namespace {

// Settings rows; a name never written means the configured default.
constexpr std::string_view kPausedSetting = "admission.paused";
constexpr std::string_view kAdmitRateSetting = "admission.admit_rate";
constexpr std::string_view kMaxActiveSetting = "admission.max_active";

std::size_t parse_count(std::string_view name, const std::string& text) {
  std::size_t out = 0;
  const char* end = text.data() + text.size();
  if (std::from_chars(text.data(), end, out).ptr != end || text.empty()) {
    throw std::runtime_error("stored setting " + std::string(name) + " is not a number");
  }
  return out;
}

// The settings in force: what the store holds, the defaults where it holds nothing.
AdmissionSettings load_admission(store::Tx& tx, const AdmissionSettings& defaults) {
  AdmissionSettings out = defaults;
  if (auto paused = tx.settings.get(kPausedSetting)) out.paused = *paused == "true";
  if (auto rate = tx.settings.get(kAdmitRateSetting)) {
    out.admit_rate = parse_count(kAdmitRateSetting, *rate);
  }
  if (auto most = tx.settings.get(kMaxActiveSetting)) {
    out.max_active = parse_count(kMaxActiveSetting, *most);
  }
  return out;
}

Result<void> check_range(std::optional<std::int64_t> value, std::size_t most,
                         std::string_view field) {
  if (!value || (*value >= 1 && static_cast<std::uint64_t>(*value) <= most)) return {};
  return make_error(Errc::kInvalidArgument,
                    std::string(field) + " must be from 1 to " + std::to_string(most));
}

// What the waiting room keeps in memory, read from the store in one snapshot.
struct StoredRoom {
  QueueSnapshot snapshot;
  AdmissionSettings settings;
};

StoredRoom read_room(store::Database& db, Timestamp now, const AdmissionSettings& defaults) {
  return store::read(db, [&](store::Tx& tx) {
    return StoredRoom{tx.queue.snapshot(now), load_admission(tx, defaults)};
  });
}

// What changed since the counters `seen` were read, and the settings, in one snapshot: a
// few rows and the change, however many entries are ACTIVE.
struct RoomChanges {
  QueueChanges changes;
  AdmissionSettings settings;
};

RoomChanges read_changes(store::Database& db, const QueueCounters& seen, Timestamp now,
                         const AdmissionSettings& defaults) {
  return store::read(db, [&](store::Tx& tx) {
    RoomChanges out{.changes = {.counters = tx.queue.counters(), .admitted = {}, .left = {}},
                    .settings = load_admission(tx, defaults)};
    const auto& latest = out.changes.counters;
    if (latest.admitted_up_to > seen.admitted_up_to) {
      out.changes.admitted =
          tx.queue.admitted_between(seen.admitted_up_to, latest.admitted_up_to, now);
    }
    if (latest.change_seq > seen.change_seq) {
      out.changes.left = tx.queue.left_between(seen.change_seq, latest.change_seq);
    }
    return out;
  });
}

// At most this many entries are looked at per admission round, so that a long run
// of walked-away users is skipped over several rounds instead of one long write.
constexpr std::size_t kMaxScannedPerRound = 5000;

// Numbers first..last, below a committed entry, that have no entry (yet).
struct Gap {
  std::int64_t first = 0;
  std::int64_t last = 0;
};

struct AdmissionRound {
  std::vector<QueueEntry> admitted;
  std::size_t skipped = 0;  // walked away
  std::int64_t reached = 0;
  std::optional<Gap> gap;  // where the round stopped, if a gap stopped it
};

}  // namespace

QueueService::QueueService(store::Database& db, const Clock& clock, WaitingRoomConfig config,
                           std::optional<std::string> node,
                           std::optional<AdmissionTargets> adaptive)
    : db_(db),
      clock_(clock),
      node_(std::move(node)),
      defaults_{.paused = false, .admit_rate = config.admit_rate, .max_active = config.max_active},
      presence_window_(node_ ? std::min(kMaxPresenceWindow,
                                        config.admit_rate *
                                            static_cast<std::size_t>(config.abandon_after.count()))
                             : 0),
      room_([&] {
        config.presence_window = presence_window_;
        return config;
      }()) {
  if (adaptive) adaptive_.emplace(*adaptive, config.admit_rate);
}

void QueueService::restore() {
  const auto now = clock_.now();
  const std::lock_guard lock(admission_mutex_);
  const auto stored = read_room(db_, now, defaults_);
  room_.restore(stored.snapshot, now);
  room_.set_admission(stored.settings);
  seen_ = {.admitted_up_to = stored.snapshot.admitted_up_to,
           .last_number = stored.snapshot.last_number,
           .change_seq = stored.snapshot.change_seq};
}

Result<QueueService::Ticket> QueueService::join(UserId user) {
  const auto now = clock_.now();
  auto ticket = store::write(db_, [&](store::Tx& tx) -> Result<Ticket> {
    // The brief's rule: a WAITING or ACTIVE entry comes back as it is; only a user
    // without one (never queued, or EXPIRED) goes to the back.
    auto joined = tx.queue.enqueue(user, now);
    if (!joined) return make_error(Errc::kUserNotFound, "no such user");
    return Ticket{std::move(joined->entry), joined->created, {}};
  });
  if (!ticket) return ticket;
  room_.on_enqueued(ticket->entry.number, now);
  ticket->view = room_.view(ticket->entry.number, now);
  return ticket;
}

QueueView QueueService::status(std::int64_t number) { return room_.view(number, clock_.now()); }

bool QueueService::leave(UserId user, std::int64_t number) {
  const auto now = clock_.now();
  const bool left =
      store::write(db_, [&](store::Tx& tx) { return tx.queue.leave(number, user, now); });
  if (!left) return false;
  room_.on_left(user);
  room_.on_left_waiting(number);
  metrics::registry().queue_left.add();
  return true;
}

Result<void> QueueService::require_active(std::int64_t number) {
  if (room_.is_active(number, clock_.now())) return {};
  return make_error(Errc::kQueueNotActive, "your place in the queue is not active");
}

void QueueService::observe_booking(std::chrono::microseconds latency, bool server_error) noexcept {
  if (adaptive_) adaptive_->observe(latency, server_error);
}

std::size_t QueueService::admit() {
  const auto now = clock_.now();
  std::optional<double> rate;
  if (adaptive_) {
    const auto counts = room_.counts();
    rate = static_cast<double>(adaptive_->update(now, room_.admission().admit_rate,
                                                 counts.last_number > counts.admitted_up_to));
  }
  // Only the budget follows the adaptive rate: who is admitted next is still the front.
  const std::size_t budget = room_.admission_budget(now, rate);
  const auto known = room_.admitted_up_to();
  // Alone on the store, memory is the whole truth: no write when there is nothing to do.
  if (!node_ && (budget == 0 || room_.counts().last_number <= known)) return 0;
  const auto limit = node_ ? skip_limit(now) : std::nullopt;

  const auto expires_at = now + room_.active_ttl();
  const auto round = store::write(db_, [&](store::Tx& tx) -> std::optional<AdmissionRound> {
    AdmissionRound r{.admitted = {}, .skipped = 0, .reached = known, .gap = std::nullopt};
    if (node_) {
      // Renewed every round, with or without anyone to admit, so that the lease stays.
      if (!tx.queue.try_lead(*node_, now, now + kAdmitterLease)) return std::nullopt;
      const auto counters = tx.queue.counters();
      r.reached = counters.admitted_up_to;
      // The payments since the last round, for the other nodes' refresh().
      if (tx.queue.publish_departures(counters.change_seq + 1) > 0) {
        tx.queue.set_change_seq(counters.change_seq + 1);
      }
    }
    const auto start = r.reached;
    std::size_t scanned = 0;
    while (!r.gap && r.admitted.size() < budget && scanned < kMaxScannedPerRound) {
      auto next = tx.queue.entries_after(r.reached, budget - r.admitted.size());
      if (next.empty()) break;
      // Other nodes' presence marks for this batch, read the first time they decide a skip.
      std::optional<std::vector<Presence>> marks;
      const auto walked_away = [&](std::int64_t number) {
        if (!room_.abandoned(number, now)) return false;
        if (!node_) return true;
        // Unseen here, and beyond where the marks are complete: nobody can tell, keep them.
        if (!limit || number > *limit) return false;
        if (!marks) marks = tx.queue.presence_between(number - 1, next.back().number);
        const auto it = std::ranges::lower_bound(*marks, number, {}, &Presence::number);
        return it == marks->end() || it->number != number ||
               room_.abandoned(number, now, it->seen_at);
      };
      for (auto& slot : next) {
        // The horizon never passes a number without an entry: its join may yet commit.
        if (slot.number != r.reached + 1) {
          r.gap = Gap{.first = r.reached + 1, .last = slot.number - 1};
          break;
        }
        ++scanned;
        r.reached = slot.number;
        if (!slot.waiting) continue;  // a gap's placeholder, or an entry that ended
        if (walked_away(slot.number)) {
          tx.queue.expire(slot.number);
          ++r.skipped;
          continue;
        }
        auto& entry = r.admitted.emplace_back(*std::move(slot.waiting));
        entry.status = QueueStatus::kActive;
        entry.expires_at = expires_at;
      }
    }
    if (r.reached != start) {
      // Every entry still WAITING up to `reached` is one of r.admitted: one statement.
      tx.queue.activate(start + 1, r.reached, expires_at);
      tx.queue.set_admitted_up_to(r.reached);
      if (node_) tx.queue.forget_presence(r.reached);
    }
    return r;
  });
  if (!round) return 0;  // another node admits
  metrics::registry().queue_skipped.add(round->skipped);
  room_.on_admitted(round->admitted, round->reached, now);
  if (round->gap) close_gap(round->gap->first, round->gap->last, now);
  return round->admitted.size();
}

std::optional<std::int64_t> QueueService::skip_limit(Timestamp now) {
  horizons_.emplace_back(now, room_.admitted_up_to());
  const auto settled = now - kPresenceSettle;
  // The front stays the newest horizon at or before `settled`.
  while (horizons_.size() > 1 && horizons_[1].first <= settled) horizons_.pop_front();
  const auto& [at, horizon] = horizons_.front();
  if (at > settled) return std::nullopt;
  return horizon + static_cast<std::int64_t>(presence_window_);
}

std::size_t QueueService::flush_presence() {
  if (!node_) return 0;
  const auto marks = room_.take_presence();
  if (marks.empty()) return 0;
  db_.write([&](store::Tx& tx) {
    tx.queue.mark_present(marks);
    return true;
  });
  metrics::registry().presence_marks.add(marks.size());
  return marks.size();
}

void QueueService::close_gap(std::int64_t first, std::int64_t last, Timestamp now) {
  last = std::min(last, first + static_cast<std::int64_t>(kMaxScannedPerRound) - 1);
  for (auto number = first; number <= last; ++number) {
    bool closed = false;
    db_.write([&](store::Tx& tx) {
      closed = tx.queue.fill_gap(number, now);
      return closed;
    });
    // Still open: the next rounds wait for that join's commit, or for its end.
    if (!closed) return;
  }
}

void QueueService::resign() {
  if (!node_) return;
  db_.write([&](store::Tx& tx) {
    tx.queue.resign(*node_);
    return true;
  });
}

void QueueService::refresh() {
  const auto now = clock_.now();
  const std::lock_guard lock(admission_mutex_);
  const auto departures = room_.departures();
  const auto read = read_changes(db_, seen_, now, defaults_);
  room_.catch_up(read.changes, now, departures);
  room_.set_admission(read.settings);
  seen_ = read.changes.counters;
}

QueueService::AdmissionState QueueService::admission() const { return state(room_.admission()); }

QueueService::AdmissionState QueueService::state(const AdmissionSettings& settings) const {
  AdmissionState out{.settings = settings,
                     .counts = room_.counts(),
                     .mode = adaptive_ ? AdmissionMode::kAdaptive : AdmissionMode::kFixed,
                     .rate = settings.admit_rate,
                     .adaptive = std::nullopt};
  if (adaptive_) {
    out.adaptive = adaptive_->state();
    out.rate = std::min(out.rate, out.adaptive->rate);
  }
  return out;
}

Result<QueueService::AdmissionState> QueueService::change_admission(const AdmissionChange& change) {
  if (!change.paused && !change.admit_rate && !change.max_active) {
    return make_error(Errc::kInvalidArgument, "give paused, admitRate or maxActive");
  }
  if (auto ok = check_range(change.admit_rate, kMaxAdmitRate, "admitRate"); !ok) return ok.error();
  if (auto ok = check_range(change.max_active, kMaxActiveLimit, "maxActive"); !ok) {
    return ok.error();
  }
  const std::lock_guard lock(admission_mutex_);
  const auto settings = store::write(db_, [&](store::Tx& tx) {
    if (change.paused) tx.settings.put(kPausedSetting, *change.paused ? "true" : "false");
    if (change.admit_rate) tx.settings.put(kAdmitRateSetting, std::to_string(*change.admit_rate));
    if (change.max_active) tx.settings.put(kMaxActiveSetting, std::to_string(*change.max_active));
    return load_admission(tx, defaults_);
  });
  room_.set_admission(settings);
  return state(settings);
}

std::size_t QueueService::expire_lapsed() {
  const auto now = clock_.now();
  return store::write(db_, [&](store::Tx& tx) { return tx.queue.expire_lapsed(now); });
}

void QueueService::on_paid(UserId user) { room_.on_left(user); }

}  // namespace concertd::queue
