/*
 * report_text.c - the report as plain text (the mail's text part) and as
 * CSV (its attachment, for spreadsheets)
 *
 * A subject comes from mail: in text its control characters become
 * spaces; in CSV every cell is quoted when it must be, and a cell a
 * spreadsheet would run as a formula (first character = + - @, TAB or
 * CR) starts with an apostrophe.
 */
#include "notify/report_int.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"

/* ----- Text ------------------------------------------------------- */

/* s with controls as spaces, cut to max bytes on a character boundary. */
static int
add_clean(struct buf *out, const char *s, size_t max)
{
	size_t n = strlen(s);
	int rc = 0;

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = buf_addc(out, (unsigned char)s[i] < 0x20 ||
		    s[i] == 0x7f ? ' ' : s[i]);
	if (rc == 0 && n < strlen(s))
		rc = buf_addstr(out, "...");
	return rc;
}

static int
heading(struct buf *out, const char *title)
{
	size_t n = 0;
	int rc = buf_printf(out, "\n%s\n", title);

	for (const char *p = title; *p; p++)
		n += ((unsigned char)*p & 0xC0) != 0x80;
	while (rc == 0 && n-- > 0)
		rc = buf_addc(out, '-');
	return rc ? rc : buf_addc(out, '\n');
}

static int
text_times(struct buf *out, const struct report *r,
    const struct report_words *w)
{
	const struct report_duration *d[2] = { &r->acknowledge, &r->resolve };
	const char *names[2] = { w->to_ack, w->to_resolve };
	char a[32], b[32], c[32];
	int rc = heading(out, w->times);

	for (int i = 0; i < 2 && rc == 0; i++) {
		report_duration_text(a, sizeof(a), w, d[i]->mean);
		report_duration_text(b, sizeof(b), w, d[i]->median);
		report_duration_text(c, sizeof(c), w, d[i]->p90);
		rc = buf_printf(out, "%s: %s %lld, %s %s, %s %s, %s %s\n",
		    names[i], w->measured, d[i]->count, w->mean, a, w->median,
		    b, w->p90, c);
	}
	if (rc == 0)
		rc = report_basis(out, r);
	return rc ? rc : buf_addc(out, '\n');
}

static int
text_breaches(struct buf *out, const struct report *r,
    const struct report_words *w)
{
	char due[32], late[32];
	int rc = heading(out, w->breaches);

	if (rc == 0 && r->nbreaches == 0)
		rc = buf_printf(out, "%s\n", w->no_breach);
	for (size_t i = 0; i < r->nbreaches && rc == 0; i++) {
		const struct report_breach *b = &r->breaches[i];

		report_time_text(due, sizeof(due), b->due_at);
		report_duration_text(late, sizeof(late), w,
		    (double)b->late_seconds);
		rc = buf_printf(out, "%s %s %s, %s %s, %s %s (%s): ",
		    b->number, b->priority, report_timer_label(w, b->timer),
		    w->due, due, w->late_by, late, b->met ? w->late_met :
		    w->late_open);
		if (rc == 0)
			rc = add_clean(out, b->subject, 200);
		if (rc == 0)
			rc = buf_addc(out, '\n');
	}
	return rc ? rc : report_more(out, w, r->breaches_total, r->nbreaches,
	    "", "\n");
}

static int
text_incidents(struct buf *out, const struct report *r,
    const struct report_words *w)
{
	char at[32], res[32];
	int rc = heading(out, w->incidents);

	if (rc == 0 && r->nincidents == 0)
		rc = buf_printf(out, "%s\n", w->no_incident);
	for (size_t i = 0; i < r->nincidents && rc == 0; i++) {
		const struct report_incident *n = &r->incidents[i];

		report_time_text(at, sizeof(at), n->created_at);
		if (n->resolved_at)
			report_time_text(res, sizeof(res), n->resolved_at);
		rc = buf_printf(out, "%s %s %s, %s %s, %s %s: ", n->number,
		    w->opened_at, at, w->resolved_at, n->resolved_at ? res :
		    "-",
		    w->rca, report_rca_label(w, n->rca));
		if (rc == 0)
			rc = add_clean(out, n->subject, 200);
		if (rc == 0)
			rc = buf_addc(out, '\n');
	}
	return rc ? rc : report_more(out, w, r->incidents_total,
	    r->nincidents, "", "\n");
}

