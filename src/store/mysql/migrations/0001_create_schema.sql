-- Ids are BINARY(16), times BIGINT epoch milliseconds UTC, money BIGINT won, dates DATE.
-- Text the service looks up or orders by (usernames, concert names) is utf8mb4_bin and
-- opaque strings (keys, fingerprints, settings) are binary, so that comparisons are
-- byte-exact as in the SQLite store. InnoDB throughout: row locks and crash-safe commits.
-- Each statement ends with ';' at the end of a line (the migrator splits on that), and
-- can run again after a failed attempt: MySQL DDL commits statement by statement.

CREATE TABLE IF NOT EXISTS users (
  id BINARY(16) NOT NULL,
  username VARCHAR(255) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  -- The running sum of the user's ledger rows (charges - payments), updated by the
  -- same transaction that inserts each ledger row.
  balance BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT (CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)),
  PRIMARY KEY (id),
  UNIQUE KEY users_username (username),
  CONSTRAINT users_balance_not_negative CHECK (balance >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ledger (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id BINARY(16) NOT NULL,
  kind VARCHAR(7) NOT NULL,
  amount BIGINT NOT NULL,
  payment_id BINARY(16),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY ledger_user (user_id, id),
  CONSTRAINT ledger_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  -- A free seat (price 0) is paid with a zero debit; a charge is always positive.
  CONSTRAINT ledger_kind CHECK (kind = 'CHARGE' AND amount > 0 AND payment_id IS NULL
                                OR kind = 'PAYMENT' AND amount >= 0 AND payment_id IS NOT NULL)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS concerts (
  id BINARY(16) NOT NULL,
  name VARCHAR(255) NOT NULL,
  date DATE NOT NULL,
  created_at BIGINT NOT NULL DEFAULT (CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)),
  PRIMARY KEY (id),
  KEY concerts_date (date, name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A seat is FREE, HELD by one reservation until hold_expires_at, or SOLD. A HELD seat
-- whose hold_expires_at has passed is available again even before the sweeper frees it.
CREATE TABLE IF NOT EXISTS seats (
  concert_id BINARY(16) NOT NULL,
  seat_number INT NOT NULL,
  price BIGINT NOT NULL,
  state VARCHAR(4) NOT NULL DEFAULT 'FREE',
  holder BINARY(16),
  reservation_id BINARY(16),
  hold_expires_at BIGINT,
  PRIMARY KEY (concert_id, seat_number),
  KEY seats_holder (holder, state, hold_expires_at),
  KEY seats_state_expires (state, hold_expires_at),
  CONSTRAINT seats_concert_fk FOREIGN KEY (concert_id) REFERENCES concerts (id),
  CONSTRAINT seats_price_not_negative CHECK (price >= 0),
  CONSTRAINT seats_state CHECK (
    state = 'FREE' AND holder IS NULL AND reservation_id IS NULL AND hold_expires_at IS NULL
    OR state = 'HELD' AND holder IS NOT NULL AND reservation_id IS NOT NULL
       AND hold_expires_at IS NOT NULL
    OR state = 'SOLD' AND holder IS NOT NULL AND reservation_id IS NOT NULL
       AND hold_expires_at IS NULL)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS reservations (
  id BINARY(16) NOT NULL,
  user_id BINARY(16) NOT NULL,
  concert_id BINARY(16) NOT NULL,
  seat_number INT NOT NULL,
  price BIGINT NOT NULL,
  status VARCHAR(9) NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY reservations_status_expires (status, expires_at),
  CONSTRAINT reservations_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT reservations_seat_fk FOREIGN KEY (concert_id, seat_number)
    REFERENCES seats (concert_id, seat_number),
  CONSTRAINT reservations_price_not_negative CHECK (price >= 0),
  CONSTRAINT reservations_status CHECK (status IN ('HELD', 'CONFIRMED', 'EXPIRED', 'CANCELLED'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS payments (
  id BINARY(16) NOT NULL,
  reservation_id BINARY(16) NOT NULL,
  user_id BINARY(16) NOT NULL,
  amount BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY payments_reservation (reservation_id),
  CONSTRAINT payments_reservation_fk FOREIGN KEY (reservation_id) REFERENCES reservations (id),
  CONSTRAINT payments_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT payments_amount_not_negative CHECK (amount >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Numbers come from queue_state.last_number, not AUTO_INCREMENT: see queue_state.
CREATE TABLE IF NOT EXISTS queue_entries (
  number BIGINT NOT NULL,
  user_id BINARY(16) NOT NULL,
  status VARCHAR(7) NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  PRIMARY KEY (number),
  KEY queue_entries_user (user_id, status),
  KEY queue_entries_status_number (status, number),
  KEY queue_entries_status_expires (status, expires_at),
  CONSTRAINT queue_entries_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT queue_entries_status CHECK (status IN ('WAITING', 'ACTIVE', 'EXPIRED')),
  CONSTRAINT queue_entries_active_expires CHECK (status <> 'ACTIVE' OR expires_at IS NOT NULL)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- last_number hands out queue numbers under its row lock, held until the enqueue commits:
-- numbers become visible in the order they were taken, so an admitter that has seen
-- number N has seen every entry below N (AUTO_INCREMENT values can commit out of order,
-- and the admitter would pass over the late one).
CREATE TABLE IF NOT EXISTS queue_state (
  id INT NOT NULL,
  admitted_up_to BIGINT NOT NULL,
  last_number BIGINT NOT NULL DEFAULT 0,
  leader VARBINARY(64),  -- the admitter lease: which node admits, and until when
  lease_until BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  CONSTRAINT queue_state_single_row CHECK (id = 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

INSERT IGNORE INTO queue_state (id, admitted_up_to) VALUES (1, 0);

CREATE TABLE IF NOT EXISTS idempotency_keys (
  user_id BINARY(16) NOT NULL,
  idempotency_key VARBINARY(255) NOT NULL,
  fingerprint BLOB NOT NULL,
  outcome BLOB NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, idempotency_key),
  KEY idempotency_keys_created (created_at),
  CONSTRAINT idempotency_keys_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS settings (
  name VARBINARY(255) NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
