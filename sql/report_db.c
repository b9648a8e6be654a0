/*
 * report_db.c - the report's aggregate queries (see report_db.h)
 *
 * $1 is always the organisation, $2 the period's start and $3 the
 * instant its figures hold at (as_of). The timer's state and breach
 * instant, and business seconds, are SQL functions of migration 018.
 */
#include "sql/report_db.h"

#include <stdlib.h>
#include <string.h>

#include "sql/store_util.h"

#define ORG "t.organisation = $1 AND t.merged_into IS NULL "
#define STATE "report_timer_state(s.due_at, s.met_at, s.breached_at, $3)"
#define BREACH_AT "report_breach_at(s.due_at, s.met_at, s.breached_at)"
/* The timers of tickets still alive 92 days before the period: those of
 * a ticket resolved or closed earlier were met or breached by then (the
 * RCA, due days after the resolution, included), and reading them made
 * a report cost the organisation's whole history. */
#define TIMERS "FROM tickets t JOIN sla_timers s ON s.ticket_id = t.id " \
	"AND (coalesce(t.resolved_at, t.closed_at) IS NULL OR " \
	"coalesce(t.resolved_at, t.closed_at) >= $2::timestamptz - " \
	"interval '92 days') "
/* a subject as listed: a mail's subject may be 256 KB long */
#define SUBJECT "left(t.subject, 300)"
/* the ticket was not closed before the period's end */
#define NOT_CLOSED "(t.closed_at IS NULL OR t.closed_at >= $3) "

static const struct db_stmt st_counts = { "report_counts",
	"SELECT t.priority, "
	"count(*) FILTER (WHERE t.created_at >= $2), "
	"count(*) FILTER (WHERE t.resolved_at >= $2 AND t.resolved_at < $3), "
	"count(*) FILTER (WHERE coalesce(t.resolved_at, t.closed_at) IS NULL "
	"OR coalesce(t.resolved_at, t.closed_at) >= $3) "
	"FROM tickets t WHERE " ORG "AND t.created_at < $3 "
	"GROUP BY t.priority ORDER BY t.priority", 3 };

static const struct db_stmt st_timers = { "report_timers",
	"SELECT s.kind, "
	"count(*) FILTER (WHERE " STATE " = 'met' AND s.met_at >= $2), "
	"count(*) FILTER (WHERE " BREACH_AT " >= $2 AND " BREACH_AT " < $3), "
	"count(*) FILTER (WHERE " STATE " = 'running' AND s.start_at < $3 "
	"AND " NOT_CLOSED ") "
	TIMERS "WHERE " ORG "AND t.created_at < $3 GROUP BY s.kind", 3 };

static const struct db_stmt st_breaches = { "report_breaches",
	"SELECT t.number, " SUBJECT ", t.priority, s.kind, " EPOCH("b.at")
	", "
	"extract(epoch FROM least(coalesce(s.met_at, $3), $3::timestamptz) "
	"- b.at)::bigint, s.met_at IS NOT NULL AND s.met_at < $3, "
	"count(*) OVER () "
	TIMERS "CROSS JOIN LATERAL (SELECT " BREACH_AT " AS at) b "
	"WHERE " ORG "AND b.at >= $2 AND b.at < $3 "
	"ORDER BY b.at, t.number, s.kind LIMIT $4", 4 };

#define MEASURED "s.kind IN ('acknowledge', 'resolve') AND " \
	"s.met_at >= $2 AND s.met_at < $3 AND s.met_at >= s.start_at "

/* the calendars of the timers measured, or of those started in the
 * period when none was met yet (the report still says which clock) */
static const struct db_stmt st_scope = { "report_duration_scope",
	"SELECT " EPOCH("min(s.start_at) FILTER (WHERE " MEASURED ")") ", "
	"coalesce(array_agg(DISTINCT s.calendar), '{}') "
	TIMERS "WHERE " ORG "AND s.kind IN ('acknowledge', 'resolve') AND "
	"((" MEASURED ") OR (s.start_at >= $2 AND s.start_at < $3))", 3 };

