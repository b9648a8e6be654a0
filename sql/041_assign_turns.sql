-- 041_assign_turns.sql - a turn of its own for each queue that assigns
-- in turn.
--
-- 040 gave every queue one turn (the sequence assign_turn). Each
-- queue's agents still came one after the other, but shifted by the
-- other queues' tickets in between: with tickets of two queues of two
-- agents arriving turn about (S B S B...), every ticket of S went to
-- the same agent. Each queue with `assign = round_robin` now counts on
-- a sequence of its own, named after the queue (assign_turn_name());
-- the daemon creates those of its configuration when it connects
-- (`serve`) and `guichet migrate` does too (assign_turn_create(): a
-- sequence is DDL, done outside the intake's transactions). A queue
-- whose sequence is not there yet (the configuration changed, no daemon
-- restarted) takes the common turn of 040, as before.
CREATE FUNCTION assign_turn_name(queue text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 'assign_turn_' || substr(md5(queue), 1, 16) $$;

CREATE FUNCTION assign_turn_create(queue text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I',
        assign_turn_name(queue));
EXCEPTION WHEN unique_violation OR duplicate_table THEN
    NULL;   -- another daemon created it at the same instant
END $$;
