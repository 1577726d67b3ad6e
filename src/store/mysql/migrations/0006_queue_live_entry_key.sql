-- A user's one live queue entry (WAITING, or ACTIVE) is held by a unique key, so that a join
-- is one INSERT and its COMMIT, with no lock on the user's row taken first (docs/design.md,
-- "A join in two round trips"). Before the key exists, entries it would refuse are ended: an
-- ACTIVE entry past its expiry, and any live entry of a user older than their newest one.
UPDATE queue_entries SET status = 'EXPIRED'
  WHERE status = 'ACTIVE' AND expires_at <= CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED);

UPDATE queue_entries q
  JOIN (SELECT user_id, MAX(number) AS newest FROM queue_entries
        WHERE status IN ('WAITING', 'ACTIVE') GROUP BY user_id) live ON live.user_id = q.user_id
  SET q.status = 'EXPIRED'
  WHERE q.status IN ('WAITING', 'ACTIVE') AND q.number < live.newest;

ALTER TABLE queue_entries
  ADD COLUMN IF NOT EXISTS live_user BINARY(16)
    AS (IF(status IN ('WAITING', 'ACTIVE'), user_id, NULL)) STORED,
  ADD UNIQUE KEY IF NOT EXISTS queue_entries_live_user (live_user);
