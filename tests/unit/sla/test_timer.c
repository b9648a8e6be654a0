/*
 * test_timer.c - sla/timer.c: the SLA timer rule
 *
 * Hand-written cases of each rule, then a property test: random timers
 * stepped by a model scheduler (which, like the database, calls the
 * tick when next_at has come, sometimes also on a stale next_at) over
 * random clocks, repeated instants and refreshes that move, keep, pause
 * or meet the instants. The seed is printed; GUICHET_TEST_SEED=N runs
 * the same sequence again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sla/timer.h"

#define T0 ((time_t)1795000000)

/* ----- Hand-written cases ----------------------------------------- */

static struct sla_timer_state
timer(time_t due, time_t warn, bool warned, bool breached)
{
	return (struct sla_timer_state){ .due_at = due, .warn_at = warn,
	    .warned = warned, .breached = breached };
}

static void
test_warning_then_breach(void **state)
{
	struct sla_timer_state t = timer(T0 + 100, T0 + 80, false, false);
	struct sla_timer_step s;

	(void)state;
	sla_timer_refresh(&s, &t, NULL, false);
	assert_int_equal(s.next_at, T0 + 80);
	assert_false(s.warned || s.breached || s.keep_warned ||
	    s.keep_breached);
	sla_timer_fire(&s, &t, false, T0 + 79);
	assert_int_equal(s.level, SLA_LEVEL_NONE);
	assert_int_equal(s.next_at, T0 + 80);
	sla_timer_fire(&s, &t, false, T0 + 80);
	assert_int_equal(s.level, SLA_LEVEL_WARNING);
	assert_true(s.warned);
	assert_false(s.breached);
	assert_int_equal(s.next_at, T0 + 100);
	t.warned = true;
	sla_timer_fire(&s, &t, false, T0 + 99);
	assert_int_equal(s.level, SLA_LEVEL_NONE);
	assert_int_equal(s.next_at, T0 + 100);
	sla_timer_fire(&s, &t, false, T0 + 100);
	assert_int_equal(s.level, SLA_LEVEL_BREACH);
	assert_true(s.warned && s.breached);
	assert_int_equal(s.next_at, 0);
	t.breached = true;
	sla_timer_fire(&s, &t, false, T0 + 5000);
	assert_int_equal(s.level, SLA_LEVEL_NONE);
	assert_int_equal(s.next_at, 0);
}

static void
test_late_breach_alone(void **state)
{
	struct sla_timer_state t = timer(T0 + 100, T0 + 80, false, false);
	struct sla_timer_step s;

	(void)state;
	/* the daemon was down past both instants: the breach only */
	sla_timer_fire(&s, &t, false, T0 + 500);
	assert_int_equal(s.level, SLA_LEVEL_BREACH);
	assert_true(s.warned && s.breached);
	assert_int_equal(s.next_at, 0);
}

static void
test_warning_not_before_deadline(void **state)
{
	struct sla_timer_state t = timer(T0 + 100, T0 + 100, false, false);
	struct sla_timer_step s;

	(void)state;
	sla_timer_refresh(&s, &t, NULL, false);
	assert_int_equal(s.next_at, T0 + 100);
	t.warn_at = T0 + 150;
	sla_timer_refresh(&s, &t, NULL, false);
	assert_int_equal(s.next_at, T0 + 100);
	sla_timer_fire(&s, &t, false, T0 + 99);
	assert_int_equal(s.level, SLA_LEVEL_NONE);
	/* no warning off: the deadline alone */
	t.warn_at = 0;
	sla_timer_refresh(&s, &t, NULL, false);
	assert_int_equal(s.next_at, T0 + 100);
	sla_timer_fire(&s, &t, false, T0 + 100);
	assert_int_equal(s.level, SLA_LEVEL_BREACH);
}

static void
test_met_paused_closed(void **state)
{
	struct sla_timer_state t = timer(T0 + 100, T0 + 80, false, false);
	struct sla_timer_step s;

	(void)state;
	t.met_at = T0 + 10;
	sla_timer_refresh(&s, &t, NULL, false);
	assert_int_equal(s.next_at, 0);
	sla_timer_fire(&s, &t, false, T0 + 1000);
	assert_int_equal(s.level, SLA_LEVEL_NONE);
	assert_int_equal(s.next_at, 0);
	t.met_at = 0;
	sla_timer_refresh(&s, &t, NULL, true);
	assert_int_equal(s.next_at, 0);
	sla_timer_fire(&s, &t, true, T0 + 1000);
	assert_int_equal(s.level, SLA_LEVEL_NONE);
	assert_false(s.warned || s.breached);
	/* paused: no deadline, nothing to fire */
	t = timer(0, 0, false, false);
	sla_timer_refresh(&s, &t, NULL, false);
	assert_int_equal(s.next_at, 0);
	sla_timer_fire(&s, &t, false, T0 + 1000);
	assert_int_equal(s.level, SLA_LEVEL_NONE);
}

