/*
 * conversation.c - what a stored mail does to the conversation (see
 * conversation.h): a new ticket, a customer's follow-up, a stranger kept
 * out, a release from the quarantine, a delivery report, auto-close.
 * Who is writing is author.c's, which ticket thread.c's, an agent's mail
 * agent.c's, the mails we write reply.c's.
 */
#include "desk/conversation.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/evjson.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "desk/agent.h"
#include "desk/author.h"
#include "desk/mailout.h"
#include "desk/qualify.h"
#include "desk/rating.h"
#include "desk/record.h"
#include "desk/reply.h"
#include "desk/thread.h"
#include "desk/ticket_open.h"
#include "desk/timers.h"
#include "desk/tracking.h"
#include "desk/undelivered.h"
#include "notify/compose.h"
#include "parsers/address.h"
#include "parsers/bounce.h"
#include "parsers/confirm.h"
#include "parsers/mime.h"
#include "parsers/rating.h"
#include "sla/policy.h"
#include "sql/hold.h"
#include "sql/store_event.h"
#include "sql/store_message.h"
#include "sql/store_org.h"
#include "sql/store_participant.h"
#include "sql/store_quarantine.h"
#include "sql/store_ticket.h"

/* What a reply to a resolution says of it: "#close" at the top
 * confirms, like an agent's command; the rest is parsers/confirm.h's
 * reading, which takes no complaint for a confirmation. */
static enum confirm_verdict
verdict(const struct conf *c, const char *text)
{
	const char *p = text;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (str_casestarts(p, "#close"))
		return CONFIRM_YES;
	return confirm_read(text, (const char *const *)
	    c->general.confirm_phrases.v, c->general.confirm_phrases.n);
}

enum confirm_verdict
conversation_verdict(const struct conf *c, const char *text)
{
	return verdict(c, text);
}

int
conversation_validate(struct desk *in, struct store_ticket *t,
    const struct conf_mailbox *mb, const char *author, struct gc_err *err)
{
	int rc;

	if ((rc = store_ticket_mark(in->db, t->id, STORE_MARK_VALIDATED,
	    in->now, err)) != 0 ||
	    (rc = store_ticket_set_status(in->db, t->id, "closed", in->now,
	    err)) != 0 ||
	    (rc = record_event(in, t->id, "validated", author,
	    ev_json("status", "closed", NULL), err)) != 0)
		return rc;
	snprintf(t->status, sizeof(t->status), "closed");
	return reply_customer(in, t, mb, "closed", "closed", NULL, NULL, true,
	    NULL, err);
}

int
conversation_reopen(struct desk *in, struct store_ticket *t,
    const struct conf_mailbox *mb, const char *text, const char *author,
    struct gc_err *err)
{
	int rc;

	if ((rc = store_ticket_set_status(in->db, t->id, "open", in->now,
	    err)) != 0 ||
	    (rc = record_event(in, t->id, "reopened", author,
	    ev_json("from", t->status, "to", "open", NULL), err)) != 0)
		return rc;
	snprintf(t->status, sizeof(t->status), "open");
	return reply_customer(in, t, mb, "reopened", "reopened", text, NULL,
	    true, NULL, err);
}

/* Whether a customer's mail to a closed ticket, read as v, asks
 * nothing more: a thank-you, a confirmation, a rating that says no
 * more. */
static bool
asks_nothing(enum confirm_verdict v, const char *text)
{
	const char *comment;
	int score;

	return v == CONFIRM_YES || v == CONFIRM_THANKS ||
	    (v == CONFIRM_NONE && rating_parse(text, &score, &comment));
}

static int customer_followup(struct desk *in, const struct conv_mail *cm,
    struct store_ticket *t, bool sent_there, struct intake_result *res,
    struct gc_err *err);

/* A customer's mail to a ticket closed [sla] reopen_within ago or more:
 * the problem is back, or a new one. It goes to the ticket still open
 * that such a mail of the same sender opened, else it opens a new
 * ticket related to the closed one. */
static int
closed_followup(struct desk *in, const struct conv_mail *cm,
    struct store_ticket *t, int64_t open_id, struct intake_result *res,
    struct gc_err *err)
{
	struct store_ticket f = { 0 };
	char old[64];
	int rc;

