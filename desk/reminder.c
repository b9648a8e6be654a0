/*
 * reminder.c - an agent's "#remind WHEN" come due (see reminder.h)
 */
#include "desk/reminder.h"

#include <stdlib.h>
#include <string.h>

#include "common/evjson.h"
#include "common/log.h"
#include "common/util.h"
#include "desk/record.h"
#include "desk/reply.h"
#include "desk/step.h"
#include "desk/timers.h"
#include "sla/policy.h"
#include "sla/tz.h"
#include "sql/store_command.h"
#include "sql/store_ticket.h"

#define REMINDER_BATCHES 20    /* per scheduler pass */

/* The agent of that name when it works on queue, else NULL. */
static const char *
working(const struct conf *c, const char *name, const char *queue)
{
	const struct conf_agent *a = conf_agent_by_name(c, name);

	return a != NULL && conf_agent_has_queue(a, queue) ? a->name : NULL;
}

static int
remind_one(struct desk *in, const struct store_remind *r, int *told_r,
    struct gc_err *err)
{
	struct store_ticket t = { 0 };
	const struct conf_mailbox *mb;
	const struct conf_agent *by;
	const char *to;
	char at[32], at_text[TZ_TEXT_MAX];
	bool reopen;
	int rc;

	time_iso8601(at, sizeof(at), r->at);
	tz_text(sla_policy_support_tz(in->policy), r->at, at_text,
	    sizeof(at_text));
	if ((rc = store_ticket_by_id(in->db, r->ticket_id, &t, err)) != 0) {
		if (rc == GC_ENOTFOUND) {
			gc_err_clear(err);
			rc = 0;
		}
		goto out;
	}
	if (strcmp(t.status, "closed") == 0 || t.merged_into != 0) {
		rc = record_event(in, t.id, "reminder_due", "system",
		    ev_json("by", r->agent, "at", at, "told", "nobody",
		    "why", t.merged_into ? "merged" : "closed", NULL), err);
		goto out;
	}
	reopen = strcmp(t.status, "pending") == 0;
	if (reopen && ((rc = store_ticket_set_status(in->db, t.id, "open",
	    in->now, err)) != 0 || (rc = record_event(in, t.id,
	    "status_changed", "system", ev_json("from", "pending", "to",
	    "open", "reason", "reminder", NULL), err)) != 0))
		goto out;
	if (reopen)
		snprintf(t.status, sizeof(t.status), "open");
	/* who asked, else who has it, else the queue */
	if ((to = working(in->conf, r->agent, t.queue)) == NULL)
		to = working(in->conf, t.assignee, t.queue);
	mb = reply_mailbox(in->conf, &t, NULL);
	by = conf_agent_by_name(in->conf, r->agent);
	if (mb != NULL && (rc = reply_agents_reminder(in, &t, mb, to,
	    by ? by->display_name : r->agent, at_text, err)) != 0)
		goto out;
	rc = record_event(in, t.id, "reminder_due", "system", ev_json("by",
	    r->agent, "at", at, "told", to ? to : "queue", NULL), err);
	if (rc == 0 && reopen)
		rc = timers_refresh(in, t.id, err);
	if (rc == 0)
		(*told_r)++;
out:
	store_ticket_clear(&t);
	return rc;
}

struct remind_arg {
	const struct store_remind *r;
	int *told_r;
};

static int
remind_step(struct desk *in, void *arg, struct gc_err *err)
{
	const struct remind_arg *a = arg;

	return remind_one(in, a->r, a->told_r, err);
}

/* One reminder under its savepoint (step.h): when it cannot be told, it
 * is put back as it was, for the next pass. */
static int
remind_careful(struct desk *in, const struct store_remind *r, int *told_r,
    struct gc_err *err)
{
	struct remind_arg a = { r, told_r };
	struct gc_err e;
	int rc;

	if ((rc = step_try(in, remind_step, &a, &e, err)) != 0 ||
	    e.code == 0)
		return rc;
	log_warn("reminder of ticket %lld by %s: %s (tried again at the next "
	    "pass)", (long long)r->ticket_id, r->agent, e.msg);
	return store_ticket_set_remind(in->db, r->ticket_id, r->at,
	    r->agent, in->now, err);
}

int
reminder_tick(struct desk *in, int *n_r, struct gc_err *err)
{
	int rc = 0;

	*n_r = 0;
	for (int b = 0; rc == 0 && b < REMINDER_BATCHES; b++) {
		struct store_remind *r = NULL;
		size_t n = 0;

		if ((rc = db_begin(in->db, err)) != 0)
			break;
		rc = store_remind_take(in->db, in->now, REMINDER_BATCH, &r, &n,
		    err);
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = remind_careful(in, &r[i], n_r, err);
		if (rc == 0)
			rc = db_commit(in->db, err);
		else
			db_rollback(in->db);
		free(r);
		if (n < REMINDER_BATCH)
			break;
	}
	if (rc == 0 && *n_r > 0)
		log_info("scheduler: %d reminder(s) told to their agents",
		    *n_r);
	return rc;
}
