/*
 * store_ticket.c - a ticket's row (see store_ticket.h)
 *
 * Each function is one or two named prepared statements.
 */
#include "sql/store_ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/store_util.h"
#include "sql/timer_cols.h"

void
store_ticket_clear(struct store_ticket *t)
{
	free(t->requester);
	free(t->requester_name);
	free(t->subject);
	memset(t, 0, sizeof(*t));
}

/* ----- Tickets ---------------------------------------------------- */

/* The ticket, its number taken from its scope's counter in this
 * transaction (no gap when it rolls back) and built here (so that no
 * round trip is spent on the counter alone), its requester as its
 * first participant, its "created" and "qualified" events, and its SLA
 * timers ($19-$26, STORE_TIMERS_INSERT): one statement less per new
 * ticket. */
static const struct db_stmt st_ticket_insert = { "ticket_insert",
	"WITH s AS (SELECT ticket_number_take($1 || '%n' || $16)::text AS n), "
	"t AS (INSERT INTO tickets (number, status, priority, plan, queue, "
	"mailbox, requester, requester_name, subject, language, organisation, "
	"tags, created_at, updated_at) SELECT $1 || CASE WHEN length(s.n) >= "
	"$14::int THEN s.n ELSE lpad(s.n, $14::int, $15) END || $16, $2, $3, "
	"$4, $5, $6, $7, $8, $9, $10, $11, $13, $12, $12 FROM s "
	"RETURNING id, number), "
	"p AS (INSERT INTO ticket_participants (ticket_id, address, name, role, "
	"added_at) SELECT id, lower($7), $8, 'requester', $12 FROM t), "
	"e AS (INSERT INTO events (ticket_id, at, kind, actor, data) "
	"SELECT id, $12, 'created', $7, $17::jsonb FROM t UNION ALL "
	"SELECT id, $12, 'qualified', NULL, $18::jsonb FROM t), "
	"tm AS (" STORE_TIMERS_INSERT("t.id", "t, ", "$19", "$20", "$21",
	"$22", "$23", "$24", "$25", "$26") ") "
	"SELECT id, number FROM t", 26 };

