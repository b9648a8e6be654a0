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

/* $1 queues, $2 agent, $3 now, $4 plan names, $5 their ranks, $6 the
 * rank of another plan, $7 at most; the counts of the whole list ride
 * on every row (window aggregates are taken before the LIMIT). The
 * soonest running deadline of each open ticket and its plan's rank come
 * by joins, not by a subquery per ticket: at a million open tickets a
 * probe per ticket cost seconds. */
static const struct db_stmt st_tickets = { "digest_tickets",
	"WITH o AS (SELECT t.id, t.number, t.priority, t.plan, t.status, "
	"t.queue, t.assignee, t.subject FROM tickets t "
	"WHERE t.queue = ANY ($1::text[]) AND t.status IN ('new', 'open', "
	"'pending') AND t.merged_into IS NULL), "
	"d AS (SELECT DISTINCT ON (s.ticket_id) s.ticket_id, s.due_at, "
	"s.kind FROM sla_timers s JOIN o ON o.id = s.ticket_id "
	"WHERE s.met_at IS NULL AND s.due_at IS NOT NULL "
	"ORDER BY s.ticket_id, s.due_at), "
	"r AS (SELECT * FROM unnest($4::text[], $5::int[]) AS p(name, rank)) "
	"SELECT o.number, o.priority, o.plan, o.status, o.queue, "
	"coalesce(o.assignee, ''), coalesce(o.subject, ''), "
	EPOCH("d.due_at") ", coalesce(d.kind, ''), "
	"coalesce(d.due_at < $3, false), "
	"count(*) OVER (), count(*) FILTER (WHERE d.due_at < $3) OVER (), "
	"count(*) FILTER (WHERE o.assignee IS NULL) OVER (), "
	"count(*) FILTER (WHERE o.assignee = $2) OVER () "
	"FROM o LEFT JOIN d ON d.ticket_id = o.id "
	"LEFT JOIN r ON r.name = o.plan "
	"ORDER BY d.due_at NULLS LAST, coalesce(r.rank, $6::int), o.id DESC "
	"LIMIT $7::bigint", 7 };

/* Row i of res as a digest row. */
static void
row_of(struct digest_row *r, const PGresult *res, int i)
{
	r->number = PQgetvalue(res, i, 0);
	r->priority = PQgetvalue(res, i, 1);
	r->plan = PQgetvalue(res, i, 2);
	r->status = PQgetvalue(res, i, 3);
	r->queue = PQgetvalue(res, i, 4);
	r->assignee = PQgetvalue(res, i, 5);
	r->subject = PQgetvalue(res, i, 6);
	r->due = ts_of(res, i, 7);
	r->due_kind = PQgetvalue(res, i, 8);
	r->overdue = strcmp(PQgetvalue(res, i, 9), "t") == 0;
}

int
digest_db_tickets(struct db *db, const char *const *queues, size_t nq,
    const char *agent, time_t now, const char *const *plans,
    const int *ranks, size_t nplans, int other_rank, long long max,
    digest_row_fn *fn, void *arg, struct digest_counts *counts,
    struct gc_err *err)
{
	struct buf rb = BUF_INIT(64 * 1024);
	PGresult *res = NULL;
	char *ql = array_literal(queues, nq), *pl = array_literal(plans,
	    nplans), other[16], lim[24];
	TS(ts, now);
	int rc = buf_addc(&rb, '{');

	for (size_t i = 0; rc == 0 && i < nplans; i++)
		rc = buf_printf(&rb, "%s%d", i ? "," : "", ranks[i]);
	if (rc == 0)
		rc = buf_addc(&rb, '}');
	memset(counts, 0, sizeof(*counts));
	snprintf(other, sizeof(other), "%d", other_rank);
	snprintf(lim, sizeof(lim), "%lld", max);
	if (rc == 0) {
		const char *p[7] = { ql, agent, ts, pl, buf_str(&rb), other,
			lim };

		/* at most max rows (1000): read at once, not one by one,
		 * so that the caller may defer writes after it */
		rc = db_exec(db, &st_tickets, p, NULL, NULL, &res, err);
	} else {
		rc = gc_err_set(err, GC_ELIMIT, "too many plans");
	}
	if (rc == 0 && PQntuples(res) > 0) {
		counts->open = db_get_ll(res, 0, 10);
		counts->overdue = db_get_ll(res, 0, 11);
		counts->unassigned = db_get_ll(res, 0, 12);
		counts->mine = db_get_ll(res, 0, 13);
	}
	for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
		struct digest_row r;

		row_of(&r, res, i);
		rc = fn(arg, &r);
	}
	PQclear(res);
	buf_free(&rb);
	free(ql);
	free(pl);
	return rc;
}
