-- 019_status.sql - the public status page: incidents opened by agents
-- from their tickets, maintenance announced by ops, what was published
-- about them (the page's and the feed's entries), the people who get
-- each of those by mail, and which page was last written.
--
-- Only what these tables hold is ever published: a title and texts that
-- an agent's #incident commands or an operator gave for the page, never a
-- ticket's subject or messages.

-- components: the names of [status] components it touches, comma
-- separated; '' for all of them.
CREATE TABLE status_incidents (
    id              bigserial PRIMARY KEY,
    ticket_id       bigint NOT NULL REFERENCES tickets (id),
    title           text NOT NULL,
    components      text NOT NULL DEFAULT '',
    eta             timestamptz,
    opened_at       timestamptz NOT NULL,
    resolved_at     timestamptz
);
-- A ticket has at most one open incident.
CREATE UNIQUE INDEX status_incidents_open ON status_incidents (ticket_id)
    WHERE resolved_at IS NULL;

CREATE TABLE status_maintenance (
    id              bigserial PRIMARY KEY,
    title           text NOT NULL,
    components      text NOT NULL DEFAULT '',
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL CHECK (ends_at > starts_at),
    created_at      timestamptz NOT NULL,
    cancelled_at    timestamptz
);

-- Everything published, in order: one entry of the feed each, one mail
-- to each subscriber each.
CREATE TABLE status_posts (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('incident_opened',
                        'incident_update', 'incident_resolved',
                        'maintenance', 'maintenance_cancelled')),
    incident_id     bigint REFERENCES status_incidents (id),
    maintenance_id  bigint REFERENCES status_maintenance (id),
    body            text NOT NULL,
    eta             timestamptz,
    at              timestamptz NOT NULL,
    CHECK ((incident_id IS NULL) <> (maintenance_id IS NULL))
);
CREATE INDEX status_posts_at ON status_posts (at);

-- token: the secret of the unsubscribe link and reply of each mail.
CREATE TABLE status_subscribers (
    id              bigserial PRIMARY KEY,
    address         text NOT NULL,
    token           text NOT NULL UNIQUE,
    subscribed_at   timestamptz NOT NULL,
    unsubscribed_at timestamptz
);
CREATE UNIQUE INDEX status_subscribers_address
    ON status_subscribers (lower(address)) WHERE unsubscribed_at IS NULL;

-- One mail per post and subscriber: the key is what keeps two daemons
-- from sending one twice.
CREATE TABLE status_notices (
    post_id         bigint NOT NULL REFERENCES status_posts (id),
    subscriber_id   bigint NOT NULL REFERENCES status_subscribers (id),
    message_id      text,
    at              timestamptz NOT NULL,
    PRIMARY KEY (post_id, subscriber_id)
);
CREATE INDEX status_notices_message ON status_notices (message_id);

-- version: bumped by every change of what the page shows; the page on
-- disk shows rendered_version, written at rendered_at.
CREATE TABLE status_state (
    id               int PRIMARY KEY CHECK (id = 1),
    version          bigint NOT NULL DEFAULT 1,
    rendered_version bigint NOT NULL DEFAULT 0,
    rendered_at      timestamptz
);
INSERT INTO status_state (id) VALUES (1);
