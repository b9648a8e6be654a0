/*
 * store.c - the data-access layer (see store.h)
 *
 * Each function is one or two named prepared statements. Text values go
 * as text parameters, raw mail and attachment bytes as binary parameters,
 * times as ISO-8601 UTC text.
 */
#include "sql/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

#define TS(buf, t) char buf[32]; time_iso8601(buf, sizeof(buf), (t))
#define I64(buf, v) char buf[24]; snprintf(buf, sizeof(buf), "%" PRId64, \
	(int64_t)(v))

void
store_ticket_clear(struct store_ticket *t)
{
	free(t->requester);
	free(t->requester_name);
	free(t->subject);
	memset(t, 0, sizeof(*t));
}

int
store_array_literal(struct buf *b, const char *const *v, size_t n)
{
	int rc = buf_addc(b, '{');

	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (i > 0)
			rc = buf_addc(b, ',');
		if (rc == 0)
			rc = buf_addc(b, '"');
		for (const char *p = v[i]; rc == 0 && *p; p++) {
			if (*p == '"' || *p == '\\')
				rc = buf_addc(b, '\\');
			if (rc == 0)
				rc = buf_addc(b, *p);
		}
		if (rc == 0)
			rc = buf_addc(b, '"');
	}
	if (rc == 0)
		rc = buf_addc(b, '}');
	return rc;
}

static char *
array_literal(const char *const *v, size_t n)
{
	struct buf b = BUF_INIT(64 * 1024 * 1024);

	if (store_array_literal(&b, v, n) != 0) {
		buf_free(&b);
		return xstrdup("{}");
	}
	return buf_detach(&b, NULL);
}

/* ----- Dedup and locks -------------------------------------------- */



static const struct db_stmt st_claim = { "claim",
	"SELECT seen, ticket_id, ours FROM intake_claim($1, $2)", 2 };

int
store_claim(struct db *db, const char *key, const char *message_id,
    const char **where_r, int64_t *ticket_id_r, bool *ours_r,
    struct gc_err *err)
{
	PGresult *res;
	const char *seen;
	int rc;

	*where_r = NULL;
	*ticket_id_r = 0;
	*ours_r = false;
	if ((rc = db_execv(db, &st_claim, &res, err, 2, key, message_id)))
		return rc;
	seen = db_get(res, 0, 0);
	if (seen != NULL)
		*where_r = strcmp(seen, "message") == 0 ? "message" :
		    "quarantine";
	*ticket_id_r = db_get_ll(res, 0, 1);
	*ours_r = PQgetvalue(res, 0, 2)[0] == 't';
	PQclear(res);
	return 0;
}

static const struct db_stmt st_mbox_lock = { "mbox_lock",
	"SELECT pg_try_advisory_lock(hashtextextended('mailbox:' || $1, 0))",
	1 };

int
store_try_mailbox_lock(struct db *db, const char *mailbox, bool *got_r,
    struct gc_err *err)
{
	char *v;
	int rc = db_value(db, &st_mbox_lock, &v, err, 1, mailbox);

	*got_r = v != NULL && v[0] == 't';
	free(v);
	return rc;
}

/* ----- Tickets ---------------------------------------------------- */

/* The ticket, its number taken from its scope's counter in this
 * transaction (no gap when it rolls back) and built here (so that no
 * round trip is spent on the counter alone), its requester as its
 * first participant, and its "created" and "qualified" events. */
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
	"SELECT id, $12, 'qualified', NULL, $18::jsonb FROM t) "
	"SELECT id, number FROM t", 18 };

