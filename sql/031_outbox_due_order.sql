-- 031_outbox_due_order.sql - the outbox worker's take reads one row.
--
-- The worker takes the oldest due row by "ORDER BY next_attempt_at, id
-- LIMIT 1 FOR UPDATE SKIP LOCKED". outbox_due held next_attempt_at only,
-- and the mails of one batch share it (each is due when its transaction
-- commits): every take read all the pending rows of that instant and
-- sorted them to keep the first, so flushing n mails queued together
-- read n * n / 2 rows. With id in the index, its order is the take's
-- order and the scan stops at the first row it can lock.
CREATE INDEX outbox_due_order ON outbox (next_attempt_at, id)
    WHERE status = 'pending';
DROP INDEX outbox_due;
