/*
 * test_rfc2047.c - encoded-word decoding (parsers/rfc2047.c)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "parsers/rfc2047.h"
#include "parsers/utf8.h"

static struct arena pool;

static const char *
dec(const char *in, const char *fallback, bool *unknown_r)
{
	char *s = rfc2047_decode(&pool, in, strlen(in), fallback, unknown_r);

	assert_true(utf8_valid(s, strlen(s)));
	return s;
}

static int
setup(void **state)
{
	(void)state;
	arena_init(&pool, 4096);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_free(&pool);
	return 0;
}

static void
test_b_and_q(void **state)
{
	(void)state;
	assert_string_equal(dec("=?ISO-8859-1?Q?Andr=E9?= Pirard", NULL,
	    NULL), "André Pirard");
	assert_string_equal(dec("=?utf-8?b?SsO8cmdlbg==?=", NULL, NULL),
	    "Jürgen");
	assert_string_equal(dec("=?UTF-8?Q?caf=C3=A9_cr=C3=A8me?=", NULL,
	    NULL), "café crème");
	assert_string_equal(dec("=?iso-8859-1?q?this=20is=20some=20text?=",
	    NULL, NULL), "this is some text");
	assert_string_equal(dec("plain text only", NULL, NULL),
	    "plain text only");
}

static void
test_adjacent(void **state)
{
	(void)state;
	/* White space between encoded words goes, around plain text it
	 * stays. */
	assert_string_equal(dec("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=",
	    NULL, NULL), "ab");
	assert_string_equal(dec("=?ISO-8859-1?Q?a?=  \t =?ISO-8859-2?Q?b?=",
	    NULL, NULL), "ab");
	assert_string_equal(dec("=?ISO-8859-1?Q?a?= b", NULL, NULL), "a b");
	assert_string_equal(dec("a =?ISO-8859-1?Q?b?=", NULL, NULL), "a b");
	assert_string_equal(dec("=?ISO-8859-1?Q?a_?= =?ISO-8859-1?Q?_b?=",
	    NULL, NULL), "a  b");
	/* A UTF-8 character split across two base64 words */
	assert_string_equal(dec("=?UTF-8?B?w6k=?= =?UTF-8?B?4oK=?="
	    "=?UTF-8?B?rA==?=", NULL, NULL), "é€");
	/* ... and across two Q words */
	assert_string_equal(dec("=?utf-8?q?=E2=82?= =?utf-8?q?=AC?=", NULL,
	    NULL), "€");
}

static void
test_malformed(void **state)
{
	bool unknown = false;

	(void)state;
	/* glued to text, inside quotes, spaces in Q text, lowercase b/q */
	assert_string_equal(dec("Re:=?utf-8?q?caf=C3=A9?=!", NULL, NULL),
	    "Re:café!");
	assert_string_equal(dec("\"=?utf-8?b?SsO8cmdlbg==?=\" <j@x>", NULL,
	    NULL), "\"Jürgen\" <j@x>");
	assert_string_equal(dec("=?iso-8859-1?q?two words?=", NULL, NULL),
	    "two words");
	/* words that do not parse are kept as they are */
	assert_string_equal(dec("=?utf-8?x?abc?=", NULL, NULL),
	    "=?utf-8?x?abc?=");
	/* a word never closed runs to the end (Q) or to the end of its
	 * base64 (B); a '?' inside Q text does not end it */
	assert_string_equal(dec("=?utf-8?q?unterminated", NULL, NULL),
	    "unterminated");
	assert_string_equal(dec("=?iso-8859-1?q?b=fcrling ", NULL, NULL),
	    "bürling");
	assert_string_equal(dec("=?UTF-8?B?5pel5pys6Kqe", NULL, NULL),
	    "日本語");
	assert_string_equal(dec("=?UTF-8?B?5pel5pys6Kqe x", NULL, NULL),
	    "日本語 x");
	assert_string_equal(dec("=?utf-8?q?a?b?=", NULL, NULL), "a?b");
	assert_string_equal(dec("=?utf-8?q?a?b =?utf-8?q?c?=", NULL, NULL),
	    "=?utf-8?q?a?b c");
	assert_string_equal(dec("=?utf-8?q?x? no end =?utf-8?q?", NULL,
	    NULL), "=?utf-8?q?x? no end =?utf-8?q?");
	assert_string_equal(dec("=??q?abc?=", NULL, NULL), "=??q?abc?=");
	assert_string_equal(dec("=?", NULL, NULL), "=?");
	/* RFC 2231 language suffix */
	assert_string_equal(dec("=?UTF-8*fr?Q?=C3=A9t=C3=A9?=", NULL, NULL),
	    "été");
	/* unknown charset: best effort, flagged */
	assert_string_equal(dec("=?x-unknown?q?caf=E9?=", NULL, &unknown),
	    "café");
	assert_true(unknown);
	/* invalid UTF-8 in a UTF-8 word */
	assert_string_equal(dec("=?utf-8?q?a=FFb?=", NULL, NULL),
	    "a\xef\xbf\xbd" "b");
	/* NUL in an encoded word is dropped */
	assert_string_equal(dec("=?utf-8?q?a=00b?=", NULL, NULL), "ab");
}

static void
test_raw_8bit(void **state)
{
	(void)state;
	/* Raw 8-bit text: UTF-8 when valid, else the fallback charset
	 * (windows-1252 when none). */
	assert_string_equal(dec("caf\xc3\xa9", NULL, NULL), "café");
	assert_string_equal(dec("caf\xe9", NULL, NULL), "café");
	assert_string_equal(dec("\xf0\xd2\xc9\xd7\xc5\xd4", "koi8-r", NULL),
	    "Привет");
	assert_string_equal(dec("\xe9t\xe9 =?utf-8?q?=C3=A9?=", NULL, NULL),
	    "été é");
}

static void
test_many_candidates(void **state)
{
	char *big = malloc(300001);
	char *s;
	size_t i;

	(void)state;
	/* "=?" over and over must stay linear (and not crash) */
	for (i = 0; i + 6 <= 300000; i += 6)
		memcpy(big + i, "=?a?q?", 6);
	big[i] = '\0';
	s = rfc2047_decode(&pool, big, i, NULL, NULL);
	assert_int_equal(strlen(s), i);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_b_and_q, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adjacent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_raw_8bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_candidates, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
