/*
 * scheduler.h - one scheduler pass: what time alone makes happen
 *
 * SLA timers whose warning or deadline has come escalate (timers.h);
 * resolved tickets left without an answer are closed (with a closing
 * mail) after [sla] auto_close_after; the monthly and quarterly reports
 * due are queued (report_send.h), in a second transaction; closed
 * tickets past their retention are anonymised (gdpr.h, in batches of
 * their own); held security reports not told yet are told to their
 * queue's agents (held_notice.h); the outbox lets go of the content of
 * mails done with past outbox_keep (outbox_db_keep()). Each pass runs
 * in its own transaction; rows are taken with FOR UPDATE SKIP LOCKED so
 * that two daemons never act twice on the same ticket; the reports and
 * the digests are done by one process at a time (db_turn_try()).
 *
 * The timers come first; then each job after them (escalation
 * summaries, reports, retention, held notices, reminders, ratings,
 * pending tickets, digests, purges, the status page) runs on its own:
 * one that fails is logged, named ("digests: ..."), and the others still
 * run; the first failure is the pass's (a lost connection ends it).
 */
#ifndef GC_SCHEDULER_H
#define GC_SCHEDULER_H

#include "desk/desk.h"

struct sched_stats {
	int warnings;     /* SLA warnings fired */
	int breaches;     /* SLA breaches fired */
	int summaries;    /* mails of gathered escalations */
	int closed;       /* resolved tickets closed without an answer */
	int status_mails; /* status page updates mailed to subscribers */
	int reports;      /* monthly and quarterly reports queued */
	int anonymised;   /* closed tickets past their retention */
	int held_purged;  /* held mails past held_retention, deleted */
	int outbox_emptied;   /* outbox rows past outbox_keep, emptied */
	int held_notices; /* mails to agents about held security reports */
	int digests;      /* agents' morning lists of open tickets */
	int reminders;    /* agents' #remind come due, told */
	int ratings_told; /* ratings from the rating page told to agents */
	int pending_reminded; /* customers reminded of a pending ticket */
	int pending_closed;   /* pending tickets closed without an answer */
	unsigned left;    /* jobs another process had the turn of (it does
	                   * them): SCHED_LEFT_* */
};

#define SCHED_LEFT_REPORTS 1u
#define SCHED_LEFT_DIGESTS 2u

int scheduler_tick(struct desk *in, struct sched_stats *st,
    struct gc_err *err);

#endif
