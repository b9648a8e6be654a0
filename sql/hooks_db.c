/*
 * hooks_db.c - a ticket event queued for a [webhook] (see hooks_db.h)
 */
#include "sql/hooks_db.h"

#include "sql/store_util.h"

/* After the tickets' own mail, before the bulk (032_outbox_rank.sql). */
#define HOOK_RANK "500"

static const struct db_stmt st_queue = { "hooks_queue",
	"INSERT INTO outbox (kind, purpose, ticket_id, url, data, "
	"next_attempt_at, created_at, send_rank) SELECT 'webhook', "
	"'ticket_event', t.id, $2, convert_to(json_build_object('event', "
	"$3::text, 'ticket', t.number, 'queue', t.queue, 'status', t.status, "
	"'priority', t.priority, 'plan', t.plan, 'subject', CASE WHEN r.r "
	"THEN NULL ELSE t.subject END, 'redacted', r.r, 'requester', "
	"t.requester, 'assignee', nullif(t.assignee, ''), 'actor', $4::text, "
	"'at', $5::text, 'data', CASE WHEN r.r THEN $6::jsonb - "
	"ARRAY['subject', 'text'] ELSE $6::jsonb END)::text, 'UTF8'), "
	"$5::timestamptz, $5::timestamptz, " HOOK_RANK " FROM tickets t, "
	"LATERAL (SELECT "
	"t.queue = ANY ($8::text[]) AS r) r WHERE t.id = $1 AND "
	"($7::text[] IS NULL OR t.queue = ANY ($7::text[]))", 8 };

int
hooks_db_queue(struct db *db, int64_t ticket_id, const char *url,
    const char *event, const char *actor, const char *data_json,
    const char *queues, const char *redacted, time_t now,
    struct gc_err *err)
{
	I64(id, ticket_id);
	TS(ts, now);

	return db_deferv(db, &st_queue, err, 8, id, url, event, actor, ts,
	    data_json ? data_json : "{}", queues, redacted);
}
