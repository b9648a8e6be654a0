-- 006_fast_paths.sql - server-side functions for the per-mail hot path:
-- each replaces several round trips by one, in the order that matters.

-- Claim a mail's dedup key for this transaction and tell what is known
-- of it: already a message or quarantined (and its ticket), and whether
-- its Message-ID is one of ours. The advisory lock comes first, so that
-- two daemons (or the pipe and IMAP) on the same mail wait for each
-- other before looking.
CREATE FUNCTION intake_claim(p_key text, p_message_id text,
                             OUT seen text, OUT ticket_id bigint,
                             OUT ours boolean)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_key, 0));
    SELECT 'message', m.ticket_id INTO seen, ticket_id
        FROM messages m WHERE m.dedup_key = p_key;
    IF seen IS NULL THEN
        SELECT 'quarantine', q.ticket_id INTO seen, ticket_id
            FROM quarantine q WHERE q.dedup_key = p_key;
    END IF;
    -- every mail of ours has its outbox row (its Message-ID is unique)
    ours := p_message_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM outbox o WHERE o.message_id = p_message_id);
END;
$$;

-- Replace the SLA timers of a ticket (arrays, one element per timer): a
-- fired level is kept only while its instant stays the same; timers no
-- longer in the list go; next_at follows.
CREATE FUNCTION timers_set(p_ticket bigint, p_kinds text[],
                           p_start timestamptz[], p_due timestamptz[],
                           p_warn timestamptz[], p_met timestamptz[],
                           p_target bigint[], p_calendar text[],
                           p_closed boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sla_timers AS s (ticket_id, kind, start_at, due_at, warn_at,
                                 met_at, target_seconds, calendar)
        SELECT p_ticket, k, st, du, wa, me, ta, ca
        FROM unnest(p_kinds, p_start, p_due, p_warn, p_met, p_target,
                    p_calendar) AS u(k, st, du, wa, me, ta, ca)
    ON CONFLICT (ticket_id, kind) DO UPDATE SET
        start_at = excluded.start_at, due_at = excluded.due_at,
        warn_at = excluded.warn_at, met_at = excluded.met_at,
        target_seconds = excluded.target_seconds,
        calendar = excluded.calendar,
        warned_at = CASE WHEN s.warn_at IS NOT DISTINCT FROM excluded.warn_at
                    THEN s.warned_at END,
        breached_at = CASE WHEN s.due_at IS NOT DISTINCT FROM excluded.due_at
                      THEN s.breached_at END;
    DELETE FROM sla_timers
        WHERE ticket_id = p_ticket AND NOT (kind = ANY (p_kinds));
    UPDATE sla_timers SET next_at =
        CASE WHEN met_at IS NULL AND due_at IS NOT NULL AND NOT p_closed
        THEN CASE
            WHEN warned_at IS NULL AND warn_at IS NOT NULL
                 AND warn_at < due_at THEN warn_at
            WHEN breached_at IS NULL THEN due_at END END
        WHERE ticket_id = p_ticket;
END;
$$;

-- One automatic mail to an address, unless it already got p_cap of them
-- since p_since: true when it may be sent (and it is counted).
CREATE FUNCTION auto_reply_take(p_address text, p_now timestamptz,
                                p_since timestamptz, p_cap bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM auto_reply_log
        WHERE address = lower(p_address) AND at > p_since) >= p_cap THEN
        RETURN false;
    END IF;
    INSERT INTO auto_reply_log (address, at) VALUES (lower(p_address), p_now);
    RETURN true;
END;
$$;
