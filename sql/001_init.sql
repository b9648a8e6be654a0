-- 001_init.sql - the mail path: tickets, messages, attachments, events,
-- outbox, per-mailbox IMAP state and the quarantine.
--
-- Every timestamp is written by Guichet from its own clock (the --now
-- option sets it), never by now() in the database.

CREATE SEQUENCE ticket_number_seq;

CREATE TABLE tickets (
    id              bigserial PRIMARY KEY,
    number          text NOT NULL UNIQUE,
    status          text NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'open', 'pending', 'resolved',
                                      'closed')),
    priority        text NOT NULL DEFAULT 'P3'
                    CHECK (priority IN ('P1', 'P2', 'P3')),
    plan            text NOT NULL DEFAULT 'Basic',
    queue           text NOT NULL,
    mailbox         text NOT NULL,
    requester       text NOT NULL,          -- the customer's address
    requester_name  text,
    subject         text NOT NULL DEFAULT '',
    language        text NOT NULL DEFAULT 'fr',
    assignee        text,
    organisation    text,
    merged_into     bigint REFERENCES tickets (id),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    resolved_at     timestamptz,
    closed_at       timestamptz
);
CREATE INDEX tickets_requester ON tickets (lower(requester));
CREATE INDEX tickets_created ON tickets (created_at);

-- Every mail of a ticket, in and out. Incoming mail keeps its raw bytes
-- exactly as received; outgoing mail's raw form is in its outbox row.
CREATE TABLE messages (
    id              bigserial PRIMARY KEY,
    ticket_id       bigint NOT NULL REFERENCES tickets (id),
    direction       text NOT NULL CHECK (direction IN ('in', 'out')),
    author          text NOT NULL
                    CHECK (author IN ('customer', 'agent', 'system')),
    mailbox         text,
    from_addr       text,
    from_name       text,
    to_addrs        text[] NOT NULL DEFAULT '{}',
    cc_addrs        text[] NOT NULL DEFAULT '{}',
    subject         text NOT NULL DEFAULT '',
    message_id      text,                   -- without <>
    in_reply_to     text,
    refs            text[] NOT NULL DEFAULT '{}',
    sent_date       timestamptz,            -- the Date: header
    received_at     timestamptz NOT NULL,
    text            text NOT NULL DEFAULT '',
    new_text        text,                   -- without quoted history
    text_flags      text[] NOT NULL DEFAULT '{}',
    raw             bytea,
    raw_size        bigint,
    raw_sha256      bytea,
    -- One row per distinct mail, whatever the path it came by (IMAP
    -- re-fetch after a crash, MTA pipe, a second mailbox).
    dedup_key       text NOT NULL UNIQUE,
    imap_uid        bigint,
    outbox_id       bigint
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);
CREATE INDEX messages_message_id ON messages (message_id);

CREATE TABLE attachments (
    id              bigserial PRIMARY KEY,
    message_id      bigint NOT NULL REFERENCES messages (id),
    filename        text,
    content_type    text NOT NULL,
    disposition     text,
    content_id      text,
    size            bigint NOT NULL,
    sha256          bytea NOT NULL,
    content         bytea
);
CREATE INDEX attachments_message ON attachments (message_id);

-- The audit log: everything that happened to a ticket.
CREATE TABLE events (
    id              bigserial PRIMARY KEY,
    ticket_id       bigint REFERENCES tickets (id),
    at              timestamptz NOT NULL,
    kind            text NOT NULL,
    actor           text,
    data            jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX events_ticket ON events (ticket_id, id);

-- Outgoing mail and webhooks, written in the transaction of the event
-- that causes them; the Message-ID is fixed then.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('mail', 'webhook')),
    purpose         text NOT NULL,          -- ack, update, escalation...
    ticket_id       bigint REFERENCES tickets (id),
    message_id      text UNIQUE,            -- ours, without <>
    mail_from       text,
    rcpts           text[] NOT NULL DEFAULT '{}',
    url             text,
    data            bytea NOT NULL,         -- the whole mail, or the JSON
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';

CREATE TABLE imap_state (
    mailbox         text PRIMARY KEY,
    uidvalidity     bigint NOT NULL,
    last_uid        bigint NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL
);

-- Mail that could not be parsed or stored, kept whole with the reason.
CREATE TABLE quarantine (
    id              bigserial PRIMARY KEY,
    mailbox         text NOT NULL,
    reason          text NOT NULL,
    detail          text,
    raw             bytea NOT NULL,
    raw_size        bigint NOT NULL,
    dedup_key       text NOT NULL UNIQUE,
    imap_uid        bigint,
    received_at     timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'held'
                    CHECK (status IN ('held', 'retried')),
    retried_at      timestamptz,
    ticket_id       bigint REFERENCES tickets (id)
);

-- ISO-8601 UTC text of a time, the form of every time in --json output.
CREATE FUNCTION iso_utc(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
