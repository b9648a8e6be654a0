/*
 * outbox_db.c - the outbox's statements (see outbox_db.h)
 */
#include "sql/outbox_db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "sql/store_util.h"

#define ARRAY_MAX (64 * 1024 * 1024)   /* bytes of one array parameter */

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
outbox_db_row_clear(struct outbox_db_row *r)
{
	free(r->purpose);
	free(r->message_id);
	free(r->mail_from);
	free(r->url);
	free(r->data);
	for (size_t i = 0; i < r->nrcpts; i++)
		free(r->rcpts[i]);
	free(r->rcpts);
	memset(r, 0, sizeof(*r));
}

/* Column 9: a mail's rcpts joined by newlines when it has no recipient
 * rows yet and none of its rcpts is NULL (else NULL); column 10: how
 * many rcpts it has; 11: when the row was queued. */
static const struct db_stmt st_take = { "outbox_take",
	"SELECT o.id, o.kind, o.purpose, o.ticket_id, o.message_id, "
	"o.mail_from, o.url, o.data, o.attempts, "
	"CASE WHEN o.kind = 'mail' AND array_position(o.rcpts, NULL) IS NULL "
	"AND NOT EXISTS (SELECT 1 FROM outbox_rcpt r WHERE r.outbox_id = o.id) "
	"THEN array_to_string(o.rcpts, E'\\n') END, cardinality(o.rcpts), "
	"extract(epoch FROM o.created_at)::bigint "
	"FROM outbox o WHERE o.id = (SELECT outbox_take_due($1))", 1 };

/* The most rcpts that are compared here, each with each: past it (a
 * bulk mail) the database's DISTINCT sorts them instead. */
#define PLAIN_MAX 64

/* The rcpts of a mail never tried, when outbox_rcpt_take() would make
 * one recipient of each, in their order: joined (newline-separated, as
 * many as expected, at most max and PLAIN_MAX), plain ASCII (lower()
 * then agrees with strcasecmp() whatever the locales) and distinct in
 * any case. Else none: the recipient rows decide. */
static void
plain_rcpts(struct outbox_db_row *r, const char *joined, long long count,
    int max)
{
	const char *p = joined;
	long long lines = 1;

	if (joined == NULL || count < 1 || count > max || count > PLAIN_MAX)
		return;
	for (const char *c = joined; *c != '\0'; c++) {
		if ((unsigned char)*c >= 0x80)
			return;
		lines += *c == '\n';
	}
	if (lines != count)
		return;     /* an address holds a newline */
	r->rcpts = xcalloc((size_t)count, sizeof(*r->rcpts));
	for (size_t i = 0; i < (size_t)count; i++) {
		size_t len = strcspn(p, "\n");

		r->rcpts[i] = xstrndup(p, len);
		p += len + (p[len] != '\0');
	}
	r->nrcpts = (size_t)count;
	for (size_t i = 0; i < r->nrcpts; i++)
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(r->rcpts[i], r->rcpts[j]) == 0)
				goto none;
	return;
none:
	for (size_t i = 0; i < r->nrcpts; i++)
		free(r->rcpts[i]);
	free(r->rcpts);
	r->rcpts = NULL;
	r->nrcpts = 0;
}

int
outbox_db_take(struct db *db, time_t now, int max_rcpts,
    struct outbox_db_row *out, bool *found_r, struct gc_err *err)
{
	TS(ts, now);
	unsigned char *data;
	PGresult *res;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	*found_r = false;
	if ((rc = db_execv(db, &st_take, &res, err, 1, ts)) != 0)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	data = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 7),
	    &len);
	if (data == NULL)
		fatal("PQunescapeBytea: out of memory");
	out->data = xmalloc(len + 1);
	memcpy(out->data, data, len);
	out->data[len] = '\0';
	out->len = len;
	PQfreemem(data);
	out->id = db_get_ll(res, 0, 0);
	snprintf(out->kind, sizeof(out->kind), "%s", PQgetvalue(res, 0, 1));
	out->purpose = xstrdup(PQgetvalue(res, 0, 2));
	out->ticket_id = db_get_ll(res, 0, 3);
	out->message_id = dup_or_null(db_get(res, 0, 4));
	out->mail_from = dup_or_null(db_get(res, 0, 5));
	out->url = dup_or_null(db_get(res, 0, 6));
	out->attempts = db_get_ll(res, 0, 8);
	out->created = (time_t)db_get_ll(res, 0, 11);
	plain_rcpts(out, db_get(res, 0, 9), db_get_ll(res, 0, 10), max_rcpts);
	PQclear(res);
	*found_r = true;
	return 0;
}

