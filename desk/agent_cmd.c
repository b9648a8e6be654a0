/*
 * agent_cmd.c - an agent's #commands, checked then applied (see
 * agent_cmd.h)
 *
 * Every command is checked before any is applied (agent_validate): what
 * it names must exist (an agent, a ticket, a queue, a canned reply, a
 * customer mail to split) and what it sets must make sense (an address
 * we may write to, a time ahead), so that a mail is applied whole or not
 * at all. The SLA timers follow the queue and status changes when intake
 * refreshes them after the mail (intake.c, timers_refresh()).
 */
#include "desk/agent_cmd.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/evjson.h"
#include "common/util.h"
#include "desk/incident.h"
#include "desk/qualify.h"
#include "desk/record.h"
#include "desk/status.h"
#include "desk/ticket_open.h"
#include "desk/vault.h"
#include "notify/compose.h"
#include "notify/template.h"
#include "parsers/address.h"
#include "parsers/commands.h"
#include "parsers/mime.h"
#include "sla/policy.h"
#include "sla/tz.h"
#include "sql/blocked_db.h"
#include "sql/store_command.h"
#include "sql/store_participant.h"
#include "sql/store_ticket.h"
#include "sql/time_db.h"

#define MAX_TAGS 32             /* tags of one ticket */
#define ETA_AHEAD (366 * 86400) /* an #eta at most a year ahead */
#define SPLIT_KEY "split:"      /* dedup key of a mail split out, + id */

/* why: which command failed, as written ("#name arg", the argument cut
 * at argmax bytes), and what (what_fr in French: fr). Returns 1. */
static int
why_cmd(char *why, size_t whylen, const struct cmd *c, bool fr, int argmax,
    const char *what, const char *what_fr)
{
	char said[CMD_ARG_MAX + 32];

	snprintf(said, sizeof(said), "#%s%s%.*s", commands_name(c->kind),
	    c->arg[0] ? " " : "", argmax, c->arg);
	commands_why(why, whylen, fr, c->line, said, strlen(said), what,
	    what_fr);
	return 1;
}

/* The same, the argument cut at 80 bytes. */
static int
why_line(char *why, size_t whylen, const struct cmd *c, bool fr,
    const char *what, const char *what_fr)
{
	return why_cmd(why, whylen, c, fr, 80, what, what_fr);
}

/* The instant of an #eta: with its offset, else in the support's zone. */
static int
eta_instant(const struct desk *in, const struct cmd_time *ct, time_t *out)
{
	struct tm tm = { 0 };

	tm.tm_year = ct->year - 1900;
	tm.tm_mon = ct->mon - 1;
	tm.tm_mday = ct->day;
	tm.tm_hour = ct->hour;
	tm.tm_min = ct->min;
	tm.tm_sec = ct->sec;
	if (!ct->has_offset)
		return tz_from_local(sla_policy_support_tz(in->policy), &tm,
		    out);
	*out = (time_t)(tz_days_from_civil(ct->year, ct->mon, ct->day) *
	    86400 + ct->hour * 3600 + ct->min * 60 + ct->sec -
	    ct->offset_min * 60);
	return 0;
}

static bool
has_address(const struct agent_ctx *x, const char *addr, const char *role)
{
	for (size_t i = 0; i < x->nparts; i++)
		if (str_casecmp(x->parts[i].address, addr) == 0 &&
		    (role == NULL || strcmp(x->parts[i].role, role) == 0))
			return true;
	return false;
}

static bool
has_tag(const struct agent_ctx *x, const char *tag)
{
	for (size_t i = 0; i < x->ntags; i++)
		if (strcmp(x->tags[i], tag) == 0)
			return true;
	return false;
}

/* The language of the ticket's mails to the customer (as reply.c). */
const char *
agent_customer_language(const struct agent_ctx *x)
{
	/* a #language of this mail: its answer is in that language */
	for (size_t i = x->cmds.n; i > 0; i--)
		if (x->cmds.v[i - 1].kind == CMD_LANGUAGE)
			return x->cmds.v[i - 1].arg;
	if (strcmp(x->t->language, "fr") == 0 ||
	    strcmp(x->t->language, "en") == 0)
		return x->t->language;
	return x->mb->language;
}

bool
agent_fr(const struct agent_ctx *x)
{
	return !x->in->terminal && x->agent != NULL &&
	    x->agent->language != NULL && strcmp(x->agent->language, "fr") == 0;
}

