/*
 * report.c - the report's words in French and English and its figures as
 * text, shared by the renderers (see report_int.h)
 *
 * The renderers are report_text.c (text and CSV), report_html.c (the
 * page and its chart) and report_json.c; report_render.c chooses one.
 */
#include "notify/report_int.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

static const struct report_words en = {
	.monthly = "Monthly report", .quarterly = "Quarterly review",
	.organisation = "Organisation", .plan = "Plan", .period = "Period",
	.as_of = "Figures as of", .tickets = "Tickets",
	.priority = "Priority", .opened = "Opened", .resolved = "Resolved",
	.open = "Still open", .total = "Total", .sla = "SLA compliance",
	.timer = "Target", .met = "Met", .breached = "Breached",
	.running = "Running", .breaches = "Breaches", .ticket = "Ticket",
	.subject = "Subject", .due = "Due", .late_by = "Late by",
	.late_met = "met late", .late_open = "still not met",
	.times = "Response times", .to_ack = "Time to acknowledge",
	.to_resolve = "Time to resolve", .measured = "Measured",
	.mean = "Mean", .median = "Median", .p90 = "90th percentile",
	.business = "Durations are business time: calendar",
	.wall = "Durations are elapsed time.",
	.around_clock = "around the clock",
	.incidents = "P1 incidents", .rca = "Root-cause analysis",
	.chart = "Tickets and breaches per week", .week_of = "Week of",
	.trend = "Trend over the quarter", .month = "Month",
	.compliance = "Compliance",
	.empty = "No ticket in this period.", .more = "and %lld more",
	.none = "none", .no_breach = "No breach in this period.",
	.no_incident = "No P1 incident in this period.", .day_unit = "d",
	.opened_at = "Opened", .resolved_at = "Resolved",
	.worked = "Time worked", .worked_total = "Time worked, all tickets",
	.timer_names = { { "acknowledge", "Acknowledge" },
		{ "workaround", "Workaround" }, { "resolve", "Resolve" },
		{ "update", "Update" }, { "rca", "Root-cause analysis" } },
	.rca_states = { { "sent", "sent" }, { "late", "late" },
		{ "due", "due" }, { "none", "not due" } },
};

static const struct report_words fr = {
	.monthly = "Rapport mensuel", .quarterly = "Revue trimestrielle",
	.organisation = "Organisation", .plan = "Offre",
	.period = "P\u00e9riode", .as_of = "Chiffres arr\u00eat\u00e9s au",
	.tickets = "Tickets", .priority = "Priorit\u00e9",
	.opened = "Ouverts", .resolved = "R\u00e9solus",
	.open = "Encore ouverts", .total = "Total",
	.sla = "Respect des engagements (SLA)", .timer = "Engagement",
	.met = "Respect\u00e9s", .breached = "D\u00e9pass\u00e9s",
	.running = "En cours", .breaches = "D\u00e9passements",
	.ticket = "Ticket", .subject = "Objet",
	.due = "\u00c9ch\u00e9ance", .late_by = "Retard",
	.late_met = "tenu en retard", .late_open = "toujours pas tenu",
	.times = "D\u00e9lais", .to_ack = "D\u00e9lai de prise en compte",
	.to_resolve = "D\u00e9lai de r\u00e9solution",
	.measured = "Mesur\u00e9s", .mean = "Moyenne",
	.median = "M\u00e9diane", .p90 = "90e centile",
	.business = "Les dur\u00e9es sont en temps ouvr\u00e9 : calendrier",
	.wall = "Les dur\u00e9es sont en temps \u00e9coul\u00e9.",
	.around_clock = "24 h sur 24",
	.incidents = "Incidents P1", .rca = "Analyse des causes",
	.chart = "Tickets et d\u00e9passements par semaine",
	.week_of = "Semaine du", .trend = "Tendance du trimestre",
	.month = "Mois", .compliance = "Respect",
	.empty = "Aucun ticket sur cette p\u00e9riode.",
	.more = "et %lld de plus", .none = "aucun",
	.no_breach = "Aucun d\u00e9passement sur cette p\u00e9riode.",
	.no_incident = "Aucun incident P1 sur cette p\u00e9riode.",
	.day_unit = "j", .opened_at = "Ouvert le",
	.resolved_at = "R\u00e9solu le",
	.worked = "Temps pass\u00e9",
	.worked_total = "Temps pass\u00e9, tous tickets",
	.timer_names = { { "acknowledge", "Prise en compte" },
		{ "workaround", "Contournement" },
		{ "resolve", "R\u00e9solution" },
		{ "update", "Point d'avancement" },
		{ "rca", "Analyse des causes" } },
	.rca_states = { { "sent", "envoy\u00e9e" },
		{ "late", "en retard" }, { "due", "attendue" },
		{ "none", "pas encore due" } },
};

