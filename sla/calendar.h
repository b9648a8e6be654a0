/*
 * calendar.h - business calendars and deadline arithmetic
 *
 * A calendar is a time zone, weekly opening hours (several intervals per
 * weekday, "mon-fri 09:00-12:00,14:00-18:00; sat 10:00-14:00"), a list of
 * holidays (local dates on which it stays closed) and a 24/7 flag. SLA
 * targets count business seconds on a calendar: calendar_add() gives the
 * deadline, calendar_between() the business time spent, and both take the
 * intervals during which the ticket waited on the customer (struct
 * sla_pause) into account.
 *
 * What counts as business time: an instant is open when the local clock
 * (in the calendar's zone) shows a time inside one of the intervals of
 * its weekday and the local date is not a holiday. Business time is real
 * elapsed time while open. So a day whose hours span a DST change counts
 * what really elapsed: "mon-sun 00:00-24:00" has 23 hours on 29 March
 * 2026 in Europe/Paris; 09:00-18:00 always has 9 hours since no change
 * falls inside it. A 24/7 calendar counts every second and ignores
 * hours, holidays and zone: 24 h after 2026-03-28 12:00 CET is
 * 2026-03-29 13:00 CEST, the local clock having moved 25 hours.
 *
 * Business days: "2 business days" in a policy means 2 x
 * calendar_business_day_seconds(): the length of the calendar's usual
 * working day (9 h for 09:00-18:00, 7 h for 09:00-12:00,14:00-18:00),
 * unless a length was set with calendar_set_day_seconds(). The usual day
 * is the most frequent non-zero daily total of the week, the longer one
 * on a tie; 24 h for a 24/7 calendar; 0 for a calendar with no hours.
 *
 * Pure: no I/O, no clock, no global state. The caller reads holiday files
 * and zoneinfo and passes text and bytes in.
 *
 * Ownership: calendar_new() returns a calendar owned by the caller, freed
 * with calendar_free(). The struct tz is borrowed: it must outlive the
 * calendar (several calendars may share one zone). Setters copy what they
 * are given. Once built, a calendar is only read by the arithmetic
 * functions (const), so it may be shared between threads.
 */
#ifndef GC_SLA_CALENDAR_H
#define GC_SLA_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/err.h"
#include "common/mem.h"
#include "sla/tz.h"

#define CALENDAR_MAX_INTERVALS 16      /* per weekday, after merging */
#define CALENDAR_MAX_HOLIDAYS 10000
#define CALENDAR_MAX_SPEC 4096         /* bytes of an hours spec */
#define CALENDAR_MAX_LINE 1024         /* bytes of a holidays line */
#define CALENDAR_MAX_NAME 128          /* bytes of a holiday name */
/* Instants from year 1 to 9999, durations up to 400 years. */
#define CALENDAR_TIME_MIN (-62135596800LL)
#define CALENDAR_TIME_MAX 253402300799LL
#define CALENDAR_MAX_SECONDS (400LL * 366 * 86400)

struct calendar;

/* A span during which the SLA clock stands still (the ticket waits on the
 * customer): [start, end), end == 0 meaning "still paused". Pauses may
 * overlap each other and lie anywhere. */
struct sla_pause {
	time_t start;
	time_t end;
};

/* ----- Building ---------------------------------------------------- */

/* A calendar in zone tz (NULL: UTC), closed all week until hours are
 * added. Never NULL (out of memory is fatal). */
struct calendar *calendar_new(const struct tz *tz);
void calendar_free(struct calendar **cal);

/*
 * Add opening hours. spec is one or more groups separated by ';' or
 * newlines; a group is days then intervals:
 *   mon-fri 09:00-12:00,14:00-18:00; sat 10:00-14:00
 * Days: mon tue wed thu fri sat sun (or full names, any case), lists
 * "mon,wed" and ranges "mon-fri" (wrapping ranges "fri-mon" too).
 * Intervals: HH:MM-HH:MM, up to 24:00; one that ends before it starts
 * runs over midnight into the next day ("mon 22:00-06:00" is Monday
 * night and Tuesday morning). Overlapping intervals merge. The spec
 * "24/7" makes the calendar always open instead. Adding is atomic: on
 * error nothing changes and err says what, e.g.
 *   hours: "mon-fry": unknown day
 * Returns 0, GC_EPARSE or GC_ELIMIT.
 */
