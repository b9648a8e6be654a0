-- 047_escalation_sends.sql - who was told of each escalation, and the
-- escalations gathered into one mail during a storm (desk/escalation.h).
--
-- An outage brings dozens of tickets in half an hour; their deadlines
-- fall in the same half hour, and the duty manager got one escalation
-- mail per ticket and timer, warning then breach: a hundred mails in
-- which the one that is not about the outage is lost. Past
-- [guichet] escalation_burst escalations to one address in an hour, the
-- others wait here and go as one mail every escalation_gather.
--
-- A row per escalation and address told: gathered false, its own mail
-- went at once; true, it waits (sent_at NULL) for the mail that lists
-- it, whose Message-ID is noted with sent_at.
CREATE TABLE escalation_sends (
    id bigserial PRIMARY KEY,
    address text NOT NULL,
    ticket_id bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    timer text NOT NULL,
    level text NOT NULL CHECK (level IN ('warning', 'breach')),
    due_at timestamptz NOT NULL,
    at timestamptz NOT NULL,
    gathered boolean NOT NULL,
    sent_at timestamptz,
    message_id text
);

-- How many escalations an address had in the last hour.
CREATE INDEX escalation_sends_recent ON escalation_sends (address, at);
-- The ones that wait: few, read at every pass.
CREATE INDEX escalation_sends_waiting ON escalation_sends (address, at)
    WHERE gathered AND sent_at IS NULL;
-- The old rows let go with the outbox's (outbox_keep), in time order.
CREATE INDEX escalation_sends_at ON escalation_sends (at);
CREATE INDEX escalation_sends_ticket ON escalation_sends (ticket_id);
