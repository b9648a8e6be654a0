-- 014_search_import.sql - full-text search over messages, and the old
-- numbers of tickets imported from another help desk.
--
-- Search: each message has a tsvector of its subject, its addresses and
-- the first 100,000 characters of its text (tsvector holds at most 1 MB;
-- a longer mail is stored whole and searched on its beginning), built
-- with the text search configuration of its ticket's language (french,
-- or english for tickets in English), after folding accents away
-- (search_fold(): the same fold is applied to queries, so "résolu",
-- "resolu" and "RÉSOLU" meet). A trigger gives each new message the
-- configuration of its ticket; the column is generated, so every path
-- that stores a message (intake, replies, import) is indexed without
-- knowing it. One GIN index serves both configurations. Each message
-- is matched on its own: "invoice -printer" finds a ticket one of whose
-- mails speaks of invoices and not of printers.

-- Accents folded one character for one (so positions in the folded text
-- are those of the original), in pure SQL: no extension to install.
CREATE FUNCTION search_fold(s text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN translate(s,
        'àâäáãåÀÂÄÁÃÅçÇéèêëÉÈÊËíìîïÍÌÎÏñÑóòôöõÓÒÔÖÕúùûüÚÙÛÜýÿÝŸœŒæÆ',
        'aaaaaaAAAAAAcCeeeeEEEEiiiiIIIInNoooooOOOOOuuuuUUUUyyYYoOaA');

-- The searched text of a message: subject, addresses, then its text, one
-- per line (the matching line shown by `ticket search` is one of them).
CREATE FUNCTION search_document(subject text, from_addr text,
    to_addrs text[], cc_addrs text[], body text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN coalesce(subject, '') || E'\n' ||
        concat_ws(' ', from_addr, array_to_string(to_addrs, ' '),
                  array_to_string(cc_addrs, ' ')) || E'\n' ||
        left(coalesce(body, ''), 100000);

ALTER TABLE messages ADD COLUMN search_config regconfig NOT NULL
    DEFAULT 'french';
UPDATE messages m SET search_config = 'english'
    FROM tickets t WHERE t.id = m.ticket_id AND t.language = 'en';

-- Our own automatic mails (acknowledgements, notifications: author
-- 'system') repeat what the customer wrote and are not searched.
ALTER TABLE messages ADD COLUMN search_tsv tsvector
    GENERATED ALWAYS AS (CASE WHEN author <> 'system' THEN
        to_tsvector(search_config, search_fold(search_document(subject,
            from_addr, to_addrs, cc_addrs, text))) END)
    STORED;
CREATE INDEX messages_search ON messages USING gin (search_tsv);

CREATE FUNCTION messages_search_config() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT CASE WHEN t.language = 'en' THEN 'english'::regconfig
                ELSE 'french'::regconfig END
      INTO NEW.search_config FROM tickets t WHERE t.id = NEW.ticket_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER messages_search_config BEFORE INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_search_config();

-- Tickets imported from another tool: the tool and the ticket's number
-- there. A customer answering an old thread ("[RT #1234]") lands on the
-- imported ticket; a second import of the same file finds its tickets.
CREATE TABLE ticket_refs (
    source          text NOT NULL
                    CHECK (source IN ('rt', 'zammad', 'osticket',
                                      'generic')),
    external_id     text NOT NULL,
    ticket_id       bigint NOT NULL REFERENCES tickets (id),
    imported_at     timestamptz NOT NULL,
    PRIMARY KEY (source, external_id)
);
CREATE INDEX ticket_refs_external ON ticket_refs (external_id);
