/*
 * test_calendar.c - sla/calendar.c: business hours, holidays, deadlines
 *
 * The heart is a table: each row names a calendar, a start (ISO-8601 with
 * its offset, as a person would write it), a duration or an end, optional
 * pauses, and the expected deadline or business time, worked out by hand.
 * Then property checks over many pseudo-random starts: between(start,
 * add(start, d)) == d, the deadline is the earliest such instant, and
 * between() agrees with a minute-by-minute count built on
 * calendar_is_open(). Europe/Paris comes from the system's zoneinfo and,
 * a second time, from its POSIX rule alone: both must give the same
 * answers. The French holidays come from tests/fixtures/sla.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"
#include "sla/calendar.h"
#include "sla/tz.h"

/* ----- Fixtures ---------------------------------------------------- */

static struct tz *
load_zone(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	char *data;
	size_t len;
	struct gc_err err = { 0 };
	struct tz *tz = NULL;

	snprintf(path, sizeof(path), "%s/%s",
	    dir != NULL ? dir : "/usr/share/zoneinfo", name);
	if (file_read(&data, &len, path, 1 << 20, &err) != 0)
		fail_msg("%s", err.msg);
	if (tz_parse(&tz, name, (const unsigned char *)data, len, &err) != 0)
		fail_msg("%s", err.msg);
	free(data);
	return tz;
}

static void
load_holidays(struct calendar *cal)
{
	char *text;
	size_t len;
	struct gc_err err = { 0 };

	if (file_read(&text, &len, FIXTURES_DIR "/sla/holidays-fr.txt",
	    1 << 20, &err) != 0)
		fail_msg("%s", err.msg);
	if (calendar_parse_holidays(cal, text, len, "holidays-fr.txt",
	    &err) != 0)
		fail_msg("%s", err.msg);
	free(text);
}

static struct calendar *
make_cal(const struct tz *tz, const char *hours, bool holidays)
{
	struct calendar *cal = calendar_new(tz);
	struct gc_err err = { 0 };

	if (calendar_parse_hours(cal, hours, &err) != 0)
		fail_msg("%s", err.msg);
	if (holidays)
		load_holidays(cal);
	return cal;
}

/* The calendars of the table, by name. */
enum { C_PARIS, C_SPLIT, C_247, C_ALLDAY, C_NY, C_SYDNEY, C_NIGHT,
	C_SUNDAY, C_UTC, C_COUNT };

static const struct {
	const char *name, *zone, *hours;
	bool holidays;
} cal_defs[C_COUNT] = {
	[C_PARIS] = { "paris", "Europe/Paris", "mon-fri 09:00-18:00", true },
	[C_SPLIT] = { "split", "Europe/Paris",
	    "mon-fri 09:00-12:00,14:00-18:00; sat 10:00-14:00", true },
	[C_247] = { "247", "Europe/Paris", "24/7", true },
	[C_ALLDAY] = { "allday", "Europe/Paris", "mon-sun 00:00-24:00",
	    false },
	[C_NY] = { "ny", "America/New_York", "mon-fri 09:00-17:00", false },
	[C_SYDNEY] = { "sydney", "Australia/Sydney", "mon-fri 09:00-17:00",
	    false },
	[C_NIGHT] = { "night", "Europe/Paris", "mon-fri 22:00-06:00", false },
	/* Hours that straddle the changes: 23 h and 25 h Sundays. */
	[C_SUNDAY] = { "sunday", "Europe/Paris", "sun 01:00-04:00", false },
	[C_UTC] = { "utc", NULL, "mon-fri 09:00-17:00", false },
};

struct fixture {
	struct tz *paris_file;
	struct tz *paris_rule;
	struct tz *ny;
	struct tz *sydney;
	struct calendar *cal[2][C_COUNT];   /* [0] zoneinfo, [1] rule */
};

static struct fixture fx;

static int
setup(void **state)
{
	struct gc_err err = { 0 };

	(void)state;
	fx.paris_file = load_zone("Europe/Paris");
	if (tz_from_posix(&fx.paris_rule, "Europe/Paris",
	    "CET-1CEST,M3.5.0,M10.5.0/3", &err) != 0)
		fail_msg("%s", err.msg);
	fx.ny = load_zone("America/New_York");
	fx.sydney = load_zone("Australia/Sydney");
	for (int v = 0; v < 2; v++) {
		for (int c = 0; c < C_COUNT; c++) {
			const char *z = cal_defs[c].zone;
			const struct tz *tz = NULL;

			if (z == NULL)
				tz = tz_utc();
			else if (strcmp(z, "Europe/Paris") == 0)
				tz = v == 0 ? fx.paris_file : fx.paris_rule;
			else if (strcmp(z, "America/New_York") == 0)
				tz = fx.ny;
			else
				tz = fx.sydney;
			fx.cal[v][c] = make_cal(tz, cal_defs[c].hours,
			    cal_defs[c].holidays);
		}
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int v = 0; v < 2; v++)
		for (int c = 0; c < C_COUNT; c++)
			calendar_free(&fx.cal[v][c]);
	tz_free(&fx.paris_file);
	tz_free(&fx.paris_rule);
	tz_free(&fx.ny);
	tz_free(&fx.sydney);
	return 0;
}

/* ----- Helpers ----------------------------------------------------- */

static time_t
iso(const char *s)
{
	time_t t;

	if (time_parse_iso8601(&t, s) != 0)
		fail_msg("bad ISO time in test: %s", s);
	return t;
}

