-- 004_sla.sql - qualification and SLA timers: organisations imported
-- from CSV, the pauses of each ticket (pending), and one row per timer
-- with its deadlines and what was already fired.

ALTER TABLE tickets ADD COLUMN tags text[] NOT NULL DEFAULT '{}';

CREATE TABLE organisations (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    plan            text NOT NULL,
    language        text,
    csm             text,
    imported_at     timestamptz NOT NULL
);
-- An address or a domain (lowercased) and the organisation it belongs to.
CREATE TABLE organisation_keys (
    key             text PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id)
                    ON DELETE CASCADE
);

-- The intervals a ticket waited on the customer; end_at NULL while it
-- still does.
CREATE TABLE ticket_pauses (
    ticket_id       bigint NOT NULL REFERENCES tickets (id),
    start_at        timestamptz NOT NULL,
    end_at          timestamptz
);
CREATE INDEX ticket_pauses_ticket ON ticket_pauses (ticket_id);

CREATE TABLE sla_timers (
    ticket_id       bigint NOT NULL REFERENCES tickets (id),
    kind            text NOT NULL,          -- acknowledge, workaround...
    start_at        timestamptz NOT NULL,
    due_at          timestamptz,            -- NULL while paused
    warn_at         timestamptz,
    met_at          timestamptz,
    warned_at       timestamptz,            -- the warning was fired
    breached_at     timestamptz,            -- the breach was fired
    target_seconds  bigint NOT NULL,
    calendar        text NOT NULL,
    -- When the scheduler must look at this timer next: the warning or
    -- the breach not fired yet; NULL when there is nothing left to do.
    next_at         timestamptz,
    PRIMARY KEY (ticket_id, kind)
);
CREATE INDEX sla_timers_next ON sla_timers (next_at)
    WHERE next_at IS NOT NULL;
