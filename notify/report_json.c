/*
 * report_json.c - the report as one JSON document (see report.h): field
 * names in snake_case, instants in ISO-8601 UTC, durations in seconds
 * (null when nothing was measured)
 */
#include "notify/report_int.h"

#include <jansson.h>
#include <stdlib.h>

#include "common/err.h"
#include "common/util.h"

static json_t *
iso(time_t t)
{
	char b[32];

	if (t == 0)
		return json_null();
	time_iso8601(b, sizeof(b), t);
	return json_string(b);
}

/* jansson refuses invalid UTF-8: such text becomes null, not a crash. */
static json_t *
str(const char *s)
{
	json_t *j = s ? json_string(s) : NULL;

	return j ? j : json_null();
}

static json_t *
secs(double v)
{
	return v < 0 ? json_null() : json_real((double)(long long)(v + 0.5));
}

static json_t *
duration(const struct report_duration *d)
{
	return json_pack("{s:I,s:o,s:o,s:o}", "count", (json_int_t)d->count,
	    "mean_seconds", secs(d->mean), "median_seconds", secs(d->median),
	    "p90_seconds", secs(d->p90));
}

static json_t *
buckets(const struct report_bucket *b, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:o,s:o,s:I,s:I,s:I,s:I}",
		    "label", str(b[i].label), "start", iso(b[i].start),
		    "opened", (json_int_t)b[i].opened, "resolved",
		    (json_int_t)b[i].resolved, "breached",
		    (json_int_t)b[i].breached, "met", (json_int_t)b[i].met));
	return a;
}

int
report_render_json(struct buf *out, const struct report *r)
{
	json_t *j = json_object(), *a;
	struct buf basis = BUF_INIT(4096);
	long long o, re, op;
	char *s;
	int rc;

	json_object_set_new(j, "kind", json_string(r->kind ==
	    REPORT_QUARTERLY ? "quarterly" : "monthly"));
	json_object_set_new(j, "organisation", str(r->organisation));
	json_object_set_new(j, "plan", str(r->plan));
	json_object_set_new(j, "language", str(r->language));
	json_object_set_new(j, "period", str(r->period));
	json_object_set_new(j, "time_zone", str(r->time_zone));
	json_object_set_new(j, "start", iso(r->start));
	json_object_set_new(j, "end", iso(r->end));
	json_object_set_new(j, "as_of", iso(r->as_of));
	json_object_set_new(j, "generated_at", iso(r->generated_at));
	json_object_set_new(j, "empty", json_boolean(report_empty(r)));
	a = json_array();
	for (size_t i = 0; i < r->npriorities; i++)
		json_array_append_new(a, json_pack("{s:o,s:I,s:I,s:I}",
		    "priority", str(r->priorities[i].name), "opened",
		    (json_int_t)r->priorities[i].opened, "resolved",
		    (json_int_t)r->priorities[i].resolved, "open",
		    (json_int_t)r->priorities[i].open));
	report_totals(r, &o, &re, &op);
	json_object_set_new(j, "tickets", json_pack("{s:o,s:I,s:I,s:I}",
	    "by_priority", a, "opened", (json_int_t)o, "resolved",
	    (json_int_t)re, "open", (json_int_t)op));
	a = json_object();
	for (size_t i = 0; i < r->ntimers; i++) {
		const struct report_timer *t = &r->timers[i];
		long long all = t->met + t->breached + t->running;

		json_object_set_new(a, t->name, json_pack("{s:I,s:I,s:I,s:o}",
		    "met", (json_int_t)t->met, "breached",
		    (json_int_t)t->breached, "running", (json_int_t)t->running,
		    "met_percent", all ? json_real((double)(long long)(1000.0 *
		    (double)t->met / (double)all + 0.5) / 10.0) :
		    json_null()));
	}
	json_object_set_new(j, "sla", a);
	a = json_array();
	for (size_t i = 0; i < r->nbreaches; i++) {
		const struct report_breach *b = &r->breaches[i];

		json_array_append_new(a, json_pack("{s:o,s:o,s:o,s:o,s:o,s:I,"
		    "s:b}", "number", str(b->number), "subject", str(b->subject),
		    "priority", str(b->priority), "timer", str(b->timer),
		    "due_at", iso(b->due_at), "late_seconds",
		    (json_int_t)b->late_seconds, "met", b->met));
	}
	json_object_set_new(j, "breaches", a);
	json_object_set_new(j, "breaches_total",
	    json_integer(r->breaches_total));
	rc = report_basis(&basis, r);
	json_object_set_new(j, "times", json_pack("{s:o,s:o,s:b,s:o}",
	    "acknowledge", duration(&r->acknowledge), "resolve",
	    duration(&r->resolve), "business_time", r->ncalendars > 0,
	    "basis", str(buf_str(&basis))));
	buf_free(&basis);
	a = json_array();
	for (size_t i = 0; i < r->nincidents; i++) {
		const struct report_incident *n = &r->incidents[i];

		json_array_append_new(a, json_pack("{s:o,s:o,s:o,s:o,s:o}",
		    "number", str(n->number), "subject", str(n->subject),
		    "created_at", iso(n->created_at), "resolved_at",
		    iso(n->resolved_at), "rca", str(n->rca)));
	}
	json_object_set_new(j, "p1_incidents", a);
	json_object_set_new(j, "p1_incidents_total",
	    json_integer(r->incidents_total));
	a = json_array();
	for (size_t i = 0; i < r->ntimes; i++)
		json_array_append_new(a, json_pack("{s:o,s:o,s:I}", "number",
		    str(r->times[i].number), "subject", str(r->times[i].subject),
		    "minutes", (json_int_t)r->times[i].minutes));
	json_object_set_new(j, "time_worked", a);
	json_object_set_new(j, "time_worked_tickets",
	    json_integer(r->time_tickets));
	json_object_set_new(j, "time_worked_minutes",
	    json_integer(r->time_minutes));
	json_object_set_new(j, "weeks", buckets(r->weeks, r->nweeks));
	if (r->kind == REPORT_QUARTERLY)
		json_object_set_new(j, "months", buckets(r->months,
		    r->nmonths));
	s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (rc == 0)
		rc = s ? buf_addstr(out, s) : GC_ELIMIT;
	rc = rc ? rc : buf_addc(out, '\n');
	free(s);
	return rc ? GC_ELIMIT : 0;
}
