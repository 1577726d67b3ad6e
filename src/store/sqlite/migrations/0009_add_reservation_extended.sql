-- A hold may be extended once (POST /api/v1/reservations/{id}/extend): the reservation
-- records that it was, so that a second extension, on any node and at the same moment as
-- the first, changes nothing (the UPDATE's WHERE extended = 0).
ALTER TABLE reservations ADD COLUMN extended INTEGER NOT NULL DEFAULT 0 CHECK (extended IN (0, 1));
