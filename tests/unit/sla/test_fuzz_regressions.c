/*
 * test_fuzz_regressions.c - the sla fuzz targets replayed in the normal
 * suite
 *
 * Every committed input of tests/fuzz/corpus/<target>/ and
 * tests/fuzz/regressions/<target>/ goes through the same function that
 * libFuzzer calls (the target files are included here), with the same
 * checks; a crash once found by the fuzzer and saved under regressions/
 * stays a failing test until it is fixed.
 * Targets: tz (TZif bytes), tz_posix (POSIX TZ strings), calendar (hours,
 * holidays and the deadline arithmetic), rules (rules files, evaluated),
 * policy (the SLA sections of a config: timers, qualification, routes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/fuzz/replay.h"

#define FUZZ_FAIL fuzz_replay_fail
#include "tests/fuzz/fuzz_calendar.c"
#include "tests/fuzz/fuzz_policy.c"
#include "tests/fuzz/fuzz_rules.c"
#include "tests/fuzz/fuzz_tz.c"
#include "tests/fuzz/fuzz_tz_posix.c"

static void
test_tz(void **state)
{
	(void)state;
	fuzz_replay("tz", fuzz_tz);
}

static void
test_tz_posix(void **state)
{
	(void)state;
	fuzz_replay("tz_posix", fuzz_tz_posix);
}

static void
test_calendar(void **state)
{
	(void)state;
	fuzz_replay("calendar", fuzz_calendar);
}

static void
test_rules(void **state)
{
	(void)state;
	fuzz_replay("rules", fuzz_rules);
}

static void
test_policy(void **state)
{
	(void)state;
	fuzz_replay("policy", fuzz_policy);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tz),
		cmocka_unit_test(test_tz_posix),
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