/* Time worked (#time), when agents logged any in the period. */
static int
text_worked(struct buf *out, const struct report *r,
    const struct report_words *w)
{
	char m[32];
	int rc;

	if (r->time_tickets == 0)
		return 0;
	minutes_text(m, sizeof(m), r->time_minutes);
	rc = heading(out, w->worked);
	rc = rc ? rc : buf_printf(out, "%s: %s\n", w->worked_total, m);
	for (size_t i = 0; i < r->ntimes && rc == 0; i++) {
		minutes_text(m, sizeof(m), r->times[i].minutes);
		rc = buf_printf(out, "%s %10s  ", r->times[i].number, m);
		if (rc == 0)
			rc = add_clean(out, r->times[i].subject, 200);
		if (rc == 0)
			rc = buf_addc(out, '\n');
	}
	return rc ? rc : report_more(out, w, r->time_tickets,
	    r->ntimes, "", "\n");
}

int
report_render_text(struct buf *out, const struct report *r)
{
	const struct report_words *w = report_words(r);
	long long to, tr, top;
	char asof[32], p[3][24];
	int rc;

	report_time_text(asof, sizeof(asof), r->as_of);
	rc = report_title(out, r);
	rc = rc ? rc : buf_printf(out, "\n%s: %s (%s)\n%s: %s\n%s %s\n",
	    w->period, r->period, r->time_zone, w->plan, r->plan, w->as_of,
	    asof);
	if (rc == 0 && report_empty(r))
		rc = buf_printf(out, "\n%s\n", w->empty);
	rc = rc ? rc : heading(out, w->tickets);
	rc = rc ? rc : buf_printf(out, "%-10s %10s %10s %14s\n", w->priority,
	    w->opened, w->resolved, w->open);
	for (size_t i = 0; i < r->npriorities && rc == 0; i++)
		rc = buf_printf(out, "%-10s %10lld %10lld %14lld\n",
		    r->priorities[i].name, r->priorities[i].opened,
		    r->priorities[i].resolved, r->priorities[i].open);
	report_totals(r, &to, &tr, &top);
	rc = rc ? rc : buf_printf(out, "%-10s %10lld %10lld %14lld\n",
	    w->total, to, tr, top);
	rc = rc ? rc : heading(out, w->sla);
	for (size_t i = 0; i < r->ntimers && rc == 0; i++) {
		const struct report_timer *t = &r->timers[i];
		long long all = t->met + t->breached + t->running;

		report_percent(p[0], sizeof(p[0]), t->met, all);
		report_percent(p[1], sizeof(p[1]), t->breached, all);
		report_percent(p[2], sizeof(p[2]), t->running, all);
		rc = buf_printf(out, "%s: %s %lld (%s), %s %lld (%s), %s %lld "
		    "(%s)\n", report_timer_label(w, t->name), w->met, t->met,
		    p[0], w->breached, t->breached, p[1], w->running,
		    t->running, p[2]);
	}
	rc = rc ? rc : text_breaches(out, r, w);
	rc = rc ? rc : text_times(out, r, w);
	rc = rc ? rc : text_incidents(out, r, w);
	rc = rc ? rc : text_worked(out, r, w);
	rc = rc ? rc : heading(out, w->chart);
	for (size_t i = 0; i < r->nweeks && rc == 0; i++)
		rc = buf_printf(out, "%s %s: %s %lld, %s %lld\n", w->week_of,
		    r->weeks[i].label, w->tickets, r->weeks[i].opened,
		    w->breaches, r->weeks[i].breached);
	if (rc == 0 && r->nmonths > 0)
		rc = heading(out, w->trend);
	for (size_t i = 0; i < r->nmonths && rc == 0; i++) {
		const struct report_bucket *m = &r->months[i];

		report_percent(p[0], sizeof(p[0]), m->met, m->met +
		    m->breached);
		rc = buf_printf(out, "%s: %s %lld, %s %lld, %s %lld, %s %s\n",
		    m->label, w->opened, m->opened, w->resolved, m->resolved,
		    w->breaches, m->breached, w->compliance, p[0]);
	}
	return rc ? GC_ELIMIT : 0;
}

/* ----- CSV -------------------------------------------------------- */

static int
cell(struct buf *out, const char *s, bool first)
{
	bool quote = strpbrk(s, ",;\"\r\n\t") != NULL;
	bool formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
	int rc = first ? 0 : buf_addc(out, ',');

	if (rc == 0 && (quote || formula))
		rc = buf_addc(out, '"');
	if (rc == 0 && formula)
		rc = buf_addc(out, '\'');
	for (const char *p = s; *p && rc == 0; p++)
		rc = *p == '"' ? buf_addstr(out, "\"\"") :
		    (unsigned char)*p < 0x20 && *p != '\t' && *p != '\r' &&
		    *p != '\n' ? buf_addc(out, ' ') : buf_addc(out, *p);
	if (rc == 0 && (quote || formula))
		rc = buf_addc(out, '"');
	return rc;
}

