/*
 * test_backoff.c - common/backoff.c: the doubling sequence, the cap, no
 * overflow at huge failure counts or caps, reset on success, and the
 * jitter with draws chosen by the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <cmocka.h>

#include "common/backoff.h"

static void
test_sequence(void **state)
{
	static const long long want[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256,
		300, 300, 300 };
	struct backoff b;

	(void)state;
	backoff_init(&b, 1, 300);
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		assert_int_equal(backoff_failed(&b), want[i]);
	assert_int_equal(b.failures, 12);
	/* another first delay */
	backoff_init(&b, 30, 3600);
	assert_int_equal(backoff_failed(&b), 30);
	assert_int_equal(backoff_failed(&b), 60);
	assert_int_equal(backoff_failed(&b), 120);
}

static void
test_pure(void **state)
{
	(void)state;
	/* 0 and 1 failures: the first delay */
	assert_int_equal(backoff_delay(30, 3600, 0), 30);
	assert_int_equal(backoff_delay(30, 3600, 1), 30);
	assert_int_equal(backoff_delay(30, 3600, 2), 60);
	assert_int_equal(backoff_delay(30, 3600, 8), 3600);   /* 3840 */
	/* a first delay below 1 counts as 1 */
	assert_int_equal(backoff_delay(0, 100, 1), 1);
	assert_int_equal(backoff_delay(-5, 100, 3), 4);
	/* an odd cap is reached exactly, never passed */
	assert_int_equal(backoff_delay(1, 5, 3), 4);
	assert_int_equal(backoff_delay(1, 5, 4), 5);
}

static void
test_cap(void **state)
{
	struct backoff b;

	(void)state;
	/* a cap under the first delay wins */
	assert_int_equal(backoff_delay(30, 10, 1), 10);
	/* cap 0 (or below): no wait at all */
	assert_int_equal(backoff_delay(1, 0, 5), 0);
	assert_int_equal(backoff_delay(1, -7, 5), 0);
	/* the cap may change between failures (a reloaded config) */
	backoff_init(&b, 1, 1000);
	for (int i = 0; i < 5; i++)
		backoff_failed(&b);                   /* 16 */
	b.cap = 20;
	assert_int_equal(backoff_failed(&b), 20);     /* 32, capped */
	b.cap = 1000;
	assert_int_equal(backoff_failed(&b), 64);
}

static void
test_overflow(void **state)
{
	struct backoff b;

	(void)state;
	assert_int_equal(backoff_delay(1, BACKOFF_NO_CAP, 63),
	    1LL << 62);
	assert_int_equal(backoff_delay(1, BACKOFF_NO_CAP, 64), LLONG_MAX);
	assert_int_equal(backoff_delay(1, BACKOFF_NO_CAP, ULLONG_MAX),
	    LLONG_MAX);
	assert_int_equal(backoff_delay(LLONG_MAX, BACKOFF_NO_CAP, ULLONG_MAX),
	    LLONG_MAX);
	assert_int_equal(backoff_delay(3, 300, ULLONG_MAX), 300);
	assert_int_equal(backoff_delay((LLONG_MAX / 2) + 1, BACKOFF_NO_CAP, 2),
	    LLONG_MAX);
	/* the count stops at UINT_MAX, the delay at the cap */
	backoff_init(&b, 1, 300);
	b.failures = UINT_MAX - 1;
	assert_int_equal(backoff_failed(&b), 300);
	assert_int_equal(b.failures, UINT_MAX);
	assert_int_equal(backoff_failed(&b), 300);
	assert_int_equal(b.failures, UINT_MAX);
}

static void
test_reset(void **state)
{
	struct backoff b;

	(void)state;
	backoff_init(&b, 2, 100);
	assert_int_equal(backoff_failed(&b), 2);
	assert_int_equal(backoff_failed(&b), 4);
	assert_int_equal(backoff_failed(&b), 8);
	backoff_reset(&b);
	assert_int_equal(b.failures, 0);
	assert_int_equal(backoff_failed(&b), 2);
	assert_int_equal(backoff_failed(&b), 4);
}

/* Draws from a list, in turn. */
struct draws {
	const uint32_t *v;
	size_t n, next;
};

static uint32_t
draw(void *ctx)
{
	struct draws *d = ctx;

	return d->v[d->next++ % d->n];
}

static void
test_jitter(void **state)
{
	static const uint32_t v[] = { 0, 0x80000000u, 0xffffffffu };
	struct draws d = { v, 3, 0 };
	struct backoff b;

	(void)state;
	/* up to 50% off: 0 -> none, half -> 25%, all -> just under 50% */
	backoff_init(&b, 100, 10000);
	backoff_set_jitter(&b, 50, draw, &d);
	assert_int_equal(backoff_failed(&b), 100);
	assert_int_equal(backoff_failed(&b), 150);     /* 200 - 50 */
	assert_int_equal(backoff_failed(&b), 201);     /* 400 - 199 */
	assert_int_equal(d.next, 3);
	/* never below 1 with 100% off, never above the cap */
	backoff_init(&b, 1, 8);
	backoff_set_jitter(&b, 250, draw, &d);        /* counts as 100 */
	assert_int_equal(b.jitter, 100);
	d.next = 2;
	for (int i = 0; i < 30; i++) {
		long long w = backoff_failed(&b);

		assert_true(w >= 1 && w <= 8);
	}
	/* huge delays do not overflow */
	backoff_init(&b, 1, BACKOFF_NO_CAP);
	backoff_set_jitter(&b, 100, draw, &d);
	b.failures = 1000;
	d.next = 2;
	assert_true(backoff_failed(&b) >= 1);
	/* no source: no jitter */
	backoff_init(&b, 10, 100);
	backoff_set_jitter(&b, 50, NULL, NULL);
	assert_int_equal(backoff_failed(&b), 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_pure),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_jitter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
