-- 020_search_recent.sql - search reads only the newest matching mails.
--
-- `ticket search` ranks the newest 500 mails that match. With one GIN
-- index over the words alone, PostgreSQL had two ways to find them, both
-- paid per match: take every match from the index and visit each one's
-- row (8,000 rows, 50 ms, for two words found together in 1 % of a
-- million mails), or walk the messages backwards testing each row until
-- 500 match. Neither stops at the newest.
--
-- So the index also holds, for each mail, the blocks of ids it falls in
-- at five scales (2,048 ids, 16,384, 131,072, 1,048,576 and 8,388,608):
-- lexemes "ZA<id/2^11>", "ZB<id/2^14>" and so on, which the parser never
-- makes from text (it lowercases; these start with capitals). A search
-- asks the index for the query AND one of the two newest blocks of the
-- smallest scale: the index intersects the lists itself and hands back
-- only the matches among the newest ids. While fewer than the wanted
-- number come back, a wider window is tried; the last answer covers
-- every mail. A rare word costs a few small index reads, a common one a
-- walk over the newest rows, whatever the size of the database.
--
-- The index is on an expression, so the table is not rewritten; it
-- replaces the index of migration 014 (a query without blocks uses it
-- the same way: the block lexemes never match a word). It holds the
-- searched mails only: our own (search_tsv NULL) would each write a
-- NULL entry and five blocks for nothing.

CREATE FUNCTION search_blocks(id bigint) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN array_to_tsvector(ARRAY['ZA' || (id >> 11), 'ZB' || (id >> 14),
        'ZC' || (id >> 17), 'ZD' || (id >> 20), 'ZE' || (id >> 23)]);

CREATE INDEX messages_search_recent ON messages
    USING gin (search_tsv, search_blocks(id)) WHERE search_tsv IS NOT NULL;
DROP INDEX messages_search;

-- The ids of the newest `want` mails matching fr (mails in French) or en
-- (in English), newest first. A query with no positive word in one
-- language (empty, or only exclusions) finds nothing in that language.
--
-- First the newest 4 * want mails are read in order and tested: a common
-- word is found there at the cost of a walk along the primary key. Then
-- the index is asked for the matches in a window of the newest ids that
-- grows from what the last one held: with n matches in w ids, the next
-- is w * want / n (and a quarter more), or eight times w when it held
-- none. A window is covered by at most eight blocks of the smallest
-- scale that does it; past 64 M ids, the whole index is read.
CREATE FUNCTION search_recent(fr tsquery, en tsquery, want integer)
RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
    top bigint := (SELECT max(id) FROM messages);
    use_fr boolean := querytree(fr) NOT IN ('', 'T');
    use_en boolean := querytree(en) NOT IN ('', 'T');
    walked bigint;
    low bigint;
    width bigint;
    scale integer;
    near tsquery;
    found bigint[];
BEGIN
    IF top IS NULL OR NOT (use_fr OR use_en) THEN
        RETURN '{}';
    END IF;
    SELECT count(*), min(r.id), coalesce(array_agg(r.id ORDER BY r.id DESC)
               FILTER (WHERE (use_fr AND r.cfg = 'french'::regconfig AND
                              r.tsv @@ fr) OR
                             (use_en AND r.cfg = 'english'::regconfig AND
                              r.tsv @@ en)), '{}')
      INTO walked, low, found
      FROM (SELECT m.id, m.search_config AS cfg, m.search_tsv AS tsv
              FROM messages m ORDER BY m.id DESC LIMIT 4 * want) AS r;
    IF cardinality(found) >= want OR walked < 4 * want THEN
        RETURN found[1:want];
    END IF;
    width := top - low + 1;
    LOOP
        width := CASE WHEN cardinality(found) = 0 THEN width * 8
                 ELSE greatest(width * 2, width * want * 5 /
                               (4 * cardinality(found))) END;
        scale := 0;
        WHILE scale < 4 AND (top >> (11 + 3 * scale)) -
              (greatest(top - width + 1, 0) >> (11 + 3 * scale)) >= 8
        LOOP
            scale := scale + 1;
        END LOOP;
        EXIT WHEN (top >> (11 + 3 * scale)) -
                  (greatest(top - width + 1, 0) >> (11 + 3 * scale)) >= 8;
        near := array_to_string(ARRAY(
            SELECT 'Z' || chr(65 + scale) || b FROM generate_series(
                greatest(top - width + 1, 0) >> (11 + 3 * scale),
                top >> (11 + 3 * scale)) AS b), ' | ')::tsquery;
        found := ARRAY(SELECT m.id FROM messages m
            WHERE (use_fr AND m.search_config = 'french'::regconfig AND
                   m.search_tsv @@ fr AND search_blocks(m.id) @@ near)
               OR (use_en AND m.search_config = 'english'::regconfig AND
                   m.search_tsv @@ en AND search_blocks(m.id) @@ near)
            ORDER BY m.id DESC LIMIT want);
        -- enough, or the window reached the first mail
        IF cardinality(found) >= want OR top - width + 1 <= 1 THEN
            RETURN found;
        END IF;
    END LOOP;
    RETURN ARRAY(SELECT m.id FROM messages m
        WHERE (use_fr AND m.search_config = 'french'::regconfig AND
               m.search_tsv @@ fr)
           OR (use_en AND m.search_config = 'english'::regconfig AND
               m.search_tsv @@ en)
        ORDER BY m.id DESC LIMIT want);
END
$$;
