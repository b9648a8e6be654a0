/*
 * ticket_open.c - a new ticket from a mail (see ticket_open.h)
 */
#include "desk/ticket_open.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/evjson.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "desk/held_notice.h"
#include "desk/hooks.h"
#include "desk/incident.h"
#include "desk/qualify.h"
#include "desk/record.h"
#include "desk/reply.h"
#include "desk/status.h"
#include "desk/timers.h"
#include "desk/tracking.h"
#include "notify/compose.h"
#include "parsers/address.h"
#include "parsers/mime.h"
#include "sql/assign_db.h"
#include "sql/store_participant.h"
#include "sql/store_quarantine.h"
#include "sql/store_ticket.h"

static int
addr_casecmp(const void *a, const void *b)
{
	return str_casecmp(*(const char *const *)a, *(const char *const *)b);
}

/* The Cc of the mail that opens a ticket become its participants, at most
 * max_participants_per_mail distinct addresses: the others are named in
 * one "participants_capped" event and never written to, so that one mail
 * with thousands of addresses cannot make every answer go to thousands. */
static int
add_cc_participants(struct desk *in, int64_t id, const struct mail *m,
    struct gc_err *err)
{
	size_t cap = (size_t)in->conf->general.max_participants_per_mail;
	const char **added = xcalloc(m->ncc + 1, sizeof(*added));
	const char **left = xcalloc(m->ncc + 1, sizeof(*left));
	size_t nadded = 0, nleft = 0, nuniq = 0;
	struct evjson *o;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < m->ncc; i++) {
		const char *a = m->cc[i].addr;
		bool again = false;

		if (a == NULL || conf_is_our_address(in->conf, a) ||
		    addr_same(a, m->from.addr) ||
		    compose_addr_check(a, NULL) != 0)
			continue;
		for (size_t k = 0; k < nadded && !again; k++)
			again = str_casecmp(added[k], a) == 0;
		if (again)
			continue;
		if (nadded >= cap) {
			left[nleft++] = a;
			continue;
		}
		added[nadded++] = a;
		rc = store_participant_add(in->db, id, a, m->cc[i].name, "cc",
		    in->now, err);
		if (rc == 0)
			rc = record_event(in, id, "participant_added", NULL,
			    ev_json("address", a, "role", "cc", NULL), err);
	}
	if (rc == 0 && nleft > 0) {
		/* each address left out once, in a stable order */
		qsort(left, nleft, sizeof(*left), addr_casecmp);
		for (size_t i = 0; i < nleft; i++)
			if (nuniq == 0 ||
			    str_casecmp(left[i], left[nuniq - 1]) != 0)
				left[nuniq++] = left[i];
		o = ev_new();
		ev_int(o, "cap", (long long)cap);
		ev_int(o, "added", (long long)nadded);
		ev_int(o, "left_out", (long long)nuniq);
		ev_strs(o, "addresses", left, nuniq);
		rc = record_event(in, id, "participants_capped", NULL,
		    ev_end(o), err);
		log_warn("ticket %" PRId64 ": %zu Cc address(es) past "
		    "max_participants_per_mail (%zu) left out", id, nuniq, cap);
	}
	free(added);
	free(left);
	return rc;
}

/* The subject of a new ticket: the mail's, without the tag of another
 * ticket it may carry (a stranger's follow-up). */
static char *
clean_subject(const struct mail *m, const char *drop_tag)
{
	const char *s = m->subject && m->subject[0] ? m->subject :
	    "(no subject)";
	char tag[80], *out = xstrdup(s), *p;

	if (drop_tag != NULL && drop_tag[0] != '\0') {
		snprintf(tag, sizeof(tag), "[%s]", drop_tag);
		if ((p = strstr(out, tag)) != NULL) {
			memmove(p, p + strlen(tag), strlen(p + strlen(tag)) +
			    1);
			memmove(out, str_trim(out), strlen(str_trim(out)) + 1);
		}
		if (out[0] == '\0') {
			free(out);
			out = xstrdup("(no subject)");
		}
	}
	return out;
}

/* cm into the quarantine as held, with detail; notice_queue: the queue
 * told of it (held_notice.h), or NULL. */
static int
held(struct desk *in, const struct conv_mail *cm, const char *detail,
    const char *notice_queue, struct intake_result *res,
    struct gc_err *err)
{
	struct store_quarantine q = {
		.mailbox = cm->mb->name, .reason = "held", .detail = detail,
		.raw = cm->raw, .raw_len = cm->len, .dedup_key = cm->key,
		.imap_uid = cm->uid, .now = in->now,
		.notice_queue = notice_queue,
	};
	int rc;

	if ((rc = record_quarantine(in, &q, &res->quarantine_id, err)) != 0)
		return rc;
	res->outcome = INTAKE_QUARANTINED;
	res->held = true;
	snprintf(res->reason, sizeof(res->reason), "held: %.200s", detail);
	return 0;
}

