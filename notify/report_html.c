/*
 * report_html.c - the report as one self-contained HTML page: inline
 * CSS, and a bar chart of tickets and breaches per week drawn here as
 * inline SVG (a group per week, one bar of each); no script, no URL
 *
 * Everything that is not ours (subjects, names, labels) goes through
 * compose_html_escape(). Elements carry ids, classes and data-*
 * attributes with the raw figures so that a reader (or a test in a
 * browser) finds each one without parsing the wording.
 */
#include "notify/report_int.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/util.h"
#include "notify/compose.h"

#define CHART_W 640
#define CHART_H 240
#define PLOT_X 44
#define PLOT_Y 16
#define PLOT_W (CHART_W - PLOT_X - 12)
#define PLOT_H (CHART_H - PLOT_Y - 44)

static const char style[] =
	"body{font-family:sans-serif;color:#1d2733;background:#fff;"
	"max-width:60em;margin:2em auto;padding:0 1em;line-height:1.4}"
	"h1{font-size:1.6em;border-bottom:3px solid #2a6f97;"
	"padding-bottom:.3em}"
	"h2{font-size:1.2em;color:#2a6f97;margin-top:1.6em}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"th,td{border:1px solid #c9d3dd;padding:.25em .6em;text-align:left}"
	"td.n{text-align:right}"
	"tr.total th,tr.total td{font-weight:bold;background:#eef3f7}"
	".meta{color:#4b5b6b}.empty{font-size:1.1em;color:#8a4b08}"
	"small{color:#4b5b6b}"
	"svg text{font-size:11px;fill:#4b5b6b}"
	"rect.tickets{fill:#2a6f97}rect.breaches{fill:#c8553d}";

static int
esc(struct buf *out, const char *s)
{
	return compose_html_escape(out, s, strlen(s));
}

/* An element <tag attrs>text</tag>, text escaped; attrs are ours. */
static int
elem(struct buf *out, const char *tag, const char *attrs, const char *text)
{
	int rc = buf_printf(out, "<%s%s%s>", tag, attrs[0] ? " " : "", attrs);

	rc = rc ? rc : esc(out, text);
	return rc ? rc : buf_printf(out, "</%s>", tag);
}

/* <table id="id"><tr> and a heading cell per heads[i], escaped. */
static int
table_head(struct buf *out, const char *id, const char *const *heads,
    size_t n)
{
	int rc = buf_printf(out, "<table id=\"%s\"><tr>", id);

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = elem(out, "th", "", heads[i]);
	return rc ? rc : buf_addstr(out, "</tr>");
}

#define HEAD(out, id, ...) do { \
	const char *h_[] = { __VA_ARGS__ }; \
	rc = table_head(out, id, h_, sizeof(h_) / sizeof(h_[0])); \
} while (0)

static int
num_cell(struct buf *out, const char *cls, long long v)
{
	return buf_printf(out, "<td class=\"n %s\" data-value=\"%lld\">%lld"
	    "</td>", cls, v, v);
}

static int
tickets_table(struct buf *out, const struct report *r,
    const struct report_words *w)
{
	long long o, re, op;
	int rc;

	HEAD(out, "tickets", w->priority, w->opened, w->resolved, w->open);
	for (size_t i = 0; i < r->npriorities && rc == 0; i++) {
		const struct report_priority *p = &r->priorities[i];

		rc = buf_addstr(out, "<tr data-priority=\"");
		rc = rc ? rc : esc(out, p->name);
		rc = rc ? rc : buf_addstr(out, "\">");
		rc = rc ? rc : elem(out, "th", "", p->name);
		rc = rc ? rc : num_cell(out, "opened", p->opened);
		rc = rc ? rc : num_cell(out, "resolved", p->resolved);
		rc = rc ? rc : num_cell(out, "open", p->open);
		rc = rc ? rc : buf_addstr(out, "</tr>");
	}
	report_totals(r, &o, &re, &op);
	rc = rc ? rc : buf_addstr(out, "<tr class=\"total\">");
	rc = rc ? rc : elem(out, "th", "", w->total);
	rc = rc ? rc : num_cell(out, "opened", o);
	rc = rc ? rc : num_cell(out, "resolved", re);
	rc = rc ? rc : num_cell(out, "open", op);
	return rc ? rc : buf_addstr(out, "</tr></table>");
}