static void
test_refresh_marks(void **state)
{
	struct sla_timer_state prev = timer(T0 + 100, T0 + 80, true, true);
	struct sla_timer_state t = prev;
	struct sla_timer_step s;

	(void)state;
	sla_timer_refresh(&s, &t, &prev, false);
	assert_true(s.warned && s.breached && s.keep_warned &&
	    s.keep_breached);
	assert_int_equal(s.next_at, 0);
	/* a later deadline (a pause ended): both may fire again */
	t = timer(T0 + 200, T0 + 180, false, false);
	sla_timer_refresh(&s, &t, &prev, false);
	assert_false(s.warned || s.breached || s.keep_warned ||
	    s.keep_breached);
	assert_int_equal(s.next_at, T0 + 180);
	/* the deadline kept, the warning moved: still breached, and a
	 * warning after the breach is moot */
	t = timer(T0 + 100, T0 + 90, false, false);
	sla_timer_refresh(&s, &t, &prev, false);
	assert_false(s.warned || s.keep_warned);
	assert_true(s.breached && s.keep_breached);
	assert_int_equal(s.next_at, 0);
	/* only warned: the warning moved, the deadline next */
	prev.breached = false;
	t = timer(T0 + 100, T0 + 70, false, false);
	sla_timer_refresh(&s, &t, &prev, false);
	assert_false(s.warned);
	assert_int_equal(s.next_at, T0 + 70);
	t = timer(T0 + 100, T0 + 80, false, false);
	sla_timer_refresh(&s, &t, &prev, false);
	assert_true(s.warned);
	assert_int_equal(s.next_at, T0 + 100);
	/* paused (no deadline) then resumed at the same instant: the
	 * breach mark went with the pause */
	t = timer(0, 0, false, false);
	sla_timer_refresh(&s, &t, &prev, false);
	assert_false(s.warned || s.breached);
	assert_int_equal(s.next_at, 0);
}

/* ----- Property test ---------------------------------------------- */

static uint64_t rng;

/* splitmix64: small, and the same sequence for the same seed. */
static uint64_t
rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static long long
below(long long n)
{
	return (long long)(rnd() % (uint64_t)n);
}

/* An instant near the clock, sometimes none. */
static time_t
instant(time_t now, int none_in)
{
	if (below(none_in) == 0)
		return 0;
	return now - 50 + below(400);
}

/* The model of the stored row, as the database keeps it. */
struct row {
	struct sla_timer_state t;
	bool closed;
	time_t next_at;
	int fired_warning, fired_breach;   /* for the current instants */
};

/* What the rule says is still to fire, and its earliest instant. */
static time_t
earliest_unfired(const struct row *r)
{
	const struct sla_timer_state *t = &r->t;
	time_t e = 0;

	if (t->met_at || r->closed || t->due_at == 0 || t->breached)
		return 0;
	e = t->due_at;
	if (!t->warned && t->warn_at != 0 && t->warn_at < t->due_at)
		e = t->warn_at;
	return e;
}

static void
refresh(struct row *r, time_t now, uint64_t seed, int step)
{
	struct sla_timer_state prev = r->t, t = r->t;
	struct sla_timer_step s;
	int what = (int)below(6);

	if (what == 0)
		t.due_at = instant(now, 6);
	else if (what == 1)
		t.warn_at = instant(now, 4);
	else if (what == 2)
		t.met_at = below(3) == 0 ? 0 : now;
	else if (what == 3)
		r->closed = below(4) == 0;
	/* 4, 5: the same instants again */
	sla_timer_refresh(&s, &t, below(10) == 0 ? NULL : &prev, r->closed);
	if (s.level != SLA_LEVEL_NONE)
		fail_msg("seed %llu step %d: a refresh fired",
		    (unsigned long long)seed, step);
	if (t.warn_at != prev.warn_at && s.warned)
		fail_msg("seed %llu step %d: warn_at moved, warned kept",
		    (unsigned long long)seed, step);
	if (t.due_at != prev.due_at && s.breached)
		fail_msg("seed %llu step %d: due_at moved, breached kept",
		    (unsigned long long)seed, step);
	if (s.warned && !prev.warned)
		fail_msg("seed %llu step %d: a refresh set warned",
		    (unsigned long long)seed, step);
	if (s.breached && !prev.breached)
		fail_msg("seed %llu step %d: a refresh set breached",
		    (unsigned long long)seed, step);
	if (s.keep_warned && t.warn_at != prev.warn_at)
		fail_msg("seed %llu step %d: keep_warned on a moved warn_at",
		    (unsigned long long)seed, step);
	if (s.keep_breached && t.due_at != prev.due_at)
		fail_msg("seed %llu step %d: keep_breached on a moved due_at",
		    (unsigned long long)seed, step);
	if (!s.warned)
		r->fired_warning = 0;
	if (!s.breached)
		r->fired_breach = 0;
	t.warned = s.warned;
	t.breached = s.breached;
	r->t = t;
	r->next_at = s.next_at;
}