/* A rule holds the mail (hold = spam): into the quarantine, where an
 * operator may release it, and nothing else: no ticket, no
 * acknowledgement (spam's senders are forged: it would be backscatter).
 * The queue a rule would have given it is said, and a security report
 * held so (a proof of concept often looks like spam to a filter) is
 * logged as a warning and told to its queue's agents (held_notice.h):
 * held, it would miss its target unseen. */
static int
hold(struct desk *in, const struct conv_mail *cm,
    const struct rules_result *rr, struct intake_result *res,
    struct gc_err *err)
{
	/* the rules' queue, whether the policy knows it or not */
	const char *rq = rr->queue, *notice = NULL;
	bool routed = rq != NULL && (cm->mb->queue == NULL ||
	    strcmp(rq, cm->mb->queue) != 0);
	char detail[400];
	int rc;

	snprintf(detail, sizeof(detail), "%s: rule %s (%s:%d)", rr->hold,
	    rr->hold_by.rule, rr->hold_by.file, rr->hold_by.line);
	if (routed)
		snprintf(detail + strlen(detail), sizeof(detail) -
		    strlen(detail), "; rule %.64s sends it to queue %.64s",
		    rr->queue_by.rule, rq);
	if (routed)
		notice = held_notice_queue(in, rq, cm->mb);
	if ((rc = held(in, cm, detail, notice, res, err)) != 0)
		return rc;
	if (notice != NULL) {
		log_warn("quarantine %" PRId64 ": held (%s), and rule %s "
		    "sends it to the %s queue: a security report? `guichet "
		    "quarantine show %" PRId64 "`, then `release` it",
		    res->quarantine_id, rr->hold, rr->queue_by.rule, rq,
		    res->quarantine_id);
		if ((rc = held_notice_try(in, notice, err)) != 0)
			return rc;
	}
	return 0;
}

/* Held as a rule's hold is, with nothing told to anybody. */
int
ticket_hold_blocked(struct desk *in, const struct conv_mail *cm,
    struct intake_result *res, struct gc_err *err)
{
	char detail[400];

	snprintf(detail, sizeof(detail), "blocked sender %.300s (guichet "
	    "blocked list)", cm->m->from.addr ? cm->m->from.addr : "?");
	return held(in, cm, detail, NULL, res, err);
}

int
ticket_assign_in_turn(struct desk *in, struct store_ticket *t,
    struct gc_err *err)
{
	const char **names = xcalloc(in->conf->nagents + 1, sizeof(*names));
	char before[sizeof(t->assignee)];
	size_t n = 0;
	int rc;

	memcpy(before, t->assignee, sizeof(before));
	for (size_t i = 0; i < in->conf->nagents; i++)
		if (conf_agent_has_queue(&in->conf->agents[i], t->queue))
			names[n++] = in->conf->agents[i].name;
	rc = assign_db_next(in->db, t->queue, names, n, in->now,
	    t->assignee, sizeof(t->assignee), err);
	free(names);
	if (rc != 0)
		return rc;
	if (t->assignee[0] == '\0') {
		/* the owner it had, if any, stays */
		memcpy(t->assignee, before, sizeof(before));
		log_warn("ticket %s: every agent of queue %s is away: not "
		    "assigned in turn", t->number, t->queue);
		return record_event(in, t->id, "assign_skipped", NULL,
		    ev_json("reason", "every agent of the queue is away", NULL),
		    err);
	}
	if ((rc = store_ticket_set_assignee(in->db, t->id, t->assignee,
	    in->now, err)) != 0)
		return rc;
	return record_event(in, t->id, "assigned", NULL, ev_json("assignee",
	    t->assignee, "by", "round_robin", NULL), err);
}

int
ticket_assign_turns_create(struct db *db, const struct conf *c,
    struct gc_err *err)
{
	int rc;

	for (size_t i = 0; i < c->nqueues; i++)
		if (c->queues[i].round_robin && (rc = assign_db_turn_create(db,
		    c->queues[i].name, err)) != 0)
			return rc;
	return 0;
}

int
ticket_open(struct desk *in, const struct conv_mail *cm,
    int64_t related_to, const char *drop_tag, struct intake_result *res,
    struct gc_err *err)
{
	const struct mail *m = cm->m;
	const struct conf_mailbox *mb = cm->mb;
	struct store_ticket_new tn = { 0 };
	struct store_timer timers[SLA_MAX_TIMERS];
	struct store_ticket t = { 0 };
	char *subject = clean_subject(m, drop_tag);
	char *created = NULL, *qualified = NULL, prefix[64], suffix[64];
	struct conv_qual *q = xcalloc(1, sizeof(*q));
	int64_t id;
	int rc;

