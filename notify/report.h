/*
 * report.h - an organisation's monthly or quarterly report, as figures,
 * and its renderings: text, CSV, HTML (one self-contained page) and JSON
 *
 * desk/report.c fills a struct report from the database; the functions
 * here only write it out, in the report's language (fr or en). They are
 * pure: no I/O, no clock (the instants are fields of the model), so that
 * a fixed model always renders to the same bytes.
 *
 * What came from mail (ticket subjects) is text of strangers: the HTML
 * escapes it, the CSV quotes it and prefixes a cell that a spreadsheet
 * would read as a formula (= + - @, TAB, CR) with an apostrophe, the
 * text drops its control characters, JSON encodes it. The HTML is one
 * file: inline CSS, an inline SVG chart (a bar of tickets and a bar of
 * breaches per week) drawn here, no script, no URL of any kind.
 *
 * Durations are seconds; a duration figure is < 0 when there is none.
 *
 * Ownership: the caller owns the model and every string it points at;
 * renderers append to the caller's struct buf, whose cap bounds the
 * output (GC_ELIMIT past it).
 */
#ifndef GC_NOTIFY_REPORT_H
#define GC_NOTIFY_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/mem.h"

#define REPORT_MAX_PRIORITIES 16
#define REPORT_MAX_TIMERS 5
#define REPORT_MAX_CALENDARS 8
#define REPORT_MAX_WEEKS 16     /* a quarter spans at most 15 */
#define REPORT_MAX_MONTHS 3
#define REPORT_MAX_ROWS 200     /* breaches and P1 incidents listed */

enum report_kind { REPORT_MONTHLY, REPORT_QUARTERLY };
enum report_format { REPORT_TEXT, REPORT_CSV, REPORT_HTML, REPORT_JSON };

struct report_priority {
	const char *name;             /* "P1" */
	long long opened;             /* created in the period */
	long long resolved;           /* resolved in the period */
	long long open;               /* still open at its end */
};

/* Timers met in the period, breached in it (their deadline passed), and
 * still running at its end. */
struct report_timer {
	const char *name;             /* "acknowledge", ... */
	long long met, breached, running;
};

struct report_breach {
	const char *number;           /* SUP-2026-000042 */
	const char *subject;          /* from mail */
	const char *priority;
	const char *timer;
	time_t due_at;
	long long late_seconds;       /* wall clock, at the period's end
	                                 when still not met */
	bool met;                     /* met late (else still not met) */
};

struct report_duration {
	long long count;              /* timers measured */
	double mean, median, p90;     /* seconds; < 0 when count is 0 */
};

struct report_incident {
	const char *number;
	const char *subject;          /* from mail */
	time_t created_at;
	time_t resolved_at;           /* 0: not resolved */
	const char *rca;              /* "sent", "late", "due", "none" */
};

/* A ticket agents worked on in the period (#time). */
struct report_time {
	const char *number;
	const char *subject;          /* from mail */
	long long minutes;            /* < 0 when only corrections fell in */
};

/* A bucket of the chart (a week) or of the trend (a month). */
struct report_bucket {
	time_t start;                 /* local midnight of its first day */
	const char *label;            /* "2026-11-02", "2026-11" */
	long long opened, resolved, breached, met;
};

/* The clock a calendar counts business time on. */
struct report_calendar {
	const char *name;             /* "business" */
	const char *hours;            /* "mon-fri 09:00-18:00", "24/7" */
	const char *time_zone;
};

struct report {
	enum report_kind kind;
	const char *organisation;
	const char *plan;
	const char *language;         /* "fr" or "en" (anything else: en) */
	const char *period;           /* "2026-11", "2026-Q4" */
	const char *time_zone;        /* of the period's bounds */
	time_t start, end;            /* [start, end) */
	time_t as_of;                 /* min(end, now): figures hold then */
	time_t generated_at;
	struct report_priority priorities[REPORT_MAX_PRIORITIES];
	size_t npriorities;
	struct report_timer timers[REPORT_MAX_TIMERS];
	size_t ntimers;
	const struct report_breach *breaches;
	size_t nbreaches;
	long long breaches_total;     /* more than listed when capped */
	struct report_duration acknowledge, resolve;
	struct report_calendar calendars[REPORT_MAX_CALENDARS];
	size_t ncalendars;            /* those the measured timers count on */
	const struct report_incident *incidents;
	size_t nincidents;
	long long incidents_total;
	const struct report_time *times;   /* most time first */
	size_t ntimes;
	long long time_tickets;       /* tickets with time logged (more than
	                                 listed when capped); 0: no section */
	long long time_minutes;       /* of them all */
	struct report_bucket weeks[REPORT_MAX_WEEKS];
	size_t nweeks;
	struct report_bucket months[REPORT_MAX_MONTHS];
	size_t nmonths;               /* quarterly only */
};

/* Totals of the priorities (opened, resolved, open). */
void report_totals(const struct report *r, long long *opened,
    long long *resolved, long long *open);

/* Whether the period has no ticket at all (opened, resolved, open). */
bool report_empty(const struct report *r);

/* Append the report in a format. 0 or GC_ELIMIT. */
int report_render(struct buf *out, const struct report *r,
    enum report_format f);

/* The HTML page's content without its document (a <div>, style
 * included), for the HTML part of a mail. 0 or GC_ELIMIT. */
int report_render_html_part(struct buf *out, const struct report *r);

/* "text", "csv", "html", "json" to a format: 0 or GC_EINVAL. */
int report_format_parse(enum report_format *out, const char *s);

/* The title, e.g. "Monthly report 2026-11 - acme" in the language. */
int report_title(struct buf *out, const struct report *r);

#endif
