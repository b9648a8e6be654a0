/*
 * fuzz_calendar.c - fuzz target: sla/calendar.h, opening hours and
 * holiday lists, and the deadline arithmetic on what they give
 *
 * Input: one byte that picks the zone (UTC, Europe/Paris's rule, Lord
 * Howe's half-hour DST, a zone 14 hours east) and the start instants, the
 * hours spec up to the first NUL byte, then the holidays text. Parsing
 * must be atomic (on error nothing changes). On a calendar with hours,
 * the arithmetic must agree with itself: calendar_add() lands where
 * calendar_between() counts exactly the seconds asked, likewise with
 * pauses; calendar_next_open() gives an open instant with the calendar
 * closed just before; calendar_format_hours() reads back to the same
 * calendar.
 * Seeds: tests/fuzz/corpus/calendar/; dictionary tests/fuzz/dict/calendar.dict.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/mem.h"
#include "sla/calendar.h"
#include "sla/tz.h"
#include "tests/fuzz/fuzz.h"

static const char *const calendar_zones[] = {
	NULL,
	"CET-1CEST,M3.5.0,M10.5.0/3",
	"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
	"<+14>-14",
};

/* 2026-03-28 12:00Z, 2026-03-29 00:30Z, 2026-10-24 23:00Z,
 * 2026-12-24 17:00Z, 1970-01-01, 2100-02-28 22:00Z. */
static const long long calendar_starts[] = {
	1774699200LL, 1774744200LL, 1792882800LL, 1798131600LL, 0LL,
	4107020400LL,
};

static const long long calendar_amounts[] = {
	0, 1, 3600, 4 * 3600, 9 * 3600, 2 * 86400, 30 * 86400,
	400LL * 86400,
};

static void
check_format(const struct calendar *cal, const struct tz *tz)
{
	struct buf f1 = BUF_INIT(1 << 16), f2 = BUF_INIT(1 << 16);
	struct buf js = BUF_INIT(1 << 20);
	struct calendar *again;
	struct gc_err err = { 0, "" };
	int rc;

	FUZZ_CHECK(calendar_format_hours(&f1, cal) == 0, "format: cap");
	again = calendar_new(tz);
	if (calendar_always_open(cal) || f1.len > 0) {
		rc = calendar_parse_hours(again, buf_str(&f1), &err);
		FUZZ_CHECK(rc == 0, "formatted hours \"%s\" do not parse: %s",
		    buf_str(&f1), err.msg);
	}
	FUZZ_CHECK(calendar_format_hours(&f2, again) == 0, "format: cap");
	FUZZ_CHECK(strcmp(buf_str(&f1), buf_str(&f2)) == 0,
	    "hours \"%s\" read back as \"%s\"", buf_str(&f1), buf_str(&f2));
	FUZZ_CHECK(calendar_week_seconds(again) == calendar_week_seconds(cal),
	    "week seconds %lld read back as %lld",
	    calendar_week_seconds(cal), calendar_week_seconds(again));
	FUZZ_CHECK(calendar_describe_json(&js, cal) == 0, "json: cap");
	fuzz_touch(js.data, js.len);
	calendar_free(&again);
	buf_free(&f1);
	buf_free(&f2);
	buf_free(&js);
}