static const struct db_stmt st_durations = { "report_durations",
	"SELECT s.kind, count(*), avg(x.d), "
	"percentile_cont(0.5) WITHIN GROUP (ORDER BY x.d), "
	"percentile_cont(0.9) WITHIN GROUP (ORDER BY x.d) "
	TIMERS "LEFT JOIN unnest($4::text[], $5::tstzmultirange[]) AS "
	"c(name, open) ON c.name = s.calendar CROSS JOIN LATERAL (SELECT "
	"report_business_seconds(t.id, s.start_at, s.met_at, c.open) AS d) x "
	"WHERE " ORG "AND " MEASURED "GROUP BY s.kind", 5 };

static const struct db_stmt st_incidents = { "report_incidents",
	"SELECT t.number, " SUBJECT ", " EPOCH("t.created_at") ", "
	"CASE WHEN t.resolved_at < $3 THEN " EPOCH("t.resolved_at") " END, "
	"CASE WHEN s.ticket_id IS NULL OR s.start_at >= $3 THEN 'none' "
	"ELSE CASE " STATE " WHEN 'met' THEN 'sent' WHEN 'breached' "
	"THEN 'late' ELSE 'due' END END, count(*) OVER () "
	"FROM tickets t LEFT JOIN sla_timers s ON s.ticket_id = t.id "
	"AND s.kind = 'rca' WHERE " ORG "AND t.priority = 'P1' "
	"AND t.created_at >= $2 AND t.created_at < $3 "
	"ORDER BY t.created_at, t.number LIMIT $4", 4 };

/* Time logged in the period on the organisation's tickets (merged ones
 * too: the time was spent), most first; corrections count when made. */
static const struct db_stmt st_time = { "report_time",
	"SELECT t.number, " SUBJECT ", sum(e.minutes), count(*) OVER (), "
	"sum(sum(e.minutes)) OVER () FROM time_entries e JOIN tickets t "
	"ON t.id = e.ticket_id WHERE t.organisation = $1 AND e.at >= $2 "
	"AND e.at < $3 GROUP BY t.id HAVING sum(e.minutes) <> 0 "
	"ORDER BY sum(e.minutes) DESC, t.number LIMIT $4", 4 };

static const struct db_stmt st_buckets = { "report_buckets",
	"SELECT b, sum(o), sum(r), sum(x), sum(m) FROM ("
	"SELECT width_bucket(t.created_at, $4::timestamptz[]) AS b, "
	"1 AS o, 0 AS r, 0 AS x, 0 AS m FROM tickets t WHERE " ORG
	"AND t.created_at >= $2 AND t.created_at < $3 "
	"UNION ALL SELECT width_bucket(t.resolved_at, $4::timestamptz[]), "
	"0, 1, 0, 0 FROM tickets t WHERE " ORG
	"AND t.resolved_at >= $2 AND t.resolved_at < $3 "
	"UNION ALL SELECT width_bucket(" BREACH_AT ", $4::timestamptz[]), "
	"0, 0, 1, 0 " TIMERS "WHERE " ORG "AND t.created_at < $3 "
	"AND " BREACH_AT " >= $2 AND " BREACH_AT " < $3 "
	"UNION ALL SELECT width_bucket(s.met_at, $4::timestamptz[]), "
	"0, 0, 0, 1 " TIMERS "WHERE " ORG "AND t.created_at < $3 "
	"AND " STATE " = 'met' AND s.met_at >= $2) q "
	"GROUP BY b ORDER BY b", 4 };

static const struct db_stmt st_unsent = { "report_unsent",
	"SELECT n.ord - 1 FROM unnest($3::text[]) WITH ORDINALITY AS "
	"n(name, ord) WHERE NOT EXISTS (SELECT 1 FROM report_sends r WHERE "
	"r.organisation = n.name AND r.kind = $1 AND r.period = $2)", 3 };

static const struct db_stmt st_unsent_imported = {
	"report_unsent_imported",
	"SELECT o.name FROM organisations o "
	"WHERE lower(o.plan) = ANY (ARRAY(SELECT lower(p) FROM "
	"unnest($3::text[]) AS p)) AND NOT EXISTS (SELECT 1 "
	"FROM report_sends r WHERE r.organisation = o.name AND r.kind = $1 "
	"AND r.period = $2) ORDER BY o.name LIMIT $4", 4 };

