/*
 * timers.h - each ticket's SLA timers, and the escalations they fire
 *
 * timers_refresh() recomputes a ticket's timers from what is stored
 * (plan, priority, queue, creation, first response, workaround,
 * resolution, last update, RCA, pauses) with the SLA policy, and stores
 * them with the next instant the scheduler must look at. It is called
 * after anything that may change them, in the same transaction.
 *
 * timers_tick() takes the timers whose instant has come with their
 * tickets (FOR UPDATE SKIP LOCKED: two daemons never fire the same one)
 * and fires each level once: the warning at warn_at, the breach at
 * due_at, each an event plus a mail to the escalation route and/or a
 * webhook, both through the outbox (desk/escalation.h: who is told, and
 * a storm's escalations gathered). A level is recorded as fired in the
 * same transaction as its outbox rows, so it fires exactly once, even
 * across restarts. The mails are composed first and everything the pass
 * fired is written in one statement (store_timers_fire()): a pass costs
 * the same few round trips whether 1 or 500 timers are due, and one
 * more when something fired (who was told, noted).
 */
#ifndef GC_TIMERS_H
#define GC_TIMERS_H

#include "desk/desk.h"
#include "sla/policy.h"
#include "sql/timers_db.h"

int timers_refresh(struct desk *in, int64_t ticket_id, struct gc_err *err);
/* The timers of a ticket opened now, from what the caller knows. */
int timers_start(struct desk *in, int64_t ticket_id, const char *plan,
    const char *priority, const char *queue, struct gc_err *err);
/* The same timers computed only, into t (room for SLA_MAX_TIMERS; *n is
 * 0 without a policy), for the statement that writes the ticket itself
 * (store_ticket_new.timers): a new ticket's timers cost no statement of
 * their own. */
int timers_opening(struct desk *in, const char *plan, const char *priority,
    const char *queue, struct store_timer *t, size_t *n, struct gc_err *err);

struct timers_stats {
	int warnings;
	int breaches;
};

/* One pass over at most max due timers, in the caller's transaction. */
int timers_tick(struct desk *in, int max, struct timers_stats *st,
    struct gc_err *err);

#endif