static const char *
fmt(time_t t, char *buf, size_t len)
{
	time_iso8601(buf, len, t);
	return buf;
}

/* "4h", "90m", "2bd" (business days of cal). */
static long long
dur(const struct calendar *cal, const char *s)
{
	long long v;
	size_t n = strlen(s);

	if (n > 2 && strcmp(s + n - 2, "bd") == 0)
		return atoll(s) * calendar_business_day_seconds(cal);
	if (duration_parse(&v, s) != 0)
		fail_msg("bad duration in test: %s", s);
	return v;
}

/* "START/END;START/END", END may be "open". */
static size_t
pauses_parse(struct sla_pause *out, size_t max, const char *s)
{
	char buf[512], *save = NULL, *tok;
	size_t n = 0;

	if (s == NULL)
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ";", &save); tok != NULL;
	    tok = strtok_r(NULL, ";", &save)) {
		char *slash = strchr(tok, '/');

		assert_non_null(slash);
		assert_true(n < max);
		*slash = '\0';
		out[n].start = iso(tok);
		out[n].end = strcmp(slash + 1, "open") == 0 ? 0 :
		    iso(slash + 1);
		n++;
	}
	return n;
}

/* ----- The table --------------------------------------------------- */

enum op { ADD, BETWEEN };

struct row {
	int cal;
	enum op op;
	const char *start;
	const char *arg;        /* ADD: duration; BETWEEN: end */
	const char *pauses;     /* NULL or see pauses_parse() */
	const char *expect;     /* ADD: instant or "none"; BETWEEN: duration */
};

