/*
 * scheduler.c - the scheduler pass (see scheduler.h)
 */
#include "desk/scheduler.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "desk/conversation.h"
#include "desk/digest.h"
#include "desk/escalation.h"
#include "desk/gdpr.h"
#include "desk/held_notice.h"
#include "desk/pending.h"
#include "desk/rating_tell.h"
#include "desk/reminder.h"
#include "desk/report_send.h"
#include "desk/status.h"
#include "desk/timers.h"
#include "sla/policy.h"
#include "sql/outbox_db.h"
#include "sql/store_quarantine.h"

#define TIMERS_BATCH 500
#define RETENTION_BATCHES 20
#define HELD_BATCH 500
#define KEEP_BATCH 1000
#define KEEP_BATCHES 5     /* a catch-up of a big outbox: over passes */
/* How long a job waits on a lock another session holds before it gives
 * up until the next pass, when the role sets no lock_timeout of its own:
 * a table of the digests or the reports locked by a maintenance
 * statement or a transaction left open must not hold the daemon, whose
 * intake and timers wait meanwhile. */
#define JOB_LOCK_WAIT_MS 5000

/* Mails a rule held (spam) and nobody released within held_retention
 * go, a batch per transaction. */
static int
purge_held(struct desk *in, long long keep, int *purged_r,
    struct gc_err *err)
{
	int n = 0, rc = 0;

	*purged_r = 0;
	for (int b = 0; rc == 0 && b < RETENTION_BATCHES; b++) {
		if ((rc = db_begin(in->db, err)) != 0)
			break;
		rc = store_quarantine_purge_held(in->db, in->now -
		    (time_t)keep, HELD_BATCH, &n, err);
		if (rc == 0)
			rc = db_commit(in->db, err);
		else
			db_rollback(in->db);
		if (rc == 0)
			*purged_r += n;
		if (n < HELD_BATCH)
			break;
	}
	if (*purged_r > 0)
		log_info("scheduler: %d held mail(s) deleted from the "
		    "quarantine after held_retention", *purged_r);
	return rc;
}

/* The outbox's content older than outbox_keep goes (outbox_db_keep()),
 * a batch per transaction. */
static int
outbox_keep(struct desk *in, long long keep, int *emptied_r,
    struct gc_err *err)
{
	bool more = true;
	int n = 0, rc = 0;

	*emptied_r = 0;
	for (int b = 0; rc == 0 && more && b < KEEP_BATCHES; b++) {
		if ((rc = db_begin(in->db, err)) != 0)
			break;
		rc = outbox_db_keep(in->db, in->now - (time_t)keep,
		    KEEP_BATCH, &n, &more, err);
		if (rc == 0)
			rc = db_commit(in->db, err);
		else
			db_rollback(in->db);
		if (rc == 0)
			*emptied_r += n;
	}
	if (*emptied_r > 0)
		log_info("scheduler: the content of %d outbox row(s) let go "
		    "after outbox_keep", *emptied_r);
	return rc;
}

/* ----- The jobs after the timers, each on its own ------------------- */

/* run(arg) in the job's turn, among every process sharing the database
 * (db_turn_try()): one at a time. When another process has it, the job
 * is left to it, without waiting, and st->left says so. */
static int
in_turn(struct desk *in, struct sched_stats *st, const char *name,
    unsigned left, int (*run)(struct desk *, struct sched_stats *, void *,
    struct gc_err *), void *arg, struct gc_err *err)
{
	struct gc_err e2 = { 0 };
	bool mine;
	int rc, r2;

	if ((rc = db_turn_try(in->db, name, &mine, err)) != 0)
		return rc;
	if (!mine) {
		log_debug("scheduler: %s: another process has their turn, and "
		    "does them", name);
		st->left |= left;
		return 0;
	}
	rc = run(in, st, arg, err);
	/* a lost connection let go of the turn already */
	if (!db_ok(in->db))
		return rc;
	r2 = db_turn_end(in->db, name, rc == 0 ? err : &e2);
	return rc != 0 ? rc : r2;
}

/* The reports in a transaction of their own: reading a large
 * organisation's figures must not hold the timers' locks. */
static int
reports_run(struct desk *in, struct sched_stats *st, void *arg,
    struct gc_err *err)
{
	int rc;

	(void)arg;
	if ((rc = db_begin(in->db, err)) != 0)
		return rc;
	if ((rc = report_send_due(in, &st->reports, err)) == 0)
		return db_commit(in->db, err);
	db_rollback(in->db);
	return rc;
}

/* In their turn: the claims of another process's transaction, open while
 * it composes its reports, would make this one wait. */
static int
job_reports(struct desk *in, struct sched_stats *st, struct gc_err *err)
{
	if (!report_send_days(in))
		return 0;
	return in_turn(in, st, "reports", SCHED_LEFT_REPORTS, reports_run,
	    NULL, err);
}

static int
job_escalations(struct desk *in, struct sched_stats *st, struct gc_err *err)
{
	return escalation_gather_tick(in, &st->summaries, err);
}

