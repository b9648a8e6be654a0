-- 032_outbox_rank.sql - the outbox sends what matters most first.
--
-- The worker took the oldest due row. A status page post to 5,000
-- subscribers, or the month's reports, queued thousands of mails at one
-- instant, and every acknowledgement, agent notification and escalation
-- queued after them waited for the last of them: during an incident,
-- when tickets come in fastest. The policy's plans also promise their
-- customers priority (policy.md: Pro's tickets "are handled first").
--
-- Each row now has a send_rank, lower first (desk/mailout.h):
--   0          escalations and their webhooks (sla_fire() of migration
--              011 leaves the default), and the mails of a P1 ticket;
--   1..999999  a ticket's other mails: its plan's rank (Enterprise 1,
--              Pro 2, Basic 3 by default);
--   1000000    bulk: status notices and reports.
-- Within a rank, the oldest due first, as before. Rows queued before
-- this migration keep the default, 0: they go first, once.
--
-- The take reads the index in rank order, one rank after the other (a
-- loose scan: a handful of ranks, each found by one descent), and
-- within a rank only its due rows: a backlog that is not due is not
-- read, as with migration 031.
ALTER TABLE outbox ADD COLUMN send_rank integer NOT NULL DEFAULT 0;

CREATE INDEX outbox_due_rank ON outbox (send_rank, next_attempt_at, id)
    WHERE status = 'pending';
DROP INDEX outbox_due_order;

-- The due row of the lowest rank that another worker has not locked,
-- locked until the caller's transaction ends; NULL when none is due.
CREATE FUNCTION outbox_take_due(p_now timestamptz) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    r integer;
    found_id bigint;
BEGIN
    SELECT o.send_rank INTO r FROM outbox o WHERE o.status = 'pending'
     ORDER BY o.send_rank LIMIT 1;
    WHILE r IS NOT NULL LOOP
        SELECT o.id INTO found_id FROM outbox o
         WHERE o.status = 'pending' AND o.send_rank = r
           AND o.next_attempt_at <= p_now
         ORDER BY o.next_attempt_at, o.id LIMIT 1 FOR UPDATE SKIP LOCKED;
        IF found_id IS NOT NULL THEN
            RETURN found_id;
        END IF;
        SELECT o.send_rank INTO r FROM outbox o
         WHERE o.status = 'pending' AND o.send_rank > r
         ORDER BY o.send_rank LIMIT 1;
    END LOOP;
    RETURN NULL;
END
$$;

-- When the first pending row is due, whatever its rank: the first entry
-- of each rank, the earliest of them.
CREATE FUNCTION outbox_next_due() RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r integer;
    t timestamptz;
    best timestamptz;
BEGIN
    SELECT o.send_rank, o.next_attempt_at INTO r, t FROM outbox o
     WHERE o.status = 'pending'
     ORDER BY o.send_rank, o.next_attempt_at, o.id LIMIT 1;
    WHILE r IS NOT NULL LOOP
        best := least(best, t);
        SELECT o.send_rank, o.next_attempt_at INTO r, t FROM outbox o
         WHERE o.status = 'pending' AND o.send_rank > r
         ORDER BY o.send_rank, o.next_attempt_at, o.id LIMIT 1;
    END LOOP;
    RETURN best;
END
$$;
