-- 008_held_mail.sql - mail held back, and let go: quarantine entries
-- released by ops into a ticket, and a ticket's mails to its customer
-- side spaced to at most ticket_send_cap an hour.

-- A quarantine entry ops released into a ticket (`guichet quarantine
-- release`): who did it and when; ticket_id names the ticket.
ALTER TABLE quarantine DROP CONSTRAINT quarantine_status_check;
ALTER TABLE quarantine ADD CONSTRAINT quarantine_status_check
    CHECK (status IN ('held', 'retried', 'released'));
ALTER TABLE quarantine ADD COLUMN released_at timestamptz;
ALTER TABLE quarantine ADD COLUMN released_by text;

-- When each mail of a ticket to its customer side leaves (its slot in the
-- hourly cap); slots older than an hour are forgotten.
CREATE TABLE ticket_send_log (
    ticket_id       bigint NOT NULL REFERENCES tickets (id),
    at              timestamptz NOT NULL
);
CREATE INDEX ticket_send_log_ticket ON ticket_send_log (ticket_id, at);

-- The slot of the mail of ours p_message_id (queued in this transaction)
-- under a cap of p_cap mails per ticket in any hour: now, or the first
-- instant the hour allows (an hour after the p_cap-th latest slot). A
-- later slot puts the mail's delivery off until then, with a "mail_held"
-- event. Nothing is counted for a mail that was not queued (the
-- auto_reply_cap kept it). Slots never go backwards, so any hour holds at
-- most p_cap of them. Returns the slot, or NULL.
CREATE FUNCTION ticket_send_slot(p_ticket bigint, p_message_id text,
                                 p_now timestamptz, p_cap bigint)
RETURNS timestamptz LANGUAGE plpgsql AS $$
DECLARE
    nth timestamptz;
    slot timestamptz := p_now;
    what text;
BEGIN
    SELECT purpose INTO what FROM outbox WHERE message_id = p_message_id;
    IF NOT FOUND OR p_cap <= 0 THEN
        RETURN NULL;
    END IF;
    -- one ticket's mails take their slots one after the other
    PERFORM pg_advisory_xact_lock(hashtextextended(
        'ticket_send:' || p_ticket, 0));
    DELETE FROM ticket_send_log
        WHERE ticket_id = p_ticket AND at <= p_now - interval '1 hour';
    SELECT at INTO nth FROM ticket_send_log WHERE ticket_id = p_ticket
        ORDER BY at DESC OFFSET p_cap - 1 LIMIT 1;
    IF nth IS NOT NULL AND nth + interval '1 hour' > p_now THEN
        slot := nth + interval '1 hour';
    END IF;
    INSERT INTO ticket_send_log (ticket_id, at) VALUES (p_ticket, slot);
    IF slot > p_now THEN
        UPDATE outbox SET next_attempt_at = slot
            WHERE message_id = p_message_id;
        INSERT INTO events (ticket_id, at, kind, data)
        VALUES (p_ticket, p_now, 'mail_held', jsonb_build_object(
            'message_id', p_message_id, 'purpose', what,
            'until', iso_utc(slot), 'reason', 'ticket_send_cap',
            'cap', p_cap));
    END IF;
    RETURN slot;
END;
$$;