static int
share_cell(struct buf *out, const char *cls, long long v, long long all)
{
	char p[24];

	report_percent(p, sizeof(p), v, all);
	return buf_printf(out, "<td class=\"n %s\" data-value=\"%lld\">%lld "
	    "<small>(%s)</small></td>", cls, v, v, p);
}

static int
sla_table(struct buf *out, const struct report *r,
    const struct report_words *w)
{
	int rc;

	HEAD(out, "sla", w->timer, w->met, w->breached, w->running);
	for (size_t i = 0; i < r->ntimers && rc == 0; i++) {
		const struct report_timer *t = &r->timers[i];
		long long all = t->met + t->breached + t->running;

		rc = buf_printf(out, "<tr data-timer=\"%s\">", t->name);
		rc = rc ? rc : elem(out, "th", "",
		    report_timer_label(w, t->name));
		rc = rc ? rc : share_cell(out, "met", t->met, all);
		rc = rc ? rc : share_cell(out, "breached", t->breached, all);
		rc = rc ? rc : share_cell(out, "running", t->running, all);
		rc = rc ? rc : buf_addstr(out, "</tr>");
	}
	return rc ? rc : buf_addstr(out, "</table>");
}

static int
breach_table(struct buf *out, const struct report *r,
    const struct report_words *w)
{
	char due[32], late[32];
	int rc;

	if (r->nbreaches == 0)
		return elem(out, "p", "id=\"no-breach\"", w->no_breach);
	HEAD(out, "breaches", w->ticket, w->priority, w->timer, w->due,
	    w->late_by, w->subject);
	for (size_t i = 0; i < r->nbreaches && rc == 0; i++) {
		const struct report_breach *b = &r->breaches[i];

		report_time_text(due, sizeof(due), b->due_at);
		report_duration_text(late, sizeof(late), w,
		    (double)b->late_seconds);
		rc = buf_addstr(out, "<tr class=\"breach\">");
		rc = rc ? rc : elem(out, "td", "class=\"ticket\"", b->number);
		rc = rc ? rc : elem(out, "td", "", b->priority);
		rc = rc ? rc : buf_printf(out, "<td data-timer=\"%s\">",
		    b->timer);
		rc = rc ? rc : esc(out, report_timer_label(w, b->timer));
		rc = rc ? rc : buf_addstr(out, "</td>");
		rc = rc ? rc : elem(out, "td", "", due);
		rc = rc ? rc : buf_printf(out, "<td class=\"late\" "
		    "data-seconds=\"%lld\">", b->late_seconds);
		rc = rc ? rc : esc(out, late);
		rc = rc ? rc : buf_addstr(out, " <small>(");
		rc = rc ? rc : esc(out, b->met ? w->late_met : w->late_open);
		rc = rc ? rc : buf_addstr(out, ")</small></td>");
		rc = rc ? rc : elem(out, "td", "class=\"subject\"", b->subject);
		rc = rc ? rc : buf_addstr(out, "</tr>");
	}
	rc = rc ? rc : buf_addstr(out, "</table>");
	return rc ? rc : report_more(out, w, r->breaches_total, r->nbreaches,
	    "<p class=\"more\">", "</p>");
}

static int
times_table(struct buf *out, const struct report *r,
    const struct report_words *w)
{
	const struct report_duration *d[2] = { &r->acknowledge, &r->resolve };
	const char *keys[2] = { "acknowledge", "resolve" };
	const char *names[2] = { w->to_ack, w->to_resolve };
	int rc;

	HEAD(out, "times", "", w->measured, w->mean, w->median, w->p90);
	for (int i = 0; i < 2 && rc == 0; i++) {
		const double v[3] = { d[i]->mean, d[i]->median, d[i]->p90 };
		const char *cls[3] = { "mean", "median", "p90" };

		rc = buf_printf(out, "<tr data-measure=\"%s\">", keys[i]);
		rc = rc ? rc : elem(out, "th", "", names[i]);
		rc = rc ? rc : num_cell(out, "count", d[i]->count);
		for (int k = 0; k < 3 && rc == 0; k++) {
			char t[32];

			report_duration_text(t, sizeof(t), w, v[k]);
			rc = buf_printf(out, "<td class=\"n %s\" "
			    "data-seconds=\"%.0f\">", cls[k], v[k] < 0 ? -1 :
			    v[k]);
			rc = rc ? rc : esc(out, t);
			rc = rc ? rc : buf_addstr(out, "</td>");
		}
		rc = rc ? rc : buf_addstr(out, "</tr>");
	}
	rc = rc ? rc : buf_addstr(out, "</table><p id=\"basis\">");
	if (rc == 0) {
		struct buf b = BUF_INIT(4096);

		rc = report_basis(&b, r);
		rc = rc ? rc : esc(out, buf_str(&b));
		buf_free(&b);
	}
	return rc ? rc : buf_addstr(out, "</p>");
}

