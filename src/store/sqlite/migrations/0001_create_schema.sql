-- Ids are 16-byte BLOBs, times INTEGER epoch milliseconds UTC, money INTEGER won,
-- dates TEXT 'YYYY-MM-DD' (so that text order is date order).

CREATE TABLE users (
  id BLOB NOT NULL PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  -- The running sum of the user's ledger rows (charges - payments), updated by the
  -- same statement set that inserts each ledger row.
  balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
  created_at INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
) WITHOUT ROWID;

CREATE TABLE ledger (
  id INTEGER PRIMARY KEY,
  user_id BLOB NOT NULL REFERENCES users (id),
  kind TEXT NOT NULL CHECK (kind IN ('CHARGE', 'PAYMENT')),
  amount INTEGER NOT NULL,
  payment_id BLOB,
  created_at INTEGER NOT NULL,
  -- A free seat (price 0) is paid with a zero debit; a charge is always positive.
  CHECK (kind = 'CHARGE' AND amount > 0 AND payment_id IS NULL
         OR kind = 'PAYMENT' AND amount >= 0 AND payment_id IS NOT NULL)
);
CREATE INDEX ledger_user ON ledger (user_id, id);

CREATE TABLE concerts (
  id BLOB NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  date TEXT NOT NULL,
  created_at INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
) WITHOUT ROWID;
CREATE INDEX concerts_date ON concerts (date, name);

-- A seat is FREE, HELD by one reservation until hold_expires_at, or SOLD. A HELD seat
-- whose hold_expires_at has passed is available again even before the sweeper frees it.
CREATE TABLE seats (
  concert_id BLOB NOT NULL REFERENCES concerts (id),
  seat_number INTEGER NOT NULL,
  price INTEGER NOT NULL CHECK (price >= 0),
  state TEXT NOT NULL DEFAULT 'FREE',
  holder BLOB,
  reservation_id BLOB,
  hold_expires_at INTEGER,
  PRIMARY KEY (concert_id, seat_number),
  CHECK (state = 'FREE' AND holder IS NULL AND reservation_id IS NULL AND hold_expires_at IS NULL
         OR state = 'HELD' AND holder IS NOT NULL AND reservation_id IS NOT NULL
            AND hold_expires_at IS NOT NULL
         OR state = 'SOLD' AND holder IS NOT NULL AND reservation_id IS NOT NULL
            AND hold_expires_at IS NULL)
) WITHOUT ROWID;
CREATE INDEX seats_holder ON seats (holder, state, hold_expires_at);
CREATE INDEX seats_state_expires ON seats (state, hold_expires_at);

CREATE TABLE reservations (
  id BLOB NOT NULL PRIMARY KEY,
  user_id BLOB NOT NULL REFERENCES users (id),
  concert_id BLOB NOT NULL,
  seat_number INTEGER NOT NULL,
  price INTEGER NOT NULL CHECK (price >= 0),
  status TEXT NOT NULL CHECK (status IN ('HELD', 'CONFIRMED', 'EXPIRED', 'CANCELLED')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  FOREIGN KEY (concert_id, seat_number) REFERENCES seats (concert_id, seat_number)
) WITHOUT ROWID;
CREATE INDEX reservations_status_expires ON reservations (status, expires_at);

CREATE TABLE payments (
  id BLOB NOT NULL PRIMARY KEY,
  reservation_id BLOB NOT NULL UNIQUE REFERENCES reservations (id),
  user_id BLOB NOT NULL REFERENCES users (id),
  amount INTEGER NOT NULL CHECK (amount >= 0),
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- AUTOINCREMENT: a number is never handed out twice, even after a restart.
CREATE TABLE queue_entries (
  number INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id BLOB NOT NULL REFERENCES users (id),
  status TEXT NOT NULL CHECK (status IN ('WAITING', 'ACTIVE', 'EXPIRED')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  CHECK (status <> 'ACTIVE' OR expires_at IS NOT NULL)
);
CREATE INDEX queue_entries_user ON queue_entries (user_id, status);
CREATE INDEX queue_entries_status_number ON queue_entries (status, number);
CREATE INDEX queue_entries_status_expires ON queue_entries (status, expires_at);

-- leader/lease_until: the admitter lease, for processes sharing one database.
CREATE TABLE queue_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  admitted_up_to INTEGER NOT NULL,
  leader TEXT,
  lease_until INTEGER NOT NULL DEFAULT 0
);
INSERT INTO queue_state (id, admitted_up_to) VALUES (1, 0);

CREATE TABLE idempotency_keys (
  user_id BLOB NOT NULL REFERENCES users (id),
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  outcome TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, idempotency_key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE settings (
  name TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
