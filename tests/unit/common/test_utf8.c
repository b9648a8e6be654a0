/*
 * test_utf8.c - common/utf8.h: utf8_decode() at every edge of well-formed
 * UTF-8 (each length, overlongs, surrogates, truncation, U+10FFFF and
 * past it), and against an independent reading of the rules over every
 * sequence of up to three bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/utf8.h"

#define UNTOUCHED 0xdeadbeefu

/* utf8_decode() on the len bytes of s: its length, *cp_r its code point
 * (UNTOUCHED when it was not written). */
static size_t
dec(uint32_t *cp_r, const char *s, size_t len)
{
	*cp_r = UNTOUCHED;
	return utf8_decode(cp_r, (const unsigned char *)s, len);
}

static void
assert_ok(const char *s, size_t len, uint32_t want)
{
	uint32_t cp;

	assert_int_equal(dec(&cp, s, len), len);
	assert_int_equal(cp, want);
	/* without a place for the code point, the same length */
	assert_int_equal(utf8_decode(NULL, (const unsigned char *)s, len),
	    len);
}

static void
assert_bad(const char *s, size_t len)
{
	uint32_t cp;

	assert_int_equal(dec(&cp, s, len), 0);
	assert_int_equal(cp, UNTOUCHED);
	assert_int_equal(utf8_decode(NULL, (const unsigned char *)s, len), 0);
}

static void
test_each_length(void **state)
{
	(void)state;
	assert_ok("\x00", 1, 0x00);
	assert_ok("A", 1, 0x41);
	assert_ok("\x7f", 1, 0x7f);
	assert_ok("\xc2\x80", 2, 0x80);
	assert_ok("\xc3\xa9", 2, 0xe9);
	assert_ok("\xdf\xbf", 2, 0x7ff);
	assert_ok("\xe0\xa0\x80", 3, 0x800);
	assert_ok("\xe2\x82\xac", 3, 0x20ac);
	assert_ok("\xed\x9f\xbf", 3, 0xd7ff);
	assert_ok("\xee\x80\x80", 3, 0xe000);
	assert_ok("\xef\xbf\xbd", 3, 0xfffd);
	assert_ok("\xef\xbf\xbf", 3, 0xffff);
	assert_ok("\xf0\x90\x80\x80", 4, 0x10000);
	assert_ok("\xf0\x9f\x98\x80", 4, 0x1f600);
	assert_ok("\xf4\x8f\xbf\xbf", 4, 0x10ffff);
}

