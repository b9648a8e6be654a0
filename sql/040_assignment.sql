-- 040_assignment.sql - new tickets assigned in turn, agents away.
--
-- A queue with `assign = round_robin` ([queue NAME]) gives each new
-- ticket an owner at once: the next of its agents in the config's
-- order, passing over those away. The turn is a sequence, not a row:
-- nextval takes no lock and is never rolled back, so that two daemons
-- opening tickets of one queue at once neither wait for each other nor
-- hand the same turn twice (a turn of a rolled back batch is lost: the
-- next agent's, as if a ticket had gone to it). One turn for every
-- queue: each queue's agents still come one after the other, shifted
-- by the other queues' tickets in between, and evenly over a day.
--
-- agents_away: `guichet agent away NAME [--until TIME]` (until NULL:
-- until `guichet agent back NAME`). An agent away gets no ticket by
-- turn; everything else (mails, escalations, reminders) goes on.
CREATE SEQUENCE assign_turn;

CREATE TABLE agents_away (
    agent           text PRIMARY KEY,
    until           timestamptz,
    set_by          text NOT NULL,
    set_at          timestamptz NOT NULL
);
