/*
 * timers.c - SLA timers and escalations (see timers.h)
 */
#include "desk/timers.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "desk/escalation.h"
#include "sla/policy.h"
#include "sla/timer.h"
#include "sla/tz.h"
#include "sql/store.h"
#include "sql/timers_db.h"

/* The timer of that kind as stored before, NULL when it is new. */
static const struct store_sla_timer *
stored_timer(const struct store_sla_state *s, const char *kind)
{
	for (size_t i = 0; s != NULL && i < s->ntimers; i++)
		if (strcmp(s->timers[i].kind, kind) == 0)
			return &s->timers[i];
	return NULL;
}

/* Would storing t leave the stored timer was as it is? The same
 * instants, target, calendar and next instant, and no fired mark that
 * goes. */
static bool
timer_unchanged(const struct store_timer *t, const struct store_sla_timer *was)
{
	return was->whole && was->start_at == t->start_at &&
	    was->due_at == t->due_at && was->warn_at == t->warn_at &&
	    was->met_at == t->met_at && was->next_at == t->next_at &&
	    was->target_seconds == t->target_seconds && t->calendar != NULL &&
	    strcmp(was->calendar, t->calendar) == 0 &&
	    (!was->warned || t->keep_warned) &&
	    (!was->breached || t->keep_breached);
}

/* Store the timers t of a ticket whose timers were s (NULL: a new
 * ticket). When the kinds stay, only the timers that change are written,
 * none when none changes (most customer follow-ups). */
static int
store_changed_timers(struct desk *in, int64_t ticket_id,
    const struct store_timer *t, size_t n, const struct store_sla_state *s,
    struct gc_err *err)
{
	struct store_timer changed[SLA_MAX_TIMERS];
	size_t nchanged = 0;

	if (s == NULL)
		return store_timers_set(in->db, ticket_id, t, n,
		    STORE_TIMERS_NEW, err);
	/* a stored row that does not read is gone only with a replace */
	for (size_t i = 0; i < n && s->ntimers == n && s->nstored == n; i++) {
		const struct store_sla_timer *was = stored_timer(s, t[i].kind);

		if (was == NULL)
			break;
		if (!timer_unchanged(&t[i], was))
			changed[nchanged++] = t[i];
		if (i + 1 < n)
			continue;
		/* the same kinds: the changed ones, or nothing */
		return nchanged == 0 ? 0 : store_timers_set(in->db,
		    ticket_id, changed, nchanged, STORE_TIMERS_CHANGED, err);
	}
	return store_timers_set(in->db, ticket_id, t, n, STORE_TIMERS_REPLACE,
	    err);
}

/* Compute the timers of a state and store them, with the next instant
 * and the marks that the timer rule decides from the stored ones (prev;
 * NULL for a new ticket). */
static int
state_timers(struct desk *in, const struct sla_ticket_state *st, bool closed,
    const struct store_sla_state *prev, struct store_timer *out, size_t *n_r,
    struct gc_err *err)
{
	struct sla_timer t[SLA_MAX_TIMERS];
	size_t n = 0;
	int rc;

	*n_r = 0;
	rc = sla_policy_timers(t, SLA_MAX_TIMERS, &n, in->policy, st, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct store_sla_timer *was = stored_timer(prev,
		    t[i].name);
		struct sla_timer_state cur = { 0 }, before = { 0 };
		struct sla_timer_step step;

		out[i].kind = t[i].name;
		out[i].start_at = t[i].start;
		out[i].due_at = t[i].paused_open ? 0 : t[i].due_at;
		out[i].warn_at = t[i].paused_open ? 0 : t[i].warn_at;
		out[i].met_at = t[i].met_at;
		out[i].target_seconds = t[i].target_seconds;
		out[i].calendar = t[i].calendar;
		cur.due_at = out[i].due_at;
		cur.warn_at = out[i].warn_at;
		cur.met_at = out[i].met_at;
		if (was != NULL) {
			before.due_at = was->due_at;
			before.warn_at = was->warn_at;
			before.warned = was->warned;
			before.breached = was->breached;
		}
		sla_timer_refresh(&step, &cur, was ? &before : NULL, closed);
		out[i].next_at = step.next_at;
		out[i].keep_warned = step.keep_warned;
		out[i].keep_breached = step.keep_breached;
	}
	if (rc == 0)
		*n_r = n;
	return rc;
}