static const struct db_stmt st_sent = { "outbox_sent",
	"WITH o AS (UPDATE outbox SET status = 'sent', sent_at = $2, "
	"attempts = attempts + 1, last_error = NULL WHERE id = $1 "
	"RETURNING ticket_id) "
	"INSERT INTO events (ticket_id, at, kind, data) SELECT ticket_id, $2, "
	"'mail_sent', $3::jsonb FROM o WHERE ticket_id IS NOT NULL", 3 };

int
outbox_db_sent(struct db *db, int64_t id, time_t now, const char *data_json,
    struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);

	return db_deferv(db, &st_sent, err, 3, ids, ts, data_json);
}

static const struct db_stmt st_row_failed = { "outbox_row_failed",
	"UPDATE outbox SET status = $2, attempts = attempts + 1, "
	"last_error = $3, next_attempt_at = $4 WHERE id = $1", 4 };

int
outbox_db_row_failed(struct db *db, int64_t id, const char *status,
    const char *error, time_t next, struct gc_err *err)
{
	I64(ids, id);
	TS(nts, next);

	return db_execv(db, &st_row_failed, NULL, err, 4, ids, status,
	    error ? error : "", nts);
}

static const struct db_stmt st_webhooks_wait = { "outbox_webhooks_wait",
	"UPDATE outbox SET next_attempt_at = $2, last_error = $3 "
	"WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND "
	"kind = 'webhook' AND url = $1 AND next_attempt_at < $2 "
	"FOR UPDATE SKIP LOCKED)", 3 };

int
outbox_db_webhooks_wait(struct db *db, const char *url, time_t until,
    const char *error, long long *n_r, struct gc_err *err)
{
	TS(ts, until);
	PGresult *res;
	int rc;

	*n_r = 0;
	if ((rc = db_execv(db, &st_webhooks_wait, &res, err, 3, url, ts,
	    error ? error : "")) != 0)
		return rc;
	*n_r = atoll(PQcmdTuples(res));
	PQclear(res);
	return 0;
}

static const struct db_stmt st_rcpts_take = { "outbox_rcpts_take",
	"SELECT pos, address, attempts FROM outbox_rcpt_take($1, $2, $3)",
	3 };

int
outbox_db_rcpts_take(struct db *db, int64_t id, time_t now, int max,
    struct outbox_db_rcpt **out, size_t *n_r, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);
	char maxs[16];
	PGresult *res;
	size_t n;
	int rc;

	*out = NULL;
	*n_r = 0;
	snprintf(maxs, sizeof(maxs), "%d", max > 0 ? max : 1);
	if ((rc = db_execv(db, &st_rcpts_take, &res, err, 3, ids, ts,
	    maxs)) != 0)
		return rc;
	n = (size_t)PQntuples(res);
	if (n > 0) {
		*out = xcalloc(n, sizeof(**out));
		for (size_t i = 0; i < n; i++) {
			(*out)[i].position = (int)db_get_ll(res, (int)i, 0);
			(*out)[i].address = xstrdup(PQgetvalue(res, (int)i,
			    1));
			(*out)[i].attempts = db_get_ll(res, (int)i, 2);
		}
	}
	*n_r = n;
	PQclear(res);
	return 0;
}

static const struct db_stmt st_rcpts_make = { "outbox_rcpts_make",
	"INSERT INTO outbox_rcpt (outbox_id, position, address, next_at) "
	"SELECT $1, u.ord, u.a, $2 FROM unnest($3::text[]) WITH ORDINALITY "
	"AS u (a, ord) ON CONFLICT DO NOTHING", 3 };

int
outbox_db_rcpts_make(struct db *db, int64_t id, time_t now,
    const char *const *addr, size_t n, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);
	char *a = array_literal(addr, n);
	int rc = db_execv(db, &st_rcpts_make, NULL, err, 3, ids, ts, a);

	free(a);
	return rc;
}

