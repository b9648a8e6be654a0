/*
 * test_utf8.c - UTF-8 validation and sanitising (parsers/utf8.c)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/err.h"
#include "common/mem.h"
#include "parsers/utf8.h"

#define R "\xef\xbf\xbd"

static void
test_valid(void **state)
{
	(void)state;
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("abc", 3));
	assert_true(utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    14));
	assert_false(utf8_valid("\xc0\xaf", 2));          /* overlong */
	assert_false(utf8_valid("\xe0\x80\xaf", 3));      /* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4));  /* > U+10FFFF */
	assert_false(utf8_valid("\xc3", 1));              /* truncated */
	assert_false(utf8_valid("\x80", 1));              /* lone cont. */
	assert_false(utf8_valid("\xff", 1));
}

static void
test_sanitize(void **state)
{
	struct arena a;
	size_t len;

	(void)state;
	arena_init(&a, 1024);
	assert_string_equal(utf8_sanitize(&a, "ok", 2, &len), "ok");
	assert_int_equal(len, 2);
	/* NUL dropped, each bad byte or truncated sequence one U+FFFD */
	assert_string_equal(utf8_sanitize(&a, "a\0b", 3, NULL), "ab");
	assert_string_equal(utf8_sanitize(&a, "x\xff" "y", 3, NULL),
	    "x" R "y");
	assert_string_equal(utf8_sanitize(&a, "\xe2\x82" "z", 3, NULL),
	    R "z");
	assert_string_equal(utf8_sanitize(&a, "\xed\xa0\x80", 3, NULL),
	    R R R);
	assert_string_equal(utf8_sanitize(&a, "\xf0\x9f\x98", 3, NULL), R);
	arena_free(&a);
}

static void
test_controls(void **state)
{
	char s1[] = "a\tb\r\nc\x01\x7f" "d\xc2\x85" "e";
	char s2[] = "a\tb\nc";
	char s3[] = "  many   spaces here  ";
	char s4[] = "\xc3\xa9\xc3\xa9\xc3\xa9";

	(void)state;
	assert_string_equal(utf8_strip_controls(s1, false, false), "a bcde");
	assert_string_equal(utf8_strip_controls(s2, true, true), "a\tb\nc");
	assert_string_equal(utf8_squeeze_spaces(s3), "many spaces here");
	assert_int_equal(utf8_truncate(s4, 3), 2);   /* no half é */
	assert_string_equal(s4, "\xc3\xa9");
}

static void
test_put(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(utf8_put(&b, 0x41), 0);
	assert_int_equal(utf8_put(&b, 0xe9), 0);
	assert_int_equal(utf8_put(&b, 0x20ac), 0);
	assert_int_equal(utf8_put(&b, 0x1f600), 0);
	assert_int_equal(utf8_put(&b, 0xd800), 0);   /* surrogate: U+FFFD */
	assert_string_equal(buf_str(&b),
	    "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" R);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_put),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
