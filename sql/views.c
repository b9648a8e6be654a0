/*
 * views.c - JSON documents built by PostgreSQL (see views.h)
 */
#include "sql/views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/util.h"
#include "sql/store_util.h"

/* The fields of a ticket t, its rating r joined (TICKET_FROM). */
#define TICKET_FROM "tickets t LEFT JOIN ticket_ratings r " \
	"ON r.ticket_id = t.id"
#define TICKET_FIELDS \
	"'number', t.number, 'status', t.status, 'priority', t.priority, " \
	"'plan', t.plan, 'queue', t.queue, 'mailbox', t.mailbox, " \
	"'requester', t.requester, 'requester_name', t.requester_name, " \
	"'subject', t.subject, 'language', t.language, " \
	"'assignee', t.assignee, 'organisation', t.organisation, " \
	"'created_at', iso_utc(t.created_at), " \
	"'updated_at', iso_utc(t.updated_at), " \
	"'resolved_at', iso_utc(t.resolved_at), " \
	"'closed_at', iso_utc(t.closed_at), " \
	"'merged_into', (SELECT m.number FROM tickets m " \
	"WHERE m.id = t.merged_into), " \
	"'tags', t.tags, 'eta', iso_utc(t.eta), " \
	"'remind_at', iso_utc(t.remind_at), 'remind_by', t.remind_by, " \
	"'rating', CASE WHEN r.ticket_id IS NOT NULL THEN " \
	"json_build_object('score', r.score, 'comment', r.comment, " \
	"'sealed_comment', " SEALED_COMMENT_JSON("r") ", " \
	"'via', r.via, 'rated_at', iso_utc(r.rated_at), " \
	"'changes', r.changes) END, " \
	"'satisfaction', CASE WHEN r.ticket_id IS NOT NULL THEN " \
	"json_build_object('rating', r.score, 'comment', r.comment, " \
	"'sealed_comment', " SEALED_COMMENT_JSON("r") ", " \
	"'at', iso_utc(r.rated_at)) END, " \
	"'participants', coalesce((SELECT json_agg(json_build_object(" \
	"'address', p.address, 'name', p.name, 'role', p.role, " \
	"'added_at', iso_utc(p.added_at)) ORDER BY p.role DESC, " \
	"p.added_at, p.address) FROM ticket_participants p " \
	"WHERE p.ticket_id = t.id), '[]'::json), " \
	"'sla', coalesce((SELECT json_object_agg(s.kind, json_build_object(" \
	"'due_at', iso_utc(s.due_at), 'met_at', iso_utc(s.met_at), " \
	"'warned_at', iso_utc(s.warned_at), " \
	"'breached_at', iso_utc(s.breached_at), " \
	"'start_at', iso_utc(s.start_at), 'warn_at', iso_utc(s.warn_at), " \
	"'target_seconds', s.target_seconds, 'calendar', s.calendar, " \
	"'paused', s.due_at IS NULL AND s.met_at IS NULL)) " \
	"FROM sla_timers s WHERE s.ticket_id = t.id), '{}'::json)"