	if (open_id != 0) {
		if ((rc = store_ticket_by_id(in->db, open_id, &f, err)) == 0) {
			snprintf(res->number, sizeof(res->number), "%s",
			    f.number);
			res->ticket_id = f.id;
			rc = customer_followup(in, cm, &f, false, res, err);
		}
		store_ticket_clear(&f);
		return rc;
	}
	snprintf(old, sizeof(old), "%s", t->number);
	if ((rc = ticket_open(in, cm, t->id, old, res, err)) != 0)
		return rc;
	if (res->outcome == INTAKE_QUARANTINED)   /* a rule held it */
		return 0;
	snprintf(res->reason, sizeof(res->reason), "%s is closed", old);
	return record_event(in, t->id, "followed_up", cm->m->from.addr,
	    ev_json("new_ticket", res->number, NULL), err);
}

/* sent_there: an operator sent the mail to this ticket (quarantine
 * release --to), which then reopens in place however long ago it
 * closed. */
static int
customer_followup(struct desk *in, const struct conv_mail *cm,
    struct store_ticket *t, bool sent_there, struct intake_result *res,
    struct gc_err *err)
{
	const struct mail *m = cm->m;
	const struct conf_mailbox *mb = reply_mailbox(in->conf, t, cm->mb);
	const char *text = record_new_text(m);
	bool resolved = strcmp(t->status, "resolved") == 0;
	bool closed = strcmp(t->status, "closed") == 0, reopen = false;
	enum confirm_verdict v = resolved || closed ? verdict(in->conf, text) :
	    CONFIRM_NONE;
	bool rated;
	int rc;

	if (closed && cm->automatic == NULL && !asks_nothing(v, text)) {
		const struct sla_settings *set = in->policy ?
		    sla_policy_settings(in->policy) : NULL;
		long long within = set != NULL ? set->reopen_within : 0;
		time_t closed_at;
		int64_t open_id;

		if ((rc = store_ticket_closed(in->db, t->id, m->from.addr,
		    &closed_at, &open_id, err)) != 0)
			return rc;
		if (!sent_there && (within == 0 || closed_at == 0 ||
		    in->now - closed_at >= within))
			return closed_followup(in, cm, t, open_id, res, err);
		reopen = true;
	}
	res->outcome = INTAKE_FOLLOWUP;
	if ((rc = record_mail_event(in, cm, t->id, "customer", NULL, false,
	    "message_received", m->from.addr, ev_json("mailbox",
	    cm->mb->name, "message_id", m->message_id, "from", m->from.addr,
	    NULL), true, err)) != 0)
		return rc;
	if (cm->automatic != NULL) {
		/* an out-of-office on an open ticket: noted, nothing more */
		return record_event(in, t->id, "auto_reply", m->from.addr,
		    ev_json("reason", cm->automatic, NULL), err);
	}
	if ((rc = rating_mail(in, t, text, m->from.addr, &rated, err)) != 0)
		return rc;
	/* closed and staying so: a thank-you, whatever it says */
	if (closed && !reopen)
		v = CONFIRM_THANKS;
	/* a rating at the top of the reply (rating.h) reopens nothing,
	 * unless it says the problem is still there ("1 - still broken") */
	if (rated && (v == CONFIRM_NONE || v == CONFIRM_THANKS))
		return reply_agents(in, t, mb, text, m->from.addr, m, NULL,
		    false, err);
	/* a thank-you neither reopens nor closes: the agents read it, the
	 * ticket waits for its confirmation or auto_close_after */
	if (v == CONFIRM_THANKS) {
		if ((rc = record_event(in, t->id, "thanked", m->from.addr,
		    ev_json("status", t->status, NULL), err)) != 0)
			return rc;
		return reply_agents(in, t, mb, text, m->from.addr, m, NULL,
		    false, err);
	}
	if (v == CONFIRM_YES) {
		rc = conversation_validate(in, t, mb, m->from.addr, err);
		if (rc == 0)
			rc = reply_agents(in, t, mb, text, m->from.addr, m,
			    NULL, false, err);
		return rc;
	}
	if (resolved || reopen) {
		if ((rc = conversation_reopen(in, t, mb, text, m->from.addr,
		    err)) != 0)
			return rc;
	} else if (strcmp(t->status, "pending") == 0) {
		/* the customer answered: the clock runs again */
		if ((rc = store_ticket_set_status(in->db, t->id, "open",
		    in->now, err)) != 0 ||
		    (rc = record_event(in, t->id, "status_changed",
		    m->from.addr, ev_json("from", "pending", "to", "open",
		    NULL), err)) != 0)
			return rc;
		snprintf(t->status, sizeof(t->status), "open");
	}
	return reply_agents(in, t, mb, text, m->from.addr, m, NULL, false,
	    err);
}

static int
stranger(struct desk *in, const struct conv_mail *cm,
    struct store_ticket *t, const char *tag, bool forged_agent,
    struct intake_result *res, struct gc_err *err)
{
	char old[64];
	int rc;

