-- 027_sql_functions_planned.sql - two SQL functions that PostgreSQL
-- parsed and planned again at every mail.
--
-- A LANGUAGE sql function that the planner cannot inline into its caller
-- is run by fmgr_sql, which parses, analyses and plans its body at each
-- statement that calls it: the profile of the intake's backend (perf) put
-- 15 % of the server's CPU on a new ticket there. Two functions made most
-- of it:
--
-- ticket_number_take() (migration 009), an INSERT ... ON CONFLICT with a
-- subquery, called once per new ticket: 10 %. In PL/pgSQL its plan is
-- kept for the session; the statement is the same.
CREATE OR REPLACE FUNCTION ticket_number_take(p_scope text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    INSERT INTO ticket_counters AS c (scope, last)
    SELECT p_scope, 1 + coalesce((SELECT s.last_value
                                  FROM ticket_number_seq s
                                  WHERE s.is_called), 0)
    ON CONFLICT (scope) DO UPDATE SET last = c.last + 1
    RETURNING c.last INTO n;
    RETURN n;
END
$$;

-- search_blocks() (migration 020), computed by the index
-- messages_search_recent for every searched message stored: 5 %. STRICT,
-- its body could not be inlined (an ARRAY[] of a NULL is no NULL), and
-- text || bigint called the SQL function anytextcat(), parsed each time
-- again. Without STRICT (a NULL id still gives NULL) and with the numbers
-- cast to text, the same expression is inlined into the index and into
-- the queries of search_recent() alike: the same lexemes for every id, so
-- the index stays as it is.
CREATE OR REPLACE FUNCTION search_blocks(id bigint) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN id IS NOT NULL THEN array_to_tsvector(ARRAY[
        'ZA' || (id >> 11)::text, 'ZB' || (id >> 14)::text,
        'ZC' || (id >> 17)::text, 'ZD' || (id >> 20)::text,
        'ZE' || (id >> 23)::text]) END;
