-- 026_agent_reply_cost.sql - what an agent's reply costs: its words
-- indexed for search once, its mail's slot taken as it is queued.
--
-- An agent's reply was indexed twice: the agent's mail as it came in
-- (direction 'in', author 'agent') and the copy of ours that relays it
-- to the customer (direction 'out', author 'agent'), whose text is the
-- same words in a template. Both paid to_tsvector(), the fold and the GIN
-- entries (a tenth of the server's CPU on an agent's reply), and a search
-- for the agent's words weighed two messages of the ticket for one. The
-- agent's words are found in the mail that brought them, as a customer's
-- are in theirs and not in our acknowledgement that quotes them (author
-- 'system', never indexed). A canned reply keeps its copy indexed: its
-- text is a template of ours that no incoming mail holds. So do the
-- agents' answers brought in by `tickets import` (direction 'out' too),
-- which are no copy of a mail we sent (no outbox_id).
--
-- The function is that of migration 021 with one condition more, on the
-- relayed copy (outbox_id, author, purpose).
CREATE OR REPLACE FUNCTION messages_search_config() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT CASE WHEN t.language = 'en' THEN 'english'::regconfig
                    ELSE 'french'::regconfig END
          INTO NEW.search_config FROM tickets t WHERE t.id = NEW.ticket_id;
    END IF;
    NEW.search_tsv := CASE WHEN NEW.author <> 'system' AND NOT (
        NEW.outbox_id IS NOT NULL AND NEW.author = 'agent' AND
        NEW.purpose IS DISTINCT FROM 'canned_reply') THEN
        to_tsvector(NEW.search_config, search_fold(search_document(
            NEW.subject, NEW.from_addr, NEW.to_addrs, NEW.cc_addrs,
            NEW.text))) END;
    RETURN NEW;
END
$$;

-- The copies already stored leave the index (writing the column runs the
-- trigger, which computes it again: NULL now).
UPDATE messages SET search_tsv = NULL
 WHERE outbox_id IS NOT NULL AND author = 'agent'
   AND purpose IS DISTINCT FROM 'canned_reply' AND search_tsv IS NOT NULL;

-- The slot of a mail of ours under ticket_send_cap (migration 008), taken
-- in the statement that queues the mail, before its outbox row is written
-- with it as its first attempt: ticket_send_slot() was a statement of its
-- own after each reply, that found the row again by its Message-ID and
-- moved its first attempt when the hour was full (four statements of
-- PL/pgSQL and an UPDATE of the row just written). The same slot: the
-- ticket's mails take theirs one after the other, the log keeps the last
-- hour, a mail past p_cap in the hour waits until the hour allows it; its
-- mail_held event is written by the statement (store_event.c).
CREATE OR REPLACE FUNCTION ticket_send_slot_take(p_ticket bigint, p_now timestamptz,
                                      p_cap bigint)
RETURNS timestamptz LANGUAGE plpgsql AS $$
DECLARE
    nth timestamptz;
    slot timestamptz := p_now;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(
        'ticket_send:' || p_ticket, 0));
    DELETE FROM ticket_send_log
        WHERE ticket_id = p_ticket AND at <= p_now - interval '1 hour';
    SELECT at INTO nth FROM ticket_send_log WHERE ticket_id = p_ticket
        ORDER BY at DESC OFFSET p_cap - 1 LIMIT 1;
    IF nth IS NOT NULL AND nth + interval '1 hour' > p_now THEN
        slot := nth + interval '1 hour';
    END IF;
    INSERT INTO ticket_send_log (ticket_id, at) VALUES (p_ticket, slot);
    RETURN slot;
END;
$$;

-- ticket_send_slot() of migration 008, which found the row again, has no
-- caller left.
DROP FUNCTION IF EXISTS ticket_send_slot(bigint, text, timestamptz, bigint);
