-- 007_outbox_rcpt.sql - delivery per recipient.
--
-- An outbox mail has one row here per distinct recipient (the same
-- address twice, in any case, is one recipient). Each recipient has its
-- own status, attempts, error and next attempt: one refused or slow
-- recipient no longer decides for the others, and a recipient the
-- server took is never sent that mail again.
--
-- The rows are made from outbox.rcpts by the outbox worker when it first
-- takes the mail (outbox_rcpt_take), so that whatever queues a mail
-- keeps writing only its outbox row. The outbox row's status,
-- next_attempt_at, last_error and sent_at follow its recipients
-- (outbox_rcpt_done): pending while one is pending; then dead when one
-- ended dead (temporary failures up to the limit) or none was sent,
-- sent otherwise (recipients refused for good are recorded with the
-- server's answer).

CREATE TABLE outbox_rcpt (
    outbox_id       bigint NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    position        integer NOT NULL,       -- in outbox.rcpts, from 1
    address         text NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'refused',
                                      'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    next_at         timestamptz,            -- pending: when it is due
    done_at         timestamptz,            -- sent, refused or dead
    PRIMARY KEY (outbox_id, position)
);
CREATE UNIQUE INDEX outbox_rcpt_address ON outbox_rcpt (outbox_id,
                                                         lower(address));

-- The recipients of mail p_id that are due at p_now, in their order, at
-- most p_max; makes them first when the mail has none yet.
CREATE FUNCTION outbox_rcpt_take(p_id bigint, p_now timestamptz,
                                 p_max integer)
RETURNS TABLE (pos integer, address text, attempts integer)
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM outbox_rcpt r WHERE r.outbox_id = p_id)
    THEN
        INSERT INTO outbox_rcpt (outbox_id, position, address, next_at)
        SELECT DISTINCT ON (lower(u.a)) p_id, u.ord, u.a, p_now
        FROM outbox o, unnest(o.rcpts) WITH ORDINALITY AS u (a, ord)
        WHERE o.id = p_id AND u.a IS NOT NULL
        ORDER BY lower(u.a), u.ord
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN QUERY
        SELECT r.position, r.address, r.attempts FROM outbox_rcpt r
        WHERE r.outbox_id = p_id AND r.status = 'pending'
          AND (r.next_at IS NULL OR r.next_at <= p_now)
        ORDER BY r.position LIMIT p_max;
END;
$$;

-- Record what one SMTP transaction did to recipients (arrays, one
-- element each: position, new status, error or '', next attempt or ''),
-- count the attempt on the mail, and bring the mail's row in line with
-- its recipients. Returns the mail's new status.
CREATE FUNCTION outbox_rcpt_done(p_id bigint, p_now timestamptz,
                                 p_pos integer[], p_status text[],
                                 p_error text[], p_next text[])
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
BEGIN
    UPDATE outbox_rcpt r SET
        status = u.status,
        attempts = r.attempts + 1,
        last_error = nullif(u.error, ''),
        next_at = CASE WHEN u.status = 'pending'
                  THEN nullif(u.next, '')::timestamptz END,
        done_at = CASE WHEN u.status <> 'pending' THEN p_now END
    FROM unnest(p_pos, p_status, p_error, p_next) AS u (pos, status, error,
                                                        next)
    WHERE r.outbox_id = p_id AND r.position = u.pos;

    UPDATE outbox o SET
        attempts = o.attempts + CASE WHEN cardinality(p_pos) > 0
                                THEN 1 ELSE 0 END,
        status = CASE WHEN s.total = 0 THEN 'dead'
                      WHEN s.pending > 0 THEN 'pending'
                      WHEN s.dead > 0 OR s.sent = 0 THEN 'dead'
                      ELSE 'sent' END,
        next_attempt_at = coalesce(s.next_at, o.next_attempt_at),
        last_error = CASE WHEN s.total = 0 THEN 'no recipient'
                          ELSE s.last_error END,
        sent_at = s.sent_at
    FROM (SELECT count(*) AS total,
                 count(*) FILTER (WHERE r.status = 'pending') AS pending,
                 count(*) FILTER (WHERE r.status = 'sent') AS sent,
                 count(*) FILTER (WHERE r.status = 'dead') AS dead,
                 min(r.next_at) FILTER (WHERE r.status = 'pending')
                     AS next_at,
                 max(r.done_at) FILTER (WHERE r.status = 'sent')
                     AS sent_at,
                 (array_agg(r.address || ': ' || r.last_error
                            ORDER BY r.position)
                     FILTER (WHERE r.status <> 'sent'
                             AND r.last_error IS NOT NULL))[1]
                     AS last_error
          FROM outbox_rcpt r WHERE r.outbox_id = p_id) AS s
    WHERE o.id = p_id
    RETURNING o.status INTO v_status;
    RETURN v_status;
END;
$$;

-- Ops fixed the cause: a dead mail's recipients that were not sent are
-- due again, from zero attempts; the ones sent stay sent. Returns the
-- mail's ticket (NULL when none), or no row when the mail is not dead.
CREATE FUNCTION outbox_retry(p_id bigint, p_now timestamptz)
RETURNS TABLE (ticket_id bigint, recipients integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_ticket bigint;
    v_n integer;
BEGIN
    UPDATE outbox o SET status = 'pending', next_attempt_at = p_now,
                        last_error = NULL
    WHERE o.id = p_id AND o.status = 'dead'
    RETURNING o.ticket_id INTO v_ticket;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE outbox_rcpt r SET status = 'pending', attempts = 0,
                             next_at = p_now, done_at = NULL
    WHERE r.outbox_id = p_id AND r.status IN ('refused', 'dead');
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN QUERY SELECT v_ticket, v_n;
END;
$$;

-- The recipients of a mail as JSON for the views: its recipient rows,
-- or, before the worker took it, its rcpts with the mail's status.
CREATE FUNCTION outbox_rcpt_json(p_id bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT json_agg(json_build_object(
             'address', r.address, 'status', r.status,
             'attempts', r.attempts, 'last_error', r.last_error,
             'next_at', iso_utc(r.next_at), 'done_at', iso_utc(r.done_at))
             ORDER BY r.position)
         FROM outbox_rcpt r WHERE r.outbox_id = p_id),
        (SELECT json_agg(json_build_object(
             'address', u.a, 'status', o.status, 'attempts', o.attempts,
             'last_error', o.last_error,
             'next_at', CASE WHEN o.status = 'pending'
                        THEN iso_utc(o.next_attempt_at) END,
             'done_at', iso_utc(o.sent_at)) ORDER BY u.ord)
         FROM outbox o, unnest(o.rcpts) WITH ORDINALITY AS u (a, ord)
         WHERE o.id = p_id),
        '[]'::json);
$$;