int calendar_parse_hours(struct calendar *cal, const char *spec,
    struct gc_err *err);

/* Always open (24/7) or not. */
void calendar_set_always_open(struct calendar *cal, bool always_open);

/* Override the business-day length (0: back to the default, see top). */
void calendar_set_day_seconds(struct calendar *cal, long long seconds);

/* One holiday, a local date; name may be NULL. A date already listed is
 * kept with its first name. Returns 0, GC_EINVAL (no such date) or
 * GC_ELIMIT. */
int calendar_add_holiday(struct calendar *cal, int year, int month, int day,
    const char *name, struct gc_err *err);

/*
 * Add the holidays of a text buffer (len bytes, need not be
 * NUL-terminated): one "YYYY-MM-DD [name]" per line, blank lines and
 * '#' comments (at line start or after a blank) ignored. file names the
 * source in messages ("holidays-fr.txt:12: no such date 2026-02-30").
 * Atomic like calendar_parse_hours(). Returns 0, GC_EPARSE or GC_ELIMIT.
 */
int calendar_parse_holidays(struct calendar *cal, const char *text,
    size_t len, const char *file, struct gc_err *err);

/* ----- Reading ----------------------------------------------------- */

const struct tz *calendar_tz(const struct calendar *cal);
bool calendar_always_open(const struct calendar *cal);
long long calendar_business_day_seconds(const struct calendar *cal);
/* Business seconds in an ordinary week (no holidays, no DST change);
 * 7 x 86400 for 24/7. */
long long calendar_week_seconds(const struct calendar *cal);
size_t calendar_holiday_count(const struct calendar *cal);

/* Is the calendar open at instant t? */
bool calendar_is_open(const struct calendar *cal, time_t t);

/* ----- Arithmetic -------------------------------------------------- */

/*
 * The earliest instant at which `seconds` of business time have elapsed
 * since start. Starting outside hours counts from the next opening; a
 * count that runs out exactly at a closing gives that closing (Friday
 * 14:00 + 4 h on 09:00-18:00 is Friday 18:00, not Monday 09:00); 0
 * seconds gives start itself. Returns 0, or GC_EINVAL when seconds is
 * negative or above CALENDAR_MAX_SECONDS, start or the result lies
 * outside CALENDAR_TIME_MIN..MAX, or the calendar has no hours at all.
 * Cost: a few steps per DST change and per holiday crossed, whatever
 * the duration.
 */
int calendar_add(time_t *out, const struct calendar *cal, time_t start,
    long long seconds);

/*
 * Business seconds in [a, b), minus those covered by pauses (their
 * union, clipped to [a, b)). 0 when b <= a.
 */
long long calendar_between(const struct calendar *cal, time_t a, time_t b,
    const struct sla_pause *pauses, size_t npauses);

/*
 * Like calendar_add(), with the clock stopped during pauses: the earliest
 * instant d with calendar_between(start, d, pauses) == seconds. Returns 0;
 * GC_ENOTFOUND when an open pause (end == 0) stops the clock before the
 * count runs out (there is no deadline until the customer answers);
 * GC_EINVAL as calendar_add().
 */
int calendar_add_paused(time_t *out, const struct calendar *cal,
    time_t start, long long seconds, const struct sla_pause *pauses,
    size_t npauses);

/* The first instant >= t at which the calendar is open. Returns 0, or
 * GC_EINVAL as calendar_add(). */
int calendar_next_open(time_t *out, const struct calendar *cal, time_t t);

/* ----- Describing -------------------------------------------------- */

/* The hours in the syntax calendar_parse_hours() reads, Monday first,
 * equal neighbouring days grouped: "mon-fri 09:00-18:00; sat
 * 10:00-14:00", "24/7", or "" when closed all week. Appended to out;
 * returns 0 or GC_ELIMIT (out's cap). */
int calendar_format_hours(struct buf *out, const struct calendar *cal);

/*
 * A JSON object for `--json` output, appended to out:
 *   {"time_zone":"Europe/Paris","always_open":false,
 *    "hours":"mon-fri 09:00-18:00","week_seconds":162000,
 *    "business_day_seconds":32400,
 *    "holidays":[{"date":"2026-12-25","name":"Christmas"}, ...]}
 * "name" is omitted for unnamed holidays. Returns 0 or GC_ELIMIT.
 */
int calendar_describe_json(struct buf *out, const struct calendar *cal);

#endif
