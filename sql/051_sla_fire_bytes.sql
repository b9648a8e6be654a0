-- 051_sla_fire_bytes.sql - sla_fire_bytes(): sla_fire() with the
-- escalation mails' bytes as bytea[], sent in binary.
--
-- sla_fire() took them as a text[] of hex, decoded here: 100 escalation
-- mails of a pass, some 400 kB, went over the wire as 800 kB of hex in
-- one array literal, which the server parsed a character at a time and
-- decoded again. The new function does the same but for m_data; the old
-- one stays, for a binary of before (ops migrate, then replace the
-- daemons one at a time), and hands its work to the new one.

-- What one scheduler pass fired, written in one call (as in
-- 011_timer_rule_in_c.sql): one element per timer (t_*, e_*), per
-- escalation mail (m_*; m_at is the 1-based position of its timer) and
-- per webhook (h_*, h_at likewise). t_warned/t_breached: the marks after
-- the pass (a mark already set keeps its time); t_next: the timer's next
-- instant (NULL: none). A timer that fired nothing (e_kind '') only gets
-- its next instant again.
CREATE FUNCTION sla_fire_bytes(p_now timestamptz,
                         t_ticket bigint[], t_kind text[],
                         t_warned boolean[], t_breached boolean[],
                         t_next timestamptz[],
                         e_kind text[], e_data jsonb[],
                         m_at int[], m_purpose text[], m_message_id text[],
                         m_mail_from text[], m_rcpts text[], m_data bytea[],
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
               m.rcpts::text[] AS rcpts, NULL::text AS url, m.data
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
        warned_at = CASE WHEN f.warned THEN coalesce(s.warned_at, p_now)
                    ELSE s.warned_at END,
        breached_at = CASE WHEN f.breached
                      THEN coalesce(s.breached_at, p_now)
                      ELSE s.breached_at END,
        next_at = f.next
    FROM unnest(t_ticket, t_kind, t_warned, t_breached, t_next)
        AS f (tid, kind, warned, breached, next)
    WHERE s.ticket_id = f.tid AND s.kind = f.kind;
END;
$$;

CREATE OR REPLACE FUNCTION sla_fire(p_now timestamptz,
                         t_ticket bigint[], t_kind text[],
                         t_warned boolean[], t_breached boolean[],
                         t_next timestamptz[],
                         e_kind text[], e_data jsonb[],
                         m_at int[], m_purpose text[], m_message_id text[],
                         m_mail_from text[], m_rcpts text[], m_data text[],
                         m_event jsonb[],
                         h_at int[], h_purpose text[], h_url text[],
                         h_data text[])
RETURNS void LANGUAGE sql AS $$
    SELECT sla_fire_bytes(p_now, t_ticket, t_kind, t_warned, t_breached,
        t_next, e_kind, e_data, m_at, m_purpose, m_message_id, m_mail_from,
        m_rcpts, ARRAY(SELECT decode(d, 'hex') FROM unnest(m_data)
                       WITH ORDINALITY AS u (d, o) ORDER BY o),
        m_event, h_at, h_purpose, h_url, h_data);
$$;
