/*
 * test_err.c - common/err.c: error records, and gc_err_prefix() cutting a
 * message that no longer fits at the end, always NUL-terminated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/err.h"

static void
test_set_and_prefix(void **state)
{
	struct gc_err err;

	(void)state;
	assert_int_equal(gc_err_set(&err, GC_EIO, "read: %s", "broken"),
	    GC_EIO);
	assert_int_equal(err.code, GC_EIO);
	gc_err_prefix(&err, "imap %s", "support");
	assert_string_equal(err.msg, "imap support: read: broken");
	assert_int_equal(err.code, GC_EIO);
	gc_err_clear(&err);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.msg, "");
	/* a NULL record is allowed everywhere */
	assert_int_equal(gc_err_set(NULL, GC_EINVAL, "x"), GC_EINVAL);
	gc_err_prefix(NULL, "y");
	gc_err_clear(NULL);
}

static void
test_prefix_cuts_at_the_end(void **state)
{
	char longmsg[GC_ERRMSG_SIZE];
	struct gc_err err;
	size_t n;

	(void)state;
	/* the longest message a record holds, then a prefix */
	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	gc_err_set(&err, GC_EPARSE, "%s", longmsg);
	assert_int_equal(strlen(err.msg), GC_ERRMSG_SIZE - 1);
	gc_err_prefix(&err, "ctx");
	n = strlen(err.msg);
	assert_int_equal(n, GC_ERRMSG_SIZE - 1);
	assert_memory_equal(err.msg, "ctx: xxx", 8);
	assert_int_equal(err.msg[n - 1], 'x');

	/* a prefix that fills the record: the prefix, cut */
	memset(longmsg, 'p', sizeof(longmsg) - 1);
	gc_err_set(&err, GC_EPARSE, "old");
	gc_err_prefix(&err, "%s", longmsg);
	assert_int_equal(strlen(err.msg), GC_ERRMSG_SIZE - 1);
	assert_null(strstr(err.msg, "old"));

	/* a prefix that leaves room for part of the old message */
	memset(longmsg, 'p', sizeof(longmsg) - 1);
	longmsg[GC_ERRMSG_SIZE - 6] = '\0';
	gc_err_set(&err, GC_EPARSE, "abcdef");
	gc_err_prefix(&err, "%s", longmsg);
	n = strlen(err.msg);
	assert_int_equal(n, GC_ERRMSG_SIZE - 1);
	assert_string_equal(err.msg + n - 5, ": abc");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_and_prefix),
		cmocka_unit_test(test_prefix_cuts_at_the_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