int
store_ticket_insert(struct db *db, const struct store_ticket_new *t,
    int64_t *id_r, char *number_r, size_t numlen, struct gc_err *err)
{
	TS(now, t->now);
	char *tags = array_literal(t->tags, t->ntags);
	char width[16];
	const char *p[] = { t->number_prefix, t->status, t->priority, t->plan,
		t->queue, t->mailbox, t->requester, t->requester_name,
		t->subject, t->language, t->organisation, now, tags, width,
		t->number_zero ? "0" : " ", t->number_suffix,
		t->created_json ? t->created_json : "{}",
		t->qualified_json ? t->qualified_json : "{}" };
	PGresult *res;
	int rc;

	snprintf(width, sizeof(width), "%d", t->number_width);
	rc = db_exec(db, &st_ticket_insert, p, NULL, NULL, &res, err);
	free(tags);
	if (rc != 0)
		return rc;
	*id_r = db_get_ll(res, 0, 0);
	snprintf(number_r, numlen, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

#define TICKET_COLS "id, number, status, priority, plan, queue, mailbox, " \
	"language, requester, requester_name, subject, " \
	"extract(epoch FROM created_at)::bigint, coalesce(assignee, ''), " \
	"coalesce(merged_into, 0)"

static const struct db_stmt st_ticket_by_number = { "ticket_by_number",
	"SELECT " TICKET_COLS " FROM tickets WHERE number = $1", 1 };
static const struct db_stmt st_ticket_by_id = { "ticket_by_id",
	"SELECT " TICKET_COLS " FROM tickets WHERE id = $1", 1 };

static void
copy_field(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%s", v ? v : "");
}

static int
ticket_from(PGresult *res, struct store_ticket *t, struct gc_err *err)
{
	const char *name;

	memset(t, 0, sizeof(*t));
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no such ticket");
	}
	t->id = db_get_ll(res, 0, 0);
	copy_field(t->number, sizeof(t->number), db_get(res, 0, 1));
	copy_field(t->status, sizeof(t->status), db_get(res, 0, 2));
	copy_field(t->priority, sizeof(t->priority), db_get(res, 0, 3));
	copy_field(t->plan, sizeof(t->plan), db_get(res, 0, 4));
	copy_field(t->queue, sizeof(t->queue), db_get(res, 0, 5));
	copy_field(t->mailbox, sizeof(t->mailbox), db_get(res, 0, 6));
	copy_field(t->language, sizeof(t->language), db_get(res, 0, 7));
	t->requester = xstrdup(db_get(res, 0, 8));
	name = db_get(res, 0, 9);
	t->requester_name = name ? xstrdup(name) : NULL;
	t->subject = xstrdup(db_get(res, 0, 10));
	t->created_at = (time_t)db_get_ll(res, 0, 11);
	copy_field(t->assignee, sizeof(t->assignee), db_get(res, 0, 12));
	t->merged_into = db_get_ll(res, 0, 13);
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

/* Every Message-ID we received or sent for a ticket: the messages, and
 * our mails that are no message of the ticket (agents' notifications,
 * escalations) through their outbox rows. */
static const struct db_stmt st_ticket_by_mids = { "ticket_by_mids",
	"SELECT ticket_id FROM (SELECT ticket_id, id FROM messages "
	"WHERE message_id = ANY ($1::text[]) ORDER BY id DESC LIMIT 1) m "
	"UNION ALL (SELECT ticket_id FROM outbox WHERE message_id = "
	"ANY ($1::text[]) AND ticket_id IS NOT NULL ORDER BY id DESC "
	"LIMIT 1) LIMIT 1", 1 };

int
store_ticket_by_message_ids(struct db *db, const char *const *ids, size_t n,
    int64_t *id_r, struct gc_err *err)
{
	char *arr;
	PGresult *res;
	int rc;

	*id_r = 0;
	if (n == 0)
		return gc_err_set(err, GC_ENOTFOUND, "no message ids");
	arr = array_literal(ids, n);
	rc = db_execv(db, &st_ticket_by_mids, &res, err, 1, arr);
	free(arr);
	if (rc != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no ticket for these "
		    "message ids");
	}
	*id_r = db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_ticket_touch = { "ticket_touch",
	"UPDATE tickets SET updated_at = $2 WHERE id = $1", 2 };

int
store_ticket_touch(struct db *db, int64_t id, time_t now, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);

	return db_execv(db, &st_ticket_touch, NULL, err, 2, ids, ts);
}

static const struct db_stmt st_ticket_status = { "ticket_status",
	"UPDATE tickets SET status = $2, updated_at = $3, "
	"resolved_at = CASE WHEN $2 = 'resolved' THEN $3::timestamptz "
	"WHEN $2 IN ('open', 'new', 'pending') THEN NULL "
	"ELSE resolved_at END, "
	"closed_at = CASE WHEN $2 = 'closed' THEN $3::timestamptz "
	"ELSE NULL END WHERE id = $1", 3 };

/* The clock stops while a ticket waits on the customer (pending). */
static const struct db_stmt st_pause_open = { "pause_open",
	"INSERT INTO ticket_pauses (ticket_id, start_at) SELECT $1, $2 "
	"WHERE NOT EXISTS (SELECT 1 FROM ticket_pauses WHERE ticket_id = $1 "
	"AND end_at IS NULL)", 2 };
static const struct db_stmt st_pause_close = { "pause_close",
	"UPDATE ticket_pauses SET end_at = $2 WHERE ticket_id = $1 AND "
	"end_at IS NULL", 2 };

int
store_ticket_set_status(struct db *db, int64_t id, const char *status,
    time_t now, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);
	int rc;

	if ((rc = db_execv(db, &st_ticket_status, NULL, err, 3, ids, status,
	    ts)) != 0)
		return rc;
	return db_execv(db, strcmp(status, "pending") == 0 ? &st_pause_open :
	    &st_pause_close, NULL, err, 2, ids, ts);
}

