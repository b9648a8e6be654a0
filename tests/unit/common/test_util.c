/*
 * test_util.c - time_iso8601() by arithmetic, as strftime writes it
 *
 * Years 1970 to 9999 are computed without gmtime_r() and strftime();
 * here they are compared with those on the edges of days, months, leap
 * years (2000, 2100, 2400) and the range, and on random instants; the
 * instants outside the range still go through strftime. And
 * host_is_loopback(): which hosts are this machine's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "common/util.h"

static void
same_as_strftime(time_t t)
{
	char got[32], want[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
	memset(got, 'x', sizeof(got));
	time_iso8601(got, sizeof(got), t);
	assert_string_equal(got, want);
}

static void
test_edges(void **state)
{
	static const long long days[] = {
		0, 1, 58, 59, 60, 365, 10957, 11016, 11017, 11018, 11322,
		47540, 47541, 47542, 157152, 2932896,
	};
	char small[21];

	(void)state;
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		for (long long s = -1; s <= 1; s++)
			if (days[i] * 86400 + s >= 0)
				same_as_strftime((time_t)(days[i] * 86400 + s));
	same_as_strftime((time_t)253402300799LL);   /* 9999-12-31T23:59:59 */
	same_as_strftime((time_t)253402300800LL);   /* 10000: strftime */
	same_as_strftime((time_t)-1);
	same_as_strftime((time_t)-86400LL * 365 * 100);
	time_iso8601(small, sizeof(small), (time_t)1795687200);
	assert_string_equal(small, "2026-11-26T10:00:00Z");
}

static void
test_every_day_and_random(void **state)
{
	unsigned seed = 8601;

	(void)state;
	/* every day from 1970 to 2500, at a moving time of day */
	for (long long d = 0; d < 194000; d++)
		same_as_strftime((time_t)(d * 86400 + d % 86400));
	for (int i = 0; i < 200000; i++) {
		long long t = ((long long)rand_r(&seed) << 31 ^
		    rand_r(&seed)) % 253402300800LL;

		same_as_strftime((time_t)t);
	}
}

static void
test_loopback(void **state)
{
	static const char *const yes[] = { "localhost", "LocalHost",
		"localhost.", "127.0.0.1", "127.1.2.3", "127.255.255.254", "::1",
		"[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1",
		"[::ffff:127.9.9.9]", NULL };
	static const char *const no[] = { "", "[]", "localhost.example",
		"mylocalhost", "128.0.0.1", "10.0.0.1", "0.0.0.0", "::",
		"::2", "::ffff:10.0.0.1", "127.0.0.1.nip.io", "127.0.0.256",
		"[::1", "::1]", "fe80::1", "2001:db8::1",
		"1111111111111111111111111111111111111111111111111111111111111111"
		"1111111111111111", NULL };

	(void)state;
	for (size_t i = 0; yes[i] != NULL; i++)
		if (!host_is_loopback(yes[i]))
			fail_msg("%s: not loopback", yes[i]);
	for (size_t i = 0; no[i] != NULL; i++)
		if (host_is_loopback(no[i]))
			fail_msg("%s: loopback", no[i]);
}

/* Worked time: hours never turn into days, signs kept, no overflow at
 * the ends of long long. */
static void
test_minutes_text(void **state)
{
	static const struct { long long m; const char *want; } v[] = {
		{ 0, "0 min" }, { 45, "45 min" }, { 59, "59 min" },
		{ 60, "1 h 00" }, { 135, "2 h 15" }, { 1800, "30 h 00" },
		{ -15, "-15 min" }, { -90, "-1 h 30" },
		{ LLONG_MIN, "-153722867280912930 h 08" },
		{ LLONG_MAX, "153722867280912930 h 07" },
	};
	char b[32];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		minutes_text(b, sizeof(b), v[i].m);
		assert_string_equal(b, v[i].want);
	}
	minutes_text(b, 6, 135);
	assert_string_equal(b, "2 h 1");
}

/* Sizes for people: whole kilobytes rounded up under a megabyte, one
 * decimal above, French units and comma; no overflow at the top. */
static void
test_size_text(void **state)
{
	static const struct {
		unsigned long long n;
		const char *en, *fr;
	} v[] = {
		{ 0, "0 KB", "0 Ko" }, { 1, "1 KB", "1 Ko" },
		{ 16384, "16 KB", "16 Ko" }, { 16385, "17 KB", "17 Ko" },
		{ 1048575, "1024 KB", "1024 Ko" },
		{ 1048576, "1.0 MB", "1,0 Mo" },
		{ 26529382, "25.3 MB", "25,3 Mo" },
		{ ULLONG_MAX, "17592186044416.0 MB", "17592186044416,0 Mo" },
	};
	char b[32];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_text(b, sizeof(b), v[i].n, false);
		assert_string_equal(b, v[i].en);
		size_text(b, sizeof(b), v[i].n, true);
		assert_string_equal(b, v[i].fr);
	}
	size_text(b, 4, 26529382, true);
	assert_string_equal(b, "25,");
}

/* hex_decode() reads back what hex_encode() wrote, either case, a
 * NUL after; an odd last digit is dropped, a pair not hex reads as 0. */
static void
test_hex_decode(void **state)
{
	const unsigned char bytes[] = { 0x00, 0xff, 0x47, 0x10, 0xab };
	char hex[2 * sizeof(bytes) + 1];
	unsigned char *b;
	size_t n;

	(void)state;
	hex_encode(hex, bytes, sizeof(bytes));
	b = hex_decode(hex, &n);
	assert_int_equal(n, sizeof(bytes));
	assert_memory_equal(b, bytes, n);
	assert_int_equal(b[n], 0);
	free(b);
	b = hex_decode("FFa", &n);
	assert_int_equal(n, 1);
	assert_int_equal(b[0], 0xff);
	free(b);
	b = hex_decode("zz41", &n);
	assert_int_equal(n, 2);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 0x41);
	free(b);
	b = hex_decode(NULL, &n);
	assert_int_equal(n, 0);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_every_day_and_random),
		cmocka_unit_test(test_minutes_text),
		cmocka_unit_test(test_size_text),
		cmocka_unit_test(test_hex_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
