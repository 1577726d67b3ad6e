-- A fan's reservations, newest first (GET /users/{userId}/reservations). One statement:
-- a failed attempt changed nothing and can run again.
CREATE INDEX reservations_user ON reservations (user_id, created_at);