	if (forged_agent && (rc = record_event(in, t->id,
	    "agent_unauthenticated", cm->m->from.addr, ev_json("message_id",
	    cm->m->message_id, NULL), err)) != 0)
		return rc;
	if (strcmp(in->conf->general.stranger_followup, "hold") == 0) {
		struct store_quarantine q = {
			.mailbox = cm->mb->name, .reason = "stranger",
			.raw = cm->raw, .raw_len = cm->len,
			.dedup_key = cm->key, .imap_uid = cm->uid,
			.now = in->now,
		};
		char detail[200];

		snprintf(detail, sizeof(detail), "%s is not a participant of "
		    "%s", cm->m->from.addr, t->number);
		q.detail = detail;
		if ((rc = record_quarantine(in, &q,
		    &res->quarantine_id, err)) != 0)
			return rc;
		res->outcome = INTAKE_QUARANTINED;
		snprintf(res->reason, sizeof(res->reason), "stranger: %s",
		    detail);
		return record_event(in, t->id, "stranger_held",
		    cm->m->from.addr, ev_json("message_id",
		    cm->m->message_id, NULL), err);
	}
	snprintf(old, sizeof(old), "%s", t->number);
	if ((rc = ticket_open(in, cm, t->id, tag[0] ? tag : NULL, res,
	    err)) != 0)
		return rc;
	if (res->outcome == INTAKE_QUARANTINED)   /* a rule held it */
		return record_event(in, t->id, "stranger_held",
		    cm->m->from.addr, ev_json("message_id",
		    cm->m->message_id, "reason", res->reason, NULL), err);
	snprintf(res->reason, sizeof(res->reason), "not a participant of "
	    "%s", old);
	return record_event(in, t->id, "stranger_followup", cm->m->from.addr,
	    ev_json("new_ticket", res->number, NULL), err);
}

int
conversation_handle(struct desk *in, const struct conv_mail *cm,
    struct intake_result *res, struct gc_err *err)
{
	const struct mail *m = cm->m;
	const struct conf_agent *agent;
	struct store_ticket t = { 0 };
	char tag[64];
	bool found, member;
	int rc;

	if ((rc = thread_find(in, m, cm->tagged, &t, &found, tag,
	    sizeof(tag), err)))
		return rc;
	if (!found)
		return ticket_open(in, cm, 0, NULL, res, err);
	snprintf(res->number, sizeof(res->number), "%s", t.number);
	res->ticket_id = t.id;
	agent = conf_agent_by_address(in->conf, m->from.addr);
	if (agent != NULL && !conf_agent_has_queue(agent, t.queue)) {
		/* an agent of another queue is no agent of this ticket: a
		 * participant at most, else a stranger */
		if ((rc = record_event(in, t.id, "agent_other_queue",
		    agent->name, ev_json("message_id", m->message_id, "queue",
		    t.queue, NULL), err)) != 0)
			goto out;
		agent = NULL;
	}
	if (agent != NULL) {
		const struct agentauth_key *key;
		const char *how = NULL;
		bool ok;

		if ((rc = mailout_agent_key(in->out, in->db, &key, err)))
			goto out;
		ok = author_agent_proved(in, m, agent, t.id, key, &how);
		if (ok && cm->automatic != NULL) {
			/* an agent's out-of-office never reaches customers */
			res->outcome = INTAKE_FOLLOWUP;
			if ((rc = record_mail(in, cm, t.id, "agent",
			    agent->name, true, NULL, err)) == 0)
				rc = record_event(in, t.id, "auto_reply",
				    agent->name, ev_json("reason",
				    cm->automatic, NULL), err);
			goto out;
		}
		if (ok) {
			rc = agent_mail(in, cm, &t, agent, how, res, err);
			goto out;
		}
		log_warn("ticket %s: mail From: agent %s without proof that "
		    "the agent sent it: taken as a stranger's", t.number,
		    agent->name);
		rc = stranger(in, cm, &t, tag, true, res, err);
		goto out;
	}
	if ((rc = author_is_participant(in, &t, m->from.addr, &member,
	    err)) != 0)
		goto out;
	if (member && cm->blocked && !cm->released &&
	    strcmp(t.status, "closed") == 0) {
		/* a blocked sender (#spam) writing to a closed ticket: its
		 * agents are not told again; an open conversation goes on */
		if ((rc = ticket_hold_blocked(in, cm, res, err)) == 0)
			rc = record_event(in, t.id, "sender_held",
			    m->from.addr, ev_json("message_id", m->message_id,
			    "quarantine", res->reason, NULL), err);
	} else if (member)
		rc = customer_followup(in, cm, &t, false, res, err);
	else
		rc = stranger(in, cm, &t, tag, false, res, err);
out:
	store_ticket_clear(&t);
	return rc;
}

