-- 011_timer_rule_in_c.sql - the SLA timer rule is decided in C
-- (sla/timer.c) and only stored here.
--
-- timers_set() and sla_fire() computed next_at and the fired marks with
-- CASE expressions, a copy of the rule that the scheduler applied in C.
-- Their new versions take next_at, and what to do with the marks, from
-- their arguments; the old ones go.

DROP FUNCTION timers_set(bigint, text[], timestamptz[], timestamptz[],
                         timestamptz[], timestamptz[], bigint[], text[],
                         boolean);
DROP FUNCTION sla_fire(timestamptz, bigint[], text[], int[], text[], jsonb[],
                       int[], text[], text[], text[], text[], text[], jsonb[],
                       int[], text[], text[], text[]);

-- Replace the SLA timers of a ticket (arrays, one element per timer).
-- p_keep_warned/p_keep_breached: the instant of that mark is unchanged,
-- so the mark stored stays as it is (also one a scheduler pass set since
-- the caller read it); otherwise it goes. p_next: the next instant to
-- look at (NULL: none). Timers no longer in the list go.
CREATE FUNCTION timers_set(p_ticket bigint, p_kinds text[],
                           p_start timestamptz[], p_due timestamptz[],
                           p_warn timestamptz[], p_met timestamptz[],
                           p_target bigint[], p_calendar text[],
                           p_keep_warned boolean[],
                           p_keep_breached boolean[],
                           p_next timestamptz[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sla_timers AS s SET
        start_at = u.st, due_at = u.du, warn_at = u.wa, met_at = u.me,
        target_seconds = u.ta, calendar = u.ca,
        warned_at = CASE WHEN u.kw THEN s.warned_at END,
        breached_at = CASE WHEN u.kb THEN s.breached_at END,
        next_at = u.nx
    FROM unnest(p_kinds, p_start, p_due, p_warn, p_met, p_target,
                p_calendar, p_keep_warned, p_keep_breached, p_next)
        AS u(k, st, du, wa, me, ta, ca, kw, kb, nx)
    WHERE s.ticket_id = p_ticket AND s.kind = u.k;
    INSERT INTO sla_timers (ticket_id, kind, start_at, due_at, warn_at,
                            met_at, target_seconds, calendar, next_at)
        SELECT p_ticket, k, st, du, wa, me, ta, ca, nx
        FROM unnest(p_kinds, p_start, p_due, p_warn, p_met, p_target,
                    p_calendar, p_next) AS u(k, st, du, wa, me, ta, ca, nx)
    ON CONFLICT (ticket_id, kind) DO NOTHING;
    DELETE FROM sla_timers
        WHERE ticket_id = p_ticket AND NOT (kind = ANY (p_kinds));
END;
$$;

-- What one scheduler pass fired, written in one call (as in
-- 005_sla_batch.sql): one element per timer (t_*, e_*), per escalation
-- mail (m_*; m_at is the 1-based position of its timer) and per webhook
-- (h_*, h_at likewise). t_warned/t_breached: the marks after the pass
-- (a mark already set keeps its time); t_next: the timer's next instant
-- (NULL: none). A timer that fired nothing (e_kind '') only gets its
-- next instant again.
CREATE FUNCTION sla_fire(p_now timestamptz,
                         t_ticket bigint[], t_kind text[],
                         t_warned boolean[], t_breached boolean[],
                         t_next timestamptz[],
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