static const struct row rows[] = {
	/* --- Europe/Paris, mon-fri 09:00-18:00, French holidays --- */
	/* 1. Friday 17:00 + 4 h: 1 h on Friday, 3 h on Monday. */
	{ C_PARIS, ADD, "2026-03-06T17:00+01:00", "4h", NULL,
	  "2026-03-09T12:00+01:00" },
	/* 2. A full day ends at the closing, not the next opening. */
	{ C_PARIS, ADD, "2026-03-02T09:00+01:00", "9h", NULL,
	  "2026-03-02T18:00+01:00" },
	/* 3. Start exactly at closing counts from the next opening. */
	{ C_PARIS, ADD, "2026-03-02T18:00+01:00", "1h", NULL,
	  "2026-03-03T10:00+01:00" },
	/* 4. Start exactly at opening. */
	{ C_PARIS, ADD, "2026-03-03T09:00+01:00", "30m", NULL,
	  "2026-03-03T09:30+01:00" },
	/* 5. Start before opening. */
	{ C_PARIS, ADD, "2026-03-03T07:15+01:00", "1h", NULL,
	  "2026-03-03T10:00+01:00" },
	/* 6. Start on a Saturday. */
	{ C_PARIS, ADD, "2026-03-07T11:00+01:00", "1h", NULL,
	  "2026-03-09T10:00+01:00" },
	/* 7. Sunday, one minute before midnight. */
	{ C_PARIS, ADD, "2026-03-08T23:59+01:00", "1m", NULL,
	  "2026-03-09T09:01+01:00" },
	/* 8. Two business days (18 h) from Wednesday 15:00. */
	{ C_PARIS, ADD, "2026-03-04T15:00+01:00", "2bd", NULL,
	  "2026-03-06T15:00+01:00" },
	/* 9. Five business days from Monday's opening: Friday's closing. */
	{ C_PARIS, ADD, "2026-03-02T09:00+01:00", "5bd", NULL,
	  "2026-03-06T18:00+01:00" },
	/* 10. Easter Monday (6 April 2026) is a holiday. */
	{ C_PARIS, ADD, "2026-04-03T17:00+02:00", "4h", NULL,
	  "2026-04-07T12:00+02:00" },
	/* 11. Start on a holiday (Friday 1 May). */
	{ C_PARIS, ADD, "2026-05-01T10:00+02:00", "1h", NULL,
	  "2026-05-04T10:00+02:00" },
	/* 12. Christmas Eve 16:00 + 2 business days: 2 h on Thursday,
	 * Friday 25 is Christmas, 9 h Monday, 7 h Tuesday. */
	{ C_PARIS, ADD, "2026-12-24T16:00+01:00", "2bd", NULL,
	  "2026-12-29T16:00+01:00" },
	/* 13. New Year's Eve 17:00 + 2 h: 1 h, New Year's Day off,
	 * weekend, 1 h on Monday 4 January. */
	{ C_PARIS, ADD, "2026-12-31T17:00+01:00", "2h", NULL,
	  "2027-01-04T10:00+01:00" },
	/* 14. Over the spring change (Sunday 29 March 2026). */
	{ C_PARIS, ADD, "2026-03-27T17:00+01:00", "4h", NULL,
	  "2026-03-30T12:00+02:00" },
	/* 15. Six business days over the spring change: 54 h. */
	{ C_PARIS, ADD, "2026-03-23T09:00+01:00", "54h", NULL,
	  "2026-03-30T18:00+02:00" },
	/* 16. Over the autumn change (Sunday 25 October 2026). */
	{ C_PARIS, ADD, "2026-10-23T17:00+02:00", "4h", NULL,
	  "2026-10-26T12:00+01:00" },
	/* 17. Spring change and Easter Monday on the same weekend (2027). */
	{ C_PARIS, ADD, "2027-03-26T17:00+01:00", "4h", NULL,
	  "2027-03-30T12:00+02:00" },
	/* 18. Four weeks without holidays (June 2026): 180 h. */
	{ C_PARIS, ADD, "2026-06-01T09:00+02:00", "180h", NULL,
	  "2026-06-26T18:00+02:00" },
	/* 19. Eight weeks through May 2026, whose four weekday holidays
	 * (1, 8, 14 and 25 May) push the end four days later. */
	{ C_PARIS, ADD, "2026-04-27T09:00+02:00", "360h", NULL,
	  "2026-06-25T18:00+02:00" },
	/* 20. Zero business time is the start itself, even when closed. */
	{ C_PARIS, ADD, "2026-03-07T11:00+01:00", "0s", NULL,
	  "2026-03-07T11:00+01:00" },
	/* 21. A business day across the spring change still has 9 h. */
	{ C_PARIS, BETWEEN, "2026-03-27T00:00+01:00",
	  "2026-03-31T00:00+02:00", NULL, "18h" },
	/* 22. Friday 17:00 + 4 business hours, the other way. */
	{ C_PARIS, BETWEEN, "2026-03-06T17:00+01:00",
	  "2026-03-09T12:00+01:00", NULL, "4h" },
	/* 23. The week of Ascension (Thursday 14 May 2026): 36 h. */
	{ C_PARIS, BETWEEN, "2026-05-11T00:00+02:00",
	  "2026-05-18T00:00+02:00", NULL, "36h" },
	/* 24. End before start: nothing. */
	{ C_PARIS, BETWEEN, "2026-03-09T12:00+01:00",
	  "2026-03-06T17:00+01:00", NULL, "0s" },
	/* 25. Far in the future (the zone's POSIX rule): Friday
	 * 26 March 2100, two days before the spring change. */
	{ C_PARIS, ADD, "2100-03-26T17:00+01:00", "4h", NULL,
	  "2100-03-29T12:00+02:00" },

	/* --- Pauses (the ticket waits on the customer) --- */
	/* 26. A pause across a night: Monday 17:00 to Tuesday 11:00.
	 * 7 h run on Monday, the last hour after 11:00 on Tuesday. */
	{ C_PARIS, ADD, "2026-03-02T10:00+01:00", "8h",
	  "2026-03-02T17:00+01:00/2026-03-03T11:00+01:00",
	  "2026-03-03T12:00+01:00" },
	{ C_PARIS, BETWEEN, "2026-03-02T10:00+01:00",
	  "2026-03-03T12:00+01:00",
	  "2026-03-02T17:00+01:00/2026-03-03T11:00+01:00", "8h" },
	/* 28. Overlapping pauses 11-13 and 12-15 stop the clock 11-15. */
	{ C_PARIS, ADD, "2026-03-02T09:00+01:00", "5h",
	  "2026-03-02T12:00+01:00/2026-03-02T15:00+01:00;"
	  "2026-03-02T11:00+01:00/2026-03-02T13:00+01:00",
	  "2026-03-02T18:00+01:00" },
	{ C_PARIS, BETWEEN, "2026-03-02T09:00+01:00",
	  "2026-03-02T18:00+01:00",
	  "2026-03-02T12:00+01:00/2026-03-02T15:00+01:00;"
	  "2026-03-02T11:00+01:00/2026-03-02T13:00+01:00", "5h" },
	/* 30. An open pause: no deadline until the customer answers. */
	{ C_PARIS, ADD, "2026-03-02T09:00+01:00", "5h",
	  "2026-03-02T12:00+01:00/open", "none" },
	{ C_PARIS, BETWEEN, "2026-03-02T09:00+01:00",
	  "2026-03-04T09:00+01:00", "2026-03-02T12:00+01:00/open", "3h" },
	/* 32. An open pause that starts after the deadline is harmless. */
	{ C_PARIS, ADD, "2026-03-02T09:00+01:00", "2h",
	  "2026-03-02T12:00+01:00/open", "2026-03-02T11:00+01:00" },
	/* 33. Pauses outside the span: last week, and next week. */
	{ C_PARIS, ADD, "2026-03-04T09:00+01:00", "4h",
	  "2026-02-23T09:00+01:00/2026-02-27T18:00+01:00;"
	  "2026-03-09T09:00+01:00/2026-03-10T09:00+01:00",
	  "2026-03-04T13:00+01:00" },
	/* 34. A pause that began before the start. */
	{ C_PARIS, ADD, "2026-03-02T09:00+01:00", "1h",
	  "2026-03-01T12:00+01:00/2026-03-02T10:00+01:00",
	  "2026-03-02T11:00+01:00" },
	/* 35. A pause during the night changes nothing. */
	{ C_PARIS, ADD, "2026-03-02T17:00+01:00", "2h",
	  "2026-03-02T20:00+01:00/2026-03-03T08:00+01:00",
	  "2026-03-03T10:00+01:00" },
	/* 36. Back-to-back pauses act as one. */
	{ C_PARIS, ADD, "2026-03-02T09:00+01:00", "2h",
	  "2026-03-02T10:00+01:00/2026-03-02T11:00+01:00;"
	  "2026-03-02T11:00+01:00/2026-03-02T12:00+01:00",
	  "2026-03-02T13:00+01:00" },
	/* 37. An empty pause (end before start) is ignored. */
	{ C_PARIS, ADD, "2026-03-02T09:00+01:00", "2h",
	  "2026-03-02T10:00+01:00/2026-03-02T09:30+01:00",
	  "2026-03-02T11:00+01:00" },

	/* --- 24/7 --- */
	/* 38. 24 h across the spring change: 24 real hours, so the local
	 * clock reads 25 hours later (12:00 CET -> 13:00 CEST). */
	{ C_247, ADD, "2026-03-28T12:00+01:00", "24h", NULL,
	  "2026-03-29T13:00+02:00" },
	/* 39. And across the autumn change the clock reads 23 h later. */
	{ C_247, ADD, "2026-10-24T12:00+02:00", "24h", NULL,
	  "2026-10-25T11:00+01:00" },
	/* 40. Weekends and holidays count. */
	{ C_247, ADD, "2026-12-24T23:00+01:00", "90m", NULL,
	  "2026-12-25T00:30+01:00" },
	/* 41. A pause stops a 24/7 clock too. */
	{ C_247, ADD, "2026-03-07T10:00+01:00", "15m",
	  "2026-03-07T10:05+01:00/2026-03-07T11:00+01:00",
	  "2026-03-07T11:10+01:00" },
	{ C_247, BETWEEN, "2026-03-01T00:00+01:00", "2026-04-01T00:00+02:00",
	  NULL, "743h" },
	/* 43. A business day of a 24/7 calendar is 24 h. */
	{ C_247, ADD, "2026-03-02T09:00+01:00", "2bd", NULL,
	  "2026-03-04T09:00+01:00" },

	/* --- Every hour open, but not flagged 24/7 --- */
	/* 44. Same answer as 24/7 over the spring change. */
	{ C_ALLDAY, ADD, "2026-03-28T12:00+01:00", "24h", NULL,
	  "2026-03-29T13:00+02:00" },
	/* 45. The spring Sunday has 23 hours, the autumn one 25. */
	{ C_ALLDAY, BETWEEN, "2026-03-29T00:00+01:00",
	  "2026-03-30T00:00+02:00", NULL, "23h" },
	{ C_ALLDAY, BETWEEN, "2026-10-25T00:00+02:00",
	  "2026-10-26T00:00+01:00", NULL, "25h" },

	/* --- Hours straddling the change: sun 01:00-04:00 --- */
	/* 47. Spring: 01:00-02:00 CET then 03:00-04:00 CEST: 2 h. */
	{ C_SUNDAY, BETWEEN, "2026-03-29T00:00+01:00",
	  "2026-03-30T00:00+02:00", NULL, "2h" },
	{ C_SUNDAY, ADD, "2026-03-29T00:00+01:00", "90m", NULL,
	  "2026-03-29T03:30+02:00" },
	/* 49. Autumn: 02:00-03:00 happens twice: 4 h. */
	{ C_SUNDAY, BETWEEN, "2026-10-25T00:00+02:00",
	  "2026-10-26T00:00+01:00", NULL, "4h" },
	{ C_SUNDAY, ADD, "2026-10-25T00:00+02:00", "150m", NULL,
	  "2026-10-25T02:30+01:00" },

	/* --- Split hours and Saturday: mon-fri 9-12,14-18; sat 10-14 --- */
	/* 51. Friday 17:00 + 4 h: 1 h Friday, 3 h Saturday morning. */
	{ C_SPLIT, ADD, "2026-03-06T17:00+01:00", "4h", NULL,
	  "2026-03-07T13:00+01:00" },
	/* 52. Over lunch. */
	{ C_SPLIT, ADD, "2026-03-02T11:00+01:00", "2h", NULL,
	  "2026-03-02T15:00+01:00" },
	/* 53. Start during lunch. */
	{ C_SPLIT, ADD, "2026-03-02T12:30+01:00", "30m", NULL,
	  "2026-03-02T14:30+01:00" },
	/* 54. The morning ends at noon exactly. */
	{ C_SPLIT, ADD, "2026-03-02T09:00+01:00", "3h", NULL,
	  "2026-03-02T12:00+01:00" },
	/* 55. A business day here is 7 h: 2 days from Monday 09:00. */
	{ C_SPLIT, ADD, "2026-03-02T09:00+01:00", "2bd", NULL,
	  "2026-03-03T18:00+01:00" },
	/* 56. Saturday 1 May 2027 is a holiday: Friday 30 April 17:00
	 * + 2 h goes to Monday 3 May. */
	{ C_SPLIT, ADD, "2027-04-30T17:00+02:00", "2h", NULL,
	  "2027-05-03T10:00+02:00" },

	/* --- Overnight hours: mon-fri 22:00-06:00 --- */
	/* 57. Monday 21:00 + 3 h ends on Tuesday 01:00. */
	{ C_NIGHT, ADD, "2026-03-02T21:00+01:00", "3h", NULL,
	  "2026-03-03T01:00+01:00" },
	/* 58. Friday night runs into Saturday morning, then Monday night.*/
	{ C_NIGHT, ADD, "2026-03-06T23:00+01:00", "8h", NULL,
	  "2026-03-09T23:00+01:00" },

	/* --- Other zones --- */
	/* 59. New York, over its spring change (8 March 2026). */
	{ C_NY, ADD, "2026-03-06T16:00-05:00", "2h", NULL,
	  "2026-03-09T10:00-04:00" },
	/* 60. New York, over its autumn change (1 November 2026). */
	{ C_NY, ADD, "2026-10-30T16:00-04:00", "2h", NULL,
	  "2026-11-02T10:00-05:00" },
	/* 61. Sydney: DST ends in April (southern hemisphere). */
	{ C_SYDNEY, ADD, "2026-04-03T16:00+11:00", "2h", NULL,
	  "2026-04-06T10:00+10:00" },
	/* 62. Sydney: DST starts in October. */
	{ C_SYDNEY, ADD, "2026-10-02T16:00+10:00", "2h", NULL,
	  "2026-10-05T10:00+11:00" },
	/* 63. UTC, a Monday in 2100 (4 January 2100 is a Monday). */
	{ C_UTC, ADD, "2100-01-01T16:30Z", "1h", NULL,
	  "2100-01-04T09:30Z" },
	/* 64. UTC, 10 weeks: 400 h from a Monday's opening. */
	{ C_UTC, ADD, "2026-03-02T09:00Z", "400h", NULL,
	  "2026-05-08T17:00Z" },
};