static void
check_next(const struct row *r, time_t now, uint64_t seed, int step)
{
	time_t e = earliest_unfired(r);

	(void)now;
	if (r->next_at != e)
		fail_msg("seed %llu step %d: next_at %lld, earliest unfired "
		    "instant %lld", (unsigned long long)seed, step,
		    (long long)r->next_at, (long long)e);
	if ((r->t.met_at || r->closed) && r->next_at != 0)
		fail_msg("seed %llu step %d: next_at on a met or closed timer",
		    (unsigned long long)seed, step);
}

static void
tick(struct row *r, time_t now, uint64_t seed, int step)
{
	struct sla_timer_state before = r->t;
	bool active = !before.met_at && !r->closed && before.due_at != 0;
	struct sla_timer_step s;

	sla_timer_fire(&s, &r->t, r->closed, now);
	if (!active && s.level != SLA_LEVEL_NONE)
		fail_msg("seed %llu step %d: fired on a met, closed or paused "
		    "timer", (unsigned long long)seed, step);
	if (active && !before.breached && before.due_at <= now &&
	    s.level != SLA_LEVEL_BREACH)
		fail_msg("seed %llu step %d: due_at %lld came at %lld, no "
		    "breach", (unsigned long long)seed, step,
		    (long long)before.due_at, (long long)now);
	if (s.level == SLA_LEVEL_BREACH && (before.breached ||
	    before.due_at > now))
		fail_msg("seed %llu step %d: breach again or early",
		    (unsigned long long)seed, step);
	if (s.level == SLA_LEVEL_WARNING) {
		if (before.breached || before.warned)
			fail_msg("seed %llu step %d: warning after the breach "
			    "or twice", (unsigned long long)seed, step);
		if (before.warn_at == 0 || before.warn_at > now ||
		    before.warn_at >= before.due_at)
			fail_msg("seed %llu step %d: warning at %lld for "
			    "warn_at %lld due_at %lld",
			    (unsigned long long)seed, step, (long long)now,
			    (long long)before.warn_at,
			    (long long)before.due_at);
	}
	if (active && !before.warned && !before.breached &&
	    before.warn_at != 0 && before.warn_at <= now &&
	    before.warn_at < before.due_at && before.due_at > now &&
	    s.level != SLA_LEVEL_WARNING)
		fail_msg("seed %llu step %d: warn_at came, no warning",
		    (unsigned long long)seed, step);
	if (s.level == SLA_LEVEL_WARNING)
		r->fired_warning++;
	if (s.level == SLA_LEVEL_BREACH)
		r->fired_breach++;
	if (r->fired_warning > 1 || r->fired_breach > 1)
		fail_msg("seed %llu step %d: a level fired twice for one "
		    "instant", (unsigned long long)seed, step);
	if (s.warned < before.warned || s.breached < before.breached)
		fail_msg("seed %llu step %d: a tick cleared a mark",
		    (unsigned long long)seed, step);
	r->t.warned = s.warned;
	r->t.breached = s.breached;
	r->next_at = s.next_at;
}

static void
test_properties(void **state)
{
	const char *env = getenv("GUICHET_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 10) : 20261203;

	(void)state;
	print_message("test_timer: seed %llu\n", (unsigned long long)seed);
	rng = seed;
	for (int run = 0; run < 20000; run++) {
		struct row r = { 0 };
		time_t now = T0 + below(100);
		struct sla_timer_state t = { 0 };
		struct sla_timer_step s;
		int steps = 1 + (int)below(30);

		t.due_at = instant(now, 8);
		t.warn_at = instant(now, 3);
		t.met_at = below(8) == 0 ? now : 0;
		r.closed = below(10) == 0;
		sla_timer_refresh(&s, &t, NULL, r.closed);
		r.t = t;
		r.next_at = s.next_at;
		check_next(&r, now, seed, run * 100);
		for (int i = 0; i < steps; i++) {
			int step = run * 100 + i + 1;
			bool called = false;

			/* the same instant again, or later */
			now += below(4) == 0 ? 0 : below(120);
			if (below(5) == 0) {
				refresh(&r, now, seed, step);
				check_next(&r, now, seed, step);
			}
			if (r.next_at != 0 && r.next_at <= now) {
				tick(&r, now, seed, step);
				called = true;
			} else if (below(6) == 0) {
				/* a stale next_at, or a second daemon */
				tick(&r, now, seed, step);
				called = true;
			}
			if (!called && earliest_unfired(&r) != 0 &&
			    earliest_unfired(&r) <= now)
				fail_msg("seed %llu step %d: an instant came "
				    "and next_at %lld hides it",
				    (unsigned long long)seed, step,
				    (long long)r.next_at);
			check_next(&r, now, seed, step);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warning_then_breach),
		cmocka_unit_test(test_late_breach_alone),
		cmocka_unit_test(test_warning_not_before_deadline),
		cmocka_unit_test(test_met_paused_closed),
		cmocka_unit_test(test_refresh_marks),
		cmocka_unit_test(test_properties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
