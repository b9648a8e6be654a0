/*
 * backoff.c - exponential backoff for retry loops (see backoff.h)
 *
 * The doubling is a loop that stops as soon as the cap is reached, and it
 * checks d > cap / 2 before doubling, so neither a huge failure count nor
 * a cap of LLONG_MAX can overflow. The jitter is computed in 128 bits:
 * a delay near LLONG_MAX times a 32-bit draw does not fit in 64.
 */
#include "common/backoff.h"

#include <string.h>

long long
backoff_delay(long long initial, long long cap, unsigned long long failures)
{
	long long d = initial < 1 ? 1 : initial;

	if (cap < 0)
		cap = 0;
	for (; failures > 1 && d < cap; failures--) {
		if (d > cap / 2) {
			d = cap;
			break;
		}
		d *= 2;
	}
	return d > cap ? cap : d;
}

void
backoff_init(struct backoff *b, long long initial, long long cap)
{
	memset(b, 0, sizeof(*b));
	b->initial = initial;
	b->cap = cap;
}

void
backoff_set_jitter(struct backoff *b, unsigned int percent,
    backoff_rand_fn draw, void *ctx)
{
	b->jitter = percent > 100 ? 100 : percent;
	b->draw = draw;
	b->draw_ctx = ctx;
}

long long
backoff_failed(struct backoff *b)
{
	long long d, span;

	if (b->failures < UINT_MAX)
		b->failures++;
	d = backoff_delay(b->initial, b->cap, b->failures);
	if (b->jitter == 0 || b->draw == NULL || d <= 0)
		return d;
	/* span <= d: d / 100 * jitter + the rest, without overflow */
	span = d / 100 * b->jitter + d % 100 * b->jitter / 100;
	return d - (long long)(((unsigned __int128)span *
	    b->draw(b->draw_ctx)) >> 32);
}

void
backoff_reset(struct backoff *b)
{
	b->failures = 0;
}
