/*
 * scheduler.c - the scheduler pass (see scheduler.h)
 */
#include "desk/scheduler.h"

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

int
scheduler_tick(struct desk *in, struct sched_stats *st, struct gc_err *err)
{
	const struct sla_settings *set = in->policy ?
	    sla_policy_settings(in->policy) : NULL;
	struct timers_stats ts = { 0 };
	int rc;

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
	if (rc == 0)
		rc = escalation_gather_tick(in, &st->summaries, err);
	/* the reports in a transaction of their own: reading a large
	 * organisation's figures must not hold the timers' locks */
	if (rc == 0 && report_send_days(in) &&
	    (rc = db_begin(in->db, err)) == 0) {
		if ((rc = report_send_due(in, &st->reports, err)) == 0)
			rc = db_commit(in->db, err);
		else
			db_rollback(in->db);
	}
	if (rc == 0)
		rc = gdpr_retention(in, RETENTION_BATCHES, &st->anonymised,
		    err);
	if (rc == 0)
		rc = held_notice_tick(in, &st->held_notices, err);
	if (rc == 0)
		rc = reminder_tick(in, &st->reminders, err);
	if (rc == 0)
		rc = rating_tell_tick(in, &st->ratings_told, err);
	if (rc == 0)
		rc = pending_tick(in, &st->pending_reminded,
		    &st->pending_closed, err);
	if (rc == 0)
		rc = digest_tick(in, &st->digests, err);
	if (rc == 0 && in->conf->general.held_retention > 0)
		rc = purge_held(in, in->conf->general.held_retention,
		    &st->held_purged, err);
	if (rc == 0 && in->conf->general.outbox_keep > 0 &&
	    in->conf->general.outbox_keep < in->now)
		rc = outbox_keep(in, in->conf->general.outbox_keep,
		    &st->outbox_emptied, err);
	st->warnings = ts.warnings;
	st->breaches = ts.breaches;
	if (rc == 0 && st->closed > 0)
		log_info("scheduler: %d resolved ticket(s) closed without an "
		    "answer", st->closed);
	if (rc == 0 && (rc = status_tick(in, &st->status_mails, err)) != 0)
		gc_err_prefix(err, "status page");
	return rc;
}