/* The checks of the commands added with #cc and later: 1 with why when
 * one cannot be applied. */
static int
validate_more(struct agent_ctx *x, const struct cmd *c, int *ntags_added,
    char *why, size_t whylen, struct gc_err *err)
{
	struct desk *in = x->in;
	bool fr = agent_fr(x);
	int rc;

	if ((c->kind == CMD_CC || c->kind == CMD_UNCC) && !x->parts_read) {
		if ((rc = store_participants(in->db, x->t->id, &x->parts,
		    &x->nparts, err)) != 0)
			return rc;
		x->parts_read = true;
	}
	if ((c->kind == CMD_TAG || c->kind == CMD_UNTAG) && !x->tags_read) {
		if ((rc = store_ticket_tags(in->db, x->t->id, &x->tags,
		    &x->ntags, err)) != 0)
			return rc;
		x->tags_read = true;
	}
	switch (c->kind) {
	case CMD_CC:
		/* as the Cc of a new ticket (conversation.c): never us, never
		 * an agent, only an address we can write to */
		if (compose_addr_check(c->arg, NULL) != 0)
			return why_line(why, whylen, c, fr,
			    "not an address we can write to",
			    "pas une adresse \u00e0 laquelle nous pouvons "
			    "\u00e9crire");
		if (conf_is_our_address(in->conf, c->arg))
			return why_line(why, whylen, c, fr,
			    "one of our own addresses",
			    "une de nos propres adresses");
		if (conf_agent_by_address(in->conf, c->arg) != NULL)
			return why_line(why, whylen, c, fr,
			    "an agent's address (agents are told through their "
			    "queue)",
			    "l'adresse d'un agent (les agents sont "
			    "pr\u00e9venus par leur file)");
		if (addr_same(c->arg, x->t->requester))
			return why_line(why, whylen, c, fr,
			    "the requester of the ticket",
			    "le demandeur du ticket");
		if (x->nparts >= (size_t)in->conf->general.
		    max_participants_per_mail && !has_address(x, c->arg, NULL))
			return why_line(why, whylen, c, fr,
			    "the ticket has as many participants as "
			    "max_participants_per_mail",
			    "le ticket a d\u00e9j\u00e0 autant de participants "
			    "que max_participants_per_mail");
		return 0;
	case CMD_UNCC:
		if (!has_address(x, c->arg, "cc"))
			return why_line(why, whylen, c, fr,
			    "not in copy of this ticket",
			    "pas en copie de ce ticket");
		return 0;
	case CMD_QUEUE:
		if (!sla_policy_queue_known(in->policy, c->arg))
			return why_line(why, whylen, c, fr,
			    "no queue of that name",
			    "aucune file de ce nom");
		return 0;
	case CMD_TAG:
		if (!has_tag(x, c->arg) && x->ntags + (size_t)++*ntags_added >
		    MAX_TAGS)
			return why_line(why, whylen, c, fr,
			    "a ticket has at most 32 tags",
			    "un ticket a 32 \u00e9tiquettes au plus");
		return 0;
	case CMD_UNTAG:
		if (!has_tag(x, c->arg))
			return why_line(why, whylen, c, fr,
			    "not a tag of this ticket",
			    "pas une \u00e9tiquette de ce ticket");
		return 0;
	case CMD_SPLIT: {
		const char *irt = x->cm->m->in_reply_to;
		bool done;
		struct gc_err perr = { 0 };

		if (x->split_raw != NULL)
			return why_line(why, whylen, c, fr,
			    "one #split per mail",
			    "un seul #split par mail");
		rc = store_split_source(in->db, x->t->id, irt, SPLIT_KEY,
		    &x->split_msg, &x->split_raw, &x->split_len, &done, err);
		if (rc == GC_ENOTFOUND) {
			gc_err_clear(err);
			return why_line(why, whylen, c, fr,
			    "the ticket has no customer mail to split",
			    "le ticket n'a pas de mail du client \u00e0 "
			    "s\u00e9parer");
		}
		if (rc != 0)
			return rc;
		if (done)
			return why_line(why, whylen, c, fr,
			    "that customer mail was split already",
			    "ce mail du client a d\u00e9j\u00e0 \u00e9t\u00e9 "
			    "s\u00e9par\u00e9");
		if (vault_open_message_raw(in->conf, in->db, x->split_msg,
		    &x->split_raw, &x->split_len, &perr) != 0)
			return why_line(why, whylen, c, fr,
			    "that customer mail's stored bytes do not open "
			    "(see the log)",
			    "le mail du client enregistr\u00e9 ne s'ouvre pas "
			    "(voir le journal)");
		if (record_mail_reread(in->conf, x->split_raw, x->split_len,
		    &x->split_mail, &perr) != 0)
			return why_line(why, whylen, c, fr,
			    "that customer mail cannot be read again",
			    "ce mail du client ne peut pas \u00eatre relu");
		if (x->split_mail->from.addr == NULL ||
		    compose_addr_check(x->split_mail->from.addr, NULL) != 0)
			return why_line(why, whylen, c, fr,
			    "that customer mail has no sender address to "
			    "answer",
			    "ce mail du client n'a pas d'adresse "
			    "d'exp\u00e9diteur \u00e0 qui r\u00e9pondre");
		return 0;
	}
	case CMD_ETA:
		if (eta_instant(in, &c->time, &x->eta) != 0 ||
		    x->eta <= in->now)
			return why_line(why, whylen, c, fr,
			    "the time is past",
			    "l'heure est pass\u00e9e");
		if (x->eta > in->now + ETA_AHEAD)
			return why_line(why, whylen, c, fr,
			    "the time is more than a year ahead",
			    "l'heure est \u00e0 plus d'un an");
		return 0;
	case CMD_REMIND:
		if (x->remind_seen)
			return why_line(why, whylen, c, fr,
			    "one #remind per mail",
			    "un seul #remind par mail");
		x->remind_seen = true;
		x->remind = 0;
		if (strcmp(c->arg, "none") == 0)
			return 0;
		if (c->after > 0)
			x->remind = in->now + (time_t)c->after;
		else if (eta_instant(in, &c->time, &x->remind) != 0 ||
		    x->remind <= in->now)
			return why_line(why, whylen, c, fr,
			    "the time is past",
			    "l'heure est pass\u00e9e");
		if (x->remind > in->now + CMD_REMIND_MAX)
			return why_line(why, whylen, c, fr,
			    "the time is more than a year ahead",
			    "l'heure est \u00e0 plus d'un an");
		return 0;
	case CMD_REPLY: {
		struct template *tpl = NULL;

		snprintf(x->reply_tpl, sizeof(x->reply_tpl), "replies/%.*s",
		    CMD_WORD_MAX - 1, c->arg);
		rc = template_load(&tpl, in->conf->general.templates_dir,
		    agent_customer_language(x), x->reply_tpl, err);
		template_free(&tpl);
		if (rc == GC_ENOTFOUND || rc == GC_EINVAL) {
			const char *lang = agent_customer_language(x),
			    *other = strcmp(lang, "fr") == 0 ? "en" : "fr";
			char what[256], what_fr[256];

			gc_err_clear(err);
			snprintf(what, sizeof(what), "no canned reply of that "
			    "name in the customer's language, %s "
			    "(%s/replies/%.64s.txt; #language %s answers in "
			    "the other)", lang, lang, c->arg, other);
			snprintf(what_fr, sizeof(what_fr), "pas de "
			    "r\u00e9ponse type de ce nom dans la langue du "
			    "client, %s (%s/replies/%.64s.txt ; #language %s "
			    "r\u00e9pond dans l'autre)", lang, lang, c->arg,
			    other);
			return why_cmd(why, whylen, c, fr, 64, what, what_fr);
		}
		if (rc != 0) {
			/* a broken template: the agent is told, ops too */
			char what[201];

			snprintf(what, sizeof(what), "%.200s", err->msg);
			gc_err_clear(err);
			return why_cmd(why, whylen, c, fr, CMD_ARG_MAX, what,
			    what);
		}
		x->reply = x->reply_tpl;
		return 0;
	}
	case CMD_INCIDENT:
	case CMD_INCIDENT_UPDATE:
	case CMD_INCIDENT_RESOLVED:
		return incident_check(in, x->t, c, &x->inc, fr, why, whylen,
		    err);
	case CMD_TIME: {
		long long mine;
		int rc2;

		if (x->time_seen)
			return why_line(why, whylen, c, fr,
			    "one #time per mail",
			    "un seul #time par mail");
		x->time_seen = true;
		if ((rc2 = time_db_totals(in->db, x->t->id, x->agent->name,
		    &mine, &x->time_total, err)) != 0)
			return rc2;
		if (c->minutes < 0 && mine + c->minutes < 0) {
			char what[96], what_fr[112];

			snprintf(what, sizeof(what), "you have logged %lld "
			    "min on this ticket: that much can be taken back",
			    mine);
			snprintf(what_fr, sizeof(what_fr), "vous avez "
			    "not\u00e9 %lld min sur ce ticket : vous pouvez "
			    "en retirer autant", mine);
			return why_line(why, whylen, c, fr, what, what_fr);
		}
		return 0;
	}
	case CMD_SPAM: {
		const char *r = x->t->requester;

		if (x->cmds.n != 1)
			return why_line(why, whylen, c, fr,
			    "#spam goes alone",
			    "#spam s'emploie seul");
		if (r == NULL || strchr(r, '@') == NULL)
			return why_line(why, whylen, c, fr,
			    "the ticket has no sender address (anonymised?)",
			    "le ticket n'a pas d'adresse d'exp\u00e9diteur "
			    "(anonymis\u00e9 ?)");
		if (conf_agent_by_address(in->conf, r) != NULL ||
		    conf_is_our_address(in->conf, r))
			return why_line(why, whylen, c, fr,
			    "the sender is one of our agents or addresses: not "
			    "blocked",
			    "l'exp\u00e9diteur est un de nos agents ou une de "
			    "nos adresses : pas bloqu\u00e9");
		return 0;
	}
	default:
		return 0;
	}
}

