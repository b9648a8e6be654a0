-- 035_reminders.sql - an agent's "#remind WHEN": the ticket comes back
-- to the agent then (desk/reminder.h).
--
-- A ticket waiting on a customer, a supplier or a deploy left the
-- agent's mind with the last mail: "pending" stopped its clock, and
-- nothing brought it back if nobody wrote. remind_at is when it comes
-- back, remind_by the agent who asked; the scheduler takes the due ones
-- (clearing remind_at in the same statement, so that a second daemon
-- does not take them too), opens a pending ticket again and mails the
-- agent in their thread of it.
ALTER TABLE tickets ADD COLUMN remind_at timestamptz;
ALTER TABLE tickets ADD COLUMN remind_by text;

-- Only the tickets with a reminder: a small index, read in time order.
CREATE INDEX tickets_remind ON tickets (remind_at) WHERE remind_at IS NOT NULL;
