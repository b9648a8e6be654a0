/*
 * test_date.c - the Date field reader (parsers/date.c), table-driven
 *
 * Each row is a value seen in real mail (or its near miss) and the UTC
 * time it must give, or 0 where no date can be read reliably. The
 * expected times were worked out by hand from the value (date -u -d was
 * used to check them), not taken from the code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "parsers/date.h"
#include "parsers/mime.h"

/* 2026-11-26T09:00:00Z, the time most rows name in some way */
#define T0 1795683600LL

static const struct {
	const char *in;
	long long want;         /* 0: refused */
} cases[] = {
	/* RFC 5322 */
	{ "Thu, 26 Nov 2026 10:00:00 +0100", T0 },
	{ "Thu, 26 Nov 2026 09:00:00 +0000", T0 },
	{ "Thu, 26 Nov 2026 04:00:00 -0500", T0 },
	{ "  Thu,  26  Nov  2026  10:00:00  +0100  ", T0 },
	{ "Thu, 26 Nov 2026 10:00:00 +0100 (CET)", T0 },
	{ "Thu (a comment), 26 Nov 2026 10:00:00 +0100", T0 },
	{ "Thu, 26 Nov 2026 10:00:59 +0100", T0 + 59 },
	{ "Thu, 26 Nov 2026 14:30:00 +0530", T0 },
	/* no weekday, no seconds */
	{ "26 Nov 2026 10:00 +0100", T0 },
	{ "26 Nov 2026 10:00:00 +0100", T0 },
	/* two- and three-digit years (RFC 5322 4.3) */
	{ "Thu, 26 Nov 26 10:00:00 +0100", T0 },
	{ "Wed, 26 Nov 80 09:00:00 +0000", 344077200LL },
	{ "Wed, 26 Nov 126 09:00:00 +0000", T0 },
	/* obsolete and other zone names */
	{ "Thu, 26 Nov 2026 04:00:00 EST", T0 },
	{ "Thu, 26 Nov 2026 05:00:00 EDT", T0 },
	{ "Thu, 26 Nov 2026 01:00:00 PST", T0 },
	{ "Thu, 26 Nov 2026 09:00:00 GMT", T0 },
	{ "Thu, 26 Nov 2026 09:00:00 UT", T0 },
	{ "Thu, 26 Nov 2026 09:00:00 utc", T0 },
	{ "Thu, 26 Nov 2026 09:00:00 Z", T0 },
	{ "Thu, 26 Nov 2026 10:00:00 CET", T0 },
	{ "Thu, 26 Nov 2026 11:00:00 CEST", T0 },
	{ "Thu, 26 Nov 2026 18:00:00 JST", T0 },
	{ "Thu, 26 Nov 2026 09:00:00 XYZ", T0 },      /* unknown: UTC */
	{ "Thu, 26 Nov 2026 09:00:00 A", T0 },        /* military: UTC */
	/* offsets with GMT/UTC, a colon, hours only */
	{ "Thu, 26 Nov 2026 10:00:00 GMT+1", T0 },
	{ "Thu, 26 Nov 2026 10:00:00 GMT+0100", T0 },
	{ "Thu, 26 Nov 2026 04:00:00 UTC-05:00", T0 },
	{ "Thu, 26 Nov 2026 10:00:00 +01:00", T0 },
	{ "Thu, 26 Nov 2026 10:00:00 +1", T0 },
	{ "Thu, 26 Nov 2026 04:00:00 -0500 EST", T0 },
	{ "Thu, 26 Nov 2026 04:00:00 -0500 (EST)", T0 },
	/* no zone: UTC */
	{ "Thu, 26 Nov 2026 09:00:00", T0 },
	{ "Thu, 26 Nov 2026 09:00", T0 },
	/* month first, full names, 12-hour clock */
	{ "Wednesday, April 03, 2002 5:56 AM", 1017813360LL },
	{ "Wednesday, April 03, 2002 5:56 PM", 1017856560LL },
	{ "Wednesday, April 03, 2002 12:05 AM", 1017792300LL },
	{ "Wednesday, April 03, 2002 12:05 PM", 1017835500LL },
	{ "Thursday, November 26, 2026 10:00:00 +0100", T0 },
	{ "Thur, 26 Sept 2026 09:00:00 +0000", 1790413200LL },
	{ "Nov 26, 2026 at 10:00 +0100", T0 },
	/* dashes and dots */
	{ "Thu, 26-Nov-2026 10:00:00 +0100", T0 },
	{ "Thu, 26 Nov. 2026 10:00:00 +0100", T0 },
	/* weekdays in other languages */
	{ "Do, 26 Nov 2026 10:00:00 +0100", T0 },
	{ "jeu., 26 nov. 2026 10:00:00 +0100", T0 },
	/* asctime() */
	{ "Thu Nov 26 09:00:00 2026", T0 },
	{ "Thu Nov 26 10:00:00 CET 2026", T0 },
	/* ISO 8601 */
	{ "2026-11-26T09:00:00Z", T0 },
	{ "2026-11-26T10:00:00+01:00", T0 },
	{ "2026-11-26 09:00", T0 },
	/* fractions of a second, leap seconds, leap days */
	{ "Thu, 26 Nov 2026 09:00:00.250 +0000", T0 },
	{ "Wed, 31 Dec 2025 23:59:60 +0000", 1767225600LL },
	{ "Tue, 29 Feb 2028 00:00:00 +0000", 1835395200LL },
	/* refused: nothing reliable to read */
	{ "", 0 },
	{ "Whenever", 0 },
	{ "Pn, 29 paX 2007 21:13:00 +0100", 0 },
	{ "Wed, 15 Dec 2010    59:10 -0500", 0 },
	{ "Thu, 26 Nov 2026", 0 },                    /* no time */
	{ "26/11/2026 10:00", 0 },                    /* day or month? */
	{ "26.11.2026 10:00", 0 },
	{ "Thu, 32 Nov 2026 10:00:00 +0100", 0 },
	{ "Thu, 29 Feb 2027 10:00:00 +0100", 0 },
	{ "Thu, 26 Nov 2026 24:00:00 +0100", 0 },
	{ "Thu, 26 Nov 2026 10:60:00 +0100", 0 },
	{ "Thu, 26 Nov 2026 10:00:00 +0160", 0 },
	{ "Thu, 26 Nov 2026 10:00:00 +2400", 0 },
	{ "Thu, 26 Nov 20266 10:00:00 +0100", 0 },
	{ "Thu, 26 Nov 1850 10:00:00 +0100", 0 },
	{ "Thu, 26 Nov 2026 13:00 PM", 0 },
	{ "Thu, 26 Nov 2026 10:00:00 +0100 and more words", 0 },
	{ "Thu, 26 Nov 2026 10:00:00 +0100 (unclosed", 0 },
	{ "Thu, 26 Nov 2026 10:00:00 Centraleuropeanstandardtime", 0 },
};

