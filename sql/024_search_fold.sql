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

-- The dictionary is named by its OID, resolved here once: the function
-- does not depend on the search_path of whoever calls it.
CREATE OR REPLACE FUNCTION search_fold(s text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN unaccent('unaccent'::regdictionary, s);

UPDATE messages SET search_config = search_config
 WHERE search_tsv IS NOT NULL
   AND search_document(subject, from_addr, to_addrs, cc_addrs, text) ~
       '[^\x01-\x7fàâäáãåÀÂÄÁÃÅçÇéèêëÉÈÊËíìîïÍÌÎÏñÑóòôöõÓÒÔÖÕúùûüÚÙÛÜýÿÝŸ]';