static void
run_row(size_t i, const struct row *r, int variant)
{
	const struct calendar *cal = fx.cal[variant][r->cal];
	struct sla_pause p[8];
	size_t np = pauses_parse(p, 8, r->pauses);
	time_t start = iso(r->start), got;
	char b1[32], b2[32];
	long long d, between;
	int rc;

	if (r->op == BETWEEN) {
		d = dur(cal, r->expect);
		between = calendar_between(cal, start, iso(r->arg), p, np);
		if (between != d)
			fail_msg("row %zu (%s, %s): between %s and %s = %lld s,"
			    " want %lld s", i + 1, cal_defs[r->cal].name,
			    variant ? "rule" : "zoneinfo", r->start, r->arg,
			    between, d);
		return;
	}
	d = dur(cal, r->arg);
	rc = calendar_add_paused(&got, cal, start, d, p, np);
	if (strcmp(r->expect, "none") == 0) {
		if (rc != GC_ENOTFOUND)
			fail_msg("row %zu: rc %d, want GC_ENOTFOUND", i + 1,
			    rc);
		return;
	}
	if (rc != 0 || got != iso(r->expect))
		fail_msg("row %zu (%s, %s): %s + %s = %s (rc %d), want %s",
		    i + 1, cal_defs[r->cal].name,
		    variant ? "rule" : "zoneinfo", r->start, r->arg,
		    fmt(got, b1, sizeof(b1)), rc,
		    fmt(iso(r->expect), b2, sizeof(b2)));
	/* Without pauses, calendar_add() says the same. */
	if (np == 0) {
		assert_int_equal(calendar_add(&got, cal, start, d), 0);
		assert_int_equal(got, iso(r->expect));
	}
	/* And business time from start to the deadline is d. */
	between = calendar_between(cal, start, got, p, np);
	if (between != d)
		fail_msg("row %zu: between(start, deadline) = %lld, want %lld",
		    i + 1, between, d);
}

