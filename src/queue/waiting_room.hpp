#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/clock.hpp"
#include "common/id.hpp"
#include "queue/admission_pace.hpp"
#include "queue/queue_entry.hpp"

namespace concertd::queue {

// The bounds of what an operator may set (the --admit-rate and --max-active bounds).
inline constexpr std::size_t kMaxAdmitRate = 1'000'000;
inline constexpr std::size_t kMaxActiveLimit = 10'000'000;

// What an operator may change while the service runs.
struct AdmissionSettings {
  bool paused = false;            // admit nobody; waiting fans keep their places
  std::size_t admit_rate = 100;   // per second, 1..kMaxAdmitRate
  std::size_t max_active = 1000;  // 1..kMaxActiveLimit
  friend bool operator==(const AdmissionSettings&, const AdmissionSettings&) = default;
};

struct WaitingRoomConfig {
  // The admission settings until set_admission changes them (never paused at first).
  std::size_t max_active = 1000;
  std::size_t admit_rate = 100;  // per second
  std::chrono::seconds active_ttl{600};
  // A WAITING user who has not polled for this long is taken to have walked away:
  // when their turn comes they are skipped (EXPIRED) instead of taking an ACTIVE slot.
  // Zero: never (processes sharing a store each see only the polls sent to them).
  std::chrono::seconds abandon_after{180};
  // Processes sharing a store: the numbers this far ahead of the admission horizon whose
  // polls take_presence() reports to the others. Zero: none (alone on the store).
  std::size_t presence_window = 0;
};

// What a fan sees of their entry.
struct QueueView {
  QueueStatus status = QueueStatus::kExpired;
  std::int64_t position = 0;           // 0 unless WAITING; then users ahead + 1
  std::int64_t remaining_seconds = 0;  // WAITING: estimated wait; ACTIVE: until expiry
  // WAITING: the wait's p10 and p90 (remaining_low <= remaining_seconds <= remaining_high);
  // otherwise both remaining_seconds.
  std::int64_t remaining_low = 0;
  std::int64_t remaining_high = 0;
  // Admission is paused: nobody is admitted until it resumes (the wait counts from then).
  bool paused = false;
};

// The in-memory half of the waiting room. Entries are numbered in queue order;
// everything numbered <= admitted_up_to has had its turn (admitted or skipped), so
// an entry's state follows from two counters and the small map of ACTIVE entries:
// every query is O(1) whatever the queue length. Thread-safe: every member below mutex_
// is guarded by it.
class WaitingRoom final {
 public:
  struct Counts {
    std::int64_t waiting = 0;  // numbers handed out but not yet reached (an upper bound)
    std::size_t active = 0;
    std::int64_t admitted_up_to = 0;
    std::int64_t last_number = 0;
    double pace = 0;  // the measured admission pace, per second (AdmissionPace)
  };

  explicit WaitingRoom(WaitingRoomConfig config);

  [[nodiscard]] std::chrono::seconds active_ttl() const noexcept { return active_ttl_; }
  [[nodiscard]] AdmissionSettings admission() const;
  // Takes effect at the next admission_budget (the next round) and the next view.
  void set_admission(const AdmissionSettings& settings);

  void restore(const QueueSnapshot& snapshot, Timestamp now);
  // Catches up with a store that other processes write too: counters move forward only,
  // the entries admitted since become ACTIVE, except those that ended here after the
  // changes were read, and the departures end their entries. `departures_before_read`:
  // departures() just before the changes were read.
  void catch_up(const QueueChanges& changes, Timestamp now, std::uint64_t departures_before_read);
  // How many times on_left() ended entries here so far: read it before reading changes
  // for catch_up(), so that changes older than a departure do not bring it back.
  [[nodiscard]] std::uint64_t departures() const;
  // A WAITING entry was committed. Idempotent; ignores entries already reached.
  void on_enqueued(std::int64_t number, Timestamp now);
  // The entry's state; for a WAITING entry it also records that its user is still there
  // (the one path that does: a status poll, or any other sign of the fan, calls it).
  [[nodiscard]] QueueView view(std::int64_t number, Timestamp now);
  // The WAITING numbers within the presence window seen since the last call, each with the
  // second it was last seen, ascending; forgets them.
  [[nodiscard]] std::vector<Presence> take_presence();
  [[nodiscard]] bool is_active(std::int64_t number, Timestamp now) const;
  // How many users may be admitted now: the rate budget capped by free ACTIVE slots, 0
  // while paused. The budget refills at the admit rate, or at `rate` (per second, > 0) when
  // that is lower (the adaptive rate). Drops ACTIVE entries that expired. Called every
  // admission round (on every node): it is the pace's clock.
  [[nodiscard]] std::size_t admission_budget(Timestamp now,
                                             std::optional<double> rate = std::nullopt);
  // True when the WAITING entry's user was last seen, here or at `seen_elsewhere` (another
  // process's presence mark), more than abandon_after before `now`, or left.
  [[nodiscard]] bool abandoned(std::int64_t number, Timestamp now,
                               std::optional<Timestamp> seen_elsewhere = std::nullopt) const;
  [[nodiscard]] std::int64_t admitted_up_to() const;
  // Applies a committed admission round: `admitted` became ACTIVE and every entry up
  // to `reached` has had its turn.
  void on_admitted(const std::vector<QueueEntry>& admitted, std::int64_t reached, Timestamp now);
  // The user's ACTIVE entries ended (payment, or leaving the queue).
  void on_left(UserId user);
  // The WAITING entry left the queue: it reads EXPIRED and is skipped when reached.
  void on_left_waiting(std::int64_t number);
  [[nodiscard]] Counts counts() const;

 private:
  struct Active {
    UserId user;
    Timestamp expires_at;
  };

  [[nodiscard]] WaitEstimate wait_locked(std::int64_t position) const;
  void advance_locked(std::int64_t reached);
  // Tracks entries up to `number` (if beyond what is known), as seen at `now`.
  void extend_locked(std::int64_t number, Timestamp now);
  // Records that the WAITING entry's user is there at `now`.
  void touch_locked(std::int64_t number, Timestamp now);
  void mark_left_locked(std::int64_t number);

  const std::chrono::seconds active_ttl_;
  const std::chrono::seconds abandon_after_;
  const std::size_t presence_window_;
  mutable std::mutex mutex_;
  AdmissionSettings admission_;
  std::int64_t admitted_up_to_ = 0;
  std::int64_t last_number_ = 0;
  std::unordered_map<std::int64_t, Active> active_;
  // Seconds since epoch each entry above admitted_up_to_ was last seen; front is
  // admitted_up_to_ + 1. 4 bytes an entry: a million waiting users cost 4 MB. 0: left.
  std::deque<std::uint32_t> last_seen_;
  // Numbers within presence_window_ seen since the last take_presence().
  std::unordered_set<std::int64_t> seen_since_take_;
  double tokens_ = 0;  // rate budget (token bucket, at most one second's worth)
  Timestamp refilled_at_{};
  // The horizon's pace, fed by every move of admitted_up_to_ (own rounds or catch_up).
  AdmissionPace pace_;
  std::uint64_t departures_ = 0;
  // Entries on_left() ended, with the departure count that ended them, until a catch_up
  // whose changes were read after that departure (and so show the entry ended).
  std::unordered_map<std::int64_t, std::uint64_t> departed_;
};

}  // namespace concertd::queue
