-- 025_search_pairs.sql - a phrase is found by the index, not by reading
-- every mail that holds its words.
--
-- GIN keeps which mails hold a word, not where. For "paper jam" the
-- index handed back every mail holding both words (52,000 of a million
-- in the search benchmark, where both are common) and PostgreSQL read
-- each one's vector to see whether they stand side by side: 40 ms for
-- the 119 that do.
--
-- So each searched mail's vector also holds its word pairs: for every
-- two lexemes that follow each other in it, the lexeme "a b", with no
-- position, and as many spaces between them as their positions are
-- apart (stop words between them are left out of the vector, but leave
-- their place): "mot de passe" holds 'mot  pass'. The parser never makes
-- a lexeme with a space, so no word of a query meets a pair by chance.
-- Each phrase of a query also asks for its pairs (sql/search_db.c,
-- search_pairs_query()): the index then hands back only the mails that
-- hold the phrase's words one after the other, whatever their words, and
-- a query whose words must all be there goes through search_recent()
-- (migration 020), the newest first.
--
-- A phrase whose words stand with only stop words between them in the
-- query ("mot de passe": 'mot' <2> 'pass') is found where the same holds
-- in the mail ("mot de passe", "mot du passe"), no longer where another
-- word stands between them ("mot clé passe"), which PostgreSQL alone
-- also took for it; the same for a phrase after OR or a minus sign. Two
-- words more than 8 positions apart make no pair: a phrase with more stop
-- words in a row is read as PostgreSQL reads it.
--
-- A pair longer than a lexeme may be (2,046 bytes), or pairs adding up
-- to more than 500,000 bytes (a vector holds 1 MB), are not kept: such a
-- mail gets the lexeme "ZP" instead (capitals: never a word), which every
-- phrase query accepts, so that it is still found by reading it.
--
-- The vector is about two and a half times longer. Stored like the text
-- (EXTENDED), most rows passed the 2 kB where PostgreSQL moves a value
-- out of the row, and reading a vector out of line cost 17 µs a row
-- where one in the row costs under one: it is kept in the row (MAIN),
-- the raw mail and the text going out of it first.

CREATE FUNCTION search_pairs(v tsvector) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    pairs text[];
    too_long boolean;
    total bigint;
BEGIN
    SELECT array_agg(p.pair) FILTER (WHERE octet_length(p.pair) < 2047),
           bool_or(octet_length(p.pair) >= 2047), sum(octet_length(p.pair))
      INTO pairs, too_long, total
      FROM (SELECT w.lexeme || repeat(' ', (lead(w.pos) OVER o) - w.pos) ||
                   lead(w.lexeme) OVER o AS pair,
                   (lead(w.pos) OVER o) - w.pos AS gap
              FROM (SELECT u.lexeme, unnest(u.positions) AS pos
                      FROM unnest(v) AS u) AS w
            WINDOW o AS (ORDER BY w.pos)) AS p
     WHERE p.gap BETWEEN 1 AND 8;
    IF too_long OR total > 500000 THEN
        RETURN array_to_tsvector('{ZP}');
    END IF;
    RETURN array_to_tsvector(coalesce(pairs, '{}'));
END
$$;

-- The pairs are added to the vector that the trigger of migration 021
-- sets, by a trigger of their own that fires after it (triggers fire in
-- the order of their names) on the same changes.
CREATE FUNCTION messages_search_pairs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_tsv := NEW.search_tsv || search_pairs(NEW.search_tsv);
    RETURN NEW;
END
$$;
CREATE TRIGGER messages_search_pairs
    BEFORE INSERT OR UPDATE OF subject, from_addr, to_addrs, cc_addrs, text,
        author, search_config, search_tsv ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_search_pairs();

ALTER TABLE messages ALTER COLUMN search_tsv SET STORAGE MAIN;

-- The mails already stored get their pairs (the trigger computes the
-- vector again).
UPDATE messages SET search_config = search_config
 WHERE search_tsv IS NOT NULL;
