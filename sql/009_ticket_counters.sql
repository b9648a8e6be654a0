-- 009_ticket_counters.sql - ticket numbers without gaps.
--
-- A sequence never gives back a value drawn by a transaction that rolls
-- back: a batch of mails redone mail by mail after one of them failed, or
-- a mail quarantined after its ticket was numbered, left holes in the
-- numbers. A number is now taken from a counter row that the transaction
-- storing the ticket updates, so a rollback gives the number back.
--
-- One row per scope: the tracking format with its date fields filled in
-- ("SUP-2026-%n" by default), so that numbering starts again at 1 each
-- year. The row stays locked until the transaction ends: transactions
-- that open tickets in the same scope take turns (intake commits once per
-- batch).

CREATE TABLE ticket_counters (
    scope           text PRIMARY KEY,
    last            bigint NOT NULL CHECK (last > 0)
);

-- The next number of a scope, counted in the caller's transaction. A
-- scope's first number follows the last value of the sequence used
-- before this migration (0 on a new database), so that no number handed
-- out before is handed out again.
CREATE FUNCTION ticket_number_take(p_scope text) RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO ticket_counters AS c (scope, last)
    SELECT p_scope, 1 + coalesce((SELECT s.last_value
                                  FROM ticket_number_seq s
                                  WHERE s.is_called), 0)
    ON CONFLICT (scope) DO UPDATE SET last = c.last + 1
    RETURNING last
$$;
