-- 018_reports.sql - the organisations' monthly and quarterly reports:
-- what their figures read fast, and one row per report sent.

-- The tickets of an organisation over a period.
CREATE INDEX tickets_org_created ON tickets (organisation, created_at);

-- A timer's state at an instant: 'met' (met in time), 'breached' (its
-- deadline passed before it was met, or a breach was fired) or
-- 'running'. The reports count each met timer in the period it was met
-- in and each breach in the period its deadline passed in.
CREATE FUNCTION report_timer_state(due_at timestamptz, met_at timestamptz,
                                   breached_at timestamptz,
                                   as_of timestamptz)
RETURNS text LANGUAGE sql IMMUTABLE
RETURN CASE
    WHEN met_at IS NOT NULL AND met_at < as_of
         AND (due_at IS NULL OR met_at <= due_at) THEN 'met'
    WHEN (due_at IS NOT NULL AND due_at < as_of
          AND (met_at IS NULL OR met_at > due_at))
         OR (breached_at IS NOT NULL AND breached_at < as_of) THEN 'breached'
    ELSE 'running' END;

-- The instant a timer was breached (its deadline, or the breach fired
-- for a timer whose deadline moved since), NULL when it was not.
CREATE FUNCTION report_breach_at(due_at timestamptz, met_at timestamptz,
                                 breached_at timestamptz)
RETURNS timestamptz LANGUAGE sql IMMUTABLE
RETURN CASE
    WHEN due_at IS NOT NULL AND (met_at IS NULL OR met_at > due_at)
        THEN due_at
    ELSE breached_at END;

-- Business seconds in [a, b): the part of the span inside the calendar's
-- open hours (cal, a multirange the caller computed; NULL: every
-- second counts) and outside the pauses of the ticket.
CREATE FUNCTION report_business_seconds(ticket bigint, a timestamptz,
                                        b timestamptz,
                                        cal tstzmultirange)
RETURNS double precision LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(extract(epoch FROM upper(x) - lower(x))), 0)
    FROM unnest(
        (tstzmultirange(tstzrange(a, b)) *
         coalesce(cal, tstzmultirange(tstzrange(NULL, NULL))))
        - coalesce((SELECT range_agg(tstzrange(p.start_at,
                                               coalesce(p.end_at, 'infinity')))
                    FROM ticket_pauses p
                    WHERE p.ticket_id = ticket AND (p.end_at IS NULL
                          OR p.end_at > p.start_at)),
                   '{}'::tstzmultirange)) AS x
$$;

-- One row per report sent (or found to have nobody to go to): inserted
-- in the transaction of its outbox row, so that a period's report goes
-- out once, across restarts and with several daemons.
CREATE TABLE report_sends (
    organisation    text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('monthly', 'quarterly')),
    period          text NOT NULL,          -- 2026-11, 2026-Q4
    message_id      text,                   -- the outbox row's, or NULL
    recipients      text[] NOT NULL DEFAULT '{}',
    note            text,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (organisation, kind, period)
);