/* ----- Messages, attachments, events ------------------------------ */

static const struct db_stmt st_message_insert = { "message_insert",
	"INSERT INTO messages (ticket_id, direction, author, mailbox, "
	"from_addr, from_name, to_addrs, cc_addrs, subject, message_id, "
	"in_reply_to, refs, sent_date, received_at, text, new_text, "
	"text_flags, raw, raw_size, raw_sha256, dedup_key, imap_uid, "
	"outbox_id, agent, internal, purpose) VALUES ($1, $2, $3, $4, $5, $6, "
	"$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, "
	"$21, $22, $23, $24, $25, $26) RETURNING id", 26 };

int
store_message_insert(struct db *db, const struct store_message *m,
    int64_t *id_r, struct gc_err *err)
{
	I64(tid, m->ticket_id);
	I64(size, m->raw_len);
	I64(uid, m->imap_uid);
	I64(oid, m->outbox_id);
	TS(sent, m->sent_date);
	TS(recv, m->received_at);
	char *to = array_literal(m->to, m->nto);
	char *cc = array_literal(m->cc, m->ncc);
	char *refs = array_literal(m->refs, m->nrefs);
	char *flags = array_literal(m->text_flags, m->ntext_flags);
	const char *p[26] = { tid, m->direction, m->author, m->mailbox,
		m->from_addr, m->from_name, to, cc, m->subject ? m->subject :
		"", m->message_id, m->in_reply_to, refs,
		m->has_sent_date ? sent : NULL, recv, m->text ? m->text : "",
		m->new_text, flags, m->raw, m->raw ? size : NULL,
		(const char *)m->raw_sha256, m->dedup_key,
		m->imap_uid ? uid : NULL, m->outbox_id ? oid : NULL, m->agent,
		m->internal ? "true" : "false", m->purpose };
	int lens[26] = { 0 }, bin[26] = { 0 };
	PGresult *res;
	int rc;

	lens[17] = (int)m->raw_len;
	bin[17] = 1;
	lens[19] = 32;
	bin[19] = 1;
	if (id_r == NULL)
		rc = db_defer(db, &st_message_insert, p, lens, bin, err);
	else
		rc = db_exec(db, &st_message_insert, p, lens, bin, &res, err);
	free(to);
	free(cc);
	free(refs);
	free(flags);
	if (rc != 0 || id_r == NULL)
		return rc;
	*id_r = db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_attachment_insert = { "attachment_insert",
	"INSERT INTO attachments (message_id, filename, content_type, "
	"disposition, content_id, size, sha256, content) VALUES ($1, $2, $3, "
	"$4, $5, $6, $7, $8)", 8 };

int
store_attachment_insert(struct db *db, const struct store_attachment *a,
    struct gc_err *err)
{
	I64(mid, a->message_id);
	I64(size, a->len);
	const char *p[8] = { mid, a->filename, a->content_type,
		a->disposition, a->content_id, size, (const char *)a->sha256,
		(const char *)a->data };
	int lens[8] = { 0, 0, 0, 0, 0, 0, 32, (int)a->len };
	int bin[8] = { 0, 0, 0, 0, 0, 0, 1, 1 };

	if (a->data == NULL)
		p[7] = "";
	return db_exec(db, &st_attachment_insert, p, lens, bin, NULL, err);
}

static const struct db_stmt st_event = { "event_insert",
	"INSERT INTO events (ticket_id, at, kind, actor, data) "
	"VALUES ($1, $2, $3, $4, $5::jsonb)", 5 };

int
store_event(struct db *db, int64_t ticket_id, time_t at, const char *kind,
    const char *actor, const char *data_json, struct gc_err *err)
{
	I64(tid, ticket_id);
	TS(ts, at);

	return db_deferv(db, &st_event, err, 5, ticket_id ? tid : NULL, ts,
	    kind, actor, data_json ? data_json : "{}");
}

/* ----- IMAP state ------------------------------------------------- */

static const struct db_stmt st_imap_get = { "imap_state_get",
	"SELECT uidvalidity, last_uid FROM imap_state WHERE mailbox = $1", 1 };
static const struct db_stmt st_imap_set = { "imap_state_set",
	"INSERT INTO imap_state (mailbox, uidvalidity, last_uid, updated_at) "
	"VALUES ($1, $2, $3, $4) ON CONFLICT (mailbox) DO UPDATE SET "
	"uidvalidity = excluded.uidvalidity, last_uid = CASE WHEN "
	"imap_state.uidvalidity = excluded.uidvalidity THEN "
	"greatest(imap_state.last_uid, excluded.last_uid) ELSE "
	"excluded.last_uid END, updated_at = excluded.updated_at", 4 };

int
store_imap_state_get(struct db *db, const char *mailbox,
    uint32_t *uidvalidity_r, uint32_t *last_uid_r, bool *found_r,
    struct gc_err *err)
{
	PGresult *res;
	int rc;

	*found_r = false;
	*uidvalidity_r = *last_uid_r = 0;
	if ((rc = db_execv(db, &st_imap_get, &res, err, 1, mailbox)) != 0)
		return rc;
	if (PQntuples(res) > 0) {
		*found_r = true;
		*uidvalidity_r = (uint32_t)db_get_ll(res, 0, 0);
		*last_uid_r = (uint32_t)db_get_ll(res, 0, 1);
	}
	PQclear(res);
	return 0;
}

int
store_imap_state_set(struct db *db, const char *mailbox, uint32_t uidvalidity,
    uint32_t last_uid, time_t now, struct gc_err *err)
{
	I64(v, uidvalidity);
	I64(u, last_uid);
	TS(ts, now);

	return db_execv(db, &st_imap_set, NULL, err, 4, mailbox, v, u, ts);
}

/* ----- Quarantine ------------------------------------------------- */

static const struct db_stmt st_quarantine_insert = { "quarantine_insert",
	"INSERT INTO quarantine (mailbox, reason, detail, raw, raw_size, "
	"dedup_key, imap_uid, received_at) VALUES ($1, $2, $3, $4, $5, $6, "
	"$7, $8) RETURNING id", 8 };

int
store_quarantine_insert(struct db *db, const struct store_quarantine *q,
    int64_t *id_r, struct gc_err *err)
{
	I64(size, q->raw_len);
	I64(uid, q->imap_uid);
	TS(ts, q->now);
	const char *p[8] = { q->mailbox, q->reason, q->detail, q->raw, size,
		q->dedup_key, q->imap_uid ? uid : NULL, ts };
	int lens[8] = { 0, 0, 0, (int)q->raw_len, 0, 0, 0, 0 };
	int bin[8] = { 0, 0, 0, 1, 0, 0, 0, 0 };
	PGresult *res;
	int rc;

	if ((rc = db_exec(db, &st_quarantine_insert, p, lens, bin, &res,
	    err)) != 0)
		return rc;
	if (id_r)
		*id_r = db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_quarantine_get = { "quarantine_get",
	"SELECT raw, mailbox, status FROM quarantine WHERE id = $1", 1 };
static const struct db_stmt st_quarantine_retried = { "quarantine_retried",
	"UPDATE quarantine SET status = 'retried', retried_at = $2, "
	"dedup_key = dedup_key || ':retried:' || id WHERE id = $1 "
	"AND status = 'held'", 2 };
static const struct db_stmt st_quarantine_ticket = { "quarantine_ticket",
	"UPDATE quarantine SET ticket_id = $2 WHERE id = $1", 2 };

int
store_quarantine_get(struct db *db, int64_t id, char **raw_r, size_t *len_r,
    char **mailbox_r, char **status_r, struct gc_err *err)
{
	I64(ids, id);
	unsigned char *raw;
	PGresult *res;
	size_t len;
	int rc;

	if ((rc = db_execv(db, &st_quarantine_get, &res, err, 1, ids)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no quarantine entry %"
		    PRId64, id);
	}
	raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0),
	    &len);
	if (raw == NULL)
		fatal("PQunescapeBytea: out of memory");
	*len_r = len;
	*raw_r = xmalloc(len + 1);
	memcpy(*raw_r, raw, len);
	(*raw_r)[len] = '\0';
	PQfreemem(raw);
	*mailbox_r = xstrndup(PQgetvalue(res, 0, 1),
	    (size_t)PQgetlength(res, 0, 1));
	*status_r = xstrndup(PQgetvalue(res, 0, 2),
	    (size_t)PQgetlength(res, 0, 2));
	PQclear(res);
	return 0;
}

