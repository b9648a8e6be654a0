/*
 * report.c - an organisation's report read from the database (see
 * report.h): the period in the organisation's zone, one aggregate query
 * per section (sql/report_db.h), the weekly and monthly buckets, and the
 * open hours of each calendar as a multirange so that PostgreSQL counts
 * business time without loading a ticket
 */
#include "desk/report.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "sla/calendar.h"
#include "sla/policy.h"
#include "sql/report_db.h"
#include "sql/store_org.h"

/* How far back business hours are drawn for a timer met in the period
 * but started before it; older starts count from there. */
#define LOOKBACK_SECONDS (400LL * 86400)
#define MAX_OPEN_SPANS 20000    /* per calendar, ~2 a day for 27 years */

struct report_doc {
	struct report r;
	struct arena a;
};

/* ----- Organisations and periods ------------------------------------ */

static void
config_report_to(const struct conf *c, const char *name, char *out,
    size_t len)
{
	const struct conf_section *s[512];
	size_t n = conf_sections(c, "organisation", s, 512);

	out[0] = '\0';
	for (size_t i = 0; i < n && i < 512; i++)
		if (s[i]->name && strcmp(s[i]->name, name) == 0 &&
		    conf_section_get(s[i], "report_to") != NULL)
			snprintf(out, len, "%s",
			    conf_section_get(s[i], "report_to"));
}

int
report_org_find(struct desk *in, const char *name, struct report_org *out,
    struct gc_err *err)
{
	const struct org *o = in->policy ? org_table_find(
	    sla_policy_orgs(in->policy), name) : NULL;
	struct store_org d;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_org_named(in->db, name, &d, err);
	if (rc == 0) {
		snprintf(out->name, sizeof(out->name), "%s", d.name);
		snprintf(out->plan, sizeof(out->plan), "%s", d.plan);
		snprintf(out->language, sizeof(out->language), "%s",
		    d.language);
		snprintf(out->csm, sizeof(out->csm), "%s", d.csm);
	} else if (rc != GC_ENOTFOUND) {
		return rc;
	} else if (o != NULL) {
		gc_err_clear(err);
		snprintf(out->name, sizeof(out->name), "%s", o->name);
		snprintf(out->plan, sizeof(out->plan), "%s", o->plan);
		snprintf(out->language, sizeof(out->language), "%s",
		    o->language ? o->language : "");
		snprintf(out->csm, sizeof(out->csm), "%s", o->csm ? o->csm :
		    "");
	} else {
		return gc_err_set(err, GC_ENOTFOUND, "no organisation named "
		    "\"%.200s\" in the config or among those imported", name);
	}
	if (in->conf != NULL)
		config_report_to(in->conf, out->name, out->report_to,
		    sizeof(out->report_to));
	if (out->language[0] == '\0')
		snprintf(out->language, sizeof(out->language), "%s",
		    in->conf && in->conf->general.language ?
		    in->conf->general.language : "fr");
	return 0;
}

/* Local midnight of year-month-day in tz (day and month may overflow). */
static time_t
local_midnight(const struct tz *tz, int year, int month, int day)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = month - 1,
		.tm_mday = day };
	time_t t = 0;

	tz_from_local(tz, &tm, &t);
	return t;
}

static bool
digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

int
report_period_parse(enum report_kind kind, const char *s,
    const struct tz *tz, time_t *start_r, time_t *end_r, char *label,
    struct gc_err *err)
{
	bool q = kind == REPORT_QUARTERLY;
	int year, n;

	if (strlen(s) != 7 || !digits(s, 4) || s[4] != '-' ||
	    (q ? (s[5] != 'Q' && s[5] != 'q') || s[6] < '1' || s[6] > '4' :
	    !digits(s + 5, 2)))
		goto bad;
	year = atoi(s);
	n = q ? s[6] - '0' : atoi(s + 5);
	if (year < 1970 || (!q && (n < 1 || n > 12)))
		goto bad;
	if (q) {
		*start_r = local_midnight(tz, year, 3 * n - 2, 1);
		*end_r = local_midnight(tz, year, 3 * n + 1, 1);
		snprintf(label, 16, "%04d-Q%d", year % 10000, n % 10);
	} else {
		*start_r = local_midnight(tz, year, n, 1);
		*end_r = local_midnight(tz, year, n + 1, 1);
		snprintf(label, 16, "%04d-%02d", year % 10000, n % 100);
	}
	return 0;
bad:
	return gc_err_set(err, GC_EINVAL, "\"%.40s\" is not a %s (%s)", s,
	    q ? "quarter" : "month", q ? "YYYY-QN, N from 1 to 4, e.g. "
	    "2026-Q4" : "YYYY-MM, e.g. 2026-11");
}

