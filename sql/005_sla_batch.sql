-- 005_sla_batch.sql - what one scheduler pass fired, written in one call.
--
-- sla_fire() takes arrays: one element per timer of the pass (t_*, e_*),
-- one per escalation mail (m_*; m_at is the 1-based position of its
-- timer) and one per webhook (h_*, h_at likewise). It writes, in the
-- order of the pass, what escalate() wrote one statement at a time: the
-- SLA event, the mail (outbox row and "mail_queued" event; an escalation
-- goes to staff and is no message of the ticket, like the agents'
-- notifications), the webhook outbox rows, and the fired marks with the next
-- instant of each timer (the rule of timers_set() in 006_fast_paths.sql).
-- A timer with level 0 fired nothing (its next_at was stale): it only
-- gets its next instant again.

CREATE FUNCTION sla_fire(p_now timestamptz,
                         t_ticket bigint[], t_kind text[], t_level int[],
                         e_kind text[], e_data jsonb[],
                         m_at int[], m_purpose text[], m_message_id text[],
                         m_mail_from text[], m_rcpts text[], m_data text[],
                         m_event jsonb[],
                         h_at int[], h_purpose text[], h_url text[],
                         h_data text[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- each timer's event, then its mail's event, in the pass's order
    INSERT INTO events (ticket_id, at, kind, data)
    SELECT tid, p_now, kind, data FROM (
        SELECT e.ord * 2 AS o, e.tid, e.kind, e.data
        FROM unnest(t_ticket, e_kind, e_data) WITH ORDINALITY
            AS e (tid, kind, data, ord)
        WHERE e.kind <> ''
        UNION ALL
        SELECT m.at * 2 + 1, t_ticket[m.at], 'mail_queued', m.ev
        FROM unnest(m_at, m_event) AS m (at, ev)) AS x
    ORDER BY o;

    -- each timer's mail, then its webhooks
    INSERT INTO outbox (kind, purpose, ticket_id, message_id, mail_from,
                        rcpts, url, data, next_attempt_at, created_at)
    SELECT kind, purpose, tid, mid, mfrom, rcpts, url, data, p_now, p_now
    FROM (
        SELECT m.at::bigint * 1000 AS o, 'mail' AS kind, m.purpose,
               t_ticket[m.at] AS tid, m.mid, m.mfrom,
               m.rcpts::text[] AS rcpts, NULL::text AS url,
               decode(m.data, 'hex') AS data
        FROM unnest(m_at, m_purpose, m_message_id, m_mail_from, m_rcpts,
                    m_data) AS m (at, purpose, mid, mfrom, rcpts, data)
        UNION ALL
        SELECT h.at::bigint * 1000 + h.ord, 'webhook', h.purpose,
               t_ticket[h.at], NULL, NULL, '{}', h.url,
               convert_to(h.data, 'UTF8')
        FROM unnest(h_at, h_purpose, h_url, h_data) WITH ORDINALITY
            AS h (at, purpose, url, data, ord)) AS x
    ORDER BY o;

    UPDATE sla_timers AS s SET
        warned_at = CASE WHEN f.level >= 1
                    THEN coalesce(s.warned_at, p_now) ELSE s.warned_at END,
        breached_at = CASE WHEN f.level = 2
                      THEN coalesce(s.breached_at, p_now)
                      ELSE s.breached_at END,
        next_at = CASE WHEN s.met_at IS NULL AND s.due_at IS NOT NULL THEN
            CASE WHEN s.warned_at IS NULL AND f.level < 1
                      AND s.warn_at IS NOT NULL AND s.warn_at < s.due_at
                 THEN s.warn_at
                 WHEN s.breached_at IS NULL AND f.level < 2 THEN s.due_at
            END END
    FROM unnest(t_ticket, t_kind, t_level) AS f (tid, kind, level)
    WHERE s.ticket_id = f.tid AND s.kind = f.kind;
END;
$$;