static void
check_arithmetic(const struct calendar *cal, time_t start)
{
	struct sla_pause pauses[2] = {
		{ start + 3600, start + 5 * 3600 },
		{ start + 86400, start + 3 * 86400 },
	};
	time_t d, o;
	long long got;
	int rc;

	rc = calendar_next_open(&o, cal, start);
	FUZZ_CHECK(rc == 0 || rc == GC_EINVAL, "next_open: %d", rc);
	if (rc == 0) {
		FUZZ_CHECK(o >= start && calendar_is_open(cal, o),
		    "next_open(%lld) gives %lld, not open", (long long)start,
		    (long long)o);
		FUZZ_CHECK(o == start || !calendar_is_open(cal, o - 1),
		    "next_open(%lld) gives %lld, open just before",
		    (long long)start, (long long)o);
	}
	for (size_t i = 0; i < sizeof(calendar_amounts) /
	    sizeof(calendar_amounts[0]); i++) {
		long long secs = calendar_amounts[i];

		rc = calendar_add(&d, cal, start, secs);
		FUZZ_CHECK(rc == 0 || rc == GC_EINVAL, "add: %d", rc);
		if (rc == 0) {
			FUZZ_CHECK(d >= start, "add goes back in time");
			FUZZ_CHECK(secs != 0 || d == start, "add 0 moves");
			got = calendar_between(cal, start, d, NULL, 0);
			FUZZ_CHECK(got == secs, "add(%lld, %lld) = %lld, but "
			    "between counts %lld", (long long)start, secs,
			    (long long)d, got);
		}
		rc = calendar_add_paused(&d, cal, start, secs, pauses, 2);
		FUZZ_CHECK(rc == 0 || rc == GC_EINVAL, "add_paused: %d", rc);
		if (rc == 0) {
			got = calendar_between(cal, start, d, pauses, 2);
			FUZZ_CHECK(got == secs, "add_paused(%lld, %lld) = %lld,"
			    " but between counts %lld", (long long)start, secs,
			    (long long)d, got);
		}
	}
}

static int
fuzz_calendar(const uint8_t *data, size_t len)
{
	struct gc_err err = { 0, "" };
	struct tz *tz = NULL;
	struct calendar *cal;
	struct buf before = BUF_INIT(1 << 16), after = BUF_INIT(1 << 16);
	const uint8_t *hol;
	size_t hlen, nhol;
	char *spec;
	const char *zone;
	unsigned sel;
	int rc;

	if (len < 1)
		return 0;
	sel = data[0];
	zone = calendar_zones[sel % 4];
	if (zone != NULL && tz_from_posix(&tz, NULL, zone, &err) != 0)
		FUZZ_FAIL("zone %s: %s", zone, err.msg);
	spec = fuzz_cstr(data + 1, len - 1, CALENDAR_MAX_SPEC + 16, &hol,
	    &hlen);
	cal = calendar_new(tz);

	rc = calendar_parse_hours(cal, spec, &err);
	FUZZ_CHECK(rc == 0 || rc == GC_EPARSE || rc == GC_ELIMIT,
	    "parse_hours: %d", rc);
	if (calendar_format_hours(&before, cal) != 0)
		FUZZ_FAIL("format: cap");
	if (rc != 0)
		FUZZ_CHECK(before.len == 0 && !calendar_always_open(cal),
		    "failed parse_hours changed the calendar");
	nhol = calendar_holiday_count(cal);
	rc = calendar_parse_holidays(cal, (const char *)hol, hlen,
	    "fuzz-holidays.txt", &err);
	FUZZ_CHECK(rc == 0 || rc == GC_EPARSE || rc == GC_ELIMIT,
	    "parse_holidays: %d", rc);
	if (rc != 0)
		FUZZ_CHECK(calendar_holiday_count(cal) == nhol,
		    "failed parse_holidays changed the holidays");
	if (calendar_format_hours(&after, cal) != 0)
		FUZZ_FAIL("format: cap");
	FUZZ_CHECK(strcmp(buf_str(&before), buf_str(&after)) == 0,
	    "parse_holidays changed the hours");

	check_format(cal, tz);
	check_arithmetic(cal, (time_t)calendar_starts[(sel >> 2) % 6]);
	check_arithmetic(cal, (time_t)calendar_starts[(sel >> 5) % 6]);

	buf_free(&before);
	buf_free(&after);
	calendar_free(&cal);
	tz_free(&tz);
	free(spec);
	return 0;
}

FUZZ_TARGET(fuzz_calendar)
