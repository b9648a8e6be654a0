/*
 * digest_db.c - the rows of the agents' digest (see digest_db.h)
 */
#include "sql/digest_db.h"

#include <stdlib.h>
#include <string.h>

#include "sql/store_util.h"

static const struct db_stmt st_done = { "digest_done",
	"SELECT agent FROM digest_sends WHERE day = $1::date", 1 };

int
digest_db_done(struct db *db, const char *day, char ***names_r,
    size_t *n_r, struct gc_err *err)
{
	PGresult *res;
	int rc;

	*names_r = NULL;
	*n_r = 0;
	if ((rc = db_execv(db, &st_done, &res, err, 1, day)) != 0)
		return rc;
	store_strings_of(res, names_r, n_r);
	PQclear(res);
	return 0;
}

static const struct db_stmt st_claim = { "digest_claim",
	"INSERT INTO digest_sends (day, agent, created_at) VALUES ($1::date, "
	"$2, $3) ON CONFLICT DO NOTHING RETURNING true", 3 };

int
digest_db_claim(struct db *db, const char *day, const char *agent,
    time_t now, bool *claimed_r, struct gc_err *err)
{
	TS(ts, now);
	PGresult *res;
	int rc;

	if ((rc = db_execv(db, &st_claim, &res, err, 3, day, agent, ts)) != 0)
		return rc;
	*claimed_r = PQntuples(res) == 1;
	PQclear(res);
	return 0;
}

static const struct db_stmt st_note = { "digest_note",
	"UPDATE digest_sends SET tickets = $3::integer, message_id = $4 "
	"WHERE day = $1::date AND agent = $2", 4 };

int
digest_db_note(struct db *db, const char *day, const char *agent,
    long long tickets, const char *message_id, struct gc_err *err)
{
	I64(n, tickets);

	return db_execv(db, &st_note, NULL, err, 4, day, agent, n,
	    message_id);
}

/* $1 queues, $2 now, $3 plan names, $4 their ranks, $5 the rank of
 * another plan, $6 rows per queue. The open tickets are read once (x,
 * narrow: what ranks and counts them): the counts per queue and
 * assignee (part 1) come from that read, and so do the first rows of
 * each queue (part 0, most urgent first), by a bounded sort per queue
 * (top-N) rather than a sort of every open ticket, which at a million
 * of them was half of the statement's time; only the listed rows are
 * looked up again for their number, subject and the kind of their
 * deadline. The soonest running deadline of each ticket (a hash
 * aggregate of the running timers) and its plan's rank come by joins,
 * not by a subquery per ticket: at 100,000 open tickets a probe each
 * cost twice the time. */
static const struct db_stmt st_open = { "digest_open",
	"WITH o AS (SELECT t.id, t.plan, t.queue, "
	"coalesce(t.assignee, '') AS assignee "
	"FROM tickets t WHERE t.queue = ANY ($1::text[]) AND t.status IN "
	"('new', 'open', 'pending') AND t.merged_into IS NULL), "
	"d AS (SELECT s.ticket_id, min(s.due_at) AS due_at FROM sla_timers s "
	"WHERE s.met_at IS NULL AND s.due_at IS NOT NULL "
	"GROUP BY s.ticket_id), "
	"r AS (SELECT * FROM unnest($3::text[], $4::int[]) AS p(name, rank)), "
	"x AS MATERIALIZED (SELECT o.*, d.due_at, "
	"coalesce(d.due_at < $2, false) AS late, "
	"coalesce(r.rank, $5::int) AS rank "
	"FROM o LEFT JOIN d ON d.ticket_id = o.id "
	"LEFT JOIN r ON r.name = o.plan), "
	"y AS (SELECT f.* FROM (SELECT DISTINCT unnest($1::text[]) AS queue) q "
	"CROSS JOIN LATERAL (SELECT * FROM x WHERE x.queue = q.queue "
	"ORDER BY x.due_at NULLS LAST, x.rank, x.id DESC LIMIT $6::bigint) f) "
	"SELECT 0 AS part, t.number, t.priority, t.plan, t.status, y.queue, "
	"y.assignee, coalesce(t.subject, ''), " EPOCH("y.due_at") ", "
	"coalesce((SELECT s.kind FROM sla_timers s WHERE s.ticket_id = y.id "
	"AND s.met_at IS NULL AND s.due_at = y.due_at ORDER BY s.kind "
	"LIMIT 1), ''), y.late, 0::bigint, 0::bigint, y.due_at, y.rank, y.id "
	"FROM y JOIN tickets t ON t.id = y.id "
	"UNION ALL SELECT 1, '', '', '', '', queue, assignee, '', NULL, '', "
	"false, count(*), count(*) FILTER (WHERE late), NULL, 0, 0 FROM x "
	"GROUP BY queue, assignee "
	"ORDER BY 1, 14 NULLS LAST, 15, 16 DESC", 6 };

int
digest_db_open(struct db *db, const char *const *queues, size_t nq,
    time_t now, const char *const *plans, const int *ranks, size_t nplans,
    int other_rank, long long max, struct digest_open *out,
    struct gc_err *err)
{
	PGresult *res = NULL;
	char *ql = array_literal(queues, nq), *pl = array_literal(plans,
	    nplans), *rl = int_array_literal(ranks, nplans), other[16],
	    lim[24];
	TS(ts, now);
	const char *p[6] = { ql, ts, pl, rl, other, lim };
	int rc, n;

	memset(out, 0, sizeof(*out));
	snprintf(other, sizeof(other), "%d", other_rank);
	snprintf(lim, sizeof(lim), "%lld", max);
	rc = db_exec(db, &st_open, p, NULL, NULL, &res, err);
	free(ql);
	free(pl);
	free(rl);
	if (rc != 0)
		return rc;
	n = PQntuples(res);
	out->res = res;
	out->rows = xcalloc((size_t)n + 1, sizeof(*out->rows));
	out->groups = xcalloc((size_t)n + 1, sizeof(*out->groups));
	for (int i = 0; i < n; i++) {
		if (strcmp(PQgetvalue(res, i, 0), "0") == 0) {
			struct digest_row *r = &out->rows[out->nrows++];

			r->number = PQgetvalue(res, i, 1);
			r->priority = PQgetvalue(res, i, 2);
			r->plan = PQgetvalue(res, i, 3);
			r->status = PQgetvalue(res, i, 4);
			r->queue = PQgetvalue(res, i, 5);
			r->assignee = PQgetvalue(res, i, 6);
			r->subject = PQgetvalue(res, i, 7);
			r->due = ts_of(res, i, 8);
			r->due_kind = PQgetvalue(res, i, 9);
			r->overdue = strcmp(PQgetvalue(res, i, 10), "t") == 0;
		} else {
			struct digest_group *g = &out->groups[out->ngroups++];

			g->queue = PQgetvalue(res, i, 5);
			g->assignee = PQgetvalue(res, i, 6);
			g->open = db_get_ll(res, i, 11);
			g->overdue = db_get_ll(res, i, 12);
		}
	}
	return 0;
}

void
digest_db_open_free(struct digest_open *o)
{
	free(o->rows);
	free(o->groups);
	PQclear(o->res);
	memset(o, 0, sizeof(*o));
}