static const struct db_stmt st_ticket = { "view_ticket",
	"SELECT json_build_object(" TICKET_FIELDS ", "
	"'messages', coalesce((SELECT json_agg(json_build_object("
	"  'direction', m.direction, 'author', m.author, "
	"  'from', m.from_addr, 'from_name', m.from_name, "
	"  'to', m.to_addrs, 'cc', m.cc_addrs, 'subject', m.subject, "
	"  'message_id', m.message_id, 'in_reply_to', m.in_reply_to, "
	"  'references', m.refs, 'date', iso_utc(m.sent_date), "
	"  'received_at', iso_utc(m.received_at), 'text', m.text, "
	"  'new_text', m.new_text, 'text_flags', m.text_flags, "
	"  'size', m.raw_size, "
	"  'sealed', " SEALED_JSON("m") ", "
	"  'delivery', (SELECT json_build_object('status', o.status, "
	"    'attempts', o.attempts, 'last_error', o.last_error, "
	"    'sent_at', iso_utc(o.sent_at), "
	"    'recipients', outbox_rcpt_json(o.id)) FROM outbox o "
	"    WHERE o.id = m.outbox_id), "
	"  'attachments', coalesce((SELECT json_agg(json_build_object("
	"    'filename', a.filename, 'content_type', a.content_type, "
	"    'disposition', a.disposition, 'size', a.size, "
	"    'sha256', encode(a.sha256, 'hex')) ORDER BY a.id) "
	"    FROM attachments a WHERE a.message_id = m.id), '[]'::json)"
	") ORDER BY m.id) FROM messages m WHERE m.ticket_id = t.id), "
	"'[]'::json), "
	"'events', coalesce((SELECT json_agg(json_build_object("
	"  'at', iso_utc(e.at), 'kind', e.kind, 'actor', e.actor, "
	"  'data', e.data) ORDER BY e.id) FROM events e "
	"  WHERE e.ticket_id = t.id), '[]'::json), "
	/* #time (038_time_entries.sql): the agents with time left */
	"'time_spent', (SELECT json_build_object('minutes', "
	"  coalesce(sum(w.m), 0), 'by', coalesce(json_object_agg(w.agent, "
	"  w.m ORDER BY w.agent) FILTER (WHERE w.m <> 0), '{}'::json)) "
	"  FROM (SELECT agent, sum(minutes) AS m FROM time_entries "
	"  WHERE ticket_id = t.id GROUP BY agent) w)"
	")::text FROM " TICKET_FROM " WHERE t.number = $1", 1 };

/* The tickets that pass every filter given ($1 status, $2 queue, $3
 * priority, $4 assignee, $5 organisation; NULL: any; $6 'breached': an
 * SLA due before it was met or before $7, now), most urgent first: the
 * soonest due of the timers still running, then the plan's rank ($8 plan
 * names, $9 their ranks, $10 the rank of a plan not among them), then
 * the newest; the first $11 of them (NULL: all), one JSON object a
 * row. */
#define TICKET_URGENCY "x.due NULLS LAST, x.rank, t.id DESC"
static const struct db_stmt st_ticket_list = { "view_ticket_rows",
	"SELECT json_build_object(" TICKET_FIELDS ")::text "
	"FROM " TICKET_FROM " CROSS JOIN LATERAL (SELECT "
	"(SELECT min(s.due_at) FROM sla_timers s WHERE s.ticket_id = t.id "
	"AND s.met_at IS NULL) AS due, "
	"coalesce((SELECT p.rank FROM unnest($8::text[], $9::int[]) "
	"AS p(name, rank) WHERE p.name = t.plan LIMIT 1), $10::int) AS rank"
	") AS x "
	"WHERE ($1::text IS NULL OR t.status = $1) "
	"AND ($2::text IS NULL OR t.queue = $2) "
	"AND ($3::text IS NULL OR t.priority = $3) "
	"AND ($4::text IS NULL OR t.assignee = $4) "
	"AND ($5::text IS NULL OR lower(t.organisation) = lower($5)) "
	"AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM sla_timers s "
	"WHERE s.ticket_id = t.id AND (s.breached_at IS NOT NULL OR "
	"s.due_at < coalesce(s.met_at, $7::timestamptz)))) "
	"ORDER BY " TICKET_URGENCY " LIMIT $11::bigint", 11 };

/* One entry of the quarantine, as `quarantine list/show --json` print
 * it. */
#define QUARANTINE_JSON \
	"json_build_object('id', q.id, " \
	"'mailbox', q.mailbox, 'reason', q.reason, 'detail', q.detail, " \
	"'size', q.raw_size, 'imap_uid', q.imap_uid, " \
	"'received_at', iso_utc(q.received_at), 'status', q.status, " \
	"'retried_at', iso_utc(q.retried_at), " \
	"'released_at', iso_utc(q.released_at), " \
	"'released_by', q.released_by, " \
	"'notice_queue', q.notice_queue, " \
	"'noticed_at', iso_utc(q.noticed_at), " \
	"'ticket', (SELECT number FROM tickets WHERE id = q.ticket_id))"