int
conversation_release(struct desk *in, const struct conv_mail *cm,
    const char *into, struct intake_result *res, struct gc_err *err)
{
	struct store_ticket t = { 0 };
	char tag[64];
	bool found;
	int rc;

	memset(res, 0, sizeof(*res));
	if (into == NULL) {
		/* a new ticket, related to the one the mail names if any
		 * (as a stranger's follow-up would have been) */
		if ((rc = thread_find(in, cm->m, cm->tagged, &t, &found, tag,
		    sizeof(tag), err)) == 0)
			rc = ticket_open(in, cm, found ? t.id : 0, found &&
			    tag[0] ? tag : NULL, res, err);
		/* the ticket it named reads as if the mail was never held */
		if (rc == 0 && found)
			rc = record_event(in, t.id, "stranger_followup",
			    cm->m->from.addr, ev_json("new_ticket", res->number,
			    NULL), err);
		goto out;
	}
	rc = store_ticket_by_number(in->db, into, &t, err);
	if (rc == GC_ENOTFOUND)
		rc = gc_err_set(err, GC_ENOTFOUND, "no ticket %s", into);
	if (rc == 0)
		rc = thread_follow_merges(in, &t, err);
	if (rc != 0)
		goto out;
	snprintf(res->number, sizeof(res->number), "%s", t.number);
	res->ticket_id = t.id;
	if ((rc = customer_followup(in, cm, &t, true, res, err)) == 0)
		rc = timers_refresh(in, t.id, err);
out:
	store_ticket_clear(&t);
	return rc;
}

/* Which failure of report b is the customer's, for our mail that went
 * to rcpts: one naming the requester in any writing (address.h);
 * else, when the mail went to the requester alone and the report does
 * not say it reached her, a failure naming an address it was never
 * sent to (the customer's server forwarded it there). NULL when the
 * failures are about others. */
static const struct bounce_recipient *
bounce_customer(struct arena *a, const struct store_ticket *t,
    const struct bounce *b, char **rcpts, size_t nrcpts)
{
	const struct bounce_recipient *elsewhere = NULL;
	bool alone = nrcpts == 1 && addr_same(rcpts[0], t->requester);

	for (size_t i = 0; i < b->nrecipients; i++) {
		const struct bounce_recipient *r = &b->recipients[i];
		bool ours = false;

		if (bounce_recipient_is(a, r, t->requester)) {
			if (bounce_recipient_failed(r))
				return r;
			alone = false;  /* hers went: the rest is others' */
			continue;
		}
		if (!bounce_recipient_failed(r))
			continue;
		for (size_t j = 0; j < nrcpts && !ours; j++)
			ours = bounce_recipient_is(a, r, rcpts[j]);
		if (!ours && elsewhere == NULL)
			elsewhere = r;
	}
	return alone ? elsewhere : NULL;
}

/* A report of failure about an answer of ours to the customer: the
 * ticket is the desk's move again (undelivered.h); once per report. */
static int
bounce_undelivered(struct desk *in, const struct store_ticket *t,
    const char *orig, const struct bounce *b, struct gc_err *err)
{
	char purpose[64], why[GC_ERRMSG_SIZE], as[256] = "", **rcpts = NULL;
	const struct bounce_recipient *r = NULL;
	struct arena a;
	size_t nrcpts = 0;
	int rc;

	rc = store_our_mail(in->db, orig, purpose, sizeof(purpose), &rcpts,
	    &nrcpts, err);
	if (rc == GC_ENOTFOUND) {
		gc_err_clear(err);
		return 0;
	}
	if (rc != 0 || !undelivered_is_answer(purpose) ||
	    t->requester == NULL) {
		store_strings_free(rcpts, nrcpts);
		return rc;
	}
	arena_init(&a, 4096);
	r = bounce_customer(&a, t, b, rcpts, nrcpts);
	store_strings_free(rcpts, nrcpts);
	if (r == NULL && b->nrecipients > 0) {
		arena_free(&a);
		return 0;       /* about others than the customer */
	}
	if (r != NULL && r->address != NULL &&
	    str_casecmp(r->address, t->requester) != 0)
		snprintf(as, sizeof(as), " (reported as %.200s)", r->address);
	arena_free(&a);
	snprintf(why, sizeof(why), "delivery report%s: %s%s%s", as,
	    r != NULL && r->status ? r->status : b->status ? b->status :
	    "failed", r != NULL && r->diagnostic ? " " : "",
	    r != NULL && r->diagnostic ? r->diagnostic : "");
	return undelivered_answer(in, t->id, purpose, orig, t->requester,
	    why, err);
}

