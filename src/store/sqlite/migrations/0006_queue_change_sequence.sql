-- Processes sharing the store catch up with one another by change, not by re-reading every
-- ACTIVE entry (docs/design.md, "Refresh by change"). A payment marks its queue entry's
-- departure left_seq = 0; the admitter, in each round, numbers every such departure with
-- the next change_seq.
ALTER TABLE queue_entries ADD COLUMN left_seq INTEGER;
CREATE INDEX queue_entries_left ON queue_entries (left_seq) WHERE left_seq IS NOT NULL;

ALTER TABLE queue_state ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