static void
test_table(void **state)
{
	(void)state;
	assert_true(sizeof(rows) / sizeof(rows[0]) >= 40);
	for (int v = 0; v < 2; v++)
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
			run_row(i, &rows[i], v);
}

/* ----- Properties -------------------------------------------------- */

/* A fixed pseudo-random sequence (xorshift64*), so failures repeat. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(uint64_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545f4914f6cdd1dULL) % n;
}

/* Business seconds in [a, b) counted minute by minute with
 * calendar_is_open(): every zone here changes on whole minutes. */
static long long
oracle_between(const struct calendar *cal, time_t a, time_t b,
    const struct sla_pause *p, size_t np)
{
	long long sum = 0;

	for (time_t t = a; t < b;) {
		time_t cell = (t / 60 + 1) * 60, e = cell < b ? cell : b;
		bool paused = false;

		for (size_t i = 0; i < np; i++)
			if (p[i].start <= t && (p[i].end == 0 || t < p[i].end))
				paused = true;
		/* A pause edge inside the minute: split there. */
		for (size_t i = 0; i < np; i++) {
			if (p[i].start > t && p[i].start < e)
				e = p[i].start;
			if (p[i].end > t && p[i].end < e)
				e = p[i].end;
		}
		if (!paused && calendar_is_open(cal, t))
			sum += e - t;
		t = e;
	}
	return sum;
}

/* between(start, add(start, d)) == d, and add() is the earliest such
 * instant: a second earlier is not enough, and that second is open. */
static void
check_add(const struct calendar *cal, const char *name, time_t start,
    long long d)
{
	time_t end;
	long long b;

	assert_int_equal(calendar_add(&end, cal, start, d), 0);
	b = calendar_between(cal, start, end, NULL, 0);
	if (b != d)
		fail_msg("%s: between(%lld, add(+%lld)) = %lld", name,
		    (long long)start, d, b);
	if (d == 0) {
		assert_int_equal(end, start);
		return;
	}
	assert_true(calendar_between(cal, start, end - 1, NULL, 0) < d);
	assert_true(calendar_is_open(cal, end - 1));
}

/* Random starts over 2026-2027 (both DST changes of each year) and
 * durations up to three weeks of business time. */
static void
test_add_between_agree(void **state)
{
	time_t t0 = iso("2026-01-01T00:00:00Z");

	(void)state;
	for (int v = 0; v < 2; v++) {
		for (int c = 0; c < C_COUNT; c++) {
			const struct calendar *cal = fx.cal[v][c];
			long long week = calendar_week_seconds(cal);

			for (int k = 0; k < 400; k++) {
				time_t start = t0 + (time_t)rnd(2 * 365 *
				    86400);

				if (k % 4 == 0)       /* whole minutes too */
					start -= start % 60;
				check_add(cal, cal_defs[c].name, start,
				    (long long)rnd(3 * week + 1));
			}
		}
	}
}

