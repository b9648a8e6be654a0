-- 033_held_notice.sql - a security report held as spam is told to the
-- agents of its queue.
--
-- A proof of concept often looks like spam to a filter: the spam rule
-- held such a report in the quarantine, where only a warning in the log
-- said it was there, and its 24 business hours passed unseen. A held
-- mail that a rule sends to the security queue (or to a redacted one)
-- now names that queue in notice_queue, and the agents of the queue are
-- told by mail (desk/held_notice.h): at once, unless a notice about that
-- queue went in the last hour; then by the next scheduler pass after the
-- hour, one mail for all that came meanwhile. noticed_at says when the
-- entry was told. A spammer who writes "vulnerability" ten thousand
-- times makes one mail an hour, not ten thousand.
ALTER TABLE quarantine ADD COLUMN notice_queue text;
ALTER TABLE quarantine ADD COLUMN noticed_at timestamptz;

-- Only held security reports have a notice_queue: the index is small,
-- and serves both "the queues with entries not told yet" and "when was
-- this queue last told".
CREATE INDEX quarantine_notice ON quarantine (notice_queue, noticed_at)
    WHERE notice_queue IS NOT NULL;