void
report_period_previous(enum report_kind kind, const struct tz *tz,
    time_t now, char *label, time_t *start_r, time_t *end_r)
{
	struct tm tm;
	int y, m;

	tz_to_local(tz, now, &tm);
	y = tm.tm_year + 1900;
	m = tm.tm_mon + 1;
	if (kind == REPORT_QUARTERLY) {
		int qn = (m - 1) / 3;           /* this quarter, 0-based */

		if (qn == 0) {
			y--;
			qn = 4;
		}
		snprintf(label, 16, "%04u-Q%u", (unsigned)y % 10000,
		    (unsigned)qn % 10);
		*start_r = local_midnight(tz, y, 3 * qn - 2, 1);
		*end_r = local_midnight(tz, y, 3 * qn + 1, 1);
	} else {
		if (--m == 0) {
			y--;
			m = 12;
		}
		snprintf(label, 16, "%04u-%02u", (unsigned)y % 10000,
		    (unsigned)m % 100);
		*start_r = local_midnight(tz, y, m, 1);
		*end_r = local_midnight(tz, y, m + 1, 1);
	}
}

/* ----- Business hours as a multirange ------------------------------- */

/* The open spans of cal in [from, to) as a tstzmultirange literal in a;
 * NULL for a calendar open around the clock (every second counts). */
static const char *
open_spans(struct arena *a, const struct calendar *cal, time_t from,
    time_t to)
{
	struct buf b = BUF_INIT(4 * 1024 * 1024);
	time_t t = from;
	const char *lit;
	size_t n = 0;
	int rc = buf_addc(&b, '{');

	if (calendar_always_open(cal))
		return NULL;
	while (t < to && n < MAX_OPEN_SPANS && rc == 0) {
		time_t o, lo = 0, hi;
		char s1[32], s2[32];

		if (calendar_next_open(&o, cal, t) != 0 || o >= to)
			break;
		/* the span open from o: the longest k with k seconds of
		 * business time in [o, o + k) */
		hi = to - o;
		if (calendar_between(cal, o, o + hi, NULL, 0) != hi) {
			while (hi - lo > 1) {
				time_t mid = lo + (hi - lo) / 2;

				if (calendar_between(cal, o, o + mid, NULL, 0) ==
				    mid)
					lo = mid;
				else
					hi = mid;
			}
			hi = lo;
		}
		if (hi <= 0)
			break;
		time_iso8601(s1, sizeof(s1), o);
		time_iso8601(s2, sizeof(s2), o + hi);
		rc = buf_printf(&b, "%s[%s,%s)", n++ ? "," : "", s1, s2);
		t = o + hi;
	}
	if (rc == 0)
		rc = buf_addc(&b, '}');
	lit = arena_strdup(a, rc == 0 ? buf_str(&b) : "{}");
	buf_free(&b);
	return lit;
}

/* ----- The figures -------------------------------------------------- */

static const char *const timer_order[] = { "acknowledge", "workaround",
	"resolve", "update", "rca" };

static void
fill_priorities(struct report_doc *d, struct desk *in,
    const struct report_db_count *c, size_t nc)
{
	struct report *r = &d->r;
	size_t np = in->policy ? sla_policy_priority_count(in->policy) : 0;

	for (size_t i = 0; i < np && r->npriorities < REPORT_MAX_PRIORITIES;
	    i++)
		r->priorities[r->npriorities++].name = arena_strdup(&d->a,
		    sla_policy_priority_at(in->policy, i));
	for (size_t k = 0; k < nc; k++) {
		size_t i;

		for (i = 0; i < r->npriorities; i++)
			if (strcmp(r->priorities[i].name, c[k].name) == 0)
				break;
		if (i == r->npriorities) {
			if (i == REPORT_MAX_PRIORITIES)
				continue;
			r->priorities[r->npriorities++].name =
			    arena_strdup(&d->a, c[k].name);
		}
		r->priorities[i].opened = c[k].n[0];
		r->priorities[i].resolved = c[k].n[1];
		r->priorities[i].open = c[k].n[2];
	}
}