int
store_ticket_insert(struct db *db, const struct store_ticket_new *t,
    int64_t *id_r, char *number_r, size_t numlen, struct gc_err *err)
{
	TS(now, t->now);
	char *tags = array_literal(t->tags, t->ntags);
	char width[16];
	struct store_timer_cols a;
	PGresult *res;
	int rc;
	const char *p[26] = { t->number_prefix, t->status, t->priority,
		t->plan, t->queue, t->mailbox, t->requester, t->requester_name,
		t->subject, t->language, t->organisation, now, tags, width,
		t->number_zero ? "0" : " ", t->number_suffix,
		t->created_json ? t->created_json : "{}",
		t->qualified_json ? t->qualified_json : "{}" };

	snprintf(width, sizeof(width), "%d", t->number_width);
	store_timer_cols(&a, t->timers, t->ntimers);
	store_timer_cols_new(&a, p + 18);
	rc = db_exec(db, &st_ticket_insert, p, NULL, NULL, &res, err);
	store_timer_cols_free(&a);
	free(tags);
	if (rc != 0)
		return rc;
	*id_r = db_get_ll(res, 0, 0);
	snprintf(number_r, numlen, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

static const struct db_stmt st_ticket_by_number = { "ticket_by_number",
	"SELECT " STORE_TICKET_COLS " FROM tickets WHERE number = $1", 1 };
static const struct db_stmt st_ticket_by_id = { "ticket_by_id",
	"SELECT " STORE_TICKET_COLS " FROM tickets WHERE id = $1", 1 };

void
store_ticket_row(const PGresult *res, int c, struct store_ticket *t)
{
	const char *name;

	memset(t, 0, sizeof(*t));
	t->id = db_get_ll(res, 0, c);
	copy_field(t->number, sizeof(t->number), db_get(res, 0, c + 1));
	copy_field(t->status, sizeof(t->status), db_get(res, 0, c + 2));
	copy_field(t->priority, sizeof(t->priority), db_get(res, 0, c + 3));
	copy_field(t->plan, sizeof(t->plan), db_get(res, 0, c + 4));
	copy_field(t->queue, sizeof(t->queue), db_get(res, 0, c + 5));
	copy_field(t->mailbox, sizeof(t->mailbox), db_get(res, 0, c + 6));
	copy_field(t->language, sizeof(t->language), db_get(res, 0, c + 7));
	t->requester = xstrdup(db_get(res, 0, c + 8));
	name = db_get(res, 0, c + 9);
	t->requester_name = name ? xstrdup(name) : NULL;
	t->subject = xstrdup(db_get(res, 0, c + 10));
	t->created_at = (time_t)db_get_ll(res, 0, c + 11);
	copy_field(t->assignee, sizeof(t->assignee), db_get(res, 0, c + 12));
	t->merged_into = db_get_ll(res, 0, c + 13);
	t->eta = (time_t)db_get_ll(res, 0, c + 14);
	t->link_epoch = (int)db_get_ll(res, 0, c + 15);
	copy_field(t->last_answer_by, sizeof(t->last_answer_by),
	    db_get(res, 0, c + 16));
}

static int
ticket_from(PGresult *res, struct store_ticket *t, struct gc_err *err)
{
	if (PQntuples(res) == 0) {
		memset(t, 0, sizeof(*t));
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no such ticket");
	}
	store_ticket_row(res, 0, t);
	PQclear(res);
	return 0;
}

int
store_ticket_by_number(struct db *db, const char *number,
    struct store_ticket *t, struct gc_err *err)
{
	PGresult *res;
	int rc;

	if ((rc = db_execv(db, &st_ticket_by_number, &res, err, 1, number)))
		return rc;
	return ticket_from(res, t, err);
}

int
store_ticket_by_id(struct db *db, int64_t id, struct store_ticket *t,
    struct gc_err *err)
{
	I64(ids, id);
	PGresult *res;
	int rc;

	if ((rc = db_execv(db, &st_ticket_by_id, &res, err, 1, ids)))
		return rc;
	return ticket_from(res, t, err);
}

static const struct db_stmt st_ticket_touch = { "ticket_touch",
	"UPDATE tickets SET updated_at = $2 WHERE id = $1", 2 };

int
store_ticket_touch(struct db *db, int64_t id, time_t now, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);

	/* no answer awaited: it rides with the next round trip */
	return db_deferv(db, &st_ticket_touch, err, 2, ids, ts);
}

/* The status, and the clock that stops while a ticket waits on the
 * customer (pending): a pause opens when it becomes pending and closes
 * when it leaves it; one round trip. */
static const struct db_stmt st_ticket_status = { "ticket_status",
	"WITH u AS (UPDATE tickets SET status = $2, updated_at = $3, "
	"resolved_at = CASE WHEN $2 = 'resolved' THEN $3::timestamptz "
	"WHEN $2 IN ('open', 'new', 'pending') THEN NULL "
	"ELSE resolved_at END, "
	"closed_at = CASE WHEN $2 = 'closed' THEN $3::timestamptz "
	"ELSE NULL END WHERE id = $1), "
	"o AS (INSERT INTO ticket_pauses (ticket_id, start_at) SELECT $1, $3 "
	"WHERE $2 = 'pending' AND NOT EXISTS (SELECT 1 FROM ticket_pauses "
	"WHERE ticket_id = $1 AND end_at IS NULL)) "
	"UPDATE ticket_pauses SET end_at = $3 WHERE $2 <> 'pending' AND "
	"ticket_id = $1 AND end_at IS NULL", 3 };

int
store_ticket_set_status(struct db *db, int64_t id, const char *status,
    time_t now, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);

	return db_deferv(db, &st_ticket_status, err, 3, ids, status, ts);
}