int
store_quarantine_mark_retried(struct db *db, int64_t id, time_t now,
    struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);

	return db_execv(db, &st_quarantine_retried, NULL, err, 2, ids, ts);
}

int
store_quarantine_set_ticket(struct db *db, int64_t id, int64_t ticket_id,
    struct gc_err *err)
{
	I64(ids, id);
	I64(tid, ticket_id);

	return db_execv(db, &st_quarantine_ticket, NULL, err, 2, ids, tid);
}

/* ----- The conversation ------------------------------------------- */

static const struct db_stmt st_part_add = { "participant_add",
	"INSERT INTO ticket_participants (ticket_id, address, name, role, "
	"added_at) VALUES ($1, lower($2), $3, $4, $5) ON CONFLICT DO NOTHING",
	5 };
static const struct db_stmt st_parts = { "participants",
	"SELECT address, name, role FROM ticket_participants "
	"WHERE ticket_id = $1 ORDER BY role DESC, added_at, address", 1 };

int
store_participant_add(struct db *db, int64_t ticket_id, const char *address,
    const char *name, const char *role, time_t now, struct gc_err *err)
{
	I64(tid, ticket_id);
	TS(ts, now);

	return db_execv(db, &st_part_add, NULL, err, 5, tid, address, name,
	    role, ts);
}

