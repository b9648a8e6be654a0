/*
 * report_int.h - what the report's renderers share: the words of each
 * language, durations and percentages as text
 *
 * For notify/report*.c only.
 */
#ifndef GC_NOTIFY_REPORT_INT_H
#define GC_NOTIFY_REPORT_INT_H

#include "notify/report.h"

struct report_words {
	const char *monthly, *quarterly, *organisation, *plan, *period,
	    *as_of, *tickets, *priority, *opened, *resolved, *open, *total,
	    *sla, *timer, *met, *breached, *running, *breaches, *ticket,
	    *subject, *due, *late_by, *late_met, *late_open, *times,
	    *to_ack, *to_resolve, *measured, *mean, *median, *p90,
	    *business, *wall, *around_clock, *incidents, *rca, *chart,
	    *week_of, *trend, *month, *compliance, *empty, *more, *none,
	    *no_breach, *no_incident, *day_unit, *opened_at, *resolved_at,
	    *worked, *worked_total;
	const char *timer_names[REPORT_MAX_TIMERS][2];   /* key, label */
	const char *rca_states[4][2];
};

const struct report_words *report_words(const struct report *r);
/* The label of a timer or an RCA state (the key itself when unknown). */
const char *report_timer_label(const struct report_words *w,
    const char *name);
const char *report_rca_label(const struct report_words *w,
    const char *state);

/* "2 h 05", "45 min", "3 d 4 h" (the day unit of the language); "-" for
 * a negative duration. */
void report_duration_text(char *out, size_t len,
    const struct report_words *w, double seconds);
/* "and N more" between before and after when a list of listed rows
 * leaves out some of total; nothing otherwise. 0 or GC_ELIMIT. */
int report_more(struct buf *out, const struct report_words *w,
    long long total, size_t listed, const char *before, const char *after);
/* part of whole as "12.5 %", or "-" when whole is 0. */
void report_percent(char *out, size_t len, long long part,
    long long whole);
/* "2026-11-03 14:00 UTC" */
void report_time_text(char *out, size_t len, time_t t);

/* The sentence saying on which clock durations are counted. */
int report_basis(struct buf *out, const struct report *r);

int report_render_text(struct buf *out, const struct report *r);
int report_render_csv(struct buf *out, const struct report *r);
int report_render_html(struct buf *out, const struct report *r);
int report_render_json(struct buf *out, const struct report *r);

#endif