	if (cm->blocked && !cm->released && !cm->copy) {
		rc = ticket_hold_blocked(in, cm, res, err);
		goto out;
	}
	if ((rc = qualify_mail(in, cm, q, err)) != 0)
		goto out;
	if (q->q.rules.hold != NULL && !cm->released && !cm->copy) {
		rc = hold(in, cm, &q->q.rules, res, err);
		goto out;
	}
	if (tracking_split(prefix, sizeof(prefix), suffix, sizeof(suffix),
	    &tn.number_width, &tn.number_zero,
	    in->conf->general.tracking_format, in->now) != 0) {
		rc = gc_err_set(err, GC_ECONFIG, "tracking_format \"%s\" "
		    "cannot be used", in->conf->general.tracking_format);
		goto out;
	}
	tn.number_prefix = prefix;
	tn.number_suffix = suffix;
	tn.status = "new";
	tn.priority = q->priority;
	tn.plan = q->plan;
	tn.queue = q->queue;
	tn.mailbox = mb->name;
	tn.requester = m->from.addr;
	tn.requester_name = m->from.name;
	tn.subject = subject;
	tn.language = q->language;
	tn.organisation = q->org[0] ? q->org : NULL;
	tn.tags = q->tags;
	tn.ntags = q->ntags;
	tn.now = in->now;
	tn.created_json = created = ev_json("mailbox", mb->name, "message_id",
	    m->message_id, "from", m->from.addr, "subject", subject, NULL);
	tn.qualified_json = qualified = ev_json("priority", q->priority,
	    "plan", q->plan, "queue", q->queue, "organisation", q->org[0] ?
	    q->org : NULL, "rule", q->rule[0] ? q->rule : NULL, NULL);
	/* the timers go with the ticket's row */
	if ((rc = timers_opening(in, q->plan, q->priority, q->queue, timers,
	    &tn.ntimers, err)) != 0)
		goto out;
	tn.timers = timers;
	if ((rc = store_ticket_insert(in->db, &tn, &id, res->number,
	    sizeof(res->number), err)) != 0)
		goto out;
	res->ticket_id = id;
	res->outcome = INTAKE_NEW_TICKET;
	/* its "created" event was written with the row (store_ticket.h) */
	if ((rc = hooks_event(in, id, "created", m->from.addr, created,
	    err)) != 0)
		goto out;
	if ((rc = record_mail(in, cm, id, "customer", NULL, false, NULL,
	    err)) != 0 ||
	    (rc = qualify_add_csm(in, id, q->plan, q->priority, q->csm,
	    err)) != 0)
		goto out;
	if ((rc = add_cc_participants(in, id, m, err)) != 0)
		goto out;
	if (strcmp(q->priority, "P1") == 0) {
		struct incident_plan ip = { 0 };

		if ((rc = incident_auto_p1(in, id, &ip, err)) != 0)
			goto out;
		if (ip.changed)
			status_changed(in);
	}
	if (related_to != 0) {
		char rel[24];

		snprintf(rel, sizeof(rel), "%" PRId64, related_to);
		if ((rc = store_ticket_set_related(in->db, id, related_to,
		    err)) != 0 || (rc = record_event(in, id, "related", NULL,
		    ev_json("ticket", drop_tag, NULL), err)) != 0)
			goto out;
	}
	/* the ticket as just written, without reading it back */
	t.id = id;
	snprintf(t.number, sizeof(t.number), "%s", res->number);
	snprintf(t.status, sizeof(t.status), "new");
	snprintf(t.priority, sizeof(t.priority), "%.3s", q->priority);
	snprintf(t.plan, sizeof(t.plan), "%s", q->plan);
	snprintf(t.queue, sizeof(t.queue), "%s", q->queue);
	snprintf(t.mailbox, sizeof(t.mailbox), "%s", mb->name);
	snprintf(t.language, sizeof(t.language), "%s", q->language);
	t.requester = xstrdup(m->from.addr);
	t.requester_name = m->from.name ? xstrdup(m->from.name) : NULL;
	t.subject = xstrdup(subject);
	t.created_at = in->now;
	if (conf_queue_round_robin(in->conf, q->queue) &&
	    (rc = ticket_assign_in_turn(in, &t, err)) != 0)
		goto out;
	if (cm->automatic != NULL) {
		/* no automatic answer to automatic mail: no loop */
		rc = record_event(in, id, "ack_suppressed", NULL,
		    ev_json("reason", cm->automatic, NULL), err);
	} else {
		rc = reply_customer(in, &t, mb, "ack", "ack", m->text, NULL,
		    true, m, err);
	}
	if (rc == 0)
		rc = reply_agents(in, &t, mb, record_new_text(m),
		    m->from.addr, m, NULL, true, err);
out:
	store_ticket_clear(&t);
	free(subject);
	free(created);
	free(qualified);
	free(q);
	return rc;
}

int
ticket_open_split(struct desk *in, const struct store_ticket *from,
    const struct mail *m, const char *raw, size_t len, const char *key,
    struct intake_result *res, struct gc_err *err)
{
	struct conv_mail cm = { 0 };

	memset(res, 0, sizeof(*res));
	cm.mb = reply_mailbox(in->conf, from, NULL);
	cm.m = m;
	cm.raw = raw;
	cm.len = len;
	cm.key = key;
	/* a customer answering the mail itself (not our acknowledgement of
	 * the new ticket, which has its number) stays on the ticket that
	 * received it */
	cm.copy = true;
	return ticket_open(in, &cm, from->id, from->number, res, err);
}