/* One row of n cells. */
static int
row(struct buf *out, size_t n, const char *const *v)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = cell(out, v[i], i == 0);
	return rc ? rc : buf_addstr(out, "\r\n");
}

#define ROW(...) do { \
	const char *v_[] = { __VA_ARGS__ }; \
	if (rc == 0) \
		rc = row(out, sizeof(v_) / sizeof(v_[0]), v_); \
} while (0)

static const char *
num(char *b, size_t len, long long v)
{
	snprintf(b, len, "%lld", v);
	return b;
}

static const char *
secs(char *b, size_t len, double v)
{
	if (v < 0)
		return "";
	snprintf(b, len, "%.0f", v);
	return b;
}

int
report_render_csv(struct buf *out, const struct report *r)
{
	char a[32], b[32], c[32], d[32], e[32];
	int rc = 0;

	ROW("section", "organisation", "period", "time_zone", "as_of");
	report_time_text(a, sizeof(a), r->as_of);
	ROW("report", r->organisation, r->period, r->time_zone, a);
	ROW("section", "priority", "opened", "resolved", "open");
	for (size_t i = 0; i < r->npriorities; i++)
		ROW("tickets", r->priorities[i].name, num(a, 32,
		    r->priorities[i].opened), num(b, 32,
		    r->priorities[i].resolved), num(c, 32,
		    r->priorities[i].open));
	ROW("section", "timer", "met", "breached", "running");
	for (size_t i = 0; i < r->ntimers; i++)
		ROW("sla", r->timers[i].name, num(a, 32, r->timers[i].met),
		    num(b, 32, r->timers[i].breached), num(c, 32,
		    r->timers[i].running));
	ROW("section", "measure", "count", "mean_seconds", "median_seconds",
	    "p90_seconds");
	ROW("times", "acknowledge", num(a, 32, r->acknowledge.count),
	    secs(b, 32, r->acknowledge.mean), secs(c, 32,
	    r->acknowledge.median), secs(d, 32, r->acknowledge.p90));
	ROW("times", "resolve", num(a, 32, r->resolve.count),
	    secs(b, 32, r->resolve.mean), secs(c, 32, r->resolve.median),
	    secs(d, 32, r->resolve.p90));
	ROW("section", "ticket", "priority", "timer", "due_at",
	    "late_seconds", "subject");
	for (size_t i = 0; i < r->nbreaches; i++) {
		const struct report_breach *x = &r->breaches[i];

		time_iso8601(a, sizeof(a), x->due_at);
		ROW("breach", x->number, x->priority, x->timer, a,
		    num(b, 32, x->late_seconds), x->subject);
	}
	ROW("section", "ticket", "created_at", "resolved_at", "rca",
	    "subject");
	for (size_t i = 0; i < r->nincidents; i++) {
		const struct report_incident *x = &r->incidents[i];

		time_iso8601(a, sizeof(a), x->created_at);
		if (x->resolved_at)
			time_iso8601(b, sizeof(b), x->resolved_at);
		ROW("incident", x->number, a, x->resolved_at ? b : "",
		    x->rca, x->subject);
	}
	if (r->time_tickets > 0) {
		ROW("section", "ticket", "minutes", "subject");
		for (size_t i = 0; i < r->ntimes; i++)
			ROW("time", r->times[i].number, num(a, 32,
			    r->times[i].minutes), r->times[i].subject);
		ROW("time_total", num(a, 32, r->time_tickets), num(b, 32,
		    r->time_minutes), "");
	}
	ROW("section", "start", "opened", "resolved", "breached", "met");
	for (size_t i = 0; i < r->nweeks; i++)
		ROW("week", r->weeks[i].label, num(a, 32, r->weeks[i].opened),
		    num(b, 32, r->weeks[i].resolved), num(c, 32,
		    r->weeks[i].breached), num(d, 32, r->weeks[i].met));
	for (size_t i = 0; i < r->nmonths; i++)
		ROW("month", r->months[i].label, num(a, 32,
		    r->months[i].opened), num(b, 32, r->months[i].resolved),
		    num(c, 32, r->months[i].breached), num(e, 32,
		    r->months[i].met));
	return rc ? GC_ELIMIT : 0;
}