static const struct db_stmt st_ticket_closed = { "ticket_closed",
	"SELECT coalesce(extract(epoch FROM o.closed_at)::bigint, 0), "
	"coalesce((SELECT t.id FROM events e JOIN tickets t ON t.number = "
	"e.data->>'new_ticket' WHERE e.ticket_id = o.id AND e.kind = "
	"'followed_up' AND t.status <> 'closed' AND lower(t.requester) = "
	"lower($2) ORDER BY e.id DESC LIMIT 1), 0) FROM tickets o WHERE "
	"o.id = $1", 2 };

int
store_ticket_closed(struct db *db, int64_t id, const char *address,
    time_t *closed_at_r, int64_t *followup_r, struct gc_err *err)
{
	I64(ids, id);
	PGresult *res;
	int rc;

	*closed_at_r = 0;
	*followup_r = 0;
	if ((rc = db_execv(db, &st_ticket_closed, &res, err, 2, ids,
	    address)) != 0)
		return rc;
	if (PQntuples(res) == 1) {
		*closed_at_r = (time_t)db_get_ll(res, 0, 0);
		*followup_r = db_get_ll(res, 0, 1);
	}
	PQclear(res);
	return 0;
}

/* An answer to the customer by agent $5: the first response, the last
 * update and who gave it, and with $4 (the data of its status_changed
 * event, by $5) a new ticket opened, in one version of the row (as
 * ticket_status would open it: nothing resolved or closed, no pause left
 * open). */
static const struct db_stmt st_ticket_answered = { "ticket_answered",
	"WITH u AS (UPDATE tickets SET status = CASE WHEN $3 THEN 'open' "
	"ELSE status END, resolved_at = CASE WHEN $3 THEN NULL ELSE "
	"resolved_at END, closed_at = CASE WHEN $3 THEN NULL ELSE closed_at "
	"END, first_response_at = coalesce(first_response_at, $2), "
	"last_update_at = $2, updated_at = $2, last_answer_by = $5 "
	"WHERE id = $1), "
	"e AS (INSERT INTO events (ticket_id, at, kind, actor, data) "
	"SELECT $1, $2, 'status_changed', $5, $4::jsonb WHERE $3) "
	"UPDATE ticket_pauses SET end_at = $2 WHERE $3 AND ticket_id = $1 "
	"AND end_at IS NULL", 5 };

int
store_ticket_answered(struct db *db, int64_t id, const char *actor,
    const char *opened_json, time_t now, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);

	/* no answer awaited: it rides with the next round trip */
	return db_deferv(db, &st_ticket_answered, err, 5, ids, ts,
	    opened_json ? "true" : "false", opened_json, actor);
}

static const struct db_stmt st_set_prio = { "ticket_set_priority",
	"UPDATE tickets SET priority = $2, updated_at = $3 WHERE id = $1", 3 };
static const struct db_stmt st_set_lang = { "ticket_set_language",
	"UPDATE tickets SET language = $2, updated_at = $3 WHERE id = $1", 3 };
static const struct db_stmt st_set_assignee = { "ticket_set_assignee",
	"UPDATE tickets SET assignee = $2, updated_at = $3 WHERE id = $1", 3 };
static const struct db_stmt st_set_related = { "ticket_set_related",
	"UPDATE tickets SET related_to = $2 WHERE id = $1", 2 };

/* One column of ticket id set to value, with updated_at. */
static int
set_column(struct db *db, const struct db_stmt *st, int64_t id,
    const char *value, time_t now, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);

	return db_execv(db, st, NULL, err, 3, ids, value, ts);
}

int
store_ticket_set_priority(struct db *db, int64_t id, const char *prio,
    time_t now, struct gc_err *err)
{
	return set_column(db, &st_set_prio, id, prio, now, err);
}

int
store_ticket_set_language(struct db *db, int64_t id, const char *lang,
    time_t now, struct gc_err *err)
{
	return set_column(db, &st_set_lang, id, lang, now, err);
}

int
store_ticket_set_assignee(struct db *db, int64_t id, const char *agent,
    time_t now, struct gc_err *err)
{
	return set_column(db, &st_set_assignee, id, agent, now, err);
}

int
store_ticket_set_related(struct db *db, int64_t id, int64_t related,
    struct gc_err *err)
{
	I64(ids, id);
	I64(rel, related);