static int
incident_table(struct buf *out, const struct report *r,
    const struct report_words *w)
{
	char at[32], res[32];
	int rc;

	if (r->nincidents == 0)
		return elem(out, "p", "id=\"no-incident\"", w->no_incident);
	HEAD(out, "incidents", w->ticket, w->opened_at, w->resolved_at, w->rca,
	    w->subject);
	for (size_t i = 0; i < r->nincidents && rc == 0; i++) {
		const struct report_incident *n = &r->incidents[i];

		report_time_text(at, sizeof(at), n->created_at);
		if (n->resolved_at)
			report_time_text(res, sizeof(res), n->resolved_at);
		rc = buf_addstr(out, "<tr class=\"incident\">");
		rc = rc ? rc : elem(out, "td", "class=\"ticket\"", n->number);
		rc = rc ? rc : elem(out, "td", "", at);
		rc = rc ? rc : elem(out, "td", "", n->resolved_at ? res : "-");
		rc = rc ? rc : buf_printf(out, "<td class=\"rca\" "
		    "data-state=\"%s\">", n->rca);
		rc = rc ? rc : esc(out, report_rca_label(w, n->rca));
		rc = rc ? rc : buf_addstr(out, "</td>");
		rc = rc ? rc : elem(out, "td", "class=\"subject\"", n->subject);
		rc = rc ? rc : buf_addstr(out, "</tr>");
	}
	rc = rc ? rc : buf_addstr(out, "</table>");
	return rc ? rc : report_more(out, w, r->incidents_total,
	    r->nincidents, "<p class=\"more\">", "</p>");
}

/* Time worked (#time): no section when none was logged. */
static int
worked_table(struct buf *out, const struct report *r,
    const struct report_words *w)
{
	char m[32];
	int rc;

	minutes_text(m, sizeof(m), r->time_minutes);
	rc = buf_addstr(out, "<p id=\"worked-total\">");
	rc = rc ? rc : esc(out, w->worked_total);
	rc = rc ? rc : buf_addstr(out, ": ");
	rc = rc ? rc : esc(out, m);
	rc = rc ? rc : buf_addstr(out, "</p>");
	if (rc != 0)
		return rc;
	HEAD(out, "worked", w->ticket, w->worked, w->subject);
	for (size_t i = 0; i < r->ntimes && rc == 0; i++) {
		minutes_text(m, sizeof(m), r->times[i].minutes);
		rc = buf_addstr(out, "<tr class=\"worked\">");
		rc = rc ? rc : elem(out, "td", "class=\"ticket\"",
		    r->times[i].number);
		rc = rc ? rc : buf_printf(out, "<td class=\"n\" data-value="
		    "\"%lld\">", r->times[i].minutes);
		rc = rc ? rc : esc(out, m);
		rc = rc ? rc : buf_addstr(out, "</td>");
		rc = rc ? rc : elem(out, "td", "class=\"subject\"",
		    r->times[i].subject);
		rc = rc ? rc : buf_addstr(out, "</tr>");
	}
	rc = rc ? rc : buf_addstr(out, "</table>");
	return rc ? rc : report_more(out, w, r->time_tickets, r->ntimes,
	    "<p class=\"more\">", "</p>");
}

/* A bar of height value/max of the plot, x and width in pixels. */
static int
bar(struct buf *out, const char *cls, double x, double bw, long long v,
    long long max)
{
	double h = (double)PLOT_H * (double)v / (double)max;

	return buf_printf(out, "<rect class=\"%s\" data-value=\"%lld\" "
	    "x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>", cls, v,
	    x, (double)(PLOT_Y + PLOT_H) - h, bw, h);
}