int
conversation_bounce(struct desk *in, const struct conv_mail *cm,
    const struct bounce *b, struct intake_result *res, struct gc_err *err)
{
	const char *orig = b->original_message_id;
	struct store_ticket t = { 0 };
	int64_t id = 0;
	int rc = GC_ENOTFOUND;

	if (orig != NULL)
		rc = store_ticket_by_message_ids(in->db, &orig, 1, &id, err);
	if (rc == GC_ENOTFOUND) {
		struct store_quarantine q = {
			.mailbox = cm->mb->name, .reason = "bounce",
			.detail = "a delivery report about no mail of ours",
			.raw = cm->raw, .raw_len = cm->len,
			.dedup_key = cm->key, .imap_uid = cm->uid,
			.now = in->now,
		};

		gc_err_clear(err);
		if ((rc = record_quarantine(in, &q,
		    &res->quarantine_id, err)) != 0)
			return rc;
		res->outcome = INTAKE_QUARANTINED;
		snprintf(res->reason, sizeof(res->reason), "bounce: %s",
		    q.detail);
		return 0;
	}
	if (rc != 0 || (rc = store_ticket_by_id(in->db, id, &t, err)) != 0)
		return rc;
	snprintf(res->number, sizeof(res->number), "%s", t.number);
	res->ticket_id = t.id;
	res->outcome = INTAKE_FOLLOWUP;
	snprintf(res->reason, sizeof(res->reason), "delivery report (%s%s%s)",
	    bounce_kind_name(b->kind), b->status ? " " : "",
	    b->status ? b->status : "");
	rc = record_mail(in, cm, t.id, "system", NULL, true, NULL, err);
	for (size_t i = 0; rc == 0 && i < b->nrecipients; i++) {
		const struct bounce_recipient *r = &b->recipients[i];

		rc = record_event(in, t.id, b->kind == BOUNCE_FAILED ?
		    "delivery_failed" : b->kind == BOUNCE_DELAYED ?
		    "delivery_delayed" : "delivery_report", NULL, ev_json(
		    "recipient", r->address, "action", r->action, "status",
		    r->status, "diagnostic", r->diagnostic, "message_id", orig,
		    NULL), err);
	}
	if (rc == 0 && b->nrecipients == 0)
		rc = record_event(in, t.id, b->kind == BOUNCE_FAILED ?
		    "delivery_failed" : b->kind == BOUNCE_DELAYED ?
		    "delivery_delayed" : "delivery_report", NULL, ev_json(
		    "status", b->status, "message_id", orig, NULL), err);
	if (rc == 0 && b->kind == BOUNCE_FAILED)
		rc = bounce_undelivered(in, &t, orig, b, err);
	store_ticket_clear(&t);
	return rc;
}

int
conversation_close_unanswered(struct desk *in, int64_t id, const char *why,
    struct gc_err *err)
{
	struct store_ticket t = { 0 };
	const struct conf_mailbox *mb;
	int rc;

	if ((rc = store_ticket_by_id(in->db, id, &t, err)) != 0)
		return rc;
	mb = reply_mailbox(in->conf, &t, NULL);
	rc = store_ticket_set_status(in->db, t.id, "closed", in->now, err);
	if (rc == 0)
		rc = record_event(in, t.id, "auto_closed", NULL,
		    ev_json("reason", why, NULL), err);
	snprintf(t.status, sizeof(t.status), "closed");
	if (rc == 0 && mb != NULL)
		rc = reply_customer(in, &t, mb, "closed", "closed", NULL, NULL,
		    true, NULL, err);
	if (rc == 0)
		rc = timers_refresh(in, t.id, err);
	store_ticket_clear(&t);
	return rc;
}

int
conversation_autoclose(struct desk *in, long long delay_seconds,
    int *closed_r, struct gc_err *err)
{
	int64_t ids[100];
	size_t n;
	int rc;

	*closed_r = 0;
	if ((rc = store_tickets_to_autoclose(in->db, in->now -
	    (time_t)delay_seconds, 100, ids, &n, err)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = conversation_close_unanswered(in, ids[i],
		    "no answer after resolution", err)) != 0)
			return rc;
		(*closed_r)++;
	}
	return 0;
}
