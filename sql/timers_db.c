/*
 * timers_db.c - the SLA timers' statements (see timers_db.h)
 *
 * Times go as ISO-8601 UTC text, arrays as array literals (a pass's
 * mails as a bytea[] in binary); a pass writes what it fired with one
 * call of sla_fire_bytes().
 */
#include "sql/timers_db.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/util.h"
#include "sql/store_util.h"


static const struct db_stmt st_timers_set = { "timers_set",
	"SELECT timers_set($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
	11 };

/* A new ticket has no timers yet: a plain INSERT does (nothing fired). */
static const struct db_stmt st_timers_new = { "timers_new",
	STORE_TIMERS_INSERT("$1", "", "$2", "$3", "$4", "$5", "$6", "$7", "$8",
	"$9"), 9 };

/* The changed timers of a ticket whose kinds stay: a plain UPDATE of
 * their rows, as timers_set() updates them. Each row takes its values
 * from the arrays in a subquery rather than a join with them: joined, the
 * plan made without the arrays' lengths cost three times one made with
 * them while the table had no statistics (a young desk), so PostgreSQL
 * planned the statement again at every answer; the ticket's rows are
 * found by its id alone, and both plans are the same. */
static const struct db_stmt st_timers_changed = { "timers_changed",
	"UPDATE sla_timers AS s SET (start_at, due_at, warn_at, met_at, "
	"target_seconds, calendar, warned_at, breached_at, next_at) = "
	"(SELECT u.st, u.du, u.wa, u.me, u.ta, u.ca, CASE WHEN u.kw THEN "
	"s.warned_at END, CASE WHEN u.kb THEN s.breached_at END, u.nx FROM "
	"unnest($2::text[], $3::timestamptz[], $4::timestamptz[], "
	"$5::timestamptz[], $6::timestamptz[], $7::bigint[], $8::text[], "
	"$9::boolean[], $10::boolean[], $11::timestamptz[]) AS u(k, st, du, "
	"wa, me, ta, ca, kw, kb, nx) WHERE u.k = s.kind) "
	"WHERE s.ticket_id = $1 AND (s.kind = ANY ($2::text[])) IS TRUE", 11 };

int
store_timers_set(struct db *db, int64_t ticket_id, const struct store_timer *t,
    size_t n, enum store_timers_how how, struct gc_err *err)
{
	I64(tid, ticket_id);
	struct store_timer_cols a;
	int rc;

	store_timer_cols(&a, t, n);
	if (how == STORE_TIMERS_NEW) {
		const char *p[9] = { tid };

		store_timer_cols_new(&a, p + 1);
		rc = db_defer(db, &st_timers_new, p, NULL, NULL, err);
	} else
		rc = db_deferv(db, how == STORE_TIMERS_CHANGED ?
		    &st_timers_changed : &st_timers_set, err, 11, tid,
		    buf_str(&a.k), buf_str(&a.st), buf_str(&a.due),
		    buf_str(&a.warn), buf_str(&a.met), buf_str(&a.tgt),
		    buf_str(&a.c), buf_str(&a.kw), buf_str(&a.kb),
		    buf_str(&a.next));
	store_timer_cols_free(&a);
	return rc;
}

static const struct db_stmt st_timers_due = { "timers_due",
	"SELECT s.ticket_id, s.kind, " EPOCH("s.due_at") ", "
	EPOCH("s.warn_at") ", s.warned_at IS NOT NULL, "
	"s.breached_at IS NOT NULL, t.number, t.status, t.priority, t.plan, "
	"t.queue, t.mailbox, t.language, t.requester, t.requester_name, "
	"t.subject, " EPOCH("t.created_at") ", coalesce(t.assignee, ''), "
	"coalesce(t.merged_into, 0), " EPOCH("s.met_at") " FROM sla_timers s JOIN tickets t ON "
	"t.id = s.ticket_id WHERE s.next_at <= $1 ORDER BY s.next_at "
	"LIMIT $2 FOR UPDATE OF s SKIP LOCKED", 2 };

int
store_timers_due(struct db *db, time_t now, int max,
    struct store_due_timer **out, size_t *n_r, struct gc_err *err)
{
	TS(ts, now);
	I64(lim, max);
	PGresult *res;
	int rc, n;

