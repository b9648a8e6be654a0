-- 021_intake_cost.sql - what a new mail costs PostgreSQL.
--
-- search_fold() of migration 014 ran translate() over every searched
-- mail; translate() walks its 62 accented characters for each character
-- of the text, and that walk was a quarter of the server's CPU on a new
-- ticket. A text with no byte above 127 has no accent to fold: it is
-- returned as it is, which is what translate() gave for it. Others are
-- folded as before, so the stored search_tsv of old mails and the
-- queries folded by the same function still meet. PL/pgSQL, not SQL: a
-- SQL body naming s three times would no longer be inlined, and a
-- non-inlined SQL function costs more than the walk it saves.
CREATE OR REPLACE FUNCTION search_fold(s text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
BEGIN
    IF octet_length(s) = length(s) THEN
        RETURN s;
    END IF;
    RETURN translate(s,
        'àâäáãåÀÂÄÁÃÅçÇéèêëÉÈÊËíìîïÍÌÎÏñÑóòôöõÓÒÔÖÕúùûüÚÙÛÜýÿÝŸœŒæÆ',
        'aaaaaaAAAAAAcCeeeeEEEEiiiiIIIInNoooooOOOOOuuuuUUUUyyYYoOaA');
END
$$;

-- Our queued mails and the raw mails are compressed with lz4 rather than
-- pglz when a row passes the 2 kB where PostgreSQL compresses: pglz was
-- the next biggest item of the server's own CPU on a new ticket (the
-- acknowledgement and the agents' notification each carry a text and an
-- HTML part). Old rows keep their pglz values, both are read alike.
ALTER TABLE outbox ALTER COLUMN data SET COMPRESSION lz4;
ALTER TABLE messages ALTER COLUMN raw SET COMPRESSION lz4,
    ALTER COLUMN text SET COMPRESSION lz4,
    ALTER COLUMN new_text SET COMPRESSION lz4;
