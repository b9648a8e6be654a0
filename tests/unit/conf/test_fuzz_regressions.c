/*
 * test_fuzz_regressions.c - the config fuzz target replayed in the
 * normal suite
 *
 * Every committed input of tests/fuzz/corpus/conf/ and
 * tests/fuzz/regressions/conf/ goes through the same function that
 * libFuzzer calls (tests/fuzz/fuzz_conf.c is included here), with the same
 * checks; a crash once found by the fuzzer and saved under regressions/
 * stays a failing test until it is fixed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/fuzz/replay.h"

#define FUZZ_FAIL fuzz_replay_fail
#include "tests/fuzz/fuzz_conf.c"

static void
test_conf(void **state)
{
	(void)state;
	fuzz_replay("conf", fuzz_conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
