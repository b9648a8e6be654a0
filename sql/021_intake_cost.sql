-- 021_intake_cost.sql - what a new mail costs PostgreSQL.
--
-- search_fold() of migration 014 ran translate() over every searched
-- mail; translate() walks its 58 accented characters for each character
-- of the text: about 3 % of the server's CPU on a new ticket of a short
-- plain mail, and much more on a long mail or a relayed reply in a
-- French template, and on every line that `ticket search` folds to show
-- its matches. A text with no byte above 127 has no accent to fold: it is
-- returned as it is. Another is folded by translate() with only the
-- accented characters that it holds (usually a handful, found by a
-- regular expression that keeps the characters above ASCII): the same
-- result as the walk over all 58, so that the stored search_tsv of old
-- mails and the queries folded by this function still meet. PL/pgSQL:
-- a SQL body naming s several times would no longer be inlined.
CREATE OR REPLACE FUNCTION search_fold(s text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    accents CONSTANT text :=
        'àâäáãåÀÂÄÁÃÅçÇéèêëÉÈÊËíìîïÍÌÎÏñÑóòôöõÓÒÔÖÕúùûüÚÙÛÜýÿÝŸœŒæÆ';
    plain CONSTANT text :=
        'aaaaaaAAAAAAcCeeeeEEEEiiiiIIIInNoooooOOOOOuuuuUUUUyyYYoOaA';
    f text := '';
    t text := '';
    c text;
    p integer;
BEGIN
    IF octet_length(s) = length(s) THEN
        RETURN s;
    END IF;
    FOR c IN SELECT DISTINCT x FROM regexp_split_to_table(
                 regexp_replace(s, '[\x01-\x7f]+', '', 'g'), '') AS x LOOP
        p := strpos(accents, c);
        IF p > 0 THEN
            f := f || c;
            t := t || substr(plain, p, 1);
        END IF;
    END LOOP;
    IF f = '' THEN
        RETURN s;
    END IF;
    RETURN translate(s, f, t);
END
$$;

-- Our queued mails and the raw mails are compressed with lz4 rather than
-- pglz when a row passes the 2 kB where PostgreSQL compresses: pglz took
-- about 5 % of the server's CPU on a new ticket (the acknowledgement and
-- the agents' notification each carry a text and an HTML part), lz4 a
-- fraction of that, for a little less compression (some 350 bytes more
-- WAL per new ticket). Old rows keep their pglz values, both are read
-- alike.
ALTER TABLE outbox ALTER COLUMN data SET COMPRESSION lz4;
ALTER TABLE messages ALTER COLUMN raw SET COMPRESSION lz4,
    ALTER COLUMN text SET COMPRESSION lz4,
    ALTER COLUMN new_text SET COMPRESSION lz4;

-- tickets_created (migration 001) is written by every new ticket and
-- read by no statement: the reports select by organisation and creation
-- (tickets_org_created of 018), the list orders by urgency and id, and
-- retention reads closed_at (tickets_retention).
DROP INDEX tickets_created;