static const struct db_stmt st_claim = { "report_claim",
	"INSERT INTO report_sends (organisation, kind, period, created_at) "
	"VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1", 4 };

static const struct db_stmt st_sent = { "report_sent",
	"UPDATE report_sends SET message_id = $4, recipients = $5::text[], "
	"note = $6 WHERE organisation = $1 AND kind = $2 AND period = $3", 6 };

static double
dbl(const PGresult *res, int row, int col)
{
	const char *v = db_get(res, row, col);

	return v ? strtod(v, NULL) : -1;
}

/* Run one of the period's statements with its three parameters (and a
 * fourth when p4 is not NULL). */
static int
period_query(struct db *db, const struct db_stmt *st, const char *org,
    time_t start, time_t as_of, const char *p4, PGresult **res,
    struct gc_err *err)
{
	TS(s, start);
	TS(e, as_of);

	return p4 ? db_execv(db, st, res, err, 4, org, s, e, p4) :
	    db_execv(db, st, res, err, 3, org, s, e);
}

/* A list of the period, at most max rows. */
static int
list_query(struct db *db, const struct db_stmt *st, const char *org,
    time_t start, time_t as_of, size_t max, PGresult **res,
    struct gc_err *err)
{
	char lim[24];

	snprintf(lim, sizeof(lim), "%zu", max);
	return period_query(db, st, org, start, as_of, lim, res, err);
}

/* A statement of the period whose rows are a name and three counts. */
static int
name_counts(struct db *db, const struct db_stmt *st, const char *org,
    time_t start, time_t as_of, struct report_db_count *out, size_t max,
    size_t *n_r, struct gc_err *err)
{
	PGresult *res;
	int rc;

	*n_r = 0;
	if ((rc = period_query(db, st, org, start, as_of, NULL, &res,
	    err)) != 0)
		return rc;
	for (int i = 0; i < PQntuples(res) && *n_r < max; i++) {
		struct report_db_count *c = &out[(*n_r)++];

		copy_field(c->name, sizeof(c->name), db_get(res, i, 0));
		for (int k = 0; k < 3; k++)
			c->n[k] = db_get_ll(res, i, 1 + k);
	}
	PQclear(res);
	return 0;
}

int
report_db_counts(struct db *db, const char *org, time_t start,
    time_t as_of, struct report_db_count *out, size_t max, size_t *n_r,
    struct gc_err *err)
{
	return name_counts(db, &st_counts, org, start, as_of, out, max, n_r,
	    err);
}

int
report_db_timers(struct db *db, const char *org, time_t start,
    time_t as_of, struct report_db_count *out, size_t max, size_t *n_r,
    struct gc_err *err)
{
	return name_counts(db, &st_timers, org, start, as_of, out, max, n_r,
	    err);
}