static int
store_state_timers(struct desk *in, int64_t ticket_id,
    const struct sla_ticket_state *st, bool closed,
    const struct store_sla_state *prev, struct gc_err *err)
{
	struct store_timer out[SLA_MAX_TIMERS];
	size_t n;
	int rc;

	if ((rc = state_timers(in, st, closed, prev, out, &n, err)) != 0)
		return rc;
	return store_changed_timers(in, ticket_id, out, n, prev, err);
}

int
timers_opening(struct desk *in, const char *plan, const char *priority,
    const char *queue, struct store_timer *t, size_t *n, struct gc_err *err)
{
	struct sla_ticket_state st = { 0 };

	*n = 0;
	if (in->policy == NULL)
		return 0;
	st.plan = plan;
	st.priority = priority;
	st.queue = queue;
	st.created_at = in->now;
	return state_timers(in, &st, false, NULL, t, n, err);
}

int
timers_start(struct desk *in, int64_t ticket_id, const char *plan,
    const char *priority, const char *queue, struct gc_err *err)
{
	struct store_timer t[SLA_MAX_TIMERS];
	size_t n;
	int rc;

	if ((rc = timers_opening(in, plan, priority, queue, t, &n, err)) != 0 ||
	    n == 0)
		return rc;
	return store_timers_set(in->db, ticket_id, t, n, STORE_TIMERS_NEW,
	    err);
}

int
timers_refresh(struct desk *in, int64_t ticket_id, struct gc_err *err)
{
	struct store_sla_state s;
	struct sla_ticket_state st = { 0 };
	struct sla_pause *pauses;
	int rc;

	if (in->policy == NULL)
		return 0;
	if ((rc = store_sla_state(in->db, ticket_id, &s, err)) != 0)
		return rc;
	pauses = xcalloc(s.npauses + 1, sizeof(*pauses));
	for (size_t i = 0; i < s.npauses; i++) {
		pauses[i].start = s.pause_start[i];
		pauses[i].end = s.pause_end[i];
	}
	st.plan = s.plan;
	st.priority = s.priority;
	st.queue = s.queue;
	st.created_at = s.created_at;
	st.pauses = pauses;
	st.npauses = s.npauses;
	st.acknowledged_at = s.first_response_at;
	st.workaround_at = s.workaround_at;
	st.resolved_at = s.resolved_at;
	st.last_update_at = s.last_update_at;
	st.rca_sent_at = s.rca_sent_at;
	rc = store_state_timers(in, ticket_id, &st,
	    strcmp(s.status, "closed") == 0, &s, err);
	free(pauses);
	store_sla_state_clear(&s);
	return rc;
}

int
timers_tick(struct desk *in, int max, struct timers_stats *st,
    struct gc_err *err)
{
	struct store_due_timer *due = NULL;
	struct escalation *e;
	struct store_fire *f;
	size_t n = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	if (in->policy == NULL)
		return 0;
	if ((rc = store_timers_due(in->db, in->now, max, &due, &n, err)) != 0)
		return rc;
	if (n == 0) {
		store_due_timers_free(&due, n);
		return 0;
	}
	e = xcalloc(n, sizeof(*e));
	f = xcalloc(n, sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		struct store_due_timer *d = &due[i];
		struct sla_timer_state ts = {
			.due_at = d->due_at, .warn_at = d->warn_at,
			.met_at = d->met_at, .warned = d->warned,
			.breached = d->breached,
		};
		struct sla_timer_step step;

		sla_timer_fire(&step, &ts,
		    strcmp(d->ticket.status, "closed") == 0, in->now);
		e[i].level = step.level;
		if (step.level == SLA_LEVEL_BREACH)
			st->breaches++;
		else if (step.level == SLA_LEVEL_WARNING)
			st->warnings++;
		/* every timer gets its marks and next instant again (one
		 * that fired nothing had a stale next_at) */
		e[i].f.ticket_id = d->ticket_id;
		e[i].f.kind = d->kind;
		e[i].f.warned = step.warned;
		e[i].f.breached = step.breached;
		e[i].f.next_at = step.next_at;
	}
	rc = escalation_prepare(in, due, e, n, err);
	for (size_t i = 0; i < n; i++)
		f[i] = e[i].f;
	if (rc == 0)
		rc = store_timers_fire(in->db, f, n, in->now, err);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && e[i].level != SLA_LEVEL_NONE)
			log_info("ticket %s: SLA %s %s (due %s) to %s",
			    due[i].ticket.number, due[i].kind, e[i].lvl,
			    e[i].due, e[i].route ? e[i].route : "-");
		escalation_clear(&e[i]);
	}
	free(f);
	free(e);
	store_due_timers_free(&due, n);
	return rc;
}
