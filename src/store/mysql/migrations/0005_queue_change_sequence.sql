-- Nodes catch up with one another by change, not by re-reading every ACTIVE entry
-- (docs/design.md, "Refresh by change"). A payment marks its queue entry's departure
-- left_seq = 0; the admitter, in each round, numbers every such departure with the next
-- change_seq. A node that has read change N reads the departures of N+1.. and the entries
-- admitted above the admission horizon it last read: the size of the change.
-- Payments on nodes of an older build leave no departure for the others to read (their slot
-- frees on the other nodes only at --active-ttl): upgrade every node together.
ALTER TABLE queue_entries ADD COLUMN left_seq BIGINT NULL, ADD KEY queue_entries_left (left_seq);

ALTER TABLE queue_state ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
