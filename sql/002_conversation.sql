-- 002_conversation.sql - the conversation: participants, agents' messages,
-- internal notes, merged and related tickets, the shared HMAC key.

CREATE TABLE ticket_participants (
    ticket_id       bigint NOT NULL REFERENCES tickets (id),
    address         text NOT NULL,          -- lowercased
    name            text,
    role            text NOT NULL CHECK (role IN ('requester', 'cc')),
    added_at        timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, address)
);

ALTER TABLE messages ADD COLUMN agent text;             -- [agent NAME]
ALTER TABLE messages ADD COLUMN internal boolean NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN purpose text;           -- of ours: ack...

ALTER TABLE tickets ADD COLUMN related_to bigint REFERENCES tickets (id);
ALTER TABLE tickets ADD COLUMN first_response_at timestamptz;
ALTER TABLE tickets ADD COLUMN workaround_at timestamptz;
ALTER TABLE tickets ADD COLUMN rca_sent_at timestamptz;
ALTER TABLE tickets ADD COLUMN last_update_at timestamptz;  -- agent → customer
ALTER TABLE tickets ADD COLUMN validated_at timestamptz;    -- customer confirmed
CREATE INDEX tickets_resolved ON tickets (resolved_at) WHERE status = 'resolved';

-- Settings shared by every daemon of the installation (the generated HMAC
-- key of agents' tokens when no key file is configured).
CREATE TABLE settings (
    key             text PRIMARY KEY,
    value           bytea NOT NULL
);
