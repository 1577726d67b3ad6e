-- A number that no entry will ever use can be taken by a placeholder: EXPIRED, no user (the
-- admitter's gap filling, docs/design.md "A join with no hot row"). SQLite cannot drop a NOT
-- NULL constraint, so the table is rebuilt; its sqlite_sequence row goes with it.
CREATE TABLE queue_entries_new (
  number INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id BLOB REFERENCES users (id),
  status TEXT NOT NULL CHECK (status IN ('WAITING', 'ACTIVE', 'EXPIRED')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  CHECK (status <> 'ACTIVE' OR expires_at IS NOT NULL),
  CHECK (user_id IS NOT NULL OR status = 'EXPIRED')
);
INSERT INTO queue_entries_new (number, user_id, status, created_at, expires_at)
  SELECT number, user_id, status, created_at, expires_at FROM queue_entries;
UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'queue_entries')
  WHERE name = 'queue_entries_new' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'queue_entries');
DROP TABLE queue_entries;
ALTER TABLE queue_entries_new RENAME TO queue_entries;
CREATE INDEX queue_entries_user ON queue_entries (user_id, status);
CREATE INDEX queue_entries_status_number ON queue_entries (status, number);
CREATE INDEX queue_entries_status_expires ON queue_entries (status, expires_at);