/* between() against the minute-by-minute count, with random pauses,
 * over spans of up to six days around the 2026 and 2027 changes. */
static void
test_between_oracle(void **state)
{
	static const char *centres[] = { "2026-03-29T01:00:00Z",
		"2026-10-25T01:00:00Z", "2027-03-28T01:00:00Z",
		"2026-12-25T00:00:00Z", "2026-04-06T00:00:00Z" };

	(void)state;
	for (int c = 0; c < C_COUNT; c++) {
		const struct calendar *cal = fx.cal[0][c];

		for (int k = 0; k < 60; k++) {
			time_t mid = iso(centres[k % 5]);
			time_t a = mid - (time_t)rnd(5 * 86400);
			time_t b = a + (time_t)rnd(6 * 86400);
			struct sla_pause p[4];
			size_t np = (size_t)rnd(4);
			long long want, got;
			time_t deadline;
			int rc;

			for (size_t i = 0; i < np; i++) {
				p[i].start = a - 86400 +
				    (time_t)rnd(11 * 86400);
				p[i].end = rnd(5) == 0 ? 0 :
				    p[i].start + (time_t)rnd(2 * 86400);
			}
			want = oracle_between(cal, a, b, p, np);
			got = calendar_between(cal, a, b, p, np);
			if (want != got)
				fail_msg("%s: [%lld, %lld) %zu pauses: %lld, "
				    "oracle %lld", cal_defs[c].name,
				    (long long)a, (long long)b, np, got, want);
			/* The paused deadline for what elapsed is b or
			 * earlier, and gives back the same business time. */
			rc = calendar_add_paused(&deadline, cal, a, got, p,
			    np);
			assert_int_equal(rc, 0);
			assert_true(deadline <= b);
			assert_int_equal(calendar_between(cal, a, deadline, p,
			    np), got);
		}
	}
}

/* Long durations: years of business time, both zone variants agree,
 * and the result is still exact. */
static void
test_long_durations(void **state)
{
	const struct calendar *cal = fx.cal[0][C_PARIS];
	const struct calendar *rule = fx.cal[1][C_PARIS];
	time_t start = iso("2026-01-05T09:00+01:00"), end, end2;
	long long year = 52 * calendar_week_seconds(cal);

	(void)state;
	assert_int_equal(calendar_add(&end, cal, start, year), 0);
	assert_int_equal(calendar_between(cal, start, end, NULL, 0), year);
	assert_int_equal(calendar_add(&end2, rule, start, year), 0);
	assert_int_equal(end, end2);
	/* 52 weeks from Monday 5 January 2026 would end on Friday
	 * 1 January 2027 without holidays; the 8 weekday holidays of
	 * 2026 after 5 January and New Year's Day 2027 push it 9
	 * business days on. */
	assert_int_equal(end, iso("2027-01-14T18:00+01:00"));
	/* Ten years, and the refusals at the edges. */
	assert_int_equal(calendar_add(&end, cal, start, 10 * year), 0);
	assert_int_equal(calendar_between(cal, start, end, NULL, 0),
	    10 * year);
	assert_int_equal(calendar_add(&end, cal, start, -1), GC_EINVAL);
	assert_int_equal(calendar_add(&end, cal, start,
	    CALENDAR_MAX_SECONDS + 1), GC_EINVAL);
	assert_int_equal(calendar_add(&end, cal,
	    iso("9999-12-31T00:00:00Z"), 86400), GC_EINVAL);
}

/* ----- Hours and holidays parsing ---------------------------------- */

static void
expect_hours_error(const char *spec, const char *msg)
{
	struct calendar *cal = calendar_new(NULL);
	struct gc_err err = { 0 };
	struct buf b = BUF_INIT(1024);

	assert_int_equal(calendar_parse_hours(cal, "sat 10:00-12:00", &err),
	    0);
	assert_int_not_equal(calendar_parse_hours(cal, spec, &err), 0);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("\"%s\": error \"%s\", want \"%s\"", spec, err.msg,
		    msg);
	/* Nothing changed. */
	assert_int_equal(calendar_format_hours(&b, cal), 0);
	assert_string_equal(buf_str(&b), "sat 10:00-12:00");
	buf_free(&b);
	calendar_free(&cal);
}

static void
test_hours_errors(void **state)
{
	(void)state;
	expect_hours_error("mon-fry 09:00-18:00",
	    "hours: \"mon-fry\": unknown day");
	expect_hours_error("mon-fri 9-18",
	    "hours: \"9-18\": bad interval (want HH:MM-HH:MM)");
	expect_hours_error("mon-fri 09:00-25:00",
	    "hours: \"09:00-25:00\": bad interval (want HH:MM-HH:MM)");
	expect_hours_error("mon-fri 09:60-18:00",
	    "hours: \"09:60-18:00\": bad interval (want HH:MM-HH:MM)");
	expect_hours_error("mon-fri 10:00-10:00",
	    "hours: \"10:00-10:00\": empty interval");
	expect_hours_error("mon-fri",
	    "hours: \"mon-fri\": no hours after the days");
	expect_hours_error("mon, 09:00-18:00",
	    "hours: \"mon,\": empty day in list");
	expect_hours_error("mon 09:00-12:00,",
	    "hours: \"09:00-12:00,\": empty interval in list");
	expect_hours_error("   ", "hours: empty");
	/* A good group before a bad one is not kept either. */
	expect_hours_error("mon 09:00-12:00; tue 9h-12h",
	    "hours: \"9h-12h\": bad interval (want HH:MM-HH:MM)");
}