	return db_execv(db, &st_set_related, NULL, err, 2, ids, rel);
}

static const struct db_stmt st_marks[] = {
	[STORE_MARK_WORKAROUND] = { "mark_workaround", "UPDATE tickets SET "
	    "workaround_at = coalesce(workaround_at, $2) WHERE id = $1", 2 },
	[STORE_MARK_RCA_SENT] = { "mark_rca_sent", "UPDATE tickets SET "
	    "rca_sent_at = $2 WHERE id = $1", 2 },
	[STORE_MARK_VALIDATED] = { "mark_validated", "UPDATE tickets SET "
	    "validated_at = $2 WHERE id = $1", 2 },
};

int
store_ticket_mark(struct db *db, int64_t id, enum store_mark m, time_t now,
    struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);

	return db_execv(db, &st_marks[m], NULL, err, 2, ids, ts);
}

static const struct db_stmt st_merge_msgs = { "merge_messages",
	"UPDATE messages SET ticket_id = $2 WHERE ticket_id = $1", 2 };
static const struct db_stmt st_merge_parts = { "merge_participants",
	"INSERT INTO ticket_participants (ticket_id, address, name, role, "
	"added_at) SELECT $2, address, name, 'cc', added_at FROM "
	"ticket_participants WHERE ticket_id = $1 ON CONFLICT DO NOTHING", 2 };
/* the time worked goes where the messages go (038_time_entries.sql) */
static const struct db_stmt st_merge_time = { "merge_time",
	"UPDATE time_entries SET ticket_id = $2 WHERE ticket_id = $1", 2 };
static const struct db_stmt st_merge_ticket = { "merge_ticket",
	"UPDATE tickets SET merged_into = $2, status = 'closed', "
	"closed_at = $3, updated_at = $3 WHERE id = $1", 3 };

int
store_ticket_merge(struct db *db, int64_t from, int64_t into, time_t now,
    struct gc_err *err)
{
	I64(f, from);
	I64(t, into);
	TS(ts, now);
	int rc;

	if ((rc = db_execv(db, &st_merge_msgs, NULL, err, 2, f, t)) != 0 ||
	    (rc = db_execv(db, &st_merge_parts, NULL, err, 2, f, t)) != 0 ||
	    (rc = db_execv(db, &st_merge_time, NULL, err, 2, f, t)) != 0)
		return rc;
	return db_execv(db, &st_merge_ticket, NULL, err, 3, f, t, ts);
}

static const struct db_stmt st_autoclose = { "tickets_to_autoclose",
	"SELECT id FROM tickets WHERE status = 'resolved' AND "
	"resolved_at <= $1 ORDER BY resolved_at LIMIT $2 "
	"FOR UPDATE SKIP LOCKED", 2 };

int
store_tickets_to_autoclose(struct db *db, time_t before, int max,
    int64_t *ids, size_t *n_r, struct gc_err *err)
{
	TS(ts, before);
	I64(lim, max);
	PGresult *res;
	int rc;

	*n_r = 0;
	if ((rc = db_execv(db, &st_autoclose, &res, err, 2, ts, lim)) != 0)
		return rc;
	store_ids_of(res, max, ids, n_r);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_revoke_links = { "ticket_revoke_links",
	"WITH t AS (UPDATE tickets SET link_epoch = link_epoch + 1 "
	"WHERE number = $1 RETURNING id, link_epoch) "
	"INSERT INTO events (ticket_id, at, kind, actor, data) "
	"SELECT id, $2, 'links_revoked', $3, jsonb_build_object('epoch', "
	"link_epoch) FROM t RETURNING (data->>'epoch')::int", 3 };

int
store_ticket_revoke_links(struct db *db, const char *number,
    const char *by, time_t now, int *epoch_r, struct gc_err *err)
{
	TS(ts, now);
	PGresult *res;
	int rc;

	if ((rc = db_execv(db, &st_revoke_links, &res, err, 3, number, ts,
	    by)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no ticket %.80s", number);
	}
	*epoch_r = (int)db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}
