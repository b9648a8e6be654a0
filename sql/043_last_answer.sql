-- 043_last_answer.sql - who answered a ticket's customer last.
--
-- An agent's answer that comes after another agent's answer it could
-- not have read is held (answer_collision, desk/agent.c). Finding that
-- answer takes a statement; the ticket's row, which an agent's mail
-- reads with its claim, says whether there can be one at all: only when
-- the last answer was another agent's. The statement that records an
-- answer (ticket_answered) writes it, in the same row version; NULL for
-- a ticket not answered since this migration.
ALTER TABLE tickets ADD COLUMN last_answer_by text;
