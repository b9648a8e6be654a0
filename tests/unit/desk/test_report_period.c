/*
 * test_report_period.c - the periods of desk/report.c: months and
 * quarters as local midnights (DST included), the period that a
 * scheduled report covers, and every malformed value refused
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/util.h"
#include "desk/report.h"
#include "sla/tz.h"

static struct tz *paris;

static int
setup(void **state)
{
	struct gc_err err = { 0 };

	(void)state;
	return tz_from_posix(&paris, "Europe/Paris",
	    "CET-1CEST,M3.5.0,M10.5.0/3", &err);
}

static int
teardown(void **state)
{
	(void)state;
	tz_free(&paris);
	return 0;
}

static void
iso(char *out, time_t t)
{
	time_iso8601(out, 32, t);
}

static void
test_month_and_quarter(void **state)
{
	struct gc_err err = { 0 };
	char label[16], a[32], b[32];
	time_t s, e;

	(void)state;
	assert_int_equal(report_period_parse(REPORT_MONTHLY, "2026-10", paris,
	    &s, &e, label, &err), 0);
	iso(a, s);
	iso(b, e);
	assert_string_equal(label, "2026-10");
	assert_string_equal(a, "2026-09-30T22:00:00Z");   /* CEST */
	assert_string_equal(b, "2026-10-31T23:00:00Z");   /* CET */
	assert_int_equal(report_period_parse(REPORT_MONTHLY, "2026-12", paris,
	    &s, &e, label, &err), 0);
	iso(b, e);
	assert_string_equal(b, "2026-12-31T23:00:00Z");
	assert_int_equal(report_period_parse(REPORT_QUARTERLY, "2026-q4",
	    paris, &s, &e, label, &err), 0);
	iso(a, s);
	iso(b, e);
	assert_string_equal(label, "2026-Q4");
	assert_string_equal(a, "2026-09-30T22:00:00Z");
	assert_string_equal(b, "2026-12-31T23:00:00Z");
	assert_int_equal(report_period_parse(REPORT_MONTHLY, "2026-10",
	    tz_utc(), &s, &e, label, &err), 0);
	iso(a, s);
	assert_string_equal(a, "2026-10-01T00:00:00Z");
}

static void
test_refused(void **state)
{
	static const char *const months[] = { "2026-13", "2026-00", "2026-1",
		"26-10", "2026/10", "2026-10-01", "", "2026-Q4", " 2026-10",
		"2026-10 ", "1969-12", "+026-10", "2026-1a", "2026-\xd9\xa1" };
	static const char *const quarters[] = { "2026-Q5", "2026-Q0",
		"2026-10", "2026Q4", "2026-Q44", "2026-Q", "2026-X4",
		"1969-Q4" };
	struct gc_err err = { 0 };
	char label[16];
	time_t s, e;

	(void)state;
	for (size_t i = 0; i < sizeof(months) / sizeof(months[0]); i++) {
		assert_int_equal(report_period_parse(REPORT_MONTHLY, months[i],
		    paris, &s, &e, label, &err), GC_EINVAL);
		assert_non_null(strstr(err.msg, "YYYY-MM"));
	}
	for (size_t i = 0; i < sizeof(quarters) / sizeof(quarters[0]); i++) {
		assert_int_equal(report_period_parse(REPORT_QUARTERLY,
		    quarters[i], paris, &s, &e, label, &err), GC_EINVAL);
		assert_non_null(strstr(err.msg, "YYYY-QN"));
	}
}

static void
test_previous(void **state)
{
	char label[16], a[32];
	time_t now, s, e;

	(void)state;
	/* 00:30 on 1 December in Paris: November */
	assert_int_equal(time_parse_iso8601(&now, "2026-11-30T23:30:00Z"), 0);
	report_period_previous(REPORT_MONTHLY, paris, now, label, &s, &e);
	iso(a, s);
	assert_string_equal(label, "2026-11");
	assert_string_equal(a, "2026-10-31T23:00:00Z");
	/* 23:30 on 30 November in Paris: still October's */
	assert_int_equal(time_parse_iso8601(&now, "2026-11-30T22:30:00Z"), 0);
	report_period_previous(REPORT_MONTHLY, paris, now, label, &s, &e);
	assert_string_equal(label, "2026-10");
	/* January: December and the fourth quarter of the year before */
	assert_int_equal(time_parse_iso8601(&now, "2027-01-01T00:10:00Z"), 0);
	report_period_previous(REPORT_MONTHLY, paris, now, label, &s, &e);
	assert_string_equal(label, "2026-12");
	report_period_previous(REPORT_QUARTERLY, paris, now, label, &s, &e);
	iso(a, s);
	assert_string_equal(label, "2026-Q4");
	assert_string_equal(a, "2026-09-30T22:00:00Z");
	assert_int_equal(time_parse_iso8601(&now, "2027-05-02T10:00:00Z"), 0);
	report_period_previous(REPORT_QUARTERLY, paris, now, label, &s, &e);
	assert_string_equal(label, "2027-Q1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_month_and_quarter),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_previous),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