static void
test_only_the_first_character(void **state)
{
	uint32_t cp;

	(void)state;
	/* the bytes after the character are not its own */
	assert_int_equal(dec(&cp, "Ab", 2), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(dec(&cp, "\xc3\xa9\xc3\xa9", 4), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(dec(&cp, "\xe2\x82\xac\x80", 4), 3);
	assert_int_equal(cp, 0x20ac);
}

static void
test_overlongs(void **state)
{
	(void)state;
	assert_bad("\xc0\x80", 2);              /* U+0000 in two bytes */
	assert_bad("\xc0\xaf", 2);              /* '/' in two bytes */
	assert_bad("\xc1\xbf", 2);              /* U+007F in two bytes */
	assert_bad("\xe0\x80\x80", 3);
	assert_bad("\xe0\x9f\xbf", 3);          /* U+07FF in three */
	assert_bad("\xf0\x80\x80\x80", 4);
	assert_bad("\xf0\x8f\xbf\xbf", 4);      /* U+FFFF in four */
}

static void
test_surrogates(void **state)
{
	(void)state;
	assert_bad("\xed\xa0\x80", 3);          /* U+D800 */
	assert_bad("\xed\xad\xbf", 3);          /* U+DB7F */
	assert_bad("\xed\xb0\x80", 3);          /* U+DC00 */
	assert_bad("\xed\xbf\xbf", 3);          /* U+DFFF */
	/* a CESU-8 pair for U+1F600 is two surrogates, not a character */
	assert_bad("\xed\xa0\xbd\xed\xb8\x80", 6);
}

static void
test_past_the_last_code_point(void **state)
{
	(void)state;
	assert_bad("\xf4\x90\x80\x80", 4);      /* U+110000 */
	assert_bad("\xf4\xbf\xbf\xbf", 4);
	assert_bad("\xf5\x80\x80\x80", 4);
	assert_bad("\xf7\xbf\xbf\xbf", 4);      /* U+1FFFFF */
	assert_bad("\xf8\x88\x80\x80\x80", 5);  /* old five-byte form */
	assert_bad("\xfc\x84\x80\x80\x80\x80", 6);
	assert_bad("\xfe", 1);
	assert_bad("\xff", 1);
}

static void
test_truncated(void **state)
{
	(void)state;
	assert_bad("", 0);
	assert_bad("A", 0);                     /* nothing is left */
	assert_bad("\xc3", 1);
	assert_bad("\xe2", 1);
	assert_bad("\xe2\x82", 2);
	assert_bad("\xf0", 1);
	assert_bad("\xf0\x9f", 2);
	assert_bad("\xf0\x9f\x98", 3);
	/* a short len wins over the bytes that follow in memory */
	assert_bad("\xc3\xa9", 1);
	assert_bad("\xe2\x82\xac", 2);
	assert_bad("\xf4\x8f\xbf\xbf", 3);
}

static void
test_bad_continuations(void **state)
{
	(void)state;
	assert_bad("\x80", 1);                  /* lone continuation */
	assert_bad("\xbf\x80", 2);
	assert_bad("\xc3\x28", 2);
	assert_bad("\xc3\xc3", 2);
	assert_bad("\xe2\x28\xa1", 3);
	assert_bad("\xe2\x82\x28", 3);
	assert_bad("\xe2\x82\xc0", 3);
	assert_bad("\xf0\x28\x8c\xbc", 4);
	assert_bad("\xf0\x90\x28\xbc", 4);
	assert_bad("\xf0\x9f\x98\x28", 4);
	assert_bad("\xf0\x9f\x98\xff", 4);
}

/* The rules read another way: take the bits the lead byte announces, and
 * the sequence is well formed when every continuation is 10xxxxxx, the
 * code point needed that many bytes, and it is a scalar value. */
static size_t
reference(uint32_t *cp_r, const unsigned char *s, size_t len)
{
	size_t need, i;
	uint32_t cp, min;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		need = 1, cp = s[0], min = 0;
	else if ((s[0] & 0xe0) == 0xc0)
		need = 2, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		need = 3, cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		need = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return need;
}

static void
check_same(const unsigned char *s, size_t len)
{
	uint32_t got = UNTOUCHED, want = UNTOUCHED;
	size_t n = utf8_decode(&got, s, len);

	if (n != reference(&want, s, len) || got != want)
		fail_msg("%02x %02x %02x %02x (len %zu): %zu U+%04X",
		    s[0], len > 1 ? s[1] : 0, len > 2 ? s[2] : 0,
		    len > 3 ? s[3] : 0, len, n, (unsigned)got);
}

static void
test_agrees_with_the_rules(void **state)
{
	/* continuation bytes at both ends of their range, and bytes just
	 * outside it, for the fourth byte */
	static const unsigned char fourth[] = { 0x00, 0x7f, 0x80, 0x9f,
		0xa0, 0xbf, 0xc0, 0xff };
	unsigned char s[4];
	unsigned a, b, c;
	size_t k;

	(void)state;
	for (a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		check_same(s, 1);
		for (b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			check_same(s, 2);
			for (c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				check_same(s, 3);
				if (a < 0xf0 || a > 0xf7)
					continue;
				for (k = 0; k < sizeof(fourth); k++) {
					s[3] = fourth[k];
					check_same(s, 4);
				}
			}
		}
	}
}

static void
test_lead_and_second_bytes(void **state)
{
	(void)state;
	assert_int_equal(utf8_lead_len(0x00), 1);
	assert_int_equal(utf8_lead_len(0x7f), 1);
	assert_int_equal(utf8_lead_len(0x80), 0);
	assert_int_equal(utf8_lead_len(0xc1), 0);
	assert_int_equal(utf8_lead_len(0xc2), 2);
	assert_int_equal(utf8_lead_len(0xe0), 3);
	assert_int_equal(utf8_lead_len(0xf4), 4);
	assert_int_equal(utf8_lead_len(0xf5), 0);
	assert_true(utf8_second_ok(0xe0, 0xa0));
	assert_false(utf8_second_ok(0xe0, 0x9f));
	assert_true(utf8_second_ok(0xed, 0x9f));
	assert_false(utf8_second_ok(0xed, 0xa0));
	assert_false(utf8_second_ok(0xf0, 0x8f));
	assert_true(utf8_second_ok(0xf4, 0x8f));
	assert_false(utf8_second_ok(0xf4, 0x90));
	assert_false(utf8_second_ok(0xc3, 0xc0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_length),
		cmocka_unit_test(test_only_the_first_character),
		cmocka_unit_test(test_overlongs),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_past_the_last_code_point),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_continuations),
		cmocka_unit_test(test_agrees_with_the_rules),
		cmocka_unit_test(test_lead_and_second_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
