-- 022_status_notify.sql - a status update published wakes the daemons.
--
-- Subscribers are mailed an update by a scheduler pass (status_tick()),
-- and a serving daemon runs one every 30 seconds when no timer is due
-- sooner: an update published from the CLI, or by an agent's mail to
-- another daemon, reached them up to half a minute late. Every daemon
-- LISTENs on guichet_status and runs its pass at once; the notification
-- is sent at COMMIT, once per transaction, never for a rolled-back post.
-- The channel is the trigger's argument, so that the next one needs no
-- function of its own (outbox_notify() of migration 010 predates it).
CREATE FUNCTION notify_channel() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], '');
    RETURN NULL;
END $$;

CREATE TRIGGER status_notify AFTER INSERT ON status_posts
    FOR EACH STATEMENT EXECUTE FUNCTION notify_channel('guichet_status');
