/*
 * test_tz.c - sla/tz.c: TZif parsing, offsets, local time both ways
 *
 * Real zones come from the system's zoneinfo (TZDIR, else
 * /usr/share/zoneinfo), compared with offsets known from the published
 * rules: Europe/Paris around its 2026 and 2027 changes, America/New_York,
 * Australia/Sydney (DST in the southern summer), Asia/Kolkata (+05:30),
 * and dates far past the last transition stored in the file, which only
 * the POSIX footer answers. Hand-made TZif buffers cover versions 1 to 3,
 * the footer forms and every truncation.
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
#include "sla/tz.h"

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

static time_t
iso(const char *s)
{
	time_t t;

	if (time_parse_iso8601(&t, s) != 0)
		fail_msg("bad ISO time in test: %s", s);
	return t;
}

/* Local time of t as "YYYY-MM-DDTHH:MM:SS ABBR dst". */
static const char *
local_str(const struct tz *tz, time_t t, char *buf, size_t len)
{
	struct tm tm;

	tz_to_local(tz, t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d %s %d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, tm.tm_zone, tm.tm_isdst);
	return buf;
}

static time_t
from_local(const struct tz *tz, int y, int mo, int d, int h, int mi,
    int s)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	assert_int_equal(tz_from_local(tz, &tm, &t), 0);
	return t;
}

struct offcase {
	const char *zone;
	const char *utc;
	long offset;
	const char *local;      /* local_str() */
};

