-- A user's one live queue entry (WAITING, or ACTIVE) is held by a unique key, so that a join
-- is one INSERT (docs/design.md, "A join in two round trips"). Before the key exists, entries
-- it would refuse are ended: an ACTIVE entry past its expiry, and any live entry of a user
-- older than their newest one.
UPDATE queue_entries SET status = 'EXPIRED'
  WHERE status = 'ACTIVE'
    AND expires_at <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER);
UPDATE queue_entries SET status = 'EXPIRED'
  WHERE status IN ('WAITING', 'ACTIVE')
    AND number < (SELECT MAX(newer.number) FROM queue_entries newer
                  WHERE newer.user_id = queue_entries.user_id
                    AND newer.status IN ('WAITING', 'ACTIVE'));
CREATE UNIQUE INDEX queue_entries_live_user ON queue_entries (user_id)
  WHERE status IN ('WAITING', 'ACTIVE');
