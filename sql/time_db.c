/*
 * time_db.c - the time agents worked on tickets (see time_db.h)
 */
#include "sql/time_db.h"

#include <stdio.h>
#include <stdlib.h>

#include "sql/store_util.h"

/* The ticket's row locked first, so that two mails taking time back at
 * once (two daemons, a mail and `ticket reply`) are counted one after the
 * other: the sums, read by the next statement, see the first one's. */
static const struct db_stmt st_lock = { "time_lock",
	"SELECT 1 FROM tickets WHERE id = $1 FOR NO KEY UPDATE", 1 };

static const struct db_stmt st_totals = { "time_totals",
	"SELECT coalesce(sum(minutes) FILTER (WHERE agent = $2), 0), "
	"coalesce(sum(minutes), 0) FROM time_entries WHERE ticket_id = $1",
	2 };

int
time_db_totals(struct db *db, int64_t ticket_id, const char *agent,
    long long *agent_r, long long *ticket_r, struct gc_err *err)
{
	I64(id, ticket_id);
	PGresult *res;
	int rc;

	if ((rc = db_execv(db, &st_lock, NULL, err, 1, id)) != 0 ||
	    (rc = db_execv(db, &st_totals, &res, err, 2, id, agent)) != 0)
		return rc;
	*agent_r = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	*ticket_r = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_add = { "time_add",
	"INSERT INTO time_entries (ticket_id, agent, minutes, at) "
	"VALUES ($1, $2, $3, $4)", 4 };

int
time_db_add(struct db *db, int64_t ticket_id, const char *agent,
    int minutes, time_t now, struct gc_err *err)
{
	I64(id, ticket_id);
	TS(ts, now);
	char m[16];

	snprintf(m, sizeof(m), "%d", minutes);
	return db_execv(db, &st_add, NULL, err, 4, id, agent, m, ts);
}
