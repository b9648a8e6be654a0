-- 015_encryption.sql - encryption at rest: where a message's texts go
-- when they are sealed.
--
-- Raw mails, attachment contents, our queued mails and the quarantine
-- keep their bytea columns: a sealed blob is self-describing (magic, key
-- id, nonce, ciphertext, tag; see common/seal.h), so a column holds clear
-- rows of before and sealed rows side by side. Message texts are text
-- columns: with a key file, text is '' and new_text NULL, and the sealed
-- columns below hold them. The search column of 014 is computed from
-- text, so it holds a sealed message's subject and addresses only; its
-- body is searched through the blind index below.
--
-- `guichet keys rotate` finds the rows to seal again by their blob's
-- first bytes (the magic and the key id), in batches along the primary
-- key: no column of its own is needed.
ALTER TABLE messages ADD COLUMN sealed_text bytea;
ALTER TABLE messages ADD COLUMN sealed_new_text bytea;

-- The blind index of a sealed message: the lexemes PostgreSQL finds in
-- its search document (014's, with the clear text), each replaced by a
-- keyed HMAC of it (desk/vault_index.c), positions kept. Nothing of the
-- clear text is stored; a query's lexemes are replaced the same way.
-- Partial: GIN keeps an entry for a NULL too, and every mail stored in
-- clear would write one for nothing.
ALTER TABLE messages ADD COLUMN sealed_tsv tsvector;
CREATE INDEX messages_sealed_search ON messages USING gin (sealed_tsv)
    WHERE sealed_tsv IS NOT NULL;
