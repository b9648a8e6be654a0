-- 010_outbox_notify.sql - whatever queues a mail wakes the senders.
--
-- A mail queued by another process (`guichet ingest` from the MTA, a
-- second daemon, the CLI) would otherwise wait for the serving daemon's
-- next look at the outbox. Every daemon LISTENs on guichet_outbox; the
-- notification is sent at COMMIT (never for a rolled-back row), once per
-- transaction however many rows it queued.
CREATE FUNCTION outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('guichet_outbox', '');
    RETURN NULL;
END $$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