static void
expect_format(const char *spec, const char *want, long long week,
    long long day)
{
	struct calendar *cal = calendar_new(NULL), *again;
	struct gc_err err = { 0 };
	struct buf b = BUF_INIT(1024), b2 = BUF_INIT(1024);

	if (calendar_parse_hours(cal, spec, &err) != 0)
		fail_msg("%s: %s", spec, err.msg);
	assert_int_equal(calendar_format_hours(&b, cal), 0);
	if (strcmp(buf_str(&b), want) != 0)
		fail_msg("\"%s\" formats as \"%s\", want \"%s\"", spec,
		    buf_str(&b), want);
	assert_int_equal(calendar_week_seconds(cal), week);
	assert_int_equal(calendar_business_day_seconds(cal), day);
	/* The format reads back to the same calendar. */
	again = calendar_new(NULL);
	if (b.len > 0) {
		assert_int_equal(calendar_parse_hours(again, buf_str(&b),
		    &err), 0);
	}
	assert_int_equal(calendar_format_hours(&b2, again), 0);
	assert_string_equal(buf_str(&b2), want);
	buf_free(&b);
	buf_free(&b2);
	calendar_free(&cal);
	calendar_free(&again);
}

static void
test_hours_format(void **state)
{
	(void)state;
	expect_format("mon-fri 09:00-18:00", "mon-fri 09:00-18:00",
	    5 * 32400, 32400);
	expect_format("Monday-Friday 09:00-12:00, 14:00-18:00\nSAT "
	    "10:00-14:00", "mon-fri 09:00-12:00,14:00-18:00; sat 10:00-14:00",
	    5 * 25200 + 14400, 25200);
	/* Overlapping and touching intervals merge. */
	expect_format("mon 09:00-12:00; mon 11:00-13:00,13:00-14:00",
	    "mon 09:00-14:00", 18000, 18000);
	/* Day lists and wrapping ranges. */
	expect_format("mon,wed,fri 08:00-16:00; sat-sun 10:00-12:00",
	    "mon 08:00-16:00; wed 08:00-16:00; fri 08:00-16:00; "
	    "sat-sun 10:00-12:00", 3 * 28800 + 2 * 7200, 28800);
	expect_format("fri-mon 10:00-11:00", "mon 10:00-11:00; "
	    "fri-sun 10:00-11:00", 4 * 3600, 3600);
	/* Over midnight: the morning lands on the next day. */
	expect_format("fri 22:00-06:00", "fri 22:00-24:00; sat 00:00-06:00",
	    8 * 3600, 21600);
	expect_format("sun 00:00-24:00", "sun 00:00-24:00", 86400, 86400);
	/* The usual day: the most frequent daily total, longer on a tie. */
	expect_format("mon-thu 09:00-18:00; fri 09:00-16:00",
	    "mon-thu 09:00-18:00; fri 09:00-16:00", 4 * 32400 + 25200,
	    32400);
	expect_format("mon-fri 09:00-13:00; sat-sun 10:00-18:00",
	    "mon-fri 09:00-13:00; sat-sun 10:00-18:00", 5 * 14400 +
	    2 * 28800, 14400);
	expect_format("mon 09:00-10:00; tue 09:00-11:00",
	    "mon 09:00-10:00; tue 09:00-11:00", 3 * 3600, 7200);
	expect_format("24/7", "24/7", 7 * 86400, 86400);
}

static void
test_business_day_override(void **state)
{
	struct calendar *cal = make_cal(NULL, "mon-fri 09:00-18:00", false);
	struct calendar *none = calendar_new(NULL);
	time_t t;

	(void)state;
	assert_int_equal(calendar_business_day_seconds(cal), 32400);
	calendar_set_day_seconds(cal, 8 * 3600);
	assert_int_equal(calendar_business_day_seconds(cal), 28800);
	calendar_set_day_seconds(cal, 0);
	assert_int_equal(calendar_business_day_seconds(cal), 32400);
	/* No hours at all: no deadline can be computed. */
	assert_int_equal(calendar_business_day_seconds(none), 0);
	assert_int_equal(calendar_add(&t, none, 0, 60), GC_EINVAL);
	assert_int_equal(calendar_add(&t, none, 1000, 0), 0);
	assert_int_equal(t, 1000);
	assert_int_equal(calendar_between(none, 0, 86400 * 30, NULL, 0), 0);
	calendar_set_always_open(none, true);
	assert_true(calendar_always_open(none));
	assert_int_equal(calendar_add(&t, none, 0, 60), 0);
	assert_int_equal(t, 60);
	calendar_free(&cal);
	calendar_free(&none);
	assert_null(cal);
}

static void
expect_holidays_error(const char *text, const char *msg)
{
	struct calendar *cal = calendar_new(NULL);
	struct gc_err err = { 0 };

	assert_int_equal(calendar_add_holiday(cal, 2026, 1, 1, "kept",
	    &err), 0);
	assert_int_not_equal(calendar_parse_holidays(cal, text, strlen(text),
	    "h.txt", &err), 0);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("error \"%s\", want \"%s\"", err.msg, msg);
	assert_int_equal(calendar_holiday_count(cal), 1);
	calendar_free(&cal);
}

