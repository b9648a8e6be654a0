/*
 * test_dynlib.c - common/dynlib.c: a library opened on first use fills
 * its whole table or nothing; a missing library or symbol gives a
 * sentence naming it (the same on every later call, without trying
 * again), and dynlib_need() exits with the code its caller chose.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/dynlib.h"

/* libm: in every system, with a stable SONAME */
static double (*fn_cos)(double);
static double (*fn_sqrt)(double);
static void *fn_none;

static const struct dynlib_sym good_syms[] = {
	{ "cos", (void **)&fn_cos },
	{ "sqrt", (void **)&fn_sqrt },
};
static const struct dynlib_sym bad_syms[] = {
	{ "cos", (void **)&fn_cos },
	{ "guichet_no_such_function", &fn_none },
};
static const struct dynlib_sym missing_syms[] = {
	{ "cos", (void **)&fn_cos },
};

static void
test_opened_once(void **state)
{
	static struct dynlib lib = DYNLIB_INIT("libm.so.6", good_syms);
	struct gc_err err = { 0 };

	(void)state;
	assert_int_equal(dynlib_load(&lib, &err), 0);
	assert_non_null(fn_cos);
	assert_true(fn_sqrt(16.0) == 4.0);
	assert_int_equal(dynlib_load(&lib, &err), 0);
	dynlib_need(&lib);
}

static void
test_missing_symbol_fills_nothing(void **state)
{
	static struct dynlib lib = DYNLIB_INIT("libm.so.6", bad_syms);
	struct gc_err err = { 0 };

	(void)state;
	fn_cos = NULL;
	assert_int_equal(dynlib_load(&lib, &err), GC_ECONFIG);
	assert_non_null(strstr(err.msg, "libm.so.6 lacks "
	    "guichet_no_such_function"));
	assert_null(fn_cos);
	assert_null(fn_none);
	/* the same answer later, without a second try */
	memset(&err, 0, sizeof(err));
	assert_int_equal(dynlib_load(&lib, &err), GC_ECONFIG);
	assert_non_null(strstr(err.msg, "guichet_no_such_function"));
	assert_null(fn_cos);
}

static void
test_missing_library(void **state)
{
	static struct dynlib lib = DYNLIB_INIT("libguichet-none.so.9",
	    missing_syms);
	struct gc_err err = { 0 };
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(dynlib_load(&lib, &err), GC_ECONFIG);
	assert_non_null(strstr(err.msg, "cannot load libguichet-none.so.9"));
	/* dynlib_need() exits with EX_UNAVAILABLE, or the chosen code */
	if ((pid = fork()) == 0) {
		dynlib_need(&lib);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EX_UNAVAILABLE);
	if ((pid = fork()) == 0) {
		dynlib_set_exit(EX_TEMPFAIL);
		dynlib_need(&lib);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EX_TEMPFAIL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opened_once),
		cmocka_unit_test(test_missing_symbol_fills_nothing),
		cmocka_unit_test(test_missing_library),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
