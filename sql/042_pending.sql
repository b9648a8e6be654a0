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
-- is a new row). The scheduler finds the waits it has to act on through
-- two partial indexes that hold only the waits under way (a ticket
-- becomes pending rarely; intake writes no pause): those not reminded
-- by when they began, those reminded by when; each pass reads the rows
-- that are due, not every pending ticket (a desk of a million open
-- tickets may have a hundred thousand waiting).
ALTER TABLE ticket_pauses ADD COLUMN reminded_at timestamptz;

CREATE INDEX ticket_pauses_unreminded ON ticket_pauses (start_at)
    WHERE end_at IS NULL AND reminded_at IS NULL;
CREATE INDEX ticket_pauses_reminded ON ticket_pauses (reminded_at)
    WHERE end_at IS NULL AND reminded_at IS NOT NULL;