static void
test_holidays_parse(void **state)
{
	const struct calendar *paris = fx.cal[0][C_PARIS];
	struct calendar *cal = calendar_new(NULL);
	struct gc_err err = { 0 };
	static const char text[] = "# comment\r\n\n  2026-07-14   Fête "
		"nationale  # trailing\n2026-05-01\n2026-07-14 again\n"
		"2026-01-01 C# is not a comment\n";
	static const char nul[] = "2026-01-01\0x\n";

	(void)state;
	assert_int_equal(calendar_holiday_count(paris), 22);
	assert_false(calendar_is_open(paris, iso("2026-12-25T10:00+01:00")));
	assert_true(calendar_is_open(paris, iso("2026-12-24T10:00+01:00")));
	assert_false(calendar_is_open(paris, iso("2026-12-24T18:00+01:00")));
	assert_true(calendar_is_open(paris, iso("2026-12-24T17:59+01:00")));

	assert_int_equal(calendar_parse_holidays(cal, text, strlen(text),
	    "h.txt", &err), 0);
	assert_int_equal(calendar_holiday_count(cal), 3);
	/* Added one by one, in any order; a date twice is kept once. */
	assert_int_equal(calendar_add_holiday(cal, 2025, 12, 25, NULL, &err),
	    0);
	assert_int_equal(calendar_add_holiday(cal, 2026, 5, 1, "x", &err), 0);
	assert_int_equal(calendar_holiday_count(cal), 4);
	assert_int_equal(calendar_add_holiday(cal, 2026, 2, 29, NULL, &err),
	    GC_EINVAL);
	assert_string_equal(err.msg, "no such date 2026-02-29");
	calendar_free(&cal);

	expect_holidays_error("2026-01-02\n2026-02-30 x\n",
	    "h.txt:2: no such date 2026-02-30");
	expect_holidays_error("\n\n26-01-01\n",
	    "h.txt:3: bad date \"26-01-01\" (want YYYY-MM-DD [name])");
	expect_holidays_error("2026-01-01x\n",
	    "h.txt:1: bad date \"2026-01-01x\" (want YYYY-MM-DD [name])");
	expect_holidays_error("2026-13-01\n", "h.txt:1: no such date "
	    "2026-13-01");
	expect_holidays_error("2026-01-01 \xff\xfe\n",
	    "h.txt:1: name is not valid UTF-8");
	expect_holidays_error("2026-01-01 a\x01z\n",
	    "h.txt:1: control character in name");
	/* NUL bytes (the buffer is not a C string). */
	cal = calendar_new(NULL);
	assert_int_equal(calendar_parse_holidays(cal, nul, sizeof(nul) - 1,
	    "h.txt", &err), GC_EPARSE);
	assert_string_equal(err.msg, "h.txt:1: NUL byte");
	calendar_free(&cal);
}

static void
test_describe_json(void **state)
{
	struct calendar *cal = make_cal(fx.paris_file, "mon-fri 09:00-18:00",
	    false);
	struct gc_err err = { 0 };
	struct buf b = BUF_INIT(4096), tiny = BUF_INIT(16);
	static const char text[] = "2026-12-25 Noël \"25\"\n2027-01-01\n";

	(void)state;
	assert_int_equal(calendar_parse_holidays(cal, text, strlen(text),
	    "h", &err), 0);
	assert_int_equal(calendar_describe_json(&b, cal), 0);
	assert_string_equal(buf_str(&b),
	    "{\"time_zone\":\"Europe/Paris\",\"always_open\":false,"
	    "\"hours\":\"mon-fri 09:00-18:00\",\"week_seconds\":162000,"
	    "\"business_day_seconds\":32400,\"holidays\":["
	    "{\"date\":\"2026-12-25\",\"name\":\"Noël \\\"25\\\"\"},"
	    "{\"date\":\"2027-01-01\"}]}");
	assert_int_equal(calendar_describe_json(&tiny, cal), GC_ELIMIT);
	buf_free(&b);
	buf_free(&tiny);
	calendar_free(&cal);
}

static void
test_next_open(void **state)
{
	const struct calendar *cal = fx.cal[0][C_PARIS];
	time_t t;

	(void)state;
	/* Saturday -> Monday 09:00; Friday 3 April -> Tuesday 7 April
	 * (Easter Monday); open now -> now. */
	assert_int_equal(calendar_next_open(&t, cal,
	    iso("2026-03-07T11:00+01:00")), 0);
	assert_int_equal(t, iso("2026-03-09T09:00+01:00"));
	assert_int_equal(calendar_next_open(&t, cal,
	    iso("2026-04-03T18:00+02:00")), 0);
	assert_int_equal(t, iso("2026-04-07T09:00+02:00"));
	assert_int_equal(calendar_next_open(&t, cal,
	    iso("2026-04-07T10:17+02:00")), 0);
	assert_int_equal(t, iso("2026-04-07T10:17+02:00"));
	assert_int_equal(calendar_tz(cal), fx.paris_file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_add_between_agree),
		cmocka_unit_test(test_between_oracle),
		cmocka_unit_test(test_long_durations),
		cmocka_unit_test(test_hours_errors),
		cmocka_unit_test(test_hours_format),
		cmocka_unit_test(test_business_day_override),
		cmocka_unit_test(test_holidays_parse),
		cmocka_unit_test(test_describe_json),
		cmocka_unit_test(test_next_open),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
