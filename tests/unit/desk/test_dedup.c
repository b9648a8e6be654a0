/*
 * test_dedup.c - copies of one mail share a key, different mails do not
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "desk/dedup.h"

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

static void
raw_key(char *out, const char *raw)
{
	dedup_key_raw(out, raw, strlen(raw));
}

static void
test_broken_mails_keep_their_identity(void **state)
{
	char a[65], b[65], c[65];

	(void)state;
	/* two different mails with one body are two mails */
	raw_key(a, "From: a@x\r\nSubject: one\r\n\r\nsame body\r\n");
	raw_key(b, "From: b@y\r\nSubject: two\r\n\r\nsame body\r\n");
	assert_string_not_equal(a, b);
	raw_key(a, "Message-ID: <1@x>\r\n\r\nsame body\r\n");
	raw_key(b, "Message-ID: <2@x>\r\n\r\nsame body\r\n");
	assert_string_not_equal(a, b);
	/* the same mail again (re-fetched; piped with LF) is one */
	raw_key(a, "From: a@x\r\nSubject: one\r\n\r\nbody\r\n");
	raw_key(b, "From: a@x\nSubject: one\n\nbody\n\n");
	assert_string_equal(a, b);
	/* with a Message-ID, trace headers do not matter; folding, case and
	 * blanks of the field do not either */
	raw_key(a, "Received: x\r\nMessage-ID: <1@x>\r\n\r\nbody\r\n");
	raw_key(b, "message-id:\n  <1@x>\nX-Other: y\n\nbody\n");
	assert_string_equal(a, b);
	/* and the key is a parsed mail's with that Message-ID */
	dedup_key(c, "M: x\n\nbody\n", 12, "1@x", NULL, NULL, NULL);
	assert_string_equal(a, c);
	/* a Message-ID in the body is no Message-ID */
	raw_key(a, "From: a@x\n\nMessage-ID: <1@x>\n");
	raw_key(b, "From: b@x\n\nMessage-ID: <1@x>\n");
	assert_string_not_equal(a, b);
	/* hostile shapes: empty, an empty or endless Message-ID, NULs */
	raw_key(a, "");
	raw_key(b, "Message-ID:\r\n\r\nx");
	assert_string_not_equal(a, b);
	raw_key(a, "Message-ID: <aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(strlen(a), 64);
	dedup_raw_message_id(c, sizeof(c), "X: 1\nMessage-Id: <9@z>\n\n", 24);
	assert_string_equal(c, "9@z");
	dedup_raw_message_id(c, 4, "Message-ID: <12345@z>\n\n", 23);
	assert_string_equal(c, "123");
	dedup_raw_message_id(c, sizeof(c), "From: a\n\nMessage-ID: <1@x>\n",
	    29);
	assert_string_equal(c, "");
	dedup_key_raw(a, "From: a\0\n\nx", 11);
	dedup_key_raw(b, "From: b\0\n\nx", 11);
	assert_string_not_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copies_share_a_key),
		cmocka_unit_test(test_broken_mails_keep_their_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