static int
read_durations(struct report_doc *d, struct desk *in, struct gc_err *err)
{
	struct report *r = &d->r;
	const char *cals[REPORT_MAX_CALENDARS], *names[REPORT_MAX_CALENDARS];
	const char *ranges[REPORT_MAX_CALENDARS];
	struct report_db_duration du[4];
	size_t ncal, n = 0, ndu;
	time_t since;
	int rc;

	r->acknowledge.mean = r->acknowledge.median = r->acknowledge.p90 = -1;
	r->resolve = r->acknowledge;
	if ((rc = report_db_duration_scope(in->db, r->organisation, r->start,
	    r->as_of, &since, &d->a, cals, REPORT_MAX_CALENDARS, &ncal,
	    err)) != 0)
		return rc;
	if (since < r->start - LOOKBACK_SECONDS)
		since = r->start - LOOKBACK_SECONDS;
	for (size_t i = 0; i < ncal; i++) {
		const struct calendar *cal = in->policy ?
		    sla_policy_calendar(in->policy, cals[i]) : NULL;
		struct report_calendar *cd = &r->calendars[r->ncalendars];
		struct buf h = BUF_INIT(4096);

		if (cal == NULL)
			continue;       /* gone from the config: wall time */
		calendar_format_hours(&h, cal);
		cd->name = cals[i];
		cd->hours = arena_strdup(&d->a, buf_str(&h));
		cd->time_zone = arena_strdup(&d->a, tz_name(calendar_tz(cal) ?
		    calendar_tz(cal) : tz_utc()));
		buf_free(&h);
		r->ncalendars++;
		if (calendar_always_open(cal))
			continue;
		names[n] = cals[i];
		ranges[n++] = open_spans(&d->a, cal, since, r->as_of);
	}
	if ((rc = report_db_durations(in->db, r->organisation, r->start,
	    r->as_of, names, ranges, n, du, 4, &ndu, err)) != 0)
		return rc;
	for (size_t i = 0; i < ndu; i++) {
		struct report_duration *x = strcmp(du[i].kind, "resolve") == 0 ?
		    &r->resolve : &r->acknowledge;

		x->count = du[i].count;
		x->mean = du[i].mean;
		x->median = du[i].median;
		x->p90 = du[i].p90;
	}
	return 0;
}

/* Week buckets: the period's start, then each local Monday before
 * as_of; month buckets of a quarter likewise. */
static size_t
bucket_bounds(const struct tz *tz, time_t start, time_t as_of, bool weeks,
    time_t *out, size_t max)
{
	struct tm tm;
	size_t n = 0;
	int step = 0;

	tz_to_local(tz, start, &tm);
	out[n++] = start;
	for (;;) {
		time_t t;

		if (weeks) {
			int to_monday = (8 - tm.tm_wday) % 7;

			step += step == 0 ? (to_monday ? to_monday : 7) : 7;
			t = local_midnight(tz, tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday + step);
		} else {
			t = local_midnight(tz, tm.tm_year + 1900,
			    tm.tm_mon + 1 + ++step, 1);
		}
		if (t >= as_of || n == max)
			break;
		out[n++] = t;
	}
	return n;
}

