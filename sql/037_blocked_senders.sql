-- 037_blocked_senders.sql - senders whose new mails are held, not
-- answered (an agent's #spam, or `guichet blocked add`).
--
-- Spam the filter in front of the desk let through became a ticket, and
-- the next one from the same sender another: each acknowledged (to an
-- address that is often forged) and notified to the agents. An agent's
-- #spam closes the ticket in silence and puts its sender here; ops add
-- an address or a whole @domain. A mail from such a sender that would
-- open a ticket goes to the quarantine as held (no ticket, no answer,
-- deleted after held_retention unless released); a follow-up of a
-- ticket's own people is never held, as for the rules' holds.
--
-- address: lower case, "local@domain" or "@domain". The intake's claim
-- reads it in its round trip (store_claim_tagged()): one probe of this
-- primary key per mail.
CREATE TABLE blocked_senders (
    address         text PRIMARY KEY CHECK (address = lower(address)
                                            AND address LIKE '%@%'),
    added_by        text NOT NULL,          -- agent, or "ops (USER)"
    ticket_id       bigint REFERENCES tickets (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL
);
