-- 036_outbox_keep.sql - the bytes of a mail sent long ago are let go
-- ([general] outbox_keep, 90 days by default).
--
-- Each outbox row kept the whole mail it sent (or the webhook's JSON)
-- for ever: the acknowledgement, every notification and report, with
-- their attachments, some kilobytes a ticket and megabytes a report.
-- After outbox_keep the scheduler empties `data` of the rows that are
-- done (sent or dead), as anonymisation does; the row stays (its
-- Message-ID threads a late answer, its recipients' fates are the
-- record). The ticket's messages are not touched.
--
-- The scheduler walks the table once, in id order, from where it
-- stopped: this row holds that place, shared by every daemon (the walk
-- takes it FOR UPDATE, so two daemons do not walk at once). It stops at
-- the first row that is too young or still pending, and takes up there
-- at the next pass: no row is passed over, and a pass costs one short
-- read of the primary key once the walk has caught up.
CREATE TABLE outbox_keep (
    one             boolean PRIMARY KEY DEFAULT true CHECK (one),
    last_id         bigint NOT NULL DEFAULT 0
);
INSERT INTO outbox_keep DEFAULT VALUES;

-- A row whose content is gone (past outbox_keep, or anonymised) cannot
-- be sent again: `outbox retry` would queue an empty mail.
CREATE OR REPLACE FUNCTION outbox_retry(p_id bigint, p_now timestamptz)
RETURNS TABLE (ticket_id bigint, recipients integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_ticket bigint;
    v_n integer;
BEGIN
    UPDATE outbox o SET status = 'pending', next_attempt_at = p_now,
                        last_error = NULL
    WHERE o.id = p_id AND o.status = 'dead' AND octet_length(o.data) > 0
    RETURNING o.ticket_id INTO v_ticket;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE outbox_rcpt r SET status = 'pending', attempts = 0,
                             next_at = p_now, done_at = NULL
    WHERE r.outbox_id = p_id AND r.status IN ('refused', 'dead');
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN QUERY SELECT v_ticket, v_n;
END;
$$;
