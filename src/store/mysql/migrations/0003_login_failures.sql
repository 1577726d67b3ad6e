-- Failed logins in a row and until when the account refuses logins (UserService).
ALTER TABLE users
  ADD COLUMN failed_logins INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN login_locked_until BIGINT NOT NULL DEFAULT 0;