	*out = NULL;
	*n_r = 0;
	if ((rc = db_execv(db, &st_timers_due, &res, err, 2, ts, lim)) != 0)
		return rc;
	n = PQntuples(res);
	*out = xcalloc((size_t)n + 1, sizeof(**out));
	for (int i = 0; i < n; i++) {
		struct store_due_timer *d = &(*out)[i];
		struct store_ticket *t = &d->ticket;
		const char *name = db_get(res, i, 14);

		d->ticket_id = db_get_ll(res, i, 0);
		copy_field(d->kind, sizeof(d->kind), db_get(res, i, 1));
		d->due_at = ts_of(res, i, 2);
		d->warn_at = ts_of(res, i, 3);
		d->warned = PQgetvalue(res, i, 4)[0] == 't';
		d->breached = PQgetvalue(res, i, 5)[0] == 't';
		t->id = d->ticket_id;
		copy_field(t->number, sizeof(t->number), db_get(res, i, 6));
		copy_field(t->status, sizeof(t->status), db_get(res, i, 7));
		copy_field(t->priority, sizeof(t->priority), db_get(res, i, 8));
		copy_field(t->plan, sizeof(t->plan), db_get(res, i, 9));
		copy_field(t->queue, sizeof(t->queue), db_get(res, i, 10));
		copy_field(t->mailbox, sizeof(t->mailbox), db_get(res, i, 11));
		copy_field(t->language, sizeof(t->language), db_get(res, i, 12));
		t->requester = xstrdup(db_get(res, i, 13));
		t->requester_name = name ? xstrdup(name) : NULL;
		t->subject = xstrdup(db_get(res, i, 15));
		t->created_at = (time_t)db_get_ll(res, i, 16);
		copy_field(t->assignee, sizeof(t->assignee), db_get(res, i, 17));
		t->merged_into = db_get_ll(res, i, 18);
		d->met_at = ts_of(res, i, 19);
	}
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

void
store_due_timers_free(struct store_due_timer **d, size_t n)
{
	if (*d == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		store_ticket_clear(&(*d)[i].ticket);
	free(*d);
	*d = NULL;
}

static const struct db_stmt st_timers_fire = { "timers_fire",
	"SELECT sla_fire_bytes($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
	"$12, $13, $14, $15, $16, $17, $18, $19)", 19 };

/* The parameters of sla_fire_bytes() after the time: text array literals,
 * one element per timer (FA_TICKET..FA_EDATA), per mail (FA_MAT..
 * FA_MEVENT) or per webhook (FA_HAT..FA_HDATA); the mails' bytes
 * (FA_MDATA) a bytea[] in binary: 100 escalation mails are some 400 kB,
 * which in hex in a text literal cost more to write, and to parse and
 * decode on the server, than the rest of the pass. */
enum { FA_TICKET, FA_KIND, FA_WARNED, FA_BREACHED, FA_NEXT, FA_EKIND,
	FA_EDATA, FA_MAT, FA_MPURPOSE, FA_MMID, FA_MFROM, FA_MRCPTS, FA_MDATA, FA_MEVENT,
	FA_HAT, FA_HPURPOSE, FA_HURL, FA_HDATA, FA_N };

#define FIRE_MAX_PARAM (256 * 1024 * 1024)

/* Append one element (NULL as "") to an array literal being built. */
static int
arr_add(struct buf *b, const char *v)
{
	int rc = buf_addc(b, b->len == 0 ? '{' : ',');

	return rc == 0 ? store_array_element(b, v) : rc;
}

/* The same with an array literal of its own as the element. */
static int
arr_add_list(struct buf *b, const char *const *v, size_t n)
{
	struct buf l = BUF_INIT(FIRE_MAX_PARAM);
	int rc = store_array_literal(&l, v, n);

	if (rc == 0)
		rc = arr_add(b, buf_str(&l));
	buf_free(&l);
	return rc;
}

/* An instant, 0 as NULL (unquoted, so that it is SQL NULL). */
static int
arr_add_ts(struct buf *b, time_t t)
{
	char ts[32];
	int rc;

	if (t != 0) {
		time_iso8601(ts, sizeof(ts), t);
		return arr_add(b, ts);
	}
	rc = buf_addc(b, b->len == 0 ? '{' : ',');
	return rc == 0 ? buf_addstr(b, "NULL") : rc;
}

static int
arr_add_num(struct buf *b, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	return arr_add(b, num);
}

int
store_timers_fire(struct db *db, const struct store_fire *f, size_t n,
    time_t now, struct gc_err *err)
{
	TS(ts, now);
	struct buf a[FA_N];
	const char *p[FA_N + 1];
	int lens[FA_N + 1] = { 0 }, bin[FA_N + 1] = { 0 };
	int rc = 0;

	for (int k = 0; k < FA_N; k++)
		a[k] = (struct buf)BUF_INIT(FIRE_MAX_PARAM);
	rc = store_bin_array_begin(&a[FA_MDATA], STORE_BYTEA_OID);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc |= arr_add_num(&a[FA_TICKET], f[i].ticket_id);
		rc |= arr_add(&a[FA_KIND], f[i].kind);
		rc |= arr_add(&a[FA_WARNED], f[i].warned ? "t" : "f");
		rc |= arr_add(&a[FA_BREACHED], f[i].breached ? "t" : "f");
		rc |= arr_add_ts(&a[FA_NEXT], f[i].next_at);
		rc |= arr_add(&a[FA_EKIND], f[i].event_kind);
		rc |= arr_add(&a[FA_EDATA], f[i].event_json ? f[i].event_json :
		    "{}");
		for (size_t m = 0; m < f[i].nmails; m++) {
			const struct store_outbox *o = f[i].mails[m];

			rc |= arr_add_num(&a[FA_MAT], (long long)i + 1);
			rc |= arr_add(&a[FA_MPURPOSE], o->purpose);
			rc |= arr_add(&a[FA_MMID], o->message_id);
			rc |= arr_add(&a[FA_MFROM], o->mail_from);
			rc |= arr_add_list(&a[FA_MRCPTS], o->rcpts, o->nrcpts);
			rc |= store_bin_array_add(&a[FA_MDATA], o->data,
			    o->len);
			rc |= arr_add(&a[FA_MEVENT], f[i].mail_events[m]);
		}
		for (size_t h = 0; h < f[i].nhooks; h++) {
			const struct store_outbox *o = &f[i].hooks[h];
			char *json = xstrndup(o->data, o->len);

			rc |= arr_add_num(&a[FA_HAT], (long long)i + 1);
			rc |= arr_add(&a[FA_HPURPOSE], o->purpose);
			rc |= arr_add(&a[FA_HURL], o->url);
			rc |= arr_add(&a[FA_HDATA], json);
			free(json);
		}
	}
	p[0] = ts;
	for (int k = 0; rc == 0 && k < FA_N; k++) {
		if (k == FA_MDATA) {
			store_bin_array_end(&a[k]);
			p[k + 1] = a[k].data;
			lens[k + 1] = (int)a[k].len;
			bin[k + 1] = 1;
			continue;
		}
		if (a[k].len == 0)
			rc = buf_addc(&a[k], '{');
		if (rc == 0)
			rc = buf_addc(&a[k], '}');
		p[k + 1] = buf_str(&a[k]);
	}
	if (rc != 0)
		rc = gc_err_set(err, GC_ELIMIT, "sla_fire_bytes: more than %d bytes "
		    "in one parameter", FIRE_MAX_PARAM);
	else
		rc = db_exec(db, &st_timers_fire, p, lens, bin, NULL, err);
	for (int k = 0; k < FA_N; k++)
		buf_free(&a[k]);
	return rc;
}

static const struct db_stmt st_timers_next = { "timers_next",
	"SELECT " EPOCH("min(next_at)") " FROM sla_timers "
	"WHERE next_at IS NOT NULL", 0 };

int
store_timers_next(struct db *db, time_t *next_r, struct gc_err *err)
{
	char *v;
	int rc = db_value(db, &st_timers_next, &v, err, 0);

	*next_r = v ? (time_t)strtoll(v, NULL, 10) : 0;
	free(v);
	return rc;
}