int
report_db_breaches(struct db *db, const char *org, time_t start,
    time_t as_of, struct arena *a, struct report_db_breach **out,
    size_t max, size_t *n_r, long long *total_r, struct gc_err *err)
{
	PGresult *res;
	int rc, n;

	*n_r = 0;
	*total_r = 0;
	if ((rc = list_query(db, &st_breaches, org, start, as_of, max, &res,
	    err)) != 0)
		return rc;
	n = PQntuples(res);
	*out = arena_alloc(a, (size_t)(n + 1) * sizeof(**out));
	for (int i = 0; i < n; i++) {
		struct report_db_breach *b = &(*out)[i];

		b->number = arena_strdup(a, db_get(res, i, 0));
		b->subject = arena_strdup(a, db_get(res, i, 1));
		copy_field(b->priority, sizeof(b->priority), db_get(res, i, 2));
		copy_field(b->kind, sizeof(b->kind), db_get(res, i, 3));
		b->at = ts_of(res, i, 4);
		b->late_seconds = db_get_ll(res, i, 5);
		b->met = strcmp(db_get(res, i, 6), "t") == 0;
		*total_r = db_get_ll(res, i, 7);
	}
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

int
report_db_duration_scope(struct db *db, const char *org, time_t start,
    time_t as_of, time_t *since_r, struct arena *a, const char **cals,
    size_t maxcal, size_t *ncal_r, struct gc_err *err)
{
	const char *v, *p;
	PGresult *res;
	int rc;

	*since_r = 0;
	*ncal_r = 0;
	if ((rc = period_query(db, &st_scope, org, start, as_of, NULL, &res,
	    err)) != 0)
		return rc;
	*since_r = ts_of(res, 0, 0);
	/* {business,"24x7"}: calendar names are plain words of the config */
	v = db_get(res, 0, 1);
	for (p = v ? v + 1 : ""; *p && *p != '}' && *ncal_r < maxcal;) {
		size_t n;

		if (*p == '"')
			p++;
		n = strcspn(p, "\",}");
		cals[(*ncal_r)++] = arena_strndup(a, p, n);
		p += n;
		p += strspn(p, "\",");
	}
	PQclear(res);
	return 0;
}

int
report_db_durations(struct db *db, const char *org, time_t start,
    time_t as_of, const char *const *cal_names,
    const char *const *cal_ranges, size_t ncal,
    struct report_db_duration *out, size_t max, size_t *n_r,
    struct gc_err *err)
{
	char *names = array_literal(cal_names, ncal);
	char *ranges = array_literal(cal_ranges, ncal);
	PGresult *res;
	int rc;

	TS(s, start);
	TS(e, as_of);
	*n_r = 0;
	rc = db_execv(db, &st_durations, &res, err, 5, org, s, e, names,
	    ranges);
	free(names);
	free(ranges);
	if (rc != 0)
		return rc;
	for (int i = 0; i < PQntuples(res) && *n_r < max; i++) {
		struct report_db_duration *d = &out[(*n_r)++];

		copy_field(d->kind, sizeof(d->kind), db_get(res, i, 0));
		d->count = db_get_ll(res, i, 1);
		d->mean = dbl(res, i, 2);
		d->median = dbl(res, i, 3);
		d->p90 = dbl(res, i, 4);
	}
	PQclear(res);
	return 0;
}

int
report_db_incidents(struct db *db, const char *org, time_t start,
    time_t as_of, struct arena *a, struct report_db_incident **out,
    size_t max, size_t *n_r, long long *total_r, struct gc_err *err)
{
	PGresult *res;
	int rc, n;

	*n_r = 0;
	*total_r = 0;
	if ((rc = list_query(db, &st_incidents, org, start, as_of, max, &res,
	    err)) != 0)
		return rc;
	n = PQntuples(res);
	*out = arena_alloc(a, (size_t)(n + 1) * sizeof(**out));
	for (int i = 0; i < n; i++) {
		struct report_db_incident *x = &(*out)[i];

		x->number = arena_strdup(a, db_get(res, i, 0));
		x->subject = arena_strdup(a, db_get(res, i, 1));
		x->created_at = ts_of(res, i, 2);
		x->resolved_at = ts_of(res, i, 3);
		copy_field(x->rca, sizeof(x->rca), db_get(res, i, 4));
		*total_r = db_get_ll(res, i, 5);
	}
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

int
report_db_time(struct db *db, const char *org, time_t start, time_t as_of,
    struct arena *a, struct report_db_time **out, size_t max, size_t *n_r,
    long long *tickets_r, long long *minutes_r, struct gc_err *err)
{
	PGresult *res;
	int rc, n;

	*n_r = 0;
	*tickets_r = *minutes_r = 0;
	if ((rc = list_query(db, &st_time, org, start, as_of, max, &res,
	    err)) != 0)
		return rc;
	n = PQntuples(res);
	*out = arena_alloc(a, (size_t)(n + 1) * sizeof(**out));
	for (int i = 0; i < n; i++) {
		struct report_db_time *x = &(*out)[i];

		x->number = arena_strdup(a, db_get(res, i, 0));
		x->subject = arena_strdup(a, db_get(res, i, 1));
		x->minutes = db_get_ll(res, i, 2);
		*tickets_r = db_get_ll(res, i, 3);
		*minutes_r = db_get_ll(res, i, 4);
	}
	*n_r = (size_t)n;
	PQclear(res);
	return 0;
}

int
report_db_buckets(struct db *db, const char *org, time_t start,
    time_t as_of, const time_t *bounds, size_t nbounds,
    struct report_db_bucket *out, struct gc_err *err)
{
	struct buf b = BUF_INIT(64 * 1024);
	PGresult *res;
	int rc = 0;

	memset(out, 0, nbounds * sizeof(*out));
	for (size_t i = 0; i < nbounds && rc == 0; i++) {
		char ts[32];

		time_iso8601(ts, sizeof(ts), bounds[i]);
		rc = buf_printf(&b, "%s%s", i ? "," : "{", ts);
	}
	if (rc == 0)
		rc = buf_addc(&b, '}');
	if (rc != 0) {
		buf_free(&b);
		return gc_err_set(err, GC_ELIMIT, "too many buckets");
	}
	rc = period_query(db, &st_buckets, org, start, as_of, buf_str(&b),
	    &res, err);
	buf_free(&b);
	if (rc != 0)
		return rc;
	for (int i = 0; i < PQntuples(res); i++) {
		long long k = db_get_ll(res, i, 0);

		if (k < 1 || (size_t)k > nbounds)
			continue;
		out[k - 1].opened = db_get_ll(res, i, 1);
		out[k - 1].resolved = db_get_ll(res, i, 2);
		out[k - 1].breached = db_get_ll(res, i, 3);
		out[k - 1].met = db_get_ll(res, i, 4);
	}
	PQclear(res);
	return 0;
}

int
report_db_unsent(struct db *db, const char *kind, const char *period,
    const char *const *names, size_t n, bool *unsent, struct gc_err *err)
{
	char *arr = array_literal(names, n);
	PGresult *res;
	int rc;

	memset(unsent, 0, n * sizeof(*unsent));
	rc = db_execv(db, &st_unsent, &res, err, 3, kind, period, arr);
	free(arr);
	if (rc != 0)
		return rc;
	for (int i = 0; i < PQntuples(res); i++) {
		long long k = db_get_ll(res, i, 0);

		if (k >= 0 && (size_t)k < n)
			unsent[k] = true;
	}
	PQclear(res);
	return 0;
}

int
report_db_unsent_imported(struct db *db, const char *kind,
    const char *period, const char *const *plans, size_t nplans,
    struct arena *a, const char **out, size_t max, size_t *n_r,
    struct gc_err *err)
{
	char *arr = array_literal(plans, nplans);
	char lim[24];
	PGresult *res;
	int rc;

	*n_r = 0;
	snprintf(lim, sizeof(lim), "%zu", max);
	rc = db_execv(db, &st_unsent_imported, &res, err, 4, kind, period,
	    arr, lim);
	free(arr);
	if (rc != 0)
		return rc;
	for (int i = 0; i < PQntuples(res) && *n_r < max; i++)
		out[(*n_r)++] = arena_strdup(a, db_get(res, i, 0));
	PQclear(res);
	return 0;
}

int
report_db_claim(struct db *db, const char *org, const char *kind,
    const char *period, time_t now, bool *claimed_r, struct gc_err *err)
{
	TS(ts, now);
	PGresult *res;
	int rc;

	*claimed_r = false;
	if ((rc = db_execv(db, &st_claim, &res, err, 4, org, kind, period,
	    ts)) != 0)
		return rc;
	*claimed_r = PQntuples(res) == 1;
	PQclear(res);
	return 0;
}

int
report_db_sent(struct db *db, const char *org, const char *kind,
    const char *period, const char *message_id,
    const char *const *rcpts, size_t nrcpts, const char *note,
    struct gc_err *err)
{
	char *arr = array_literal(rcpts, nrcpts);
	int rc = db_execv(db, &st_sent, NULL, err, 6, org, kind, period,
	    message_id, arr, note);

	free(arr);
	return rc;
}
