-- Presence marks near the front of the queue, for nodes sharing the database: each writes,
-- every second, the newest time it saw each WAITING number it was polled for within a window
-- ahead of the admission horizon; the admitter reads them before it skips a fan as walked away
-- (docs/design.md, "Walked away, on every node"). Rows at or below the horizon are deleted.
CREATE TABLE queue_presence (
  number BIGINT NOT NULL PRIMARY KEY,
  seen_at BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
