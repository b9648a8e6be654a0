/*
 * timer.h - the SLA timer rule: when a timer fires, what it stores
 *
 * One pure function for the scheduler's tick and one for a refresh of
 * a ticket's timers: no I/O, the clock is a parameter. The database
 * stores what they decide (next_at and the fired marks); nothing else
 * computes them.
 *
 * The rule: a timer that is met, paused (no due_at) or whose ticket is
 * closed fires nothing and has no next instant. Otherwise the breach
 * fires at the first step at or after due_at and the warning at the
 * first step at or after warn_at, each once; a breach whose warning did
 * not go yet fires alone (the warning is moot), and a warning at or
 * after due_at never fires. next_at is the earliest instant still to
 * fire, 0 when none. A refresh keeps a fired mark only while its
 * instant stays the same.
 */
#ifndef GUICHET_SLA_TIMER_H
#define GUICHET_SLA_TIMER_H

#include <stdbool.h>
#include <time.h>

#include "sla/policy.h"

/* A timer as stored; instants UTC seconds, 0 for none. */
struct sla_timer_state {
	time_t due_at;          /* 0 while paused */
	time_t warn_at;         /* 0 when warnings are off */
	time_t met_at;          /* 0 while not met */
	bool warned;            /* the warning was fired */
	bool breached;          /* the breach was fired */
};

/* What a step decides. */
struct sla_timer_step {
	enum sla_level level;   /* what fires now: none, warning, breach */
	time_t next_at;         /* when to look again; 0: nothing left */
	bool warned, breached;  /* the marks to store */
	/* Refresh only: the instant of the mark is unchanged, so the mark
	 * stored stays as it is (even one set meanwhile by a tick). */
	bool keep_warned, keep_breached;
};

/* The scheduler's step for a timer whose next_at has come: the level it
 * fires at now, its marks after firing and its next instant. */
void sla_timer_fire(struct sla_timer_step *out,
    const struct sla_timer_state *t, bool closed, time_t now);

/* New instants t (its marks ignored) for a timer that had prev (NULL: a
 * new timer, nothing fired): the marks kept and its next instant. A
 * refresh fires nothing (level none). */
void sla_timer_refresh(struct sla_timer_step *out,
    const struct sla_timer_state *t, const struct sla_timer_state *prev,
    bool closed);

#endif