static void
test_known_offsets(void **state)
{
	static const struct offcase cases[] = {
		/* Paris, spring 2026: 02:00 CET -> 03:00 CEST on 29 March */
		{ "Europe/Paris", "2026-03-29T00:59:59Z", 3600,
		  "2026-03-29T01:59:59 CET 0" },
		{ "Europe/Paris", "2026-03-29T01:00:00Z", 7200,
		  "2026-03-29T03:00:00 CEST 1" },
		/* Paris, autumn 2026: 03:00 CEST -> 02:00 CET on 25 Oct */
		{ "Europe/Paris", "2026-10-25T00:59:59Z", 7200,
		  "2026-10-25T02:59:59 CEST 1" },
		{ "Europe/Paris", "2026-10-25T01:00:00Z", 3600,
		  "2026-10-25T02:00:00 CET 0" },
		/* Paris 2027: 28 March and 31 October */
		{ "Europe/Paris", "2027-03-28T00:59:59Z", 3600,
		  "2027-03-28T01:59:59 CET 0" },
		{ "Europe/Paris", "2027-03-28T01:00:00Z", 7200,
		  "2027-03-28T03:00:00 CEST 1" },
		{ "Europe/Paris", "2027-10-31T00:59:59Z", 7200,
		  "2027-10-31T02:59:59 CEST 1" },
		{ "Europe/Paris", "2027-10-31T01:00:00Z", 3600,
		  "2027-10-31T02:00:00 CET 0" },
		/* Paris long ago (LMT) and in 2100 (footer only) */
		{ "Europe/Paris", "1890-01-01T00:00:00Z", 561,
		  "1890-01-01T00:09:21 LMT 0" },
		{ "Europe/Paris", "2100-03-28T00:59:59Z", 3600,
		  "2100-03-28T01:59:59 CET 0" },
		{ "Europe/Paris", "2100-03-28T01:00:00Z", 7200,
		  "2100-03-28T03:00:00 CEST 1" },
		{ "Europe/Paris", "2100-10-31T01:00:00Z", 3600,
		  "2100-10-31T02:00:00 CET 0" },
		{ "Europe/Paris", "2999-07-14T12:00:00Z", 7200,
		  "2999-07-14T14:00:00 CEST 1" },
		/* New York: 8 March and 1 November 2026 */
		{ "America/New_York", "2026-03-08T06:59:59Z", -18000,
		  "2026-03-08T01:59:59 EST 0" },
		{ "America/New_York", "2026-03-08T07:00:00Z", -14400,
		  "2026-03-08T03:00:00 EDT 1" },
		{ "America/New_York", "2026-11-01T05:59:59Z", -14400,
		  "2026-11-01T01:59:59 EDT 1" },
		{ "America/New_York", "2026-11-01T06:00:00Z", -18000,
		  "2026-11-01T01:00:00 EST 0" },
		{ "America/New_York", "2200-07-04T16:00:00Z", -14400,
		  "2200-07-04T12:00:00 EDT 1" },
		/* Sydney: DST ends 5 April, starts 4 October 2026 */
		{ "Australia/Sydney", "2026-01-15T00:00:00Z", 39600,
		  "2026-01-15T11:00:00 AEDT 1" },
		{ "Australia/Sydney", "2026-04-04T15:59:59Z", 39600,
		  "2026-04-05T02:59:59 AEDT 1" },
		{ "Australia/Sydney", "2026-04-04T16:00:00Z", 36000,
		  "2026-04-05T02:00:00 AEST 0" },
		{ "Australia/Sydney", "2026-10-03T15:59:59Z", 36000,
		  "2026-10-04T01:59:59 AEST 0" },
		{ "Australia/Sydney", "2026-10-03T16:00:00Z", 39600,
		  "2026-10-04T03:00:00 AEDT 1" },
		{ "Australia/Sydney", "2150-06-01T00:00:00Z", 36000,
		  "2150-06-01T10:00:00 AEST 0" },
		{ "Australia/Sydney", "2150-12-01T00:00:00Z", 39600,
		  "2150-12-01T11:00:00 AEDT 1" },
		/* Kolkata: +05:30 all year */
		{ "Asia/Kolkata", "2026-03-29T01:00:00Z", 19800,
		  "2026-03-29T06:30:00 IST 0" },
		{ "Asia/Kolkata", "2026-10-25T23:45:00Z", 19800,
		  "2026-10-26T05:15:00 IST 0" },
		{ "Asia/Kolkata", "2500-01-01T00:00:00Z", 19800,
		  "2500-01-01T05:30:00 IST 0" },
		/* Version 3 footers: Nuuk "/-1" and "/0", Jerusalem "/26" */
		{ "America/Nuuk", "2100-03-28T00:59:59Z", -7200,
		  "2100-03-27T22:59:59 -02 0" },
		{ "America/Nuuk", "2100-03-28T01:00:00Z", -3600,
		  "2100-03-28T00:00:00 -01 1" },
		{ "Asia/Jerusalem", "2100-03-25T23:59:59Z", 7200,
		  "2100-03-26T01:59:59 IST 0" },
		{ "Asia/Jerusalem", "2100-03-26T00:00:00Z", 10800,
		  "2100-03-26T03:00:00 IDT 1" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct offcase *c = &cases[i];
		struct tz *tz = load_zone(c->zone);
		time_t t = iso(c->utc);
		struct tm tm;

		if (tz_offset_at(tz, t) != c->offset)
			fail_msg("%s at %s: offset %ld, want %ld", c->zone,
			    c->utc, tz_offset_at(tz, t), c->offset);
		local_str(tz, t, buf, sizeof(buf));
		if (strcmp(buf, c->local) != 0)
			fail_msg("%s at %s: local %s, want %s", c->zone,
			    c->utc, buf, c->local);
		tz_to_local(tz, t, &tm);
		assert_int_equal(tm.tm_gmtoff, c->offset);
		tz_free(&tz);
		assert_null(tz);
	}
}

static void
test_weekday_yday(void **state)
{
	struct tz *tz = load_zone("Europe/Paris");
	struct tm tm;

	(void)state;
	tz_to_local(tz, iso("2026-03-29T01:00:00Z"), &tm);
	assert_int_equal(tm.tm_wday, 0);        /* Sunday */
	assert_int_equal(tm.tm_yday, 87);
	tz_to_local(tz, iso("2028-12-31T22:59:59Z"), &tm);
	assert_int_equal(tm.tm_yday, 365);      /* leap year */
	assert_int_equal(tm.tm_mday, 31);
	tz_to_local(tz, iso("2028-12-31T23:00:00Z"), &tm);
	assert_int_equal(tm.tm_year, 129);
	assert_int_equal(tm.tm_yday, 0);
	assert_int_equal(tm.tm_wday, 1);        /* Monday 1 Jan 2029 */
	tz_free(&tz);
}

static void
test_from_local_gap_overlap(void **state)
{
	struct tz *tz = load_zone("Europe/Paris");
	struct tz *ny = load_zone("America/New_York");
	struct tm tm;
	time_t t;

	(void)state;
	/* Ordinary times, both seasons. */
	assert_int_equal(from_local(tz, 2026, 3, 28, 12, 0, 0),
	    iso("2026-03-28T11:00:00Z"));
	assert_int_equal(from_local(tz, 2026, 7, 1, 9, 0, 0),
	    iso("2026-07-01T07:00:00Z"));
	/* Spring gap: 02:00-02:59 do not exist; they map forward. */
	assert_int_equal(from_local(tz, 2026, 3, 29, 1, 59, 59),
	    iso("2026-03-29T00:59:59Z"));
	assert_int_equal(from_local(tz, 2026, 3, 29, 2, 0, 0),
	    iso("2026-03-29T01:00:00Z"));
	assert_int_equal(from_local(tz, 2026, 3, 29, 2, 30, 0),
	    iso("2026-03-29T01:30:00Z"));
	assert_int_equal(from_local(tz, 2026, 3, 29, 3, 0, 0),
	    iso("2026-03-29T01:00:00Z"));
	/* Autumn overlap: 02:00-02:59 happen twice; first occurrence. */
	assert_int_equal(from_local(tz, 2026, 10, 25, 1, 59, 0),
	    iso("2026-10-24T23:59:00Z"));
	assert_int_equal(from_local(tz, 2026, 10, 25, 2, 30, 0),
	    iso("2026-10-25T00:30:00Z"));
	assert_int_equal(from_local(tz, 2026, 10, 25, 3, 0, 0),
	    iso("2026-10-25T02:00:00Z"));
	/* The same in the footer's years. */
	assert_int_equal(from_local(tz, 2100, 3, 28, 2, 30, 0),
	    iso("2100-03-28T01:30:00Z"));
	assert_int_equal(from_local(tz, 2100, 10, 31, 2, 30, 0),
	    iso("2100-10-31T00:30:00Z"));
	/* New York: gap 02:00-03:00 on 8 March, overlap 01:00-02:00 on
	 * 1 November. */
	assert_int_equal(from_local(ny, 2026, 3, 8, 2, 15, 0),
	    iso("2026-03-08T07:15:00Z"));
	assert_int_equal(from_local(ny, 2026, 11, 1, 1, 15, 0),
	    iso("2026-11-01T05:15:00Z"));
	/* Out-of-range fields are normalised: 32 March is 1 April,
	 * month 13 is January next year, 25:00 is 01:00 next day. */
	assert_int_equal(from_local(tz, 2026, 3, 32, 10, 0, 0),
	    iso("2026-04-01T08:00:00Z"));
	assert_int_equal(from_local(tz, 2026, 13, 1, 10, 0, 0),
	    iso("2027-01-01T09:00:00Z"));
	assert_int_equal(from_local(tz, 2026, 12, 31, 25, 0, 0),
	    iso("2027-01-01T00:00:00Z"));
	/* tm_isdst is ignored. */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 126;
	tm.tm_mon = 6;
	tm.tm_mday = 1;
	tm.tm_hour = 9;
	tm.tm_isdst = 0;
	assert_int_equal(tz_from_local(tz, &tm, &t), 0);
	assert_int_equal(t, iso("2026-07-01T07:00:00Z"));
	/* Absurd years are refused. */
	tm.tm_year = 2000000000;
	assert_int_equal(tz_from_local(tz, &tm, &t), GC_EINVAL);
	tz_free(&tz);
	tz_free(&ny);
}

/* Every hour of 2026-2029 survives local -> UTC -> local, and the first
 * occurrence rule gives the earliest instant that shows that time. */
static void
test_round_trip(void **state)
{
	static const char *zones[] = { "Europe/Paris", "America/New_York",
		"Australia/Sydney", "Asia/Kolkata", "America/Nuuk",
		"Asia/Jerusalem", "Europe/Dublin", "Pacific/Chatham" };

	(void)state;
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		struct tz *tz = load_zone(zones[z]);
		time_t t0 = iso("2026-01-01T00:00:00Z");

		for (time_t t = t0; t < t0 + 4 * 366 * 86400; t += 1800) {
			struct tm tm;
			time_t back;

			tz_to_local(tz, t, &tm);
			assert_int_equal(tz_from_local(tz, &tm, &back), 0);
			/* Either t itself, or (second occurrence in an
			 * overlap) an earlier instant showing the same. */
			if (back != t) {
				struct tm tm2;

				assert_true(back < t && back > t - 7200);
				tz_to_local(tz, back, &tm2);
				assert_int_equal(tm2.tm_hour, tm.tm_hour);
				assert_int_equal(tm2.tm_min, tm.tm_min);
				assert_int_equal(tm2.tm_mday, tm.tm_mday);
			}
		}
		tz_free(&tz);
	}
}