const struct report_words *
report_words(const struct report *r)
{
	return r->language && strcmp(r->language, "fr") == 0 ? &fr : &en;
}

const char *
report_timer_label(const struct report_words *w, const char *name)
{
	for (size_t i = 0; i < REPORT_MAX_TIMERS; i++)
		if (strcmp(w->timer_names[i][0], name) == 0)
			return w->timer_names[i][1];
	return name;
}

const char *
report_rca_label(const struct report_words *w, const char *state)
{
	for (size_t i = 0; i < 4; i++)
		if (strcmp(w->rca_states[i][0], state) == 0)
			return w->rca_states[i][1];
	return state;
}

void
report_duration_text(char *out, size_t len, const struct report_words *w,
    double seconds)
{
	long long s = (long long)(seconds + 0.5);

	if (seconds < 0)
		snprintf(out, len, "-");
	else if (s < 60)
		snprintf(out, len, "%lld s", s);
	else if (s < 3600)
		snprintf(out, len, "%lld min", s / 60);
	else if (s < 86400)
		snprintf(out, len, "%lld h %02lld", s / 3600, s % 3600 / 60);
	else
		snprintf(out, len, "%lld %s %lld h", s / 86400, w->day_unit,
		    s % 86400 / 3600);
}

int
report_more(struct buf *out, const struct report_words *w,
    long long total, size_t listed, const char *before, const char *after)
{
	if (total <= (long long)listed)
		return 0;
	return buf_addstr(out, before) || buf_printf(out, w->more, total -
	    (long long)listed) || buf_addstr(out, after) ? GC_ELIMIT : 0;
}

void
report_percent(char *out, size_t len, long long part, long long whole)
{
	if (whole <= 0)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.1f %%", 100.0 * (double)part /
		    (double)whole);
}

void
report_time_text(char *out, size_t len, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M UTC", &tm);
}

void
report_totals(const struct report *r, long long *opened,
    long long *resolved, long long *open)
{
	*opened = *resolved = *open = 0;
	for (size_t i = 0; i < r->npriorities; i++) {
		*opened += r->priorities[i].opened;
		*resolved += r->priorities[i].resolved;
		*open += r->priorities[i].open;
	}
}

bool
report_empty(const struct report *r)
{
	long long o, re, op;

	report_totals(r, &o, &re, &op);
	return o == 0 && re == 0 && op == 0;
}

int
report_basis(struct buf *out, const struct report *r)
{
	const struct report_words *w = report_words(r);
	int rc = 0;

	bool all_always = true;

	for (size_t i = 0; i < r->ncalendars; i++)
		all_always &= strcmp(r->calendars[i].hours, "24/7") == 0;
	/* around the clock, business time is elapsed time: say that */
	if (r->ncalendars == 0 || all_always)
		return buf_addstr(out, w->wall);
	rc |= buf_addstr(out, w->business);
	for (size_t i = 0; i < r->ncalendars; i++) {
		const struct report_calendar *c = &r->calendars[i];
		bool always = strcmp(c->hours, "24/7") == 0;

		rc |= buf_printf(out, "%s %s (%s%s%s)", i ? "," : "", c->name,
		    always ? w->around_clock : c->hours, always ? "" : ", ",
		    always ? "" : c->time_zone);
	}
	rc |= buf_addc(out, '.');
	return rc ? GC_ELIMIT : 0;
}

int
report_title(struct buf *out, const struct report *r)
{
	const struct report_words *w = report_words(r);

	return buf_printf(out, "%s %s - %s", r->kind == REPORT_QUARTERLY ?
	    w->quarterly : w->monthly, r->period, r->organisation) ?
	    GC_ELIMIT : 0;
}
