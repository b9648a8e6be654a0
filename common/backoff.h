/*
 * backoff.h - exponential backoff for retry loops
 *
 * A loop that retries something that failed (a database, an IMAP server,
 * an SMTP relay) waits longer after each consecutive failure: the first
 * delay, then twice it, four times... never more than the cap, and back
 * to the first delay after a success. The unit is the caller's (seconds
 * everywhere today). Optional jitter takes up to a given percentage off a
 * delay, drawn from a random source the caller injects (so that tests
 * choose the draws), to keep many clients that failed together from
 * retrying together.
 *
 * Two forms:
 * - backoff_delay(): the delay after a number of failures, from nothing
 *   but its arguments (for a count kept elsewhere, e.g. in a database
 *   row);
 * - struct backoff: a loop's state, the count of consecutive failures;
 *   backoff_failed() counts one more and returns how long to wait,
 *   backoff_reset() forgets them on success.
 *
 * Nothing overflows: the doubling stops at the cap, whatever the count
 * (a count of 2^64 - 1 gives the cap), and the count itself stops
 * growing at UINT_MAX.
 *
 * Ownership: a struct backoff is a plain value, no allocation; the random
 * source's context is borrowed.
 */
#ifndef GC_BACKOFF_H
#define GC_BACKOFF_H

#include <limits.h>
#include <stdint.h>

#define BACKOFF_NO_CAP LLONG_MAX

/* A random source: a uniform 32-bit draw. */
typedef uint32_t (*backoff_rand_fn)(void *ctx);

struct backoff {
	long long initial;     /* the first delay; below 1 counts as 1 */
	long long cap;         /* no delay is longer; below 0 counts as 0;
	                          BACKOFF_NO_CAP for none. May change
	                          between calls (a reloaded config). */
	unsigned int jitter;   /* percent taken off at random, 0 to 100 */
	backoff_rand_fn draw;  /* the draws for the jitter, or NULL */
	void *draw_ctx;
	unsigned int failures; /* consecutive, since the last reset */
};

/* The delay after `failures` consecutive failures, before this one is
 * retried: initial doubled `failures - 1` times (initial for 0 or 1),
 * never more than cap. No jitter. */
long long backoff_delay(long long initial, long long cap,
    unsigned long long failures);

/* A loop's backoff: no failure yet, no jitter. */
void backoff_init(struct backoff *b, long long initial, long long cap);

/* Take up to percent (0 to 100; more counts as 100) off each delay of b,
 * by the fraction draw(ctx) / 2^32. draw NULL: no jitter. */
void backoff_set_jitter(struct backoff *b, unsigned int percent,
    backoff_rand_fn draw, void *ctx);

/* One more failure: returns how long to wait before the next attempt
 * (initial after the first failure, then doubled, capped, jittered). */
long long backoff_failed(struct backoff *b);

/* A success: the next failure waits initial again. */
void backoff_reset(struct backoff *b);

#endif