/* The footer rule and the file's table agree wherever both apply. */
static void
test_footer_matches_table(void **state)
{
	static const struct {
		const char *zone, *posix;
	} cases[] = {
		{ "Europe/Paris", "CET-1CEST,M3.5.0,M10.5.0/3" },
		{ "America/New_York", "EST5EDT,M3.2.0,M11.1.0" },
		{ "Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3" },
		{ "Asia/Kolkata", "IST-5:30" },
		{ "America/Nuuk", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0" },
		{ "Asia/Jerusalem", "IST-2IDT,M3.4.4/26,M10.5.0" },
		{ "Europe/Dublin", "IST-1GMT0,M10.5.0,M3.5.0/1" },
	};
	struct gc_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tz *file = load_zone(cases[i].zone), *rule = NULL;
		time_t t0 = iso("2026-01-01T00:00:00Z");

		assert_int_equal(tz_from_posix(&rule, NULL, cases[i].posix,
		    &err), 0);
		assert_string_equal(tz_name(rule), cases[i].posix);
		for (time_t t = t0; t < iso("2037-01-01T00:00:00Z");
		    t += 1800) {
			if (tz_offset_at(file, t) != tz_offset_at(rule, t))
				fail_msg("%s at %lld: table %ld, rule %ld",
				    cases[i].zone, (long long)t,
				    tz_offset_at(file, t),
				    tz_offset_at(rule, t));
		}
		tz_free(&rule);
		tz_free(&file);
	}
}

