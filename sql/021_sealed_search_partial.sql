-- 021_sealed_search_partial.sql - the blind index holds sealed mails only.
--
-- A GIN index keeps an entry for a NULL value too: migration 015's index
-- on messages.sealed_tsv wrote one for every mail stored in clear, that
-- is every mail of a desk without encryption, for nothing (the blind
-- search only asks it about sealed mails, and `sealed_tsv @@ q` is never
-- true of a NULL). Partial, it costs a clear mail nothing.
DROP INDEX messages_sealed_search;
CREATE INDEX messages_sealed_search ON messages USING gin (sealed_tsv)
    WHERE sealed_tsv IS NOT NULL;