static void
test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gc_err err = { 0, "" };
		time_t t = 12345;
		int rc = date_parse(&t, cases[i].in, strlen(cases[i].in),
		    &err);

		if (cases[i].want == 0) {
			if (rc != GC_EPARSE)
				fail_msg("\"%s\" read as %lld", cases[i].in,
				    (long long)t);
			assert_int_equal(err.code, GC_EPARSE);
			continue;
		}
		if (rc != 0)
			fail_msg("\"%s\" refused: %s", cases[i].in, err.msg);
		if ((long long)t != cases[i].want)
			fail_msg("\"%s\" read as %lld, not %lld", cases[i].in,
			    (long long)t, cases[i].want);
	}
}

static void
test_make(void **state)
{
	time_t t = 0;

	(void)state;
	assert_int_equal(date_make(&t, 2026, 11, 26, 10, 0, 0, 60, NULL), 0);
	assert_int_equal((long long)t, T0);
	assert_int_equal(date_make(&t, 26, 11, 26, 9, 0, 0, 0, NULL), 0);
	assert_int_equal((long long)t, T0);
	assert_int_equal(date_make(&t, 1970, 1, 1, 0, 0, 0, 0, NULL), 0);
	assert_int_equal((long long)t, 0);
	assert_int_equal(date_make(&t, 2026, 13, 1, 0, 0, 0, 0, NULL),
	    GC_EPARSE);
	assert_int_equal(date_make(&t, 2026, 4, 31, 0, 0, 0, 0, NULL),
	    GC_EPARSE);
	assert_int_equal(date_make(&t, 10000, 1, 1, 0, 0, 0, 0, NULL),
	    GC_EPARSE);
}

/* Through mail_parse(): has_date and date for fields libetpan refuses
 * or misreads. */
static void
test_in_mail(void **state)
{
	static const char *const dates[] = {
		"Wednesday, April 03, 2002 5:56 AM",    /* refused */
		"Tue, 6 Jun 2000 03:20:11 UT",          /* read as +0001 */
		"Thu, 26 Nov 2026 10:00:00 +01:00",     /* read as +0001 */
	};
	static const long long want[] = { 1017813360LL, 960261611LL, T0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		char raw[256];
		struct mail *m = NULL;
		struct gc_err err = { 0, "" };
		int n = snprintf(raw, sizeof(raw), "From: a@example.com\n"
		    "Date: %s\n\nbody\n", dates[i]);

		assert_int_equal(mail_parse(&m, raw, (size_t)n, NULL, &err),
		    0);
		assert_true(m->has_date);
		assert_int_equal((long long)m->date, want[i]);
		mail_free(&m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_make),
		cmocka_unit_test(test_in_mail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
