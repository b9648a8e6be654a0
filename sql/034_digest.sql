-- 034_digest.sql - each agent's morning list of the open tickets of
-- their queues (desk/digest.h).
--
-- Agents work from their mail: without a screen of the queue, what was
-- still open, whose deadline came first and what nobody had taken lived
-- only in the notifications of the days before. With [digest] at set,
-- each agent gets, once a business day, the open tickets of their queues
-- in the order `ticket list` gives (the soonest SLA deadline first).
--
-- One row per agent and local day, inserted before the mail is queued,
-- in its transaction: a second daemon, or a pass after a restart, finds
-- it and sends nothing. tickets is how many were open (0: no mail went),
-- message_id the outbox row's.
CREATE TABLE digest_sends (
    day             date NOT NULL,
    agent           text NOT NULL,
    tickets         integer,
    message_id      text,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (day, agent)
);