/* one more than asked: whether older ones were left out */
static const struct db_stmt st_quarantine_list = { "view_quarantine_list",
	"SELECT coalesce(json_agg(" QUARANTINE_JSON " ORDER BY q.id) FILTER "
	"(WHERE q.n <= $5::bigint), '[]'::json)::text, count(*) > $5::bigint "
	"FROM (SELECT q.*, row_number() OVER (ORDER BY q.id DESC) AS n "
	"FROM quarantine q WHERE ($1::text IS NULL OR q.reason = $1) "
	"AND ($2::text IS NULL OR q.status = $2) "
	"AND ($3::text IS NULL OR q.notice_queue = $3) "
	"AND ($4::timestamptz IS NULL OR q.received_at >= $4) "
	"ORDER BY q.id DESC LIMIT $5::bigint + 1) q", 5 };

static const struct db_stmt st_quarantine = { "view_quarantine",
	"SELECT " QUARANTINE_JSON "::text FROM quarantine q WHERE q.id = $1",
	1 };

/* a time of the customer's page, in the zone of $2 */
#define FOLLOW_TIME(c) "to_char((" c ") AT TIME ZONE $2, " \
	"'YYYY-MM-DD HH24:MI')"

static const struct db_stmt st_follow = { "view_follow",
	"SELECT json_build_object('number', t.number, 'subject', t.subject, "
	"'status', t.status, 'priority', t.priority, 'queue', t.queue, "
	"'language', t.language, 'requester', t.requester, "
	"'link_epoch', t.link_epoch, 'closed_epoch', CASE WHEN t.status = "
	"'closed' THEN extract(epoch FROM t.closed_at)::bigint END, "
	"'merged_into', (SELECT m.number FROM tickets m WHERE m.id = "
	"t.merged_into), "
	"'created_at', " FOLLOW_TIME("t.created_at") ", "
	"'eta', " FOLLOW_TIME("t.eta") ", "
	"'timers', (SELECT coalesce(json_agg(json_build_object('kind', "
	"s.kind, 'due_at', " FOLLOW_TIME("s.due_at") ", 'met_at', "
	FOLLOW_TIME("s.met_at") ") ORDER BY s.start_at, s.kind), '[]') "
	"FROM sla_timers s WHERE s.ticket_id = t.id), "
	"'history', (SELECT coalesce(json_agg(json_build_object('at', "
	FOLLOW_TIME("h.at") ", 'what', h.what, 'from', h.f, 'to', h.t) "
	"ORDER BY h.at, h.seq), '[]') FROM (SELECT * FROM ("
	/* a reopening, a confirmation and a closing for want of an answer
	 * are status changes of their own kind */
	"SELECT e.at, e.id AS seq, CASE WHEN e.kind IN ('reopened', "
	"'validated', 'auto_closed') THEN 'status_changed' ELSE e.kind END "
	"AS what, e.data->>'from' AS f, CASE WHEN e.kind IN ('validated', "
	"'auto_closed') THEN 'closed' WHEN e.kind = 'followed_up' THEN "
	"e.data->>'new_ticket' ELSE e.data->>'to' END AS t FROM "
	"events e WHERE e.ticket_id = t.id AND (e.kind IN ('status_changed', "
	"'priority_changed', 'eta_set', 'workaround', 'reopened', "
	"'validated', 'auto_closed', 'pending_reminded') "
	/* the ticket a later mail of the customer's opened: not one of
	 * another sender's */
	"OR (e.kind = 'followed_up' AND lower(e.actor) = "
	"lower(t.requester))) "
	"UNION ALL SELECT m.received_at, m.id, CASE m.direction WHEN 'in' "
	"THEN 'your_message' ELSE 'our_answer' END, NULL, NULL FROM messages "
	"m WHERE m.ticket_id = t.id AND NOT m.internal AND ((m.direction = "
	"'in' AND m.author = 'customer') OR (m.direction = 'out' AND "
	"m.author = 'agent'))) AS x ORDER BY x.at DESC, x.seq DESC "
	"LIMIT 100) AS h))::text "
	"FROM tickets t WHERE t.id = $1", 2 };

#define OUTBOX_FIELDS \
	"'id', o.id, 'kind', o.kind, 'status', o.status, " \
	"'purpose', o.purpose, 'message_id', o.message_id, " \
	"'ticket', (SELECT number FROM tickets WHERE id = o.ticket_id), " \
	"'attempts', o.attempts, 'last_error', o.last_error, " \
	"'send_rank', o.send_rank, " \
	"'created_at', iso_utc(o.created_at), " \
	"'next_attempt_at', CASE WHEN o.status = 'pending' " \
	"THEN iso_utc(o.next_attempt_at) END, " \
	"'sent_at', iso_utc(o.sent_at), " \
	"'bytes', octet_length(o.data), " \
	"'recipients', outbox_rcpt_json(o.id)"