int
store_participants(struct db *db, int64_t ticket_id,
    struct store_participant **out, size_t *n_r, struct gc_err *err)
{
	I64(tid, ticket_id);
	PGresult *res;
	int rc, n;

	*out = NULL;
	*n_r = 0;
	if ((rc = db_execv(db, &st_parts, &res, err, 1, tid)) != 0)
		return rc;
	n = PQntuples(res);
	*out = xcalloc((size_t)n + 1, sizeof(**out));
	for (int i = 0; i < n; i++) {
		const char *name = db_get(res, i, 1);

		(*out)[i].address = xstrdup(db_get(res, i, 0));
		(*out)[i].name = name ? xstrdup(name) : NULL;
		copy_field((*out)[i].role, sizeof((*out)[i].role),
		    db_get(res, i, 2));
	}
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

void
store_participants_free(struct store_participant **p, size_t n)
{
	if (*p == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*p)[i].address);
		free((*p)[i].name);
	}
	free(*p);
	*p = NULL;
}

static const struct db_stmt st_set_prio = { "ticket_set_priority",
	"UPDATE tickets SET priority = $2, updated_at = $3 WHERE id = $1", 3 };
static const struct db_stmt st_set_assignee = { "ticket_set_assignee",
	"UPDATE tickets SET assignee = $2, updated_at = $3 WHERE id = $1", 3 };
static const struct db_stmt st_set_related = { "ticket_set_related",
	"UPDATE tickets SET related_to = $2 WHERE id = $1", 2 };

int
store_ticket_set_priority(struct db *db, int64_t id, const char *prio,
    time_t now, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);

	return db_execv(db, &st_set_prio, NULL, err, 3, ids, prio, ts);
}

int
store_ticket_set_assignee(struct db *db, int64_t id, const char *agent,
    time_t now, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);

	return db_execv(db, &st_set_assignee, NULL, err, 3, ids, agent, ts);
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
	{ "mark_first_response", "UPDATE tickets SET first_response_at = "
	    "coalesce(first_response_at, $2) WHERE id = $1", 2 },
	{ "mark_workaround", "UPDATE tickets SET workaround_at = "
	    "coalesce(workaround_at, $2) WHERE id = $1", 2 },
	{ "mark_rca_sent", "UPDATE tickets SET rca_sent_at = $2 WHERE id = $1",
	    2 },
	{ "mark_last_update", "UPDATE tickets SET last_update_at = $2 "
	    "WHERE id = $1", 2 },
	{ "mark_validated", "UPDATE tickets SET validated_at = $2 "
	    "WHERE id = $1", 2 },
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
	    (rc = db_execv(db, &st_merge_parts, NULL, err, 2, f, t)) != 0)
		return rc;
	return db_execv(db, &st_merge_ticket, NULL, err, 3, f, t, ts);
}

static const struct db_stmt st_thread_ids = { "thread_ids",
	"SELECT message_id FROM (SELECT id, message_id FROM messages "
	"WHERE ticket_id = $1 AND message_id IS NOT NULL AND NOT internal "
	"ORDER BY id DESC LIMIT $2) t ORDER BY id", 2 };

