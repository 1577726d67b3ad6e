-- Queue numbers from AUTO_INCREMENT instead of queue_state.last_number, a row that every join
-- locked until its commit (docs/design.md, "A join with no hot row"). Numbers may now commit out
-- of order: the admitter never passes one that is missing while a join that took it is still
-- open, and fills one whose join rolled back with a placeholder: EXPIRED, no user.
-- Nodes of an older build still take numbers from last_number: stop them all before the
-- first node of this build starts (the migration runs then).
ALTER TABLE queue_entries
  MODIFY number BIGINT NOT NULL AUTO_INCREMENT,
  MODIFY user_id BINARY(16) NULL,
  ADD CONSTRAINT queue_entries_placeholder CHECK (user_id IS NOT NULL OR status = 'EXPIRED');

ALTER TABLE queue_state DROP COLUMN last_number;
