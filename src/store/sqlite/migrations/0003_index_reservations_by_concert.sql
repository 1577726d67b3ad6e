-- The sales report counts each concert's reservations (GET /admin/sales). MariaDB has
-- this index already, for the reservations_seat_fk foreign key.
CREATE INDEX reservations_concert ON reservations (concert_id, seat_number);
