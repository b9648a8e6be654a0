/*
 * store_quarantine.c - mail kept whole instead of lost (see
 * store_quarantine.h)
 */
#include "sql/store_quarantine.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "sql/store_util.h"

/* ----- Quarantine ------------------------------------------------- */

static const struct db_stmt st_quarantine_insert = { "quarantine_insert",
	"INSERT INTO quarantine (mailbox, reason, detail, raw, raw_size, "
	"dedup_key, imap_uid, received_at, notice_queue) VALUES ($1, $2, $3, "
	"$4, $5, $6, $7, $8, $9) RETURNING id", 9 };

int
store_quarantine_insert(struct db *db, const struct store_quarantine *q,
    int64_t *id_r, struct gc_err *err)
{
	I64(size, q->raw_len);
	I64(uid, q->imap_uid);
	TS(ts, q->now);
	const char *p[9] = { q->mailbox, q->reason, q->detail, q->raw, size,
		q->dedup_key, q->imap_uid ? uid : NULL, ts, q->notice_queue };
	int lens[9] = { 0, 0, 0, (int)(q->raw_sealed_len ? q->raw_sealed_len :
	    q->raw_len), 0, 0, 0, 0, 0 };
	int bin[9] = { 0, 0, 0, 1, 0, 0, 0, 0, 0 };
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

static const struct db_stmt st_quarantine_purge_held = {
	"quarantine_purge_held",
	"WITH gone AS (DELETE FROM quarantine WHERE id IN (SELECT id FROM "
	"quarantine WHERE reason = 'held' AND status = 'held' AND "
	"received_at < $1 ORDER BY id LIMIT $2) RETURNING 1) "
	"SELECT count(*) FROM gone", 2 };

int
store_quarantine_purge_held(struct db *db, time_t before, int max,
    int *n_r, struct gc_err *err)
{
	TS(ts, before);
	char lim[16];
	PGresult *res;
	int rc;

	*n_r = 0;
	snprintf(lim, sizeof(lim), "%d", max);
	if ((rc = db_execv(db, &st_quarantine_purge_held, &res, err, 2, ts,
	    lim)) != 0)
		return rc;
	*n_r = (int)db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

/* ----- Held security reports told to their queue's agents ---------- */

static const struct db_stmt st_notice_queues = { "quarantine_notice_queues",
	"SELECT DISTINCT notice_queue FROM quarantine WHERE notice_queue IS "
	"NOT NULL AND noticed_at IS NULL AND status = 'held' ORDER BY 1", 0 };

int
store_quarantine_notice_queues(struct db *db, char ***names_r, size_t *n_r,
    struct gc_err *err)
{
	PGresult *res;
	int rc;

	*names_r = NULL;
	*n_r = 0;
	if ((rc = db_execv(db, &st_notice_queues, &res, err, 0)) != 0)
		return rc;
	store_strings_of(res, names_r, n_r);
	PQclear(res);
	return 0;
}

/* one notice per queue at a time, whichever daemon holds the mail */
static const struct db_stmt st_notice_lock = { "quarantine_notice_lock",
	"SELECT pg_advisory_xact_lock(hashtext('guichet held notice'), "
	"hashtext($1))", 1 };

static const struct db_stmt st_notice_take = { "quarantine_notice_take",
	"WITH told AS (UPDATE quarantine SET noticed_at = $2 WHERE "
	"notice_queue = $1 AND noticed_at IS NULL AND status = 'held' AND "
	"NOT EXISTS (SELECT 1 FROM quarantine WHERE notice_queue = $1 AND "
	"noticed_at > $3) RETURNING id, received_at, detail) "
	"SELECT id, " EPOCH("received_at") ", coalesce(detail, '') FROM told "
	"ORDER BY id", 3 };

int
store_quarantine_notice_take(struct db *db, const char *queue, time_t now,
    time_t since, struct store_held_entry **out, size_t *n_r,
    struct gc_err *err)
{
	TS(ts_now, now);
	TS(ts_since, since);
	PGresult *res;
	size_t n;
	int rc;

	*out = NULL;
	*n_r = 0;
	if ((rc = db_execv(db, &st_notice_lock, &res, err, 1, queue)) != 0)
		return rc;
	PQclear(res);
	if ((rc = db_execv(db, &st_notice_take, &res, err, 3, queue, ts_now,
	    ts_since)) != 0)
		return rc;
	if ((n = (size_t)PQntuples(res)) > 0)
		*out = xcalloc(n, sizeof(**out));
	for (size_t i = 0; i < n; i++) {
		(*out)[i].id = (int64_t)db_get_ll(res, (int)i, 0);
		(*out)[i].received_at = (time_t)db_get_ll(res, (int)i, 1);
		copy_field((*out)[i].detail, sizeof((*out)[i].detail),
		    db_get(res, (int)i, 2));
	}
	*n_r = n;
	PQclear(res);
	return 0;
}