static int
job_retention(struct desk *in, struct sched_stats *st, struct gc_err *err)
{
	return gdpr_retention(in, RETENTION_BATCHES, &st->anonymised, err);
}

static int
job_held_notices(struct desk *in, struct sched_stats *st,
    struct gc_err *err)
{
	return held_notice_tick(in, &st->held_notices, err);
}

static int
job_reminders(struct desk *in, struct sched_stats *st, struct gc_err *err)
{
	return reminder_tick(in, &st->reminders, err);
}

static int
job_ratings(struct desk *in, struct sched_stats *st, struct gc_err *err)
{
	return rating_tell_tick(in, &st->ratings_told, err);
}

static int
job_pending(struct desk *in, struct sched_stats *st, struct gc_err *err)
{
	return pending_tick(in, &st->pending_reminded, &st->pending_closed,
	    err);
}

/* arg: the day they are due for */
static int
digests_run(struct desk *in, struct sched_stats *st, void *arg,
    struct gc_err *err)
{
	return digest_send(in, arg, &st->digests, err);
}

/* In their turn: another process's pass would read every open ticket
 * again only to find the digests claimed. */
static int
job_digests(struct desk *in, struct sched_stats *st, struct gc_err *err)
{
	char day[16];

	if (!digest_due(in, day, sizeof(day)))
		return 0;
	return in_turn(in, st, "digests", SCHED_LEFT_DIGESTS, digests_run,
	    day, err);
}

static int
job_held_purge(struct desk *in, struct sched_stats *st, struct gc_err *err)
{
	long long keep = in->conf->general.held_retention;

	return keep > 0 ? purge_held(in, keep, &st->held_purged, err) : 0;
}

static int
job_outbox_keep(struct desk *in, struct sched_stats *st, struct gc_err *err)
{
	long long keep = in->conf->general.outbox_keep;

	return keep > 0 && keep < in->now ? outbox_keep(in, keep,
	    &st->outbox_emptied, err) : 0;
}

static int
job_status(struct desk *in, struct sched_stats *st, struct gc_err *err)
{
	return status_tick(in, &st->status_mails, err);
}

static const struct {
	const char *name;
	int (*run)(struct desk *, struct sched_stats *, struct gc_err *);
} jobs[] = {
	{ "escalation summaries", job_escalations },
	{ "reports", job_reports },
	{ "retention", job_retention },
	{ "held notices", job_held_notices },
	{ "reminders", job_reminders },
	{ "ratings", job_ratings },
	{ "pending tickets", job_pending },
	{ "digests", job_digests },
	{ "held mail purge", job_held_purge },
	{ "outbox_keep", job_outbox_keep },
	{ "status page", job_status },
};

int
scheduler_tick(struct desk *in, struct sched_stats *st, struct gc_err *err)
{
	const struct sla_settings *set = in->policy ?
	    sla_policy_settings(in->policy) : NULL;
	struct timers_stats ts = { 0 };
	char *lock_was = NULL;
	int rc, first = 0;

	memset(st, 0, sizeof(*st));
	if ((rc = db_begin(in->db, err)) != 0)
		return rc;
	rc = timers_tick(in, TIMERS_BATCH, &ts, err);
	if (rc == 0 && set != NULL && set->auto_close_after > 0)
		rc = conversation_autoclose(in, set->auto_close_after,
		    &st->closed, err);
	if (rc == 0)
		rc = db_commit(in->db, err);
	else
		db_rollback(in->db);
	if (rc != 0)
		return rc;
	st->warnings = ts.warnings;
	st->breaches = ts.breaches;
	if (st->closed > 0)
		log_info("scheduler: %d resolved ticket(s) closed without an "
		    "answer", st->closed);
	/* Each job on its own: one that fails (a report that cannot be
	 * read, a table locked past JOB_LOCK_WAIT_MS) is said, and the
	 * others still run (GDPR retention is not held back by a digest).
	 * The first failure is the pass's; a connection lost ends it. */
	if ((rc = db_lock_wait_at_most(in->db, JOB_LOCK_WAIT_MS, &lock_was,
	    err)) != 0)
		return rc;
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
		struct gc_err jerr = { 0 };

		if ((rc = jobs[i].run(in, st, &jerr)) == 0)
			continue;
		gc_err_prefix(&jerr, "%s", jobs[i].name);
		if (first == 0) {
			first = rc;
			*err = jerr;
		} else {
			log_warn("scheduler: %s", jerr.msg);
		}
		if (!db_ok(in->db))
			break;
	}
	/* "0": none was set, the jobs' was: set back */
	if (lock_was != NULL && strcmp(lock_was, "0") == 0 && db_ok(in->db)) {
		struct gc_err lerr = { 0 };

		if (db_lock_wait_restore(in->db, lock_was, &lerr) != 0 &&
		    first == 0) {
			first = GC_ETEMP;
			*err = lerr;
		}
	}
	free(lock_was);
	return first;
}