int
store_thread_ids(struct db *db, int64_t ticket_id, size_t max, char ***ids_r,
    size_t *n_r, struct gc_err *err)
{
	I64(tid, ticket_id);
	I64(lim, max);
	PGresult *res;
	int rc, n;

	*ids_r = NULL;
	*n_r = 0;
	if ((rc = db_execv(db, &st_thread_ids, &res, err, 2, tid, lim)) != 0)
		return rc;
	n = PQntuples(res);
	*ids_r = xcalloc((size_t)n + 1, sizeof(**ids_r));
	for (int i = 0; i < n; i++)
		(*ids_r)[i] = xstrdup(db_get(res, i, 0));
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

void
store_strings_free(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

static const struct db_stmt st_last_customer = { "last_customer_mid",
	"SELECT message_id FROM messages WHERE ticket_id = $1 AND "
	"direction = 'in' AND author = 'customer' AND message_id IS NOT NULL "
	"ORDER BY id DESC LIMIT 1", 1 };

int
store_last_customer_mid(struct db *db, int64_t ticket_id, char **mid_r,
    struct gc_err *err)
{
	I64(tid, ticket_id);

	return db_value(db, &st_last_customer, mid_r, err, 1, tid);
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
	for (int i = 0; i < PQntuples(res) && i < max; i++)
		ids[(*n_r)++] = db_get_ll(res, i, 0);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_setting_get = { "setting_get",
	"SELECT value FROM settings WHERE key = $1", 1 };
static const struct db_stmt st_setting_put = { "setting_put",
	"INSERT INTO settings (key, value) VALUES ($1, $2) "
	"ON CONFLICT (key) DO NOTHING", 2 };

int
store_setting_get(struct db *db, const char *key, unsigned char *out,
    size_t max, size_t *len_r, struct gc_err *err)
{
	unsigned char *v;
	PGresult *res;
	size_t len;
	int rc;

	*len_r = 0;
	if ((rc = db_execv(db, &st_setting_get, &res, err, 1, key)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no setting %s", key);
	}
	v = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0),
	    &len);
	PQclear(res);
	if (v == NULL)
		fatal("PQunescapeBytea: out of memory");
	if (len > max)
		len = max;
	memcpy(out, v, len);
	*len_r = len;
	PQfreemem(v);
	return 0;
}

int
store_setting_put_new(struct db *db, const char *key,
    const unsigned char *v, size_t len, struct gc_err *err)
{
	const char *p[2] = { key, (const char *)v };
	int lens[2] = { 0, (int)len }, bin[2] = { 0, 1 };

	return db_exec(db, &st_setting_put, p, lens, bin, NULL, err);
}

/* ----- SLA -------------------------------------------------------- */

static time_t
ts_of(const PGresult *res, int row, int col)
{
	return db_get(res, row, col) ? (time_t)db_get_ll(res, row, col) : 0;
}

#define EPOCH(c) "extract(epoch FROM " c ")::bigint"

static const struct db_stmt st_sla_state = { "sla_state",
	"SELECT plan, priority, queue, status, " EPOCH("created_at") ", "
	EPOCH("first_response_at") ", " EPOCH("workaround_at") ", "
	"CASE WHEN status IN ('resolved', 'closed') THEN "
	EPOCH("coalesce(resolved_at, closed_at)") " END, "
	EPOCH("last_update_at") ", " EPOCH("rca_sent_at") ", "
	"(SELECT array_agg(" EPOCH("start_at") " ORDER BY start_at) FROM "
	"ticket_pauses p WHERE p.ticket_id = t.id), "
	"(SELECT array_agg(coalesce(" EPOCH("end_at") ", 0) ORDER BY start_at) "
	"FROM ticket_pauses p WHERE p.ticket_id = t.id), "
	"(SELECT string_agg(kind || ' ' || coalesce(" EPOCH("due_at") ", 0) "
	"|| ' ' || coalesce(" EPOCH("warn_at") ", 0) || ' ' || "
	"(warned_at IS NOT NULL)::int || ' ' || (breached_at IS NOT NULL)::int, "
	"',' ORDER BY kind) FROM sla_timers s WHERE s.ticket_id = t.id) "
	"FROM tickets t WHERE id = $1", 1 };

/* The numbers of a bigint array's text form, "{1,2,3}", into v. */
static size_t
parse_ll_array(const char *s, time_t *v, size_t max)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	while (*s && n < max) {
		char *end;
		long long x;

		while (*s == '{' || *s == ',')
			s++;
		if (*s == '}' || *s == '\0')
			break;
		x = strtoll(s, &end, 10);
		if (end == s)
			break;
		v[n++] = (time_t)x;
		s = end;
	}
	return n;
}

/* The stored timers, "kind due warn warned breached,..." (an entry that
 * does not read is left out: it counts as a new timer). */
static void
sla_timers_parse(struct store_sla_state *o, const char *s)
{
	size_t n = 1;

	for (const char *p = s; p && *p; p++)
		n += *p == ',';
	o->timers = xcalloc(n, sizeof(*o->timers));
	while (s != NULL && *s != '\0') {
		struct store_sla_timer *t = &o->timers[o->ntimers];
		long long due, warn;
		int w, b, end = 0;

		/* the kind is all of the text before one blank: a stored kind
		 * with blanks or a comma reads as no kind of ours */
		if (sscanf(s, "%15[^ ,]%n %lld %lld %d %d", t->kind, &end, &due,
		    &warn, &w, &b) == 5 && s[end] == ' ' && s[end + 1] != ' ') {
			t->due_at = (time_t)due;
			t->warn_at = (time_t)warn;
			t->warned = w != 0;
			t->breached = b != 0;
			o->ntimers++;
		}
		s = strchr(s, ',');
		s = s ? s + 1 : NULL;
	}
}

int
store_sla_state(struct db *db, int64_t ticket_id, struct store_sla_state *o,
    struct gc_err *err)
{
	I64(tid, ticket_id);
	PGresult *res;
	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = db_execv(db, &st_sla_state, &res, err, 1, tid)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no ticket %" PRId64,
		    ticket_id);
	}
	copy_field(o->plan, sizeof(o->plan), db_get(res, 0, 0));
	copy_field(o->priority, sizeof(o->priority), db_get(res, 0, 1));
	copy_field(o->queue, sizeof(o->queue), db_get(res, 0, 2));
	copy_field(o->status, sizeof(o->status), db_get(res, 0, 3));
	o->created_at = ts_of(res, 0, 4);
	o->first_response_at = ts_of(res, 0, 5);
	o->workaround_at = ts_of(res, 0, 6);
	o->resolved_at = ts_of(res, 0, 7);
	o->last_update_at = ts_of(res, 0, 8);
	o->rca_sent_at = ts_of(res, 0, 9);
	{
		const char *starts = db_get(res, 0, 10), *ends = db_get(res, 0,
		    11);
		size_t n = 1;

		for (const char *p = starts; p && *p; p++)
			n += *p == ',';
		o->pause_start = xcalloc(n + 1, sizeof(time_t));
		o->pause_end = xcalloc(n + 1, sizeof(time_t));
		o->npauses = parse_ll_array(starts, o->pause_start, n);
		parse_ll_array(ends, o->pause_end, n);
	}
	sla_timers_parse(o, db_get(res, 0, 12));
	PQclear(res);
	return 0;
}

