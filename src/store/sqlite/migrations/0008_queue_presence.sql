-- Presence marks near the front of the queue, for processes sharing the store: each writes,
-- every second, the newest time it saw each WAITING number it was polled for within a window
-- ahead of the admission horizon; the admitter reads them before it skips a fan as walked away
-- (docs/design.md, "Walked away, on every node"). Rows at or below the horizon are deleted.
CREATE TABLE queue_presence (
  number INTEGER PRIMARY KEY,
  seen_at INTEGER NOT NULL
);
