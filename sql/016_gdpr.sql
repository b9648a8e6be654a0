-- 016_gdpr.sql - retention, export and erasure of a person's data.
--
-- A ticket is anonymised once (tickets.anonymised_at): its addresses are
-- replaced by keyed pseudonyms computed in C (desk/gdpr.c) and handed
-- over as two arrays, an address (lower-cased) and its pseudonym, of
-- the same length; names, texts, raw mails and attachment contents go.
-- The SHA-256 of an attachment is taken from the content, so it goes
-- with it: attachments.sha256 may now be NULL.

ALTER TABLE tickets ADD COLUMN anonymised_at timestamptz;
CREATE INDEX tickets_retention ON tickets (closed_at)
    WHERE status = 'closed' AND anonymised_at IS NULL;

ALTER TABLE attachments ALTER COLUMN sha256 DROP NOT NULL;

-- Finding a person: an author of messages, a participant.
CREATE INDEX messages_from_addr ON messages (lower(from_addr));
CREATE INDEX ticket_participants_address ON ticket_participants (address);
-- A ticket's mails of ours and quarantined mails, for its anonymisation.
CREATE INDEX outbox_ticket ON outbox (ticket_id);
CREATE INDEX quarantine_ticket ON quarantine (ticket_id)
    WHERE ticket_id IS NOT NULL;

-- The pseudonym of an address under the mapping (p_addr[i] ->
-- p_pseudo[i]); an address the mapping misses never stays in clear.
CREATE FUNCTION gdpr_map(p_v text, p_addr text[], p_pseudo text[])
    RETURNS text LANGUAGE sql IMMUTABLE
    RETURN CASE WHEN p_v IS NULL THEN NULL ELSE coalesce(
        p_pseudo[array_position(p_addr, lower(p_v))], 'anon@invalid') END;

-- The same for each address of an array, in order. A long array (a mail
-- to thousands) is joined to the mapping by hash rather than searched
-- once per address.
CREATE FUNCTION gdpr_map_all(p_v text[], p_addr text[], p_pseudo text[])
    RETURNS text[] LANGUAGE sql IMMUTABLE
    RETURN CASE WHEN cardinality(p_v) <= 32 THEN
        ARRAY(SELECT gdpr_map(u.a, p_addr, p_pseudo)
              FROM unnest(p_v) WITH ORDINALITY AS u (a, o) ORDER BY u.o)
    ELSE
        ARRAY(SELECT coalesce(m.p, 'anon@invalid')
              FROM unnest(p_v) WITH ORDINALITY AS u (a, o)
              LEFT JOIN unnest(p_addr, p_pseudo) AS m (a, p)
                  ON m.a = lower(u.a)
              ORDER BY u.o)
    END;
