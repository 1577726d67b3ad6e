#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/id.hpp"

namespace concertd::queue {

enum class QueueStatus { kWaiting, kActive, kExpired };

// The contract's spelling, used in JSON and in every store's tables.
[[nodiscard]] constexpr std::string_view to_string(QueueStatus status) noexcept {
  switch (status) {
    case QueueStatus::kWaiting:
      return "WAITING";
    case QueueStatus::kActive:
      return "ACTIVE";
    case QueueStatus::kExpired:
      return "EXPIRED";
  }
  return "EXPIRED";
}

// nullopt for text that spells no status.
[[nodiscard]] constexpr std::optional<QueueStatus> parse_queue_status(std::string_view text) {
  for (auto status : {QueueStatus::kWaiting, QueueStatus::kActive, QueueStatus::kExpired}) {
    if (to_string(status) == text) return status;
  }
  return std::nullopt;
}

// One place in the waiting room. `number` is the FIFO order: strictly increasing
// in the order users queued, assigned by the store.
struct QueueEntry {
  std::int64_t number = 0;
  UserId user;
  QueueStatus status = QueueStatus::kWaiting;
  Timestamp created_at;
  std::optional<Timestamp> expires_at;  // set once ACTIVE
};

// What QueueStore::enqueue found or made.
struct Enqueued {
  QueueEntry entry;
  bool created = false;  // false: the user's live entry came back
};

// A number past the admission horizon, as the admitter reads it. A number with no row is
// a gap: taken by a join that has not committed yet, or by one that rolled back.
struct QueueSlot {
  std::int64_t number = 0;
  std::optional<QueueEntry> waiting;  // the entry, when it is WAITING
};

// The waiting room's counters.
struct QueueCounters {
  std::int64_t admitted_up_to = 0;  // every entry numbered <= this was admitted or skipped
  std::int64_t last_number = 0;     // highest number handed out so far
  std::int64_t change_seq = 0;      // the last change publish_departures numbered
};

// What the waiting room needs in memory after a restart.
struct QueueSnapshot {
  std::int64_t admitted_up_to = 0;  // every entry numbered <= this was admitted or skipped
  std::int64_t last_number = 0;     // highest number handed out so far
  std::vector<QueueEntry> active;   // ACTIVE entries not yet expired
  std::int64_t change_seq = 0;      // the departures it reflects
};

// What other processes sharing the store changed since a process read its counters
// `seen`: the size of the change, whatever the number of ACTIVE entries.
struct QueueChanges {
  QueueCounters counters;
  // Entries numbered above seen.admitted_up_to, up to counters.admitted_up_to, that are
  // ACTIVE and not yet expired: the admission rounds since.
  std::vector<QueueEntry> admitted;
  // Entries whose ACTIVE time ended early (expire_active_of: a payment), published above
  // seen.change_seq, up to counters.change_seq.
  std::vector<std::int64_t> left;
};

// A WAITING number some process saw polled (or joined) at `seen_at`.
struct Presence {
  std::int64_t number = 0;
  Timestamp seen_at;
};

class QueueStore {
 public:
  virtual ~QueueStore() = default;
  // The user's WAITING entry, or ACTIVE entry that has not expired by `now`.
  [[nodiscard]] virtual std::optional<QueueEntry> find_live(UserId user, Timestamp now) = 0;
  // Appends a WAITING entry of `user` at the back, unless the user has a live entry
  // (WAITING, or ACTIVE with expires_at > now), which comes back instead: a unique key on
  // live entries settles two joins of one user at once, so no lock is taken first. An
  // ACTIVE entry past its expiry is ended on the way. nullopt: no such user. The store
  // assigns the next number; numbers are taken in increasing order but may commit out of
  // it: no lock is shared by every join.
  [[nodiscard]] virtual std::optional<Enqueued> enqueue(UserId user, Timestamp now) = 0;
  // True when entry `number` belongs to `user` and is ACTIVE with expires_at > now.
  [[nodiscard]] virtual bool is_active(std::int64_t number, UserId user, Timestamp now) = 0;
  // The entries numbered above `after`, of every status, in number order: up to `limit`.
  [[nodiscard]] virtual std::vector<QueueSlot> entries_after(std::int64_t after,
                                                             std::size_t limit) = 0;
  // Closes the gap at `number` (below a committed entry) with a placeholder, EXPIRED and
  // of no user, so that no join can commit it later. True when the number is closed: by
  // the placeholder, or by the entry that took it, committed meanwhile. False while the
  // transaction that took it is still open: it may yet commit, and the admitter waits for
  // it. False may have aborted the transaction: call it alone in one, rolled back on false.
  [[nodiscard]] virtual bool fill_gap(std::int64_t number, Timestamp now) = 0;
  // Makes every WAITING entry numbered first..last (inclusive) ACTIVE until expires_at:
  // one statement for a whole admission round.
  virtual void activate(std::int64_t first, std::int64_t last, Timestamp expires_at) = 0;
  virtual void expire(std::int64_t number) = 0;
  // Ends every ACTIVE entry of `user` (after a payment): a departure that
  // publish_departures will number.
  virtual void expire_active_of(UserId user) = 0;
  // The admitter, in its round (try_lead holds the counters): gives every departure not yet
  // published the change number `seq`; returns how many. A departure whose transaction
  // commits later is published by a later round: none is ever passed over.
  virtual std::size_t publish_departures(std::int64_t seq) = 0;
  virtual void set_change_seq(std::int64_t seq) = 0;
  // Marks ACTIVE entries with expires_at <= now EXPIRED; returns how many.
  virtual std::size_t expire_lapsed(Timestamp now) = 0;
  virtual void set_admitted_up_to(std::int64_t number) = 0;
  // The admitter lease of processes sharing the store: takes or renews it for `node`
  // when it is free, lapsed (lease_until <= now) or already `node`'s. True when `node`
  // now holds it until `lease_until`. In MySQL this also locks the counters' row until
  // the transaction ends, so two admission rounds never interleave.
  [[nodiscard]] virtual bool try_lead(std::string_view node, Timestamp now,
                                      Timestamp lease_until) = 0;
  // Gives the lease up if `node` holds it, so that another node takes over at once.
  virtual void resign(std::string_view node) = 0;
  // The counters alone (one row; no entries are read).
  [[nodiscard]] virtual QueueCounters counters() = 0;
  // The counters and the ACTIVE entries not expired by `now`.
  [[nodiscard]] virtual QueueSnapshot snapshot(Timestamp now) = 0;
  // The entries numbered after..up_to (exclusive, inclusive) ACTIVE and not expired by
  // `now`, in number order.
  [[nodiscard]] virtual std::vector<QueueEntry> admitted_between(std::int64_t after,
                                                                 std::int64_t up_to,
                                                                 Timestamp now) = 0;
  // The numbers of the departures published with a change after..up_to.
  [[nodiscard]] virtual std::vector<std::int64_t> left_between(std::int64_t after,
                                                               std::int64_t up_to) = 0;
  // Ends entry `number` if it is `user`'s and WAITING, or ACTIVE with expires_at > now: a
  // departure that publish_departures will number (a WAITING one is skipped when reached).
  // True when it ended it; false when it had ended already (or is not the user's).
  [[nodiscard]] virtual bool leave(std::int64_t number, UserId user, Timestamp now) = 0;
  // Records that each mark's number was seen at its time; a number marked before keeps the
  // newer time. Numbers must be ascending (rows are locked in that order).
  virtual void mark_present(std::span<const Presence> marks) = 0;
  // The presence marks of the numbers after..up_to (exclusive, inclusive).
  [[nodiscard]] virtual std::vector<Presence> presence_between(std::int64_t after,
                                                               std::int64_t up_to) = 0;
  // Deletes the marks of numbers <= up_to (they have had their turn).
  virtual void forget_presence(std::int64_t up_to) = 0;
};

}  // namespace concertd::queue
