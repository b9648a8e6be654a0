-- 042_pending.sql - tickets waiting on their customer, reminded, then
-- closed.
--
-- A ticket pending (waiting for the customer's answer) stopped its SLA
-- clock and waited for ever. With [sla] pending_remind_after, the
-- customer gets one reminder that long after the ticket became pending;
-- with pending_close_after, a ticket still unanswered is closed (a
-- "closed" mail; a mail within reopen_within opens it again). Both are
-- off unless set.
--
-- reminded_at: when this wait's reminder went (one per wait: a new wait
-- is a new row). The scheduler reads the waits under way through
-- ticket_pauses_open, a partial index that holds only them (a ticket
-- becomes pending rarely; intake writes no pause), so its pass reads
-- the pending tickets, not the table.
ALTER TABLE ticket_pauses ADD COLUMN reminded_at timestamptz;

CREATE INDEX ticket_pauses_open ON ticket_pauses (start_at)
    WHERE end_at IS NULL;
