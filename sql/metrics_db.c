/*
 * metrics_db.c - the statements behind /metrics (see metrics_db.h)
 */
#include "sql/metrics_db.h"

#include <stdio.h>
#include <stdlib.h>

static const struct db_stmt st_tickets = { "metrics_tickets",
	"SELECT priority, status, queue, count(*) FROM tickets "
	"WHERE status <> 'closed' GROUP BY 1, 2, 3 "
	"ORDER BY 4 DESC, 1, 2, 3 LIMIT $1", 1 };

int
metrics_db_tickets(struct db *db, struct metrics_db_tickets *out,
    size_t max, size_t *n_r, struct gc_err *err)
{
	char lim[24];
	PGresult *res;
	int rc;

	*n_r = 0;
	snprintf(lim, sizeof(lim), "%zu", max);
	if ((rc = db_execv(db, &st_tickets, &res, err, 1, lim)) != 0)
		return rc;
	for (int i = 0; i < PQntuples(res) && (size_t)i < max; i++) {
		struct metrics_db_tickets *t = &out[i];

		snprintf(t->priority, sizeof(t->priority), "%s",
		    db_get(res, i, 0));
		snprintf(t->status, sizeof(t->status), "%s",
		    db_get(res, i, 1));
		snprintf(t->queue, sizeof(t->queue), "%s", db_get(res, i, 2));
		t->count = db_get_ll(res, i, 3);
		(*n_r)++;
	}
	PQclear(res);
	return 0;
}

static const struct db_stmt st_outbox = { "metrics_outbox",
	"SELECT count(*), coalesce(extract(epoch FROM min(created_at)), 0)"
	"::bigint FROM outbox WHERE status = 'pending'", 0 };

int
metrics_db_outbox(struct db *db, long long *pending_r, time_t *oldest_r,
    struct gc_err *err)
{
	PGresult *res;
	int rc;

	*pending_r = 0;
	*oldest_r = 0;
	if ((rc = db_execv(db, &st_outbox, &res, err, 0)) != 0)
		return rc;
	if (PQntuples(res) == 1) {
		*pending_r = db_get_ll(res, 0, 0);
		*oldest_r = (time_t)db_get_ll(res, 0, 1);
	}
	PQclear(res);
	return 0;
}