static void
test_next_transition(void **state)
{
	struct tz *tz = load_zone("Europe/Paris");
	struct tz *kol = load_zone("Asia/Kolkata");
	time_t t;

	(void)state;
	assert_true(tz_next_transition(&t, tz, iso("2026-01-01T00:00:00Z")));
	assert_int_equal(t, iso("2026-03-29T01:00:00Z"));
	assert_true(tz_next_transition(&t, tz, t));
	assert_int_equal(t, iso("2026-10-25T01:00:00Z"));
	/* Past the table: from the footer. */
	assert_true(tz_next_transition(&t, tz, iso("2100-01-01T00:00:00Z")));
	assert_int_equal(t, iso("2100-03-28T01:00:00Z"));
	assert_true(tz_next_transition(&t, tz, iso("2100-03-28T01:00:00Z")));
	assert_int_equal(t, iso("2100-10-31T01:00:00Z"));
	/* Kolkata has changed nothing since 1945. */
	assert_false(tz_next_transition(&t, kol,
	    iso("2026-01-01T00:00:00Z")));
	assert_false(tz_next_transition(&t, tz_utc(), 0));
	tz_free(&tz);
	tz_free(&kol);
}

static void
test_posix_forms(void **state)
{
	struct gc_err err = { 0 };
	struct tz *tz = NULL;
	char buf[64];

	(void)state;
	/* Jn: 1-365, 29 February never counted, so J60 is 1 March even
	 * in a leap year. */
	assert_int_equal(tz_from_posix(&tz, "j", "AAA3BBB,J60/2,J300/2",
	    &err), 0);
	assert_int_equal(tz_offset_at(tz, iso("2028-03-01T04:59:59Z")),
	    -10800);
	assert_int_equal(tz_offset_at(tz, iso("2028-03-01T05:00:00Z")),
	    -7200);
	tz_free(&tz);
	/* n: 0-365, counting 29 February: 59 is 29 Feb in 2028. */
	assert_int_equal(tz_from_posix(&tz, "n", "AAA3BBB,59/2,299/2", &err),
	    0);
	assert_int_equal(tz_offset_at(tz, iso("2028-02-29T04:59:59Z")),
	    -10800);
	assert_int_equal(tz_offset_at(tz, iso("2028-02-29T05:00:00Z")),
	    -7200);
	assert_int_equal(tz_offset_at(tz, iso("2027-03-01T05:00:00Z")),
	    -7200);
	assert_int_equal(tz_offset_at(tz, iso("2027-03-01T04:59:59Z")),
	    -10800);
	tz_free(&tz);
	/* Default DST offset (std + 1 h), default time 02:00, explicit
	 * minutes and seconds in an offset. */
	assert_int_equal(tz_from_posix(&tz, NULL,
	    "XST3:30:15XDT,M4.1.0,M10.5.0", &err), 0);
	assert_int_equal(tz_offset_at(tz, iso("2026-01-01T00:00:00Z")),
	    -(3 * 3600 + 30 * 60 + 15));
	assert_int_equal(tz_offset_at(tz, iso("2026-07-01T00:00:00Z")),
	    -(2 * 3600 + 30 * 60 + 15));
	tz_free(&tz);
	/* Permanent DST (version 3): DST from Jan 1 00:00 to Dec 31 25:00,
	 * i.e. never off. */
	assert_int_equal(tz_from_posix(&tz, NULL, "EST5EDT,0/0,J365/25",
	    &err), 0);
	for (time_t t = iso("2026-12-31T00:00:00Z");
	    t < iso("2027-01-02T00:00:00Z"); t += 600)
		assert_int_equal(tz_offset_at(tz, t), -14400);
	tz_free(&tz);
	/* Negative and over-24 hour times: Nuuk changes at -01:00 local
	 * (Saturday 23:00) before the last Sunday of March. */
	assert_int_equal(tz_from_posix(&tz, "Nuuk",
	    "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", &err), 0);
	local_str(tz, iso("2026-03-29T01:00:00Z"), buf, sizeof(buf));
	assert_string_equal(buf, "2026-03-29T00:00:00 -01 1");
	local_str(tz, iso("2026-03-29T00:59:59Z"), buf, sizeof(buf));
	assert_string_equal(buf, "2026-03-28T22:59:59 -02 0");
	tz_free(&tz);
	/* No DST part: a fixed zone. */
	assert_int_equal(tz_from_posix(&tz, NULL, "<+0545>-5:45", &err), 0);
	local_str(tz, iso("2026-06-01T00:00:00Z"), buf, sizeof(buf));
	assert_string_equal(buf, "2026-06-01T05:45:00 +0545 0");
	tz_free(&tz);
}

