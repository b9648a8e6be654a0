/*
 * timer.c - the SLA timer rule (see timer.h)
 *
 * Written once: the tick, the refresh and a new ticket's timers all
 * come here, and SQL only stores the result.
 */
#include "sla/timer.h"

#include <string.h>

/* The earliest instant still to fire, 0 when none. A warning not before
 * its deadline is no warning, and none is left once the breach went. */
static time_t
next_of(const struct sla_timer_state *t, bool warned, bool breached,
    bool closed)
{
	if (t->met_at != 0 || t->due_at == 0 || closed || breached)
		return 0;
	if (!warned && t->warn_at != 0 && t->warn_at < t->due_at)
		return t->warn_at;
	return t->due_at;
}

void
sla_timer_fire(struct sla_timer_step *out, const struct sla_timer_state *t,
    bool closed, time_t now)
{
	memset(out, 0, sizeof(*out));
	out->warned = t->warned;
	out->breached = t->breached;
	if (next_of(t, t->warned, t->breached, closed) != 0) {
		/* A breach whose warning never went (the daemon was down)
		 * fires the breach only: the warning is moot. */
		if (t->due_at <= now)
			out->level = SLA_LEVEL_BREACH;
		else if (!t->warned && t->warn_at != 0 && t->warn_at <= now)
			out->level = SLA_LEVEL_WARNING;
	}
	if (out->level >= SLA_LEVEL_WARNING)
		out->warned = true;
	if (out->level == SLA_LEVEL_BREACH)
		out->breached = true;
	/* nothing fired: next_at was stale, and is recomputed */
	out->next_at = next_of(t, out->warned, out->breached, closed);
}

void
sla_timer_refresh(struct sla_timer_step *out,
    const struct sla_timer_state *t, const struct sla_timer_state *prev,
    bool closed)
{
	memset(out, 0, sizeof(*out));
	out->keep_warned = prev != NULL && prev->warn_at == t->warn_at;
	out->keep_breached = prev != NULL && prev->due_at == t->due_at;
	out->warned = out->keep_warned && prev->warned;
	out->breached = out->keep_breached && prev->breached;
	out->next_at = next_of(t, out->warned, out->breached, closed);
}