/* Check what the commands need before applying any of them. */
int
agent_validate(struct agent_ctx *x, char *why, size_t whylen,
    struct gc_err *err)
{
	bool sends = false, internal = false, fr = agent_fr(x);
	int ntags_added = 0;

	for (size_t i = 0; i < x->cmds.n; i++) {
		const struct cmd *c = &x->cmds.v[i];
		int rc;

		if (c->kind == CMD_HELP) {
			x->help = true;
			return 0;
		}
		sends |= c->kind == CMD_RESOLVE || c->kind == CMD_RCA ||
		    (c->kind == CMD_STATUS && strcmp(c->arg, "resolved") == 0);
		internal |= c->kind == CMD_INTERNAL;
		if ((rc = validate_more(x, c, &ntags_added, why, whylen,
		    err)) != 0)
			return rc;

		if (c->kind == CMD_ASSIGN && strcmp(c->arg, "me") != 0 &&
		    conf_agent_by_name(x->in->conf, c->arg) == NULL) {
			return why_cmd(why, whylen, c, fr, CMD_ARG_MAX,
			    "no agent of that name", "aucun agent de ce nom");
		}
		if (c->kind == CMD_MERGE) {
			store_ticket_clear(&x->merge_into);
			rc = store_ticket_by_number(x->in->db, c->arg,
			    &x->merge_into, err);
			if (rc == GC_ENOTFOUND) {
				gc_err_clear(err);
				return why_cmd(why, whylen, c, fr,
				    CMD_ARG_MAX, "no such ticket",
				    "ticket inconnu");
			}
			if (rc != 0)
				return rc;
			if (x->merge_into.id == x->t->id ||
			    x->merge_into.merged_into != 0) {
				bool self = x->merge_into.id == x->t->id;

				return why_cmd(why, whylen, c, fr,
				    CMD_ARG_MAX, self ? "cannot merge into "
				    "the ticket itself" : "cannot merge into "
				    "a merged ticket", self ? "impossible de "
				    "fusionner dans le ticket lui-m\u00eame" :
				    "impossible de fusionner dans un ticket "
				    "d\u00e9j\u00e0 fusionn\u00e9");
			}
		}
	}
	if (x->reply != NULL && (sends || internal)) {
		snprintf(why, whylen, "%s", fr ? "#reply s'emploie "
		    "sans #resolve, #rca ni #internal" : "#reply goes alone: "
		    "not with #resolve, #rca or #internal");
		return 1;
	}
	return 0;
}

