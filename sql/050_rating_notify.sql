-- 050_rating_notify.sql - a rating given on the rating page wakes the
-- daemons' scheduler.
--
-- A rating that says something (a comment, a score of 1 or 2) given on
-- the page waits (told_at NULL) for a scheduler pass to tell the
-- ticket's agents and read its comment; a serving daemon runs one every
-- 30 seconds when no timer is due sooner, so "still broken" reopened the
-- ticket up to half a minute late, or later when the clock was stopped.
-- The channel that wakes the scheduler for a status update
-- (022_status_notify.sql) wakes it for these too: once per transaction,
-- at COMMIT, never for a rating rolled back, nor for one that needs no
-- telling (a rating by mail is a mail the agents already got).
CREATE TRIGGER rating_notify AFTER INSERT OR UPDATE ON ticket_ratings
    FOR EACH ROW WHEN (NEW.told_at IS NULL)
    EXECUTE FUNCTION notify_channel('guichet_status');