static int
read_buckets(struct report_doc *d, struct desk *in, const struct tz *tz,
    bool weeks, struct gc_err *err)
{
	struct report *r = &d->r;
	struct report_bucket *out = weeks ? r->weeks : r->months;
	size_t max = weeks ? REPORT_MAX_WEEKS : REPORT_MAX_MONTHS, n;
	time_t bounds[REPORT_MAX_WEEKS];
	struct report_db_bucket b[REPORT_MAX_WEEKS];
	int rc;

	n = bucket_bounds(tz, r->start, r->as_of, weeks, bounds, max);
	if ((rc = report_db_buckets(in->db, r->organisation, r->start,
	    r->as_of, bounds, n, b, err)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct tm tm;

		tz_to_local(tz, bounds[i], &tm);
		out[i].start = bounds[i];
		out[i].label = weeks ? arena_printf(&d->a, "%04d-%02d-%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) :
		    arena_printf(&d->a, "%04d-%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1);
		out[i].opened = b[i].opened;
		out[i].resolved = b[i].resolved;
		out[i].breached = b[i].breached;
		out[i].met = b[i].met;
	}
	if (weeks)
		r->nweeks = n;
	else
		r->nmonths = n;
	return 0;
}

static int
read_time(struct report_doc *d, struct desk *in, struct gc_err *err)
{
	struct report *r = &d->r;
	struct report_db_time *x;
	struct report_time *rt;
	size_t n;
	int rc;

	if ((rc = report_db_time(in->db, r->organisation, r->start, r->as_of,
	    &d->a, &x, REPORT_MAX_ROWS, &n, &r->time_tickets,
	    &r->time_minutes, err)) != 0)
		return rc;
	rt = arena_alloc(&d->a, (n + 1) * sizeof(*rt));
	for (size_t i = 0; i < n; i++) {
		rt[i].number = x[i].number;
		rt[i].subject = x[i].subject;
		rt[i].minutes = x[i].minutes;
	}
	r->times = rt;
	r->ntimes = n;
	return 0;
}

static int
read_lists(struct report_doc *d, struct desk *in, struct gc_err *err)
{
	struct report *r = &d->r;
	struct report_db_breach *b;
	struct report_db_incident *x;
	struct report_breach *rb;
	struct report_incident *ri;
	size_t n;
	int rc;

	if ((rc = report_db_breaches(in->db, r->organisation, r->start,
	    r->as_of, &d->a, &b, REPORT_MAX_ROWS, &n, &r->breaches_total,
	    err)) != 0)
		return rc;
	rb = arena_alloc(&d->a, (n + 1) * sizeof(*rb));
	for (size_t i = 0; i < n; i++) {
		rb[i].number = b[i].number;
		rb[i].subject = b[i].subject;
		rb[i].priority = arena_strdup(&d->a, b[i].priority);
		rb[i].timer = arena_strdup(&d->a, b[i].kind);
		rb[i].due_at = b[i].at;
		rb[i].late_seconds = b[i].late_seconds;
		rb[i].met = b[i].met;
	}
	r->breaches = rb;
	r->nbreaches = n;
	if ((rc = report_db_incidents(in->db, r->organisation, r->start,
	    r->as_of, &d->a, &x, REPORT_MAX_ROWS, &n, &r->incidents_total,
	    err)) != 0)
		return rc;
	ri = arena_alloc(&d->a, (n + 1) * sizeof(*ri));
	for (size_t i = 0; i < n; i++) {
		ri[i].number = x[i].number;
		ri[i].subject = x[i].subject;
		ri[i].created_at = x[i].created_at;
		ri[i].resolved_at = x[i].resolved_at;
		ri[i].rca = arena_strdup(&d->a, x[i].rca);
	}
	r->incidents = ri;
	r->nincidents = n;
	return read_time(d, in, err);
}

int
report_build(struct report_doc **out, struct desk *in,
    const struct report_org *org, enum report_kind kind, const char *label,
    time_t start, time_t end, struct gc_err *err)
{
	struct report_doc *d;
	struct report_db_count c[REPORT_MAX_PRIORITIES];
	struct report_db_count t[8];
	const struct tz *tz = sla_policy_support_tz(in->policy);
	size_t nc, nt;
	int rc;

	*out = NULL;
	if (in->now <= start)
		return gc_err_set(err, GC_EINVAL, "the period %s has not "
		    "begun yet", label);
	d = xcalloc(1, sizeof(*d));
	arena_init(&d->a, 16 * 1024);
	d->r.kind = kind;
	d->r.organisation = arena_strdup(&d->a, org->name);
	d->r.plan = arena_strdup(&d->a, org->plan);
	d->r.language = arena_strdup(&d->a, org->language);
	d->r.period = arena_strdup(&d->a, label);
	d->r.time_zone = arena_strdup(&d->a, tz_name(tz));
	d->r.start = start;
	d->r.end = end;
	d->r.as_of = in->now < end ? in->now : end;
	d->r.generated_at = in->now;
	rc = report_db_counts(in->db, org->name, start, d->r.as_of, c,
	    REPORT_MAX_PRIORITIES, &nc, err);
	if (rc == 0) {
		fill_priorities(d, in, c, nc);
		rc = report_db_timers(in->db, org->name, start, d->r.as_of, t, 8,
		    &nt, err);
	}
	for (size_t i = 0; rc == 0 && i < REPORT_MAX_TIMERS; i++) {
		struct report_timer *rt = &d->r.timers[d->r.ntimers++];

		rt->name = timer_order[i];
		for (size_t k = 0; k < nt; k++)
			if (strcmp(t[k].name, timer_order[i]) == 0) {
				rt->met = t[k].n[0];
				rt->breached = t[k].n[1];
				rt->running = t[k].n[2];
			}
	}
	rc = rc ? rc : read_lists(d, in, err);
	rc = rc ? rc : read_durations(d, in, err);
	rc = rc ? rc : read_buckets(d, in, tz, true, err);
	if (rc == 0 && kind == REPORT_QUARTERLY)
		rc = read_buckets(d, in, tz, false, err);
	if (rc != 0) {
		report_free(&d);
		return rc;
	}
	*out = d;
	return 0;
}

const struct report *
report_doc_model(const struct report_doc *d)
{
	return &d->r;
}

void
report_free(struct report_doc **dp)
{
	if (*dp == NULL)
		return;
	arena_free(&(*dp)->a);
	free(*dp);
	*dp = NULL;
}