void
store_sla_state_clear(struct store_sla_state *s)
{
	free(s->pause_start);
	free(s->pause_end);
	free(s->timers);
	memset(s, 0, sizeof(*s));
}

/* ----- Organisations ---------------------------------------------- */

static const struct db_stmt st_orgs_any = { "orgs_any",
	"SELECT EXISTS (SELECT 1 FROM organisations)", 0 };

int
store_orgs_any(struct db *db, bool *any_r, struct gc_err *err)
{
	char *v;
	int rc = db_value(db, &st_orgs_any, &v, err, 0);

	*any_r = v != NULL && v[0] == 't';
	free(v);
	return rc;
}

static const struct db_stmt st_org_lookup = { "org_lookup",
	"SELECT o.name, o.plan, coalesce(o.language, ''), "
	"coalesce(o.csm, ''), array_position($1::text[], k.key) AS pos "
	"FROM organisation_keys k JOIN organisations o ON "
	"o.id = k.organisation_id WHERE k.key = ANY ($1::text[]) "
	"ORDER BY pos LIMIT 1", 1 };

int
store_org_lookup(struct db *db, const char *const *keys, size_t n,
    struct store_org *out, struct gc_err *err)
{
	char *arr = array_literal(keys, n);
	PGresult *res;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_execv(db, &st_org_lookup, &res, err, 1, arr);
	free(arr);
	if (rc != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return gc_err_set(err, GC_ENOTFOUND, "no organisation");
	}
	copy_field(out->name, sizeof(out->name), db_get(res, 0, 0));
	copy_field(out->plan, sizeof(out->plan), db_get(res, 0, 1));
	copy_field(out->language, sizeof(out->language), db_get(res, 0, 2));
	copy_field(out->csm, sizeof(out->csm), db_get(res, 0, 3));
	PQclear(res);
	return 0;
}

static const struct db_stmt st_org_upsert = { "org_upsert",
	"INSERT INTO organisations (name, plan, language, csm, imported_at) "
	"VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET "
	"plan = excluded.plan, language = excluded.language, "
	"csm = excluded.csm, imported_at = excluded.imported_at "
	"RETURNING id, xmax = 0", 5 };
static const struct db_stmt st_org_keys_clear = { "org_keys_clear",
	"DELETE FROM organisation_keys WHERE organisation_id = $1", 1 };
static const struct db_stmt st_org_key = { "org_key",
	"INSERT INTO organisation_keys (key, organisation_id) VALUES "
	"(lower($1), $2) ON CONFLICT (key) DO UPDATE SET organisation_id = "
	"excluded.organisation_id", 2 };

int
store_org_upsert(struct db *db, const char *name, const char *plan,
    const char *language, const char *csm, const char *const *keys,
    size_t nkeys, time_t now, bool *created_r, struct gc_err *err)
{
	TS(ts, now);
	PGresult *res;
	char id[24];
	int rc;

	if ((rc = db_execv(db, &st_org_upsert, &res, err, 5, name, plan,
	    language, csm, ts)) != 0)
		return rc;
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	*created_r = PQgetvalue(res, 0, 1)[0] == 't';
	PQclear(res);
	if ((rc = db_execv(db, &st_org_keys_clear, NULL, err, 1, id)) != 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < nkeys; i++)
		rc = db_execv(db, &st_org_key, NULL, err, 2, keys[i], id);
	return rc;
}

