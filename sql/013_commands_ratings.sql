-- 013_commands_ratings.sql - what agents' newer #commands keep on a
-- ticket (the solution time promised to the customer), and the
-- customers' satisfaction ratings with the figures a report reads.

-- #eta: when the customer can expect a solution; NULL: none promised.
ALTER TABLE tickets ADD COLUMN eta timestamptz;

-- One rating per ticket: a later answer of the customer replaces it (the
-- change is an event of the ticket). score 1 (bad) to 5 (good); via is
-- how it came: a reply starting with the digit, or a link of the
-- resolution mail.
CREATE TABLE ticket_ratings (
    ticket_id       bigint PRIMARY KEY REFERENCES tickets (id),
    score           int NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment         text,
    via             text NOT NULL CHECK (via IN ('mail', 'link')),
    rated_at        timestamptz NOT NULL,
    changes         int NOT NULL DEFAULT 0
);
CREATE INDEX ticket_ratings_at ON ticket_ratings (rated_at);

-- The satisfaction of the ratings given since a time (NULL: all): how
-- many, their average, how many of each score, and the share of 4 and 5
-- (CSAT, percent).
CREATE FUNCTION satisfaction(since timestamptz)
RETURNS TABLE (ratings bigint, average numeric, csat numeric,
               s1 bigint, s2 bigint, s3 bigint, s4 bigint, s5 bigint)
LANGUAGE sql STABLE AS $$
    SELECT count(*), round(avg(score), 2),
           round(100.0 * count(*) FILTER (WHERE score >= 4) /
                 nullif(count(*), 0), 1),
           count(*) FILTER (WHERE score = 1),
           count(*) FILTER (WHERE score = 2),
           count(*) FILTER (WHERE score = 3),
           count(*) FILTER (WHERE score = 4),
           count(*) FILTER (WHERE score = 5)
    FROM ticket_ratings
    WHERE since IS NULL OR rated_at >= since
$$;