void
outbox_db_rcpts_free(struct outbox_db_rcpt **r, size_t n)
{
	if (*r == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((*r)[i].address);
	free(*r);
	*r = NULL;
}

static const struct db_stmt st_rcpts_done = { "outbox_rcpts_done",
	"SELECT outbox_rcpt_done($1, $2, $3::int[], $4::text[], $5::text[], "
	"$6::text[])", 6 };

int
outbox_db_rcpts_done(struct db *db, int64_t id, time_t now,
    const struct outbox_db_result *res, size_t n, char *status_r,
    size_t status_len, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);
	const char **pos = xcalloc(n + 1, sizeof(*pos));
	const char **st = xcalloc(n + 1, sizeof(*st));
	const char **er = xcalloc(n + 1, sizeof(*er));
	const char **nx = xcalloc(n + 1, sizeof(*nx));
	char (*posbuf)[16] = xcalloc(n + 1, sizeof(*posbuf));
	char (*nxbuf)[32] = xcalloc(n + 1, sizeof(*nxbuf));
	struct buf a[4];
	char *v = NULL;
	int rc = 0;

	for (int k = 0; k < 4; k++)
		a[k] = (struct buf)BUF_INIT(ARRAY_MAX);
	for (size_t i = 0; i < n; i++) {
		snprintf(posbuf[i], sizeof(posbuf[i]), "%d", res[i].position);
		pos[i] = posbuf[i];
		st[i] = res[i].status;
		er[i] = res[i].error ? res[i].error : "";
		if (strcmp(res[i].status, "pending") == 0)
			time_iso8601(nxbuf[i], sizeof(nxbuf[i]),
			    res[i].next_at);
		nx[i] = nxbuf[i];
	}
	rc |= store_array_literal(&a[0], pos, n);
	rc |= store_array_literal(&a[1], st, n);
	rc |= store_array_literal(&a[2], er, n);
	rc |= store_array_literal(&a[3], nx, n);
	if (rc != 0)
		rc = gc_err_set(err, GC_ELIMIT, "outbox: more than %d bytes of "
		    "recipient results", ARRAY_MAX);
	else
		rc = db_value(db, &st_rcpts_done, &v, err, 6, ids, ts,
		    buf_str(&a[0]), buf_str(&a[1]), buf_str(&a[2]),
		    buf_str(&a[3]));
	if (rc == 0)
		snprintf(status_r, status_len, "%s", v ? v : "");
	free(v);
	for (int k = 0; k < 4; k++)
		buf_free(&a[k]);
	free(pos);
	free(st);
	free(er);
	free(nx);
	free(posbuf);
	free(nxbuf);
	return rc;
}

/* The first entry of each rank of the take's index
 * (sql/032_outbox_rank.sql), not min(): on a table without statistics
 * yet PostgreSQL computed min() by reading every pending row, and kept
 * that plan for the session, so that each pass read the whole
 * backlog. */
static const struct db_stmt st_next_due = { "outbox_next_due",
	"SELECT extract(epoch FROM outbox_next_due())::bigint", 0 };

int
outbox_db_next_due(struct db *db, time_t now, long long *seconds_r,
    struct gc_err *err)
{
	char *v;
	int rc = db_value(db, &st_next_due, &v, err, 0);

	*seconds_r = -1;
	if (v != NULL) {
		long long due = strtoll(v, NULL, 10) - (long long)now;

		*seconds_r = due < 0 ? 0 : due;
	}
	free(v);
	return rc;
}

static const struct db_stmt st_dead_ids = { "outbox_dead_ids",
	"SELECT id FROM outbox WHERE status = 'dead' AND octet_length(data) "
	"> 0 AND ($1::text IS NULL OR kind = $1) AND ($2::timestamptz IS "
	"NULL OR created_at >= $2) ORDER BY id LIMIT $3", 3 };