/* Newest first; $1: one status, or NULL for all; $2: at most. */
static const struct db_stmt st_outbox_list = { "view_outbox_list",
	"SELECT coalesce(json_agg(x.j ORDER BY x.id DESC), '[]'::json)::text "
	"FROM (SELECT o.id, json_build_object(" OUTBOX_FIELDS ") AS j "
	"FROM outbox o WHERE $1::text IS NULL OR o.status = $1 "
	"ORDER BY o.id DESC LIMIT $2::bigint) AS x", 2 };

/* The one JSON document st makes of its parameters (as many as it
 * takes; the first names what is not found). */
static int
one_document(struct db *db, const struct db_stmt *st,
    const char *const *params, char **json_r, const char *what,
    struct gc_err *err)
{
	PGresult *res;
	int rc;

	*json_r = NULL;
	if ((rc = db_exec(db, st, params, NULL, NULL, &res, err)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no %s %s", what,
		    params[0]);
	}
	*json_r = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int
views_follow(struct db *db, long long id, const char *zone, char **json_r,
    struct gc_err *err)
{
	char ids[24];

	snprintf(ids, sizeof(ids), "%lld", id);
	return one_document(db, &st_follow, (const char *[]){ ids, zone },
	    json_r, "ticket", err);
}

int
views_ticket(struct db *db, const char *number, char **json_r,
    struct gc_err *err)
{
	return one_document(db, &st_ticket, (const char *[]){ number }, json_r,
	    "ticket", err);
}

struct list_each {
	views_ticket_fn *fn;
	void *arg;
};

static int
list_row(void *arg, const PGresult *row)
{
	struct list_each *e = arg;

	return e->fn(e->arg, PQgetvalue(row, 0, 0));
}

int
views_ticket_list(struct db *db, const struct views_ticket_filter *f,
    views_ticket_fn *fn, void *arg, struct gc_err *err)
{
	char now[32], rank[16], max[24];
	char *plans = array_literal(f->plans, f->nplans);
	char *ranks = int_array_literal(f->ranks, f->nplans);
	struct list_each e = { fn, arg };
	const char *params[11] = { f->status, f->queue, f->priority,
		f->assignee, f->organisation, f->breached ? "breached" : NULL,
		now, plans, ranks, rank, f->max > 0 ? max : NULL };
	int rc;

	time_iso8601(now, sizeof(now), f->now);
	snprintf(rank, sizeof(rank), "%d", f->other_rank);
	snprintf(max, sizeof(max), "%lld", f->max);
	rc = db_each(db, &st_ticket_list, params, list_row, &e, err);
	free(plans);
	free(ranks);
	return rc;
}

int
views_quarantine_list(struct db *db, const struct views_quarantine_filter *f,
    char **json_r, bool *more_r, struct gc_err *err)
{
	char since[32], maxs[24];
	PGresult *res;
	int rc;

	*json_r = NULL;
	*more_r = false;
	if (f->since != 0)
		time_iso8601(since, sizeof(since), f->since);
	snprintf(maxs, sizeof(maxs), "%lld", f->max);
	if ((rc = db_execv(db, &st_quarantine_list, &res, err, 5, f->reason,
	    f->status, f->queue, f->since != 0 ? since : NULL, maxs)) != 0)
		return rc;
	*json_r = xstrdup(PQgetvalue(res, 0, 0));
	*more_r = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	return 0;
}

int
views_quarantine(struct db *db, long long id, char **json_r,
    struct gc_err *err)
{
	char ids[24];

	snprintf(ids, sizeof(ids), "%lld", id);
	return one_document(db, &st_quarantine, (const char *[]){ ids }, json_r,
	    "quarantine entry", err);
}

int
views_outbox_list(struct db *db, const char *status, long long max,
    char **json_r, struct gc_err *err)
{
	char maxs[24];
	PGresult *res;
	int rc;

	*json_r = NULL;
	snprintf(maxs, sizeof(maxs), "%lld", max);
	if ((rc = db_execv(db, &st_outbox_list, &res, err, 2, status,
	    maxs)) != 0)
		return rc;
	*json_r = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}
