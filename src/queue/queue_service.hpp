#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "queue/adaptive_rate.hpp"
#include "queue/queue_entry.hpp"
#include "queue/waiting_room.hpp"
#include "store/database.hpp"

namespace concertd::queue {

// The waiting room: persistent entries in the store, counters and ACTIVE entries in
// memory (WaitingRoom) so that a status poll costs O(1) at any queue length.
class QueueService final {
 public:
  struct Ticket {
    QueueEntry entry;
    bool created = false;  // false: the user's existing WAITING/ACTIVE entry came back
    QueueView view;
  };

  // An operator's change of the admission settings: nullopt leaves a field as it is.
  struct AdmissionChange {
    std::optional<bool> paused;
    std::optional<std::int64_t> admit_rate;  // 1..kMaxAdmitRate
    std::optional<std::int64_t> max_active;  // 1..kMaxActiveLimit
  };
  // What the operator sees: the settings in force and the waiting room's counters.
  struct AdmissionState {
    AdmissionSettings settings;
    WaitingRoom::Counts counts;
    AdmissionMode mode = AdmissionMode::kFixed;
    // The admit rate in force, per second: settings.admit_rate, or under it the adaptive
    // rate (this node's: the admitter's is the one applied).
    std::size_t rate = 0;
    std::optional<AdaptiveRate::State> adaptive;  // set in AdmissionMode::kAdaptive
  };

  // How long the admitter lease lasts unless renewed: a node that died is replaced by
  // another within this time. Admission rounds renew it many times over.
  static constexpr std::chrono::seconds kAdmitterLease{3};
  // Shared store: how often each node calls flush_presence() (a timer), and how long after
  // the admission horizon moved every node's flushed marks cover the window ahead of it: a
  // refresh() period (200 ms), a poll period (the page's 1 s), a flush period and slack for a
  // busy machine. The admitter
  // skips a fan no mark shows only within the window ahead of where the horizon was then.
  static constexpr std::chrono::seconds kPresenceFlushEvery{1};
  static constexpr std::chrono::seconds kPresenceSettle{5};
  // The presence window: admit_rate x abandon_after numbers ahead of the horizon, at most
  // this many (a flush then writes at most this many marks).
  static constexpr std::size_t kMaxPresenceWindow = 100'000;
  // The least abandon_after a fan who polls every second is safe with: a mark can be two
  // flush periods old when the admitter reads it (docs/design.md).
  static constexpr std::chrono::seconds kMinAbandonAfter{5};
  static_assert(kMinAbandonAfter > 2 * kPresenceFlushEvery + std::chrono::seconds{1});

  // `node`: set when other processes share the store (each with its own name). Then only
  // the node holding the admitter lease admits, refresh() catches up with what the others
  // wrote, and each node reports the polls it sees near the front (flush_presence()) so
  // that the admitter skips only fans no node has seen. Every node of a store must run
  // with the same admit_rate and abandon_after (they size the presence window).
  // `adaptive`: set for AdmissionMode::kAdaptive, the admit rate then follows the health of
  // hold and payment answers (observe_booking()) under the operator's admit rate.
  QueueService(store::Database& db, const Clock& clock, WaitingRoomConfig config,
               std::optional<std::string> node = std::nullopt,
               std::optional<AdmissionTargets> adaptive = std::nullopt);

  // Loads counters, ACTIVE entries and admission settings from the store; call once
  // before serving.
  void restore();
  // The user's live entry, or a new one at the back. kUserNotFound.
  [[nodiscard]] Result<Ticket> join(UserId user);
  // O(1), no store access. Also notes that the entry's user is still there.
  [[nodiscard]] QueueView status(std::int64_t number);
  // The user leaves the queue: entry `number` ends if it is theirs and WAITING (it is
  // skipped when reached) or ACTIVE (its slot is free for the next round, on every node).
  // Their seat holds stay until they lapse or are paid. True when it ended the entry, false
  // when it had ended already.
  [[nodiscard]] bool leave(UserId user, std::int64_t number);
  // kQueueNotActive unless entry `number` is ACTIVE now (memory only: a fast reject
  // before any write; the write itself re-checks in the store).
  [[nodiscard]] Result<void> require_active(std::int64_t number);
  // One hold or payment answer of this node: how long it took, and whether it was a server
  // error. Feeds the adaptive admit rate (nothing in AdmissionMode::kFixed). Thread-safe,
  // lock-free.
  void observe_booking(std::chrono::microseconds latency, bool server_error) noexcept;
  // Admits waiting users in FIFO order within the admit rate and free ACTIVE slots,
  // skipping users who walked away, and expires ACTIVE entries past their TTL.
  // In AdmissionMode::kAdaptive the admit rate is the adaptive one, updated here on every
  // node (so that a node taking over the lease starts from its own recent judgement).
  // Called by one timer (never concurrently with itself); returns how many were admitted.
  std::size_t admit();
  // Shared store only: writes, in one transaction, the presence marks of the WAITING
  // numbers within the window this node saw polled since the last flush; returns how many.
  std::size_t flush_presence();
  // Rewrites ACTIVE entries past their TTL as EXPIRED in the store (reads already
  // treat them as expired); returns how many. Called by the sweeper.
  std::size_t expire_lapsed();
  // Shared store only: catches up with the counters, admissions, departures and admission
  // settings other nodes wrote since the last refresh (or restore): its cost is that of the
  // change, not of the number of ACTIVE entries. Called by a timer (status answers and
  // settings are at most one period stale).
  void refresh();
  // In memory, no store access.
  [[nodiscard]] AdmissionState admission() const;
  // Stores the change (it survives restarts; a setting never changed stays the
  // configured default) and applies it here at once; other nodes apply it at their next
  // refresh(). kInvalidArgument: no field given, or one out of range.
  [[nodiscard]] Result<AdmissionState> change_admission(const AdmissionChange& change);
  // Shared store only: gives up the admitter lease (if held) on a clean shutdown, so that
  // another node admits at once instead of after the lease runs out.
  void resign();
  // The user paid: their ACTIVE entry ends. Call after the payment committed.
  void on_paid(UserId user);

 private:
  // Closes numbers first..last, a gap below a committed entry, with placeholders (one
  // transaction each: QueueStore::fill_gap), stopping at the first whose join is open.
  void close_gap(std::int64_t first, std::int64_t last, Timestamp now);
  // The highest number the admitter may skip for want of any node's mark: the window ahead
  // of the horizon kPresenceSettle ago (nullopt: this node has not been up that long).
  [[nodiscard]] std::optional<std::int64_t> skip_limit(Timestamp now);
  [[nodiscard]] AdmissionState state(const AdmissionSettings& settings) const;

  store::Database& db_;
  const Clock& clock_;
  const std::optional<std::string> node_;
  const AdmissionSettings defaults_;  // for settings no operator has changed
  // Held while admission settings are read (or written) and applied, so that a refresh
  // that read before a change never applies its older settings after the change.
  std::mutex admission_mutex_;
  QueueCounters seen_;  // as of the last restore() or refresh(); guarded by admission_mutex_
  const std::size_t presence_window_;
  // The horizon before each admit() of the last kPresenceSettle, oldest first; admit() only.
  std::deque<std::pair<Timestamp, std::int64_t>> horizons_;
  WaitingRoom room_;
  std::optional<AdaptiveRate> adaptive_;
};

}  // namespace concertd::queue