int
outbox_db_dead_ids(struct db *db, const char *kind, time_t since,
    size_t max, int64_t **ids_r, size_t *n_r, struct gc_err *err)
{
	char lim[24], ts[32];
	PGresult *res;
	int rc, n;

	*ids_r = NULL;
	*n_r = 0;
	snprintf(lim, sizeof(lim), "%zu", max);
	if (since != 0)
		time_iso8601(ts, sizeof(ts), since);
	if ((rc = db_execv(db, &st_dead_ids, &res, err, 3, kind, since ? ts :
	    NULL, lim)) != 0)
		return rc;
	n = PQntuples(res);
	*ids_r = xcalloc((size_t)n + 1, sizeof(**ids_r));
	for (int i = 0; i < n; i++)
		(*ids_r)[i] = db_get_ll(res, i, 0);
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

static const struct db_stmt st_retry = { "outbox_retry",
	"SELECT ticket_id, recipients FROM outbox_retry($1, $2)", 2 };
static const struct db_stmt st_status = { "outbox_status",
	"SELECT CASE WHEN status = 'dead' AND octet_length(data) = 0 THEN "
	"'erased' ELSE status END FROM outbox WHERE id = $1", 1 };

int
outbox_db_retry(struct db *db, int64_t id, time_t now,
    int64_t *ticket_id_r, long long *nrcpts_r, struct gc_err *err)
{
	I64(ids, id);
	TS(ts, now);
	PGresult *res;
	char *status = NULL;
	int rc;

	*ticket_id_r = 0;
	*nrcpts_r = 0;
	if ((rc = db_execv(db, &st_retry, &res, err, 2, ids, ts)) != 0)
		return rc;
	if (PQntuples(res) == 1) {
		*ticket_id_r = db_get_ll(res, 0, 0);
		*nrcpts_r = db_get_ll(res, 0, 1);
		PQclear(res);
		return 0;
	}
	PQclear(res);
	if ((rc = db_value(db, &st_status, &status, err, 1, ids)) != 0)
		return rc;
	if (status == NULL)
		rc = gc_err_set(err, GC_ENOTFOUND, "no outbox row %" PRId64,
		    id);
	else if (strcmp(status, "erased") == 0)
		rc = gc_err_set(err, GC_EINVAL, "outbox row %" PRId64 " has "
		    "no content any more (past outbox_keep, or its ticket "
		    "anonymised): it cannot be sent again", id);
	else
		rc = gc_err_set(err, GC_EINVAL, "outbox row %" PRId64 " is %s, "
		    "not dead: only a dead row is retried", id, status);
	free(status);
	return rc;
}

/* ----- Letting old content go (036_outbox_keep.sql) ------------------ */

/* The first row after the walk's place decides whether a batch is read
 * at all (a one-time filter): a pass with nothing to let go reads that
 * row only, however many are pending behind it. */
static const struct db_stmt st_keep = { "outbox_keep",
	"WITH c AS (SELECT last_id FROM outbox_keep FOR UPDATE), "
	"f AS (SELECT o.created_at < $1 AND o.status <> 'pending' AS go "
	"FROM outbox o, c WHERE o.id > c.last_id ORDER BY o.id LIMIT 1), "
	"w AS (SELECT o.id, o.status, o.created_at FROM outbox o, c "
	"WHERE o.id > c.last_id AND coalesce((SELECT go FROM f), false) "
	"ORDER BY o.id LIMIT $2), "
	"s AS (SELECT min(id) AS id FROM w "
	"WHERE created_at >= $1 OR status = 'pending'), "
	"p AS (SELECT w.id FROM w, s WHERE s.id IS NULL OR w.id < s.id), "
	"u AS (UPDATE outbox o SET data = '\\x'::bytea FROM p "
	"WHERE o.id = p.id AND octet_length(o.data) > 0 RETURNING 1), "
	"k AS (UPDATE outbox_keep SET last_id = (SELECT max(id) FROM p) "
	"WHERE EXISTS (SELECT 1 FROM p) RETURNING 1) "
	"SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM p), "
	"(SELECT count(*) FROM k)", 2 };

int
outbox_db_keep(struct db *db, time_t before, int max, int *emptied_r,
    bool *more_r, struct gc_err *err)
{
	TS(ts, before);
	char lim[16];
	PGresult *res;
	int rc;

	*emptied_r = 0;
	*more_r = false;
	snprintf(lim, sizeof(lim), "%d", max);
	if ((rc = db_execv(db, &st_keep, &res, err, 2, ts, lim)) != 0)
		return rc;
	if (PQntuples(res) == 1) {
		*emptied_r = (int)db_get_ll(res, 0, 0);
		*more_r = db_get_ll(res, 0, 1) == max;
	}
	PQclear(res);
	return 0;
}
