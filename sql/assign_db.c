/*
 * assign_db.c - new tickets assigned in turn (see assign_db.h)
 */
#include "sql/assign_db.h"

#include <stdlib.h>

#include "common/util.h"
#include "sql/store_util.h"

/* "Away" at $2: with no end, or an end still ahead. */
#define AWAY(a) "EXISTS (SELECT 1 FROM agents_away w WHERE w.agent = " a \
	" AND (w.until IS NULL OR w.until > $2))"

/* The turn taken once (a CTE: a subquery joined to the agents could be
 * scanned again for each of them, each time taking a turn), from the
 * queue's own sequence when it has one (041), else the common one. */
static const struct db_stmt st_next = { "assign_next",
	"WITH t AS MATERIALIZED (SELECT nextval(coalesce(to_regclass("
	"assign_turn_name($3)), 'assign_turn'::regclass)) AS n) "
	"SELECT a.name FROM (SELECT x.name, row_number() OVER (ORDER BY "
	"x.ord) - 1 AS i, count(*) OVER () AS k FROM unnest($1::text[]) "
	"WITH ORDINALITY AS x(name, ord) WHERE NOT " AWAY("x.name") ") a, "
	"t WHERE a.i = t.n % a.k", 3 };

int
assign_db_next(struct db *db, const char *queue, const char *const *agents,
    size_t nagents, time_t now, char *out, size_t outlen, struct gc_err *err)
{
	char *names = array_literal(agents, nagents);
	PGresult *res;
	TS(ts, now);
	int rc;

	out[0] = '\0';
	rc = db_execv(db, &st_next, &res, err, 3, names, ts, queue);
	free(names);
	if (rc != 0)
		return rc;
	if (PQntuples(res) == 1)
		copy_field(out, outlen, db_get(res, 0, 0));
	PQclear(res);
	return 0;
}

static const struct db_stmt st_turn = { "assign_turn_create",
	"SELECT assign_turn_create($1)", 1 };

int
assign_db_turn_create(struct db *db, const char *queue, struct gc_err *err)
{
	return db_execv(db, &st_turn, NULL, err, 1, queue);
}

static const struct db_stmt st_away = { "assign_away",
	"INSERT INTO agents_away (agent, until, set_by, set_at) VALUES ($1, "
	"$2, $3, $4) ON CONFLICT (agent) DO UPDATE SET until = "
	"excluded.until, set_by = excluded.set_by, set_at = excluded.set_at",
	4 };

int
assign_db_away(struct db *db, const char *agent, time_t until,
    const char *by, time_t now, struct gc_err *err)
{
	TS(u, until);
	TS(ts, now);

	return db_execv(db, &st_away, NULL, err, 4, agent, until ? u : NULL,
	    by, ts);
}

static const struct db_stmt st_back = { "assign_back",
	"DELETE FROM agents_away WHERE agent = $1 RETURNING 1", 1 };

int
assign_db_back(struct db *db, const char *agent, struct gc_err *err)
{
	PGresult *res;
	int rc, n;

	if ((rc = db_execv(db, &st_back, &res, err, 1, agent)) != 0)
		return rc;
	n = PQntuples(res);
	PQclear(res);
	return n == 1 ? 0 : gc_err_set(err, GC_ENOTFOUND, "%s was not away",
	    agent);
}

static const struct db_stmt st_list = { "assign_away_list",
	"SELECT coalesce(json_agg(json_build_object('agent', w.agent, "
	"'until', iso_utc(w.until), 'set_by', w.set_by, 'set_at', "
	"iso_utc(w.set_at)) ORDER BY w.agent), '[]'::json)::text FROM "
	"agents_away w WHERE w.until IS NULL OR w.until > $1", 1 };

int
assign_db_away_list(struct db *db, time_t now, char **json_r,
    struct gc_err *err)
{
	TS(ts, now);

	return db_value(db, &st_list, json_r, err, 1, ts);
}