static int
chart(struct buf *out, const struct report *r,
    const struct report_words *w)
{
	long long max = 1;
	/* a week is at most 120 px wide: one week alone is no wall */
	double gw = r->nweeks && PLOT_W / r->nweeks < 120 ?
	    (double)PLOT_W / (double)r->nweeks : 120;
	int rc;

	for (size_t i = 0; i < r->nweeks; i++) {
		if (r->weeks[i].opened > max)
			max = r->weeks[i].opened;
		if (r->weeks[i].breached > max)
			max = r->weeks[i].breached;
	}
	rc = buf_printf(out, "<svg id=\"weekly\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>",
	    CHART_W, CHART_H, CHART_W, CHART_H);
	rc = rc ? rc : esc(out, w->chart);
	rc = rc ? rc : buf_printf(out, "</title><line x1=\"%d\" y1=\"%d\" "
	    "x2=\"%d\" y2=\"%d\" stroke=\"#4b5b6b\"/><text x=\"%d\" y=\"%d\" "
	    "text-anchor=\"end\">%lld</text><text x=\"%d\" y=\"%d\" "
	    "text-anchor=\"end\">0</text>", PLOT_X, PLOT_Y + PLOT_H,
	    PLOT_X + PLOT_W, PLOT_Y + PLOT_H, PLOT_X - 6, PLOT_Y + 10, max,
	    PLOT_X - 6, PLOT_Y + PLOT_H);
	for (size_t i = 0; i < r->nweeks && rc == 0; i++) {
		const struct report_bucket *b = &r->weeks[i];
		double x = PLOT_X + gw * (double)i, bw = gw * 0.35;

		rc = buf_addstr(out, "<g class=\"week\" data-week=\"");
		rc = rc ? rc : esc(out, b->label);
		rc = rc ? rc : buf_addstr(out, "\">");
		rc = rc ? rc : bar(out, "tickets", x + gw * 0.12, bw,
		    b->opened, max);
		rc = rc ? rc : bar(out, "breaches", x + gw * 0.12 + bw, bw,
		    b->breached, max);
		rc = rc ? rc : buf_printf(out, "<text x=\"%.1f\" y=\"%d\" "
		    "text-anchor=\"middle\">", x + gw / 2,
		    PLOT_Y + PLOT_H + 16);
		/* "2026-11-02" shows as "11-02" */
		rc = rc ? rc : esc(out, strlen(b->label) > 5 ? b->label + 5 :
		    b->label);
		rc = rc ? rc : buf_addstr(out, "</text></g>");
	}
	rc = rc ? rc : buf_printf(out, "<rect x=\"%d\" y=\"%d\" width=\"10\" "
	    "height=\"10\" style=\"fill:#2a6f97\"/><text x=\"%d\" y=\"%d\">",
	    PLOT_X, CHART_H - 12, PLOT_X + 14, CHART_H - 3);
	rc = rc ? rc : esc(out, w->tickets);
	rc = rc ? rc : buf_printf(out, "</text><rect x=\"%d\" y=\"%d\" "
	    "width=\"10\" height=\"10\" style=\"fill:#c8553d\"/><text "
	    "x=\"%d\" y=\"%d\">", PLOT_X + 120, CHART_H - 12, PLOT_X + 134,
	    CHART_H - 3);
	rc = rc ? rc : esc(out, w->breaches);
	return rc ? rc : buf_addstr(out, "</text></svg>");
}

static int
trend_table(struct buf *out, const struct report *r,
    const struct report_words *w)
{
	int rc;

	HEAD(out, "trend", w->month, w->opened, w->resolved, w->breaches,
	    w->compliance);
	for (size_t i = 0; i < r->nmonths && rc == 0; i++) {
		const struct report_bucket *m = &r->months[i];
		char p[24];

		report_percent(p, sizeof(p), m->met, m->met + m->breached);
		rc = buf_addstr(out, "<tr data-month=\"");
		rc = rc ? rc : esc(out, m->label);
		rc = rc ? rc : buf_addstr(out, "\">");
		rc = rc ? rc : elem(out, "th", "", m->label);
		rc = rc ? rc : num_cell(out, "opened", m->opened);
		rc = rc ? rc : num_cell(out, "resolved", m->resolved);
		rc = rc ? rc : num_cell(out, "breached", m->breached);
		rc = rc ? rc : elem(out, "td", "class=\"n compliance\"", p);
		rc = rc ? rc : buf_addstr(out, "</tr>");
	}
	return rc ? rc : buf_addstr(out, "</table>");
}