/* The ticket in hand given a new status; returns the data of its
 * status_changed event (malloc'd). */
char *
agent_status_written(struct agent_ctx *x, const char *status)
{
	char *data = ev_json("from", x->t->status, "to", status, NULL);

	snprintf(x->t->status, sizeof(x->t->status), "%s", status);
	x->touch = false;
	x->ended |= strcmp(status, "resolved") == 0 ||
	    strcmp(status, "closed") == 0;
	return data;
}

int
agent_set_status(struct agent_ctx *x, const char *status, struct gc_err *err)
{
	int rc;

	if (strcmp(x->t->status, status) == 0)
		return 0;
	if ((rc = store_ticket_set_status(x->in->db, x->t->id, status,
	    x->in->now, err)) != 0)
		return rc;
	return record_event(x->in, x->t->id, "status_changed", x->agent->name,
	    agent_status_written(x, status), err);
}

int
agent_apply(struct agent_ctx *x, const struct cmd *c, struct gc_err *err)
{
	struct desk *in = x->in;
	const char *who = x->agent->name;
	int rc = 0;

	switch (c->kind) {
	case CMD_LANGUAGE:
		if (strcmp(x->t->language, c->arg) == 0)
			return 0;
		rc = record_event(in, x->t->id, "language_changed", who,
		    ev_json("from", x->t->language, "to", c->arg, NULL), err);
		if (rc == 0)
			rc = store_ticket_set_language(in->db, x->t->id, c->arg,
			    in->now, err);
		snprintf(x->t->language, sizeof(x->t->language), "%.2s",
		    c->arg);
		return rc;
	case CMD_PRIORITY:
		if (strcmp(x->t->priority, c->arg) == 0)
			return 0;
		rc = record_event(in, x->t->id, "priority_changed", who,
		    ev_json("from", x->t->priority, "to", c->arg, NULL), err);
		if (rc == 0)
			rc = store_ticket_set_priority(in->db, x->t->id,
			    c->arg, in->now, err);
		snprintf(x->t->priority, sizeof(x->t->priority), "%.2s",
		    c->arg);
		if (rc == 0)
			rc = qualify_add_csm(in, x->t->id, x->t->plan,
			    x->t->priority, NULL, err);
		if (rc == 0 && strcmp(c->arg, "P1") == 0)
			rc = incident_auto_p1(in, x->t->id, &x->inc, err);
		return rc;
	case CMD_STATUS:
		if (strcmp(c->arg, "resolved") == 0) {
			x->resolve = true;
			return 0;
		}
		return agent_set_status(x, c->arg, err);
	case CMD_ASSIGN: {
		const char *name = strcmp(c->arg, "me") == 0 ? who : c->arg;

		rc = store_ticket_set_assignee(in->db, x->t->id, name, in->now,
		    err);
		if (rc == 0)
			rc = record_event(in, x->t->id, "assigned", who,
			    ev_json("assignee", name, NULL), err);
		snprintf(x->t->assignee, sizeof(x->t->assignee), "%.*s",
		    (int)sizeof(x->t->assignee) - 1, name);
		return rc;
	}
	case CMD_INTERNAL:
	case CMD_SEND:
		return 0;   /* decided before storing */
	case CMD_WORKAROUND:
		rc = store_ticket_mark(in->db, x->t->id, STORE_MARK_WORKAROUND,
		    in->now, err);
		if (rc == 0)
			rc = record_event(in, x->t->id, "workaround", who,
			    NULL, err);
		return rc;
	case CMD_RESOLVE:
		x->resolve = true;
		return 0;
	case CMD_RCA:
		x->rca = true;
		return 0;
	case CMD_CLOSE:
		return agent_set_status(x, "closed", err);
	case CMD_SPAM: {
		bool added = false;

		x->spam = true;
		if ((rc = agent_set_status(x, "closed", err)) == 0 &&
		    (rc = store_ticket_tag(in->db, x->t->id, "spam", true,
		    in->now, err)) == 0)
			rc = blocked_db_add(in->db, x->t->requester, who,
			    x->t->id, in->now, &added, err);
		if (rc == 0)
			rc = record_event(in, x->t->id, "marked_spam", who,
			    ev_json("blocked", x->t->requester, "already",
			    added ? "no" : "yes", NULL), err);
		return rc;
	}
	case CMD_CC:
		if (has_address(x, c->arg, NULL))
			return 0;   /* in copy already */
		rc = store_participant_add(in->db, x->t->id, c->arg, NULL, "cc",
		    in->now, err);
		if (rc == 0)
			rc = record_event(in, x->t->id, "participant_added", who,
			    ev_json("address", c->arg, "role", "cc", NULL), err);
		return rc;
	case CMD_UNCC: {
		bool removed;

		rc = store_participant_remove(in->db, x->t->id, c->arg,
		    &removed, err);
		if (rc == 0 && removed)
			rc = record_event(in, x->t->id, "participant_removed",
			    who, ev_json("address", c->arg, "role", "cc", NULL),
			    err);
		return rc;
	}
	case CMD_QUEUE:
		if (strcmp(x->t->queue, c->arg) == 0)
			return 0;
		if (x->queue_from[0] == '\0')
			snprintf(x->queue_from, sizeof(x->queue_from), "%s",
			    x->t->queue);
		rc = store_ticket_set_queue(in->db, x->t->id, c->arg, in->now,
		    err);
		if (rc == 0)
			rc = record_event(in, x->t->id, "queue_changed", who,
			    ev_json("from", x->t->queue, "to", c->arg, NULL),
			    err);
		snprintf(x->t->queue, sizeof(x->t->queue), "%.*s",
		    (int)sizeof(x->t->queue) - 1, c->arg);
		return rc;
	case CMD_TAG:
	case CMD_UNTAG:
		rc = store_ticket_tag(in->db, x->t->id, c->arg,
		    c->kind == CMD_TAG, in->now, err);
		if (rc == 0)
			rc = record_event(in, x->t->id, c->kind == CMD_TAG ?
			    "tagged" : "untagged", who, ev_json("tag", c->arg,
			    NULL), err);
		return rc;
	case CMD_SPLIT: {
		struct intake_result nr;
		char key[48], from[24];

		snprintf(key, sizeof(key), SPLIT_KEY "%" PRId64, x->split_msg);
		snprintf(from, sizeof(from), "%" PRId64, x->split_msg);
		rc = ticket_open_split(in, x->t, x->split_mail, x->split_raw,
		    x->split_len, key, &nr, err);
		if (rc == 0)
			rc = record_event(in, x->t->id, "split", who, ev_json(
			    "new_ticket", nr.number, "message", from, NULL),
			    err);
		return rc;
	}
	case CMD_ETA: {
		char at[32];

		time_iso8601(at, sizeof(at), x->eta);
		rc = store_ticket_set_eta(in->db, x->t->id, x->eta, in->now,
		    err);
		if (rc == 0)
			x->t->eta = x->eta;
		if (rc == 0)
			rc = record_event(in, x->t->id, "eta_set", who,
			    ev_json("eta", at, NULL), err);
		return rc;
	}
	case CMD_REPLY:
		return record_event(in, x->t->id, "canned_reply", who,
		    ev_json("name", c->arg, NULL), err);
	case CMD_REMIND: {
		char at[32];

		time_iso8601(at, sizeof(at), x->remind);
		rc = store_ticket_set_remind(in->db, x->t->id, x->remind, who,
		    in->now, err);
		if (rc == 0)
			rc = record_event(in, x->t->id, x->remind ?
			    "reminder_set" : "reminder_cancelled", who,
			    x->remind ? ev_json("at", at, NULL) : NULL, err);
		return rc;
	}
	case CMD_TIME: {
		struct evjson *e = ev_new();

		ev_int(e, "minutes", c->minutes);
		ev_int(e, "total", x->time_total + c->minutes);
		rc = time_db_add(in->db, x->t->id, who, c->minutes, in->now,
		    err);
		if (rc == 0)
			return record_event(in, x->t->id, "time_spent", who,
			    ev_end(e), err);
		free(ev_end(e));
		return rc;
	}
	case CMD_HELP:
		return 0;   /* answered before anything is applied */
	case CMD_INCIDENT:
	case CMD_INCIDENT_UPDATE:
	case CMD_INCIDENT_RESOLVED:
		return incident_apply(in, x->t, c, x->eta, who, &x->inc, err);
	case CMD_MERGE:
		rc = store_ticket_merge(in->db, x->t->id, x->merge_into.id,
		    in->now, err);
		if (rc == 0)
			rc = record_event(in, x->t->id, "merged", who, ev_json(
			    "into", x->merge_into.number, NULL), err);
		if (rc == 0)
			rc = record_event(in, x->merge_into.id, "merged_in",
			    who, ev_json("from", x->t->number, NULL), err);
		if (rc == 0)
			rc = incident_ticket_merged(in, x->t, x->merge_into.id,
			    who, &x->inc, err);
		return rc;
	}
	return 0;
}
