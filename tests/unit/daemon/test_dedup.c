/*
 * test_dedup.c - copies of one mail share a key, different mails do not
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/dedup.h"

static void
key(char *out, const char *raw, const char *mid)
{
	dedup_key(out, raw, strlen(raw), mid, "a@b", "Thu, 1 Jan 2026",
	    "s");
}

static void
test_copies_share_a_key(void **state)
{
	char a[65], b[65], c[65];

	(void)state;
	/* IMAP copy (CRLF, extra trace headers) vs. MTA pipe copy (LF) */
	key(a, "Received: from x\r\nMessage-ID: <1@x>\r\n\r\nHello\r\nWorld"
	    "\r\n", "1@x");
	key(b, "Delivered-To: support@y\nMessage-ID: <1@x>\n\nHello\nWorld\n"
	    "\n", "1@x");
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 64);
	/* the same Message-ID on another body is another mail */
	key(c, "Message-ID: <1@x>\n\nHello\nWorld!\n", "1@x");
	assert_string_not_equal(a, c);
	/* no Message-ID: From/Date/Subject and the body decide */
	key(a, "From: a@b\n\nbody\n", NULL);
	key(b, "From: a@b\r\nX-Trace: 1\r\n\r\nbody\r\n", NULL);
	assert_string_equal(a, b);
	dedup_key(c, "From: a@b\n\nbody\n", 16, NULL, "a@b",
	    "Thu, 1 Jan 2026", "other subject");
	assert_string_not_equal(a, c);
	/* no separator at all, empty input */
	key(a, "garbage without headers", NULL);
	key(b, "", NULL);
	assert_string_not_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copies_share_a_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