static void
test_posix_errors(void **state)
{
	static const char *bad[] = { "", "C", "CET", "CET-1CEST,M3.5.0",
		"CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
		"CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,J0,J365",
		"CET-1CEST,366,1", "CET-1CEST,M3.5.0/168,M10.5.0",
		"CET-25", "CET-1:60", "<AB>-1", "<ABC-1", ("CET-1CEST,M3.5.0,"
		"M10.5.0/3x"), "CET-1 CEST" };
	struct gc_err err = { 0 };
	struct tz *tz = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		gc_err_clear(&err);
		if (tz_from_posix(&tz, "z", bad[i], &err) != GC_EPARSE)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_null(tz);
		assert_non_null(strstr(err.msg, "bad TZ string"));
	}
}

static void
test_utc(void **state)
{
	const struct tz *utc = tz_utc();
	struct tz *p = (struct tz *)utc;
	char buf[64];

	(void)state;
	assert_string_equal(tz_name(utc), "UTC");
	assert_int_equal(tz_offset_at(utc, iso("2026-03-29T01:00:00Z")), 0);
	local_str(utc, iso("2026-03-29T01:00:00Z"), buf, sizeof(buf));
	assert_string_equal(buf, "2026-03-29T01:00:00 UTC 0");
	assert_int_equal(from_local(utc, 2026, 3, 29, 2, 30, 0),
	    iso("2026-03-29T02:30:00Z"));
	tz_free(&p);            /* a no-op that still clears the pointer */
	assert_null(p);
	assert_string_equal(tz_name(tz_utc()), "UTC");
}

/* ----- Hand-made TZif data ----------------------------------------- */

struct w {
	unsigned char b[4096];
	size_t n;
};

