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

-- The search vector of a message is set by the trigger that already gave
-- it its configuration, no longer by a generated column: PostgreSQL read
-- a generated column's expression from its stored text and planned it
-- again at every INSERT into messages (a tenth of the server's CPU on a
-- new ticket, which inserts two), where a PL/pgSQL trigger keeps its plan
-- for the session. The value is the same expression of the same columns,
-- computed when a row is inserted and again when one of them changes (as
-- GENERATED did on any update) or the vector itself is written (which
-- GENERATED refused): the column keeps its values (DROP EXPRESSION
-- rewrites nothing) and its index.
ALTER TABLE messages ALTER COLUMN search_tsv DROP EXPRESSION;
CREATE OR REPLACE FUNCTION messages_search_config() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT CASE WHEN t.language = 'en' THEN 'english'::regconfig
                    ELSE 'french'::regconfig END
          INTO NEW.search_config FROM tickets t WHERE t.id = NEW.ticket_id;
    END IF;
    NEW.search_tsv := CASE WHEN NEW.author <> 'system' THEN
        to_tsvector(NEW.search_config, search_fold(search_document(
            NEW.subject, NEW.from_addr, NEW.to_addrs, NEW.cc_addrs,
            NEW.text))) END;
    RETURN NEW;
END
$$;
DROP TRIGGER messages_search_config ON messages;
CREATE TRIGGER messages_search_config
    BEFORE INSERT OR UPDATE OF subject, from_addr, to_addrs, cc_addrs, text,
        author, search_config, search_tsv ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_search_config();