static int
section(struct buf *out, const char *title)
{
	return elem(out, "h2", "", title);
}

/* What is inside <body>: the style, then every section. */
static int
body(struct buf *out, const struct report *r, const char *title)
{
	const struct report_words *w = report_words(r);
	char asof[32];
	int rc;

	report_time_text(asof, sizeof(asof), r->as_of);
	rc = buf_printf(out, "<style>%s</style>\n<h1>", style);
	rc = rc ? rc : esc(out, title);
	rc = rc ? rc : buf_addstr(out, "</h1>\n<p class=\"meta\">");
	rc = rc ? rc : esc(out, w->organisation);
	rc = rc ? rc : buf_addstr(out, " <b id=\"org\">");
	rc = rc ? rc : esc(out, r->organisation);
	rc = rc ? rc : buf_addstr(out, "</b> &middot; ");
	rc = rc ? rc : esc(out, w->plan);
	rc = rc ? rc : buf_addstr(out, " ");
	rc = rc ? rc : esc(out, r->plan);
	rc = rc ? rc : buf_addstr(out, " &middot; ");
	rc = rc ? rc : esc(out, w->period);
	rc = rc ? rc : buf_addstr(out, " <b id=\"period\">");
	rc = rc ? rc : esc(out, r->period);
	rc = rc ? rc : buf_addstr(out, "</b> (");
	rc = rc ? rc : esc(out, r->time_zone);
	rc = rc ? rc : buf_addstr(out, ") &middot; ");
	rc = rc ? rc : esc(out, w->as_of);
	rc = rc ? rc : buf_printf(out, " %s</p>\n", asof);
	if (rc == 0 && report_empty(r))
		rc = elem(out, "p", "id=\"empty\" class=\"empty\"", w->empty);
	rc = rc ? rc : section(out, w->tickets);
	rc = rc ? rc : tickets_table(out, r, w);
	rc = rc ? rc : section(out, w->chart);
	rc = rc ? rc : chart(out, r, w);
	rc = rc ? rc : section(out, w->sla);
	rc = rc ? rc : sla_table(out, r, w);
	rc = rc ? rc : section(out, w->breaches);
	rc = rc ? rc : breach_table(out, r, w);
	rc = rc ? rc : section(out, w->times);
	rc = rc ? rc : times_table(out, r, w);
	rc = rc ? rc : section(out, w->incidents);
	rc = rc ? rc : incident_table(out, r, w);
	if (rc == 0 && r->time_tickets > 0) {
		rc = section(out, w->worked);
		rc = rc ? rc : worked_table(out, r, w);
	}
	if (rc == 0 && r->nmonths > 0) {
		rc = section(out, w->trend);
		rc = rc ? rc : trend_table(out, r, w);
	}
	return rc;
}

int
report_render_html(struct buf *out, const struct report *r)
{
	struct buf title = BUF_INIT(1024);
	int rc = report_title(&title, r);

	rc = rc ? rc : buf_printf(out, "<!DOCTYPE html>\n<html lang=\"%s\">"
	    "<head><meta charset=\"utf-8\"><title>", r->language &&
	    strcmp(r->language, "fr") == 0 ? "fr" : "en");
	rc = rc ? rc : esc(out, buf_str(&title));
	rc = rc ? rc : buf_addstr(out, "</title></head><body>\n");
	rc = rc ? rc : body(out, r, buf_str(&title));
	rc = rc ? rc : buf_addstr(out, "\n</body></html>\n");
	buf_free(&title);
	return rc ? GC_ELIMIT : 0;
}

int
report_render_html_part(struct buf *out, const struct report *r)
{
	struct buf title = BUF_INIT(1024);
	int rc = report_title(&title, r);

	rc = rc ? rc : buf_addstr(out, "<div class=\"report\">");
	rc = rc ? rc : body(out, r, buf_str(&title));
	rc = rc ? rc : buf_addstr(out, "</div>");
	buf_free(&title);
	return rc ? GC_ELIMIT : 0;
}