static void
put(struct w *w, const void *p, size_t n)
{
	assert_true(w->n + n <= sizeof(w->b));
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void
put32(struct w *w, int64_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24),
		(unsigned char)(v >> 16), (unsigned char)(v >> 8),
		(unsigned char)v };

	put(w, b, 4);
}

static void
put64(struct w *w, int64_t v)
{
	put32(w, v >> 32);
	put32(w, v & 0xffffffff);
}

static void
header(struct w *w, char version, uint32_t timecnt, uint32_t typecnt,
    uint32_t charcnt, uint32_t leapcnt)
{
	static const unsigned char zero[15];

	put(w, "TZif", 4);
	put(w, &version, 1);
	put(w, zero, 15);
	put32(w, typecnt);      /* isutcnt */
	put32(w, typecnt);      /* isstdcnt */
	put32(w, leapcnt);
	put32(w, timecnt);
	put32(w, typecnt);
	put32(w, charcnt);
}

/* A zone "Testland": LMT +00:10 until 1902, then TST +01:00 / TDT
 * +02:00 with one transition each way in 2026, then the footer. */
static const char chars[] = "LMT\0TST\0TDT";

static void
block(struct w *w, bool wide, int64_t leap)
{
	static const int64_t times[] = { -2145916800LL, 1774746000LL,
		1792890000LL };
	static const unsigned char idx[] = { 1, 2, 1 };
	static const struct {
		int32_t off;
		unsigned char dst, abbr;
	} types[] = { { 600, 0, 0 }, { 3600, 0, 4 }, { 7200, 1, 8 } };

	for (int i = 0; i < 3; i++) {
		if (wide)
			put64(w, times[i]);
		else
			put32(w, times[i]);
	}
	put(w, idx, 3);
	for (int i = 0; i < 3; i++) {
		unsigned char b[2] = { types[i].dst, types[i].abbr };

		put32(w, types[i].off);
		put(w, b, 2);
	}
	put(w, chars, sizeof(chars));
	if (leap) {
		if (wide)
			put64(w, leap);
		else
			put32(w, leap);
		put32(w, 1);
	}
	put(w, "\0\0\0\0\0\0", 6);      /* isstd, isut */
}

static void
make_tzif(struct w *w, char version, const char *footer, bool leap)
{
	w->n = 0;
	header(w, version, 3, 3, sizeof(chars), leap);
	block(w, false, leap ? 78796800 : 0);
	if (version == 0)
		return;
	header(w, version, 3, 3, sizeof(chars), leap);
	block(w, true, leap ? 78796800 : 0);
	put(w, "\n", 1);
	put(w, footer, strlen(footer));
	put(w, "\n", 1);
}

static void
test_tzif_versions(void **state)
{
	static const char versions[] = { 0, '2', '3', '4' };
	struct gc_err err = { 0 };
	struct w w;
	char buf[64];

	(void)state;
	for (size_t v = 0; v < sizeof(versions); v++) {
		struct tz *tz = NULL;
		time_t next;

		make_tzif(&w, versions[v], "TST-1TDT,M3.5.0,M10.5.0/3", false);
		assert_int_equal(tz_parse(&tz, "Testland", w.b, w.n, &err), 0);
		assert_string_equal(tz_name(tz), "Testland");
		/* Before the first transition: type 0. */
		local_str(tz, iso("1901-12-31T23:00:00Z"), buf, sizeof(buf));
		assert_string_equal(buf, "1901-12-31T23:10:00 LMT 0");
		local_str(tz, iso("2026-07-01T00:00:00Z"), buf, sizeof(buf));
		assert_string_equal(buf, "2026-07-01T02:00:00 TDT 1");
		local_str(tz, iso("2026-12-01T00:00:00Z"), buf, sizeof(buf));
		assert_string_equal(buf, "2026-12-01T01:00:00 TST 0");
		/* After the last transition: the footer (versions 2+); the
		 * last type for version 1, which has none. */
		local_str(tz, iso("2030-07-01T00:00:00Z"), buf, sizeof(buf));
		assert_string_equal(buf, versions[v] == 0 ?
		    "2030-07-01T01:00:00 TST 0" :
		    "2030-07-01T02:00:00 TDT 1");
		assert_int_equal(tz_next_transition(&next, tz,
		    iso("2027-01-01T00:00:00Z")), versions[v] != 0);
		tz_free(&tz);
	}
}