/* ----- Our mails, in one round trip ------------------------------- */

static const struct db_stmt st_mail_out = { "mail_out",
	"WITH o AS (INSERT INTO outbox (kind, purpose, ticket_id, message_id, "
	"mail_from, rcpts, url, data, next_attempt_at, created_at) VALUES ($1, "
	"$2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id), "
	"m AS (INSERT INTO messages (ticket_id, direction, author, from_addr, "
	"from_name, to_addrs, cc_addrs, subject, message_id, in_reply_to, refs, "
	"sent_date, received_at, text, dedup_key, outbox_id, agent, internal, "
	"purpose) SELECT $3, 'out', $10, $5, $11, $12, $13, $14, $4, $15, $16, "
	"$9, $9, $17, 'out:' || $4, o.id, $18, $19, $2 FROM o "
	"WHERE $10::text IS NOT NULL), "
	"e AS (INSERT INTO events (ticket_id, at, kind, data) VALUES ($3, $9, "
	"'mail_queued', $20::jsonb)) SELECT id FROM o", 20 };

/* The same, unless one of the automatic mail's recipients ($21, an
 * array) already got $22 automatic mails in the hour: then only an
 * "auto_reply_capped" event is written (the loop breaker). */
static const struct db_stmt st_mail_out_capped = { "mail_out_capped",
	"WITH ok AS (SELECT coalesce(bool_and(auto_reply_take(a, $9, "
	"$9::timestamptz - interval '1 hour', $22)), true) AS ok "
	"FROM unnest($21::text[]) AS a), "
	"o AS (INSERT INTO outbox (kind, purpose, ticket_id, message_id, "
	"mail_from, rcpts, url, data, next_attempt_at, created_at) SELECT $1, "
	"$2, $3, $4, $5, $6, $7, $8, $9, $9 FROM ok WHERE ok.ok RETURNING id), "
	"m AS (INSERT INTO messages (ticket_id, direction, author, from_addr, "
	"from_name, to_addrs, cc_addrs, subject, message_id, in_reply_to, refs, "
	"sent_date, received_at, text, dedup_key, outbox_id, agent, internal, "
	"purpose) SELECT $3, 'out', $10, $5, $11, $12, $13, $14, $4, $15, $16, "
	"$9, $9, $17, 'out:' || $4, o.id, $18, $19, $2 FROM o "
	"WHERE $10::text IS NOT NULL), "
	"e AS (INSERT INTO events (ticket_id, at, kind, data) SELECT $3, $9, "
	"CASE WHEN ok.ok THEN 'mail_queued' ELSE 'auto_reply_capped' END, "
	"CASE WHEN ok.ok THEN $20::jsonb ELSE $20::jsonb || "
	"'{\"reason\": \"auto_reply_cap\"}' END FROM ok) "
	"SELECT id FROM o", 22 };

int
store_mail_out(struct db *db, const struct store_outbox *o,
    const struct store_message *m, const char *ev_json,
    const char *const *capped, size_t ncapped, long long cap,
    int64_t *outbox_r, struct gc_err *err)
{
	I64(tid, o->ticket_id);
	TS(ts, o->now);
	char *rcpts = array_literal(o->rcpts, o->nrcpts);
	char *to = m ? array_literal(m->to, m->nto) : NULL;
	char *cc = m ? array_literal(m->cc, m->ncc) : NULL;
	char *refs = m ? array_literal(m->refs, m->nrefs) : NULL;
	char *caps = ncapped ? array_literal(capped, ncapped) : NULL;
	char capn[24];
	const char *p[22] = { o->kind, o->purpose, o->ticket_id ? tid : NULL,
		o->message_id, o->mail_from, rcpts, o->url, o->data, ts,
		m ? m->author : NULL, m ? m->from_name : NULL, to, cc,
		m ? (m->subject ? m->subject : "") : NULL,
		m ? m->in_reply_to : NULL, refs,
		m ? (m->text ? m->text : "") : NULL, m ? m->agent : NULL,
		m && m->internal ? "true" : "false",
		ev_json ? ev_json : "{}", caps, capn };
	const struct db_stmt *st = ncapped ? &st_mail_out_capped :
	    &st_mail_out;
	int lens[22] = { 0 }, bin[22] = { 0 };
	PGresult *res;
	int rc;

	snprintf(capn, sizeof(capn), "%lld", cap);
	lens[7] = (int)o->len;
	bin[7] = 1;
	if (outbox_r == NULL)
		rc = db_defer(db, st, p, lens, bin, err);
	else
		rc = db_exec(db, st, p, lens, bin, &res, err);
	free(caps);
	free(rcpts);
	free(to);
	free(cc);
	free(refs);
	if (rc != 0 || outbox_r == NULL)
		return rc;
	*outbox_r = db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}
