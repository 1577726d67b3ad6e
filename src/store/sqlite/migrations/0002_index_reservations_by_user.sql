-- A fan's reservations, newest first (GET /users/{userId}/reservations).
CREATE INDEX reservations_user ON reservations (user_id, created_at);
