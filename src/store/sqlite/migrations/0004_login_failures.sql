-- Failed logins in a row and until when the account refuses logins (UserService).
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN login_locked_until INTEGER NOT NULL DEFAULT 0;
