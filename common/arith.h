/*
 * arith.h - integer arithmetic that rounds towards minus infinity
 *
 * C's / and % truncate towards zero, which is wrong for instants and
 * days before 1970 and for negative offsets: the calendar code (time
 * zones, business hours, civil dates) divides with these instead.
 * b must not be 0.
 */
#ifndef GC_ARITH_H
#define GC_ARITH_H

#include <stdint.h>

/* The largest q with q * b <= a (for b > 0). */
static inline int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* a - floor_div(a, b) * b: in [0, b) for b > 0. */
static inline int64_t
floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

#endif
