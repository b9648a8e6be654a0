-- 038_time_entries.sql - the time agents worked on a ticket (#time).
--
-- Support sold by the hour, or a plan with hours included, needs to know
-- what each ticket cost: an agent's "#time 45m" (by mail or `ticket
-- reply`) adds a row; "#time -15m" takes time back from that agent's
-- own on that ticket, never below zero (desk/agent.c checks it). The
-- rows are the truth; a "time_spent" event beside each says it in the
-- ticket's history and to the [webhook]s that ask for it.
--
-- `ticket show` sums a ticket's rows (by its primary-key index); the
-- organisation's report sums those of its tickets within the period, by
-- the time they were logged (time_entries_at).
CREATE TABLE time_entries (
    id              bigserial PRIMARY KEY,
    ticket_id       bigint NOT NULL REFERENCES tickets (id),
    agent           text NOT NULL,
    minutes         integer NOT NULL CHECK (minutes <> 0 AND
                                            minutes BETWEEN -1440 AND 1440),
    at              timestamptz NOT NULL
);
CREATE INDEX time_entries_ticket ON time_entries (ticket_id, agent);
CREATE INDEX time_entries_at ON time_entries (at);
