/*
 * pending.c - tickets waiting on their customer (see pending.h)
 */
#include "desk/pending.h"

#include <stdio.h>
#include <string.h>

#include "common/evjson.h"
#include "common/log.h"
#include "common/util.h"
#include "desk/conversation.h"
#include "desk/mailout.h"
#include "desk/record.h"
#include "desk/reply.h"
#include "desk/step.h"
#include "sla/policy.h"
#include "sla/tz.h"
#include "sql/pending_db.h"
#include "sql/store_ticket.h"

#define PENDING_BATCHES 20     /* per scheduler pass */

/* How long a wait goes on before it closes: after its reminder, the
 * time the reminder announces; with reminders off (turned off since a
 * reminder went, or never on), pending_close_after after either. */
static time_t
close_delay(const struct sla_settings *set)
{
	return (time_t)(set->pending_remind_after > 0 ?
	    set->pending_close_after - set->pending_remind_after :
	    set->pending_close_after);
}

/* The sentence of the reminder that says when the ticket closes (at),
 * in the ticket's language. */
static void
close_line(const struct desk *in, const struct store_ticket *t, time_t at,
    char *out, size_t len)
{
	char when[TZ_TEXT_MAX];

	tz_text(sla_policy_support_tz(in->policy), at, when, sizeof(when));
	snprintf(out, len, strcmp(t->language, "fr") == 0 ?
	    "Sans réponse, nous la clôturerons le %s.\n" :
	    "Without an answer, we will close it on %s.\n", when);
}

static int
remind_one(struct desk *in, int64_t id, const struct sla_settings *set,
    struct gc_err *err)
{
	struct store_ticket t = { 0 };
	const struct conf_mailbox *mb;
	struct mailout_var v[1];
	char line[TZ_TEXT_MAX + 96] = "", at[32];
	bool closes = set->pending_close_after > 0;
	time_t closes_at = in->now + close_delay(set);
	int rc;

	if ((rc = store_ticket_by_id(in->db, id, &t, err)) != 0)
		return rc;
	mb = reply_mailbox(in->conf, &t, NULL);
	if (closes)
		close_line(in, &t, closes_at, line, sizeof(line));
	v[0].name = "close_line";
	v[0].value = line;
	time_iso8601(at, sizeof(at), closes_at);
	if (mb != NULL && (rc = reply_customer_vars(in, &t, mb,
	    "pending_reminder", "pending_reminder", v, 1, err)) != 0)
		goto out;
	rc = record_event(in, t.id, "pending_reminded", NULL, ev_json(
	    "closes_at", closes ? at : NULL, NULL), err);
out:
	store_ticket_clear(&t);
	return rc;
}

struct remind_arg {
	int64_t id;
	const struct sla_settings *set;
};

static int
remind_step(struct desk *in, void *arg, struct gc_err *err)
{
	const struct remind_arg *a = arg;

	return remind_one(in, a->id, a->set, err);
}

/* One reminder under its savepoint (step.h): one that cannot be written
 * is taken back for the next pass. */
static int
remind_careful(struct desk *in, int64_t id, const struct sla_settings *set,
    int *n_r, struct gc_err *err)
{
	struct remind_arg a = { id, set };
	struct gc_err e;
	int rc;

	if ((rc = step_try(in, remind_step, &a, &e, err)) != 0)
		return rc;
	if (e.code == 0) {
		(*n_r)++;
		return 0;
	}
	log_warn("ticket %lld waiting for its customer: the reminder cannot "
	    "be written: %s (tried again at the next pass)", (long long)id,
	    e.msg);
	return pending_db_remind_undo(in->db, id, err);
}

enum kind {
	REMIND,          /* waits due for their reminder */
	CLOSE_REMINDED,  /* reminded, and the time it gave has come */
	CLOSE_UNWARNED,  /* reminders off: never reminded, time is up */
};

/* One batch of one kind in its transaction; *more when it was full. */
static int
batch(struct desk *in, const struct sla_settings *set, enum kind k,
    int *n_r, bool *more, struct gc_err *err)
{
	int64_t ids[PENDING_BATCH];
	size_t n = 0;
	int rc;

	if ((rc = db_begin(in->db, err)) != 0)
		return rc;
	if (k == REMIND)
		rc = pending_db_remind_take(in->db, in->now -
		    (time_t)set->pending_remind_after, in->now, PENDING_BATCH,
		    ids, &n, err);
	else
		rc = pending_db_to_close(in->db, k == CLOSE_REMINDED, in->now -
		    close_delay(set), PENDING_BATCH, ids, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (k == REMIND) {
			rc = remind_careful(in, ids[i], set, n_r, err);
			continue;
		}
		if ((rc = conversation_close_unanswered(in, ids[i], "no "
		    "answer while waiting for the customer", err)) == 0)
			(*n_r)++;
	}
	if (rc == 0)
		rc = db_commit(in->db, err);
	else
		db_rollback(in->db);
	*more = rc == 0 && n == PENDING_BATCH;
	return rc;
}

/* The batches of one kind, PENDING_BATCHES at most. */
static int
batches(struct desk *in, const struct sla_settings *set, enum kind k,
    int *n_r, struct gc_err *err)
{
	bool more = true;
	int rc = 0;

	for (int b = 0; rc == 0 && more && b < PENDING_BATCHES; b++)
		rc = batch(in, set, k, n_r, &more, err);
	return rc;
}

int
pending_tick(struct desk *in, int *reminded_r, int *closed_r,
    struct gc_err *err)
{
	const struct sla_settings *set = in->policy ?
	    sla_policy_settings(in->policy) : NULL;
	int rc = 0;

	*reminded_r = *closed_r = 0;
	if (set == NULL)
		return 0;
	/* with reminders on, only a reminded wait closes: nobody is
	 * closed unwarned */
	if (set->pending_close_after > 0)
		rc = batches(in, set, CLOSE_REMINDED, closed_r, err);
	if (rc == 0 && set->pending_close_after > 0 &&
	    set->pending_remind_after == 0)
		rc = batches(in, set, CLOSE_UNWARNED, closed_r, err);
	if (rc == 0 && set->pending_remind_after > 0)
		rc = batches(in, set, REMIND, reminded_r, err);
	if (rc == 0 && *closed_r > 0)
		log_info("scheduler: %d pending ticket(s) closed without an "
		    "answer", *closed_r);
	if (rc == 0 && *reminded_r > 0)
		log_info("scheduler: %d customer(s) reminded of a ticket "
		    "waiting for their answer", *reminded_r);
	return rc;
}