static void
test_tzif_errors(void **state)
{
	struct gc_err err = { 0 };
	struct tz *tz = NULL;
	struct w w;

	(void)state;
	/* Every truncation of a valid v2 file is refused cleanly. */
	make_tzif(&w, '2', "TST-1TDT,M3.5.0,M10.5.0/3", false);
	for (size_t n = 0; n < w.n; n++) {
		if (tz_parse(&tz, "cut", w.b, n, &err) != GC_EPARSE)
			fail_msg("accepted %zu of %zu bytes", n, w.n);
		assert_null(tz);
	}
	/* A bad footer. */
	make_tzif(&w, '2', "TST-1TDT,M3.5.0", false);
	assert_int_equal(tz_parse(&tz, "foot", w.b, w.n, &err), GC_EPARSE);
	assert_string_equal(err.msg, "foot: bad TZ string footer");
	/* An empty footer is fine: the last type holds. */
	make_tzif(&w, '3', "", false);
	assert_int_equal(tz_parse(&tz, "empty", w.b, w.n, &err), 0);
	assert_int_equal(tz_offset_at(tz, iso("2030-07-01T00:00:00Z")), 3600);
	tz_free(&tz);
	/* Leap-second data ("right/" zones). */
	make_tzif(&w, '2', "TST-1", true);
	assert_int_equal(tz_parse(&tz, "right", w.b, w.n, &err), GC_EPARSE);
	assert_non_null(strstr(err.msg, "leap-second"));
	/* Bad magic, unknown version. */
	make_tzif(&w, '2', "TST-1", false);
	w.b[0] = 'X';
	assert_int_equal(tz_parse(&tz, "magic", w.b, w.n, &err), GC_EPARSE);
	assert_string_equal(err.msg, "magic: not a TZif file");
	make_tzif(&w, '2', "TST-1", false);
	w.b[4] = '9';
	assert_int_equal(tz_parse(&tz, "v9", w.b, w.n, &err), GC_EPARSE);
	/* A transition naming a type that does not exist (v1). */
	make_tzif(&w, 0, "", false);
	w.b[44 + 12] = 7;
	assert_int_equal(tz_parse(&tz, "idx", w.b, w.n, &err), GC_EPARSE);
	assert_string_equal(err.msg, "idx: transition names an unknown type");
	/* Transitions out of order (v1: swap the first two times). */
	make_tzif(&w, 0, "", false);
	memcpy(w.b + 44, "\x7f\x00\x00\x00", 4);
	assert_int_equal(tz_parse(&tz, "order", w.b, w.n, &err), GC_EPARSE);
	/* Huge counts are refused before anything is allocated. */
	make_tzif(&w, 0, "", false);
	memcpy(w.b + 32, "\x7f\xff\xff\xff", 4);
	assert_int_equal(tz_parse(&tz, "huge", w.b, w.n, &err), GC_EPARSE);
	assert_null(tz);
}

/* A zone read from the system agrees with one built from the same
 * file's footer alone for instants after 2037 (fat files stop there). */
static void
test_far_future(void **state)
{
	struct tz *file = load_zone("Europe/Paris"), *rule = NULL;
	struct gc_err err = { 0 };

	(void)state;
	assert_int_equal(tz_from_posix(&rule, NULL,
	    "CET-1CEST,M3.5.0,M10.5.0/3", &err), 0);
	for (time_t t = iso("2037-01-01T00:00:00Z");
	    t < iso("2300-01-01T00:00:00Z"); t += 86400 * 3 + 3599)
		assert_int_equal(tz_offset_at(file, t), tz_offset_at(rule, t));
	/* Beyond any sane range nothing overflows. */
	(void)tz_offset_at(file, (time_t)INT64_MAX);
	(void)tz_offset_at(file, (time_t)INT64_MIN);
	tz_free(&rule);
	tz_free(&file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_offsets),
		cmocka_unit_test(test_weekday_yday),
		cmocka_unit_test(test_from_local_gap_overlap),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_footer_matches_table),
		cmocka_unit_test(test_next_transition),
		cmocka_unit_test(test_posix_forms),
		cmocka_unit_test(test_posix_errors),
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_tzif_versions),
		cmocka_unit_test(test_tzif_errors),
		cmocka_unit_test(test_far_future),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
