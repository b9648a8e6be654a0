-- 024_search_fold.sql - accents folded by PostgreSQL's unaccent.
--
-- search_fold() (migration 014) folded accents with translate(), which
-- compares every character of a text with each of the 66 it knows: 130
-- to 160 microseconds for a mail of 500 characters, paid by every mail
-- stored (its search column is computed from the folded text) and by
-- every search, which folds the lines of the mails it shows to find the
-- one that matched. unaccent, a trusted extension of PostgreSQL's
-- contrib, walks a text once through a tree of its rules: about 10
-- microseconds for the same mail.
--
-- It also folds better: "cœur" and "ex æquo" become "coeur" and "ex
-- aequo" (translate made them "cour" and "ex aquo"), letters of other
-- Latin alphabets lose their marks ("Łódź", "Øre"), ß becomes ss, and
-- typographic quotes, dashes and ellipses become ASCII.
--
-- The 62 accented letters of French and English that both folds treat
-- alike are most of what mail holds; a message whose document has no
-- other character outside ASCII keeps its search column as it is. The
-- others have it computed again (an UPDATE recomputes a stored generated
-- column). A sealed message's blind index (migration 015) is computed by
-- guichet from the clear text, which the database does not hold: `guichet
-- keys rotate` computes it again.

CREATE EXTENSION IF NOT EXISTS unaccent;

-- A text with no byte above 127 has nothing to fold and is returned as
-- it is (unaccent's rules are all for characters beyond ASCII). PL/pgSQL:
-- a SQL body calling the STABLE unaccent() from an IMMUTABLE function
-- would not be inlined, and a SQL function that is not inlined is
-- slower to call than PL/pgSQL's cached plan. On 10,000 mails of 470
-- characters: 1.2 s with translate(), 56 ms with this; 10,000 mails in
-- ASCII: 0.5 s, 9 ms. The function and its dictionary are named with
-- the extension's schema, written into the body here: the fold does not
-- depend on the search_path of whoever stores a mail or searches (a name,
-- not an OID, so that a dump restored elsewhere still folds).
DO $do$
DECLARE
    nsp name := (SELECT n.nspname FROM pg_extension e
                   JOIN pg_namespace n ON n.oid = e.extnamespace
                  WHERE e.extname = 'unaccent');
BEGIN
    EXECUTE format($f$
CREATE OR REPLACE FUNCTION search_fold(s text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
BEGIN
    IF octet_length(s) = length(s) THEN
        RETURN s;
    END IF;
    RETURN %I.unaccent(%L::regdictionary, s);
END
$$$f$, nsp, quote_ident(nsp) || '.unaccent');
END
$do$;

UPDATE messages SET search_config = search_config
 WHERE search_tsv IS NOT NULL
   AND search_document(subject, from_addr, to_addrs, cc_addrs, text) ~
       '[^\x01-\x7fàâäáãåÀÂÄÁÃÅçÇéèêëÉÈÊËíìîïÍÌÎÏñÑóòôöõÓÒÔÖÕúùûüÚÙÛÜýÿÝŸ]';
