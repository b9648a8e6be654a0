/*
 * escalation_db.c - who was told of each escalation, and the gathered
 * ones (see escalation_db.h)
 */
#include "sql/escalation_db.h"

#include <inttypes.h>
#include <stdlib.h>

#include "common/mem.h"
#include "common/util.h"
#include "sql/store_util.h"

static const struct db_stmt st_recent = { "escalation_recent",
	"SELECT (SELECT count(*) FROM escalation_sends e WHERE e.address = "
	"lower(a.address) AND e.at > $2::timestamptz - interval '1 hour') "
	"FROM unnest($1::text[]) WITH ORDINALITY AS a(address, ord) "
	"ORDER BY a.ord", 2 };

int
escalation_db_recent(struct db *db, time_t now, const char *const *addrs,
    size_t n, long long *counts, struct gc_err *err)
{
	char *list = array_literal(addrs, n);
	TS(ts, now);
	PGresult *res;
	int rc;

	for (size_t i = 0; i < n; i++)
		counts[i] = 0;
	rc = db_execv(db, &st_recent, &res, err, 2, list, ts);
	free(list);
	if (rc != 0)
		return rc;
	for (int i = 0; i < PQntuples(res) && (size_t)i < n; i++)
		counts[i] = db_get_ll(res, i, 0);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_note = { "escalation_note",
	"INSERT INTO escalation_sends (address, ticket_id, timer, level, "
	"due_at, at, gathered) SELECT lower(x.a), x.t, x.k, x.l, x.d, $7, x.g "
	"FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], "
	"$5::timestamptz[], $6::boolean[]) AS x(a, t, k, l, d, g)", 7 };

int
escalation_db_note(struct db *db, const struct escalation_send *rows,
    size_t n, time_t now, struct gc_err *err)
{
	const char **col[6];
	char (*ids)[24], (*due)[32], *lit[6];
	TS(ts, now);
	int rc;

	if (n == 0)
		return 0;
	ids = xcalloc(n, sizeof(*ids));
	due = xcalloc(n, sizeof(*due));
	for (int c = 0; c < 6; c++)
		col[c] = xcalloc(n, sizeof(*col[c]));
	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "%" PRId64, rows[i].ticket_id);
		time_iso8601(due[i], sizeof(due[i]), rows[i].due_at);
		col[0][i] = rows[i].address;
		col[1][i] = ids[i];
		col[2][i] = rows[i].timer;
		col[3][i] = rows[i].level;
		col[4][i] = due[i];
		col[5][i] = rows[i].gathered ? "t" : "f";
	}
	for (int c = 0; c < 6; c++)
		lit[c] = array_literal(col[c], n);
	rc = db_execv(db, &st_note, NULL, err, 7, lit[0], lit[1], lit[2],
	    lit[3], lit[4], lit[5], ts);
	for (int c = 0; c < 6; c++) {
		free(lit[c]);
		free(col[c]);
	}
	free(due);
	free(ids);
	return rc;
}

/* $1 before, $2 at most */
static const struct db_stmt st_waiting = { "escalation_waiting",
	"SELECT e.id, e.address, t.number, t.priority, t.plan, t.status, "
	"t.queue, coalesce(t.assignee, ''), t.subject, e.timer, e.level, "
	EPOCH("e.due_at") ", " EPOCH("e.at") " FROM escalation_sends e "
	"JOIN tickets t ON t.id = e.ticket_id WHERE e.gathered AND "
	"e.sent_at IS NULL AND e.address IN (SELECT w.address FROM "
	"escalation_sends w WHERE w.gathered AND w.sent_at IS NULL AND "
	"w.at <= $1) ORDER BY e.address, e.level = 'warning', e.due_at, e.id "
	"LIMIT $2::integer FOR UPDATE OF e SKIP LOCKED", 2 };

int
escalation_db_waiting(struct db *db, time_t before, int max,
    struct escalation_waits *out, struct gc_err *err)
{
	TS(ts, before);
	I64(lim, (int64_t)max);
	PGresult *res;
	int rc, n;

	*out = (struct escalation_waits){ 0 };
	if ((rc = db_execv(db, &st_waiting, &res, err, 2, ts, lim)) != 0)
		return rc;
	n = PQntuples(res);
	out->rows = xcalloc((size_t)n + 1, sizeof(*out->rows));
	for (int i = 0; i < n; i++) {
		struct escalation_waiting *w = &out->rows[i];

		w->id = db_get_ll(res, i, 0);
		w->address = PQgetvalue(res, i, 1);
		w->number = PQgetvalue(res, i, 2);
		w->priority = PQgetvalue(res, i, 3);
		w->plan = PQgetvalue(res, i, 4);
		w->status = PQgetvalue(res, i, 5);
		w->queue = PQgetvalue(res, i, 6);
		w->assignee = PQgetvalue(res, i, 7);
		w->subject = PQgetvalue(res, i, 8);
		w->timer = PQgetvalue(res, i, 9);
		w->level = PQgetvalue(res, i, 10);
		w->due_at = ts_of(res, i, 11);
		w->at = ts_of(res, i, 12);
	}
	out->n = (size_t)n;
	out->res = res;
	return 0;
}

void
escalation_waits_free(struct escalation_waits *w)
{
	free(w->rows);
	PQclear(w->res);
	*w = (struct escalation_waits){ 0 };
}

static const struct db_stmt st_sent = { "escalation_sent",
	"UPDATE escalation_sends SET sent_at = $3, message_id = $2 "
	"WHERE id = ANY ($1::bigint[])", 3 };

int
escalation_db_sent(struct db *db, const int64_t *ids, size_t n,
    const char *message_id, time_t now, struct gc_err *err)
{
	char *list = id_array_literal(ids, n);
	TS(ts, now);
	int rc;

	rc = db_execv(db, &st_sent, NULL, err, 3, list, message_id, ts);
	free(list);
	return rc;
}

static const struct db_stmt st_purge = { "escalation_purge",
	"DELETE FROM escalation_sends WHERE id IN (SELECT id FROM "
	"escalation_sends WHERE at < $1 AND (NOT gathered OR sent_at IS NOT "
	"NULL) ORDER BY at LIMIT $2::integer)", 2 };

int
escalation_db_purge(struct db *db, time_t before, int max, int *deleted_r,
    struct gc_err *err)
{
	TS(ts, before);
	I64(lim, (int64_t)max);
	PGresult *res;
	int rc;

	*deleted_r = 0;
	if ((rc = db_execv(db, &st_purge, &res, err, 2, ts, lim)) != 0)
		return rc;
	*deleted_r = atoi(PQcmdTuples(res));
	PQclear(res);
	return 0;
}
