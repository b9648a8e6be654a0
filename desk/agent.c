/*
 * agent.c - an agent's mail (see agent.h): its commands checked and
 * applied (agent_cmd.c), then the mails they call for
 */
#include "desk/agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/evjson.h"
#include "common/util.h"
#include "desk/agent_cmd.h"
#include "desk/hooks.h"
#include "desk/incident.h"
#include "desk/mailout.h"
#include "desk/rating.h"
#include "desk/record.h"
#include "desk/reply.h"
#include "desk/status.h"
#include "desk/ticket_open.h"
#include "desk/vault.h"
#include "parsers/commands.h"
#include "parsers/mime.h"
#include "sla/policy.h"
#include "sla/tz.h"
#include "sql/store_command.h"
#include "sql/store_message.h"
#include "sql/store_participant.h"
#include "sql/store_ticket.h"

/* The agent's mail is kept among agents, nothing of it applied, and the
 * agent is told why in the agent's thread of the ticket; at the command
 * line, the call fails with why instead. */
static int
command_error(struct agent_ctx *x, const char *why, struct gc_err *err)
{
	struct desk *in = x->in;
	int rc;

	if (in->terminal)
		return gc_err_set(err, GC_EINVAL, "%s", why);
	/* a held answer let go by #send is kept already, and stays held */
	if ((x->held_id == 0 && (rc = record_mail(in, x->cm, x->t->id,
	    "agent", x->agent->name, true, NULL, err)) != 0) ||
	    (rc = record_event(in, x->t->id, "command_rejected",
	    x->agent->name, ev_json("error", why, NULL), err)) != 0)
		return rc;
	return reply_command_error(in, x->t, x->mb, x->agent,
	    x->cm->m->message_id, why, err);
}

/* The #eta variables of a mail to the customer: the time in the
 * support's zone, and a sentence in the ticket's language ("" without). */
static size_t
eta_vars(struct agent_ctx *x, struct mailout_var *v, char *at, size_t atlen,
    char *line, size_t linelen)
{
	time_t eta = x->t->eta;

	at[0] = line[0] = '\0';
	if (eta != 0) {
		tz_text(sla_policy_support_tz(x->in->policy), eta, at, atlen);
		snprintf(line, linelen, strcmp(agent_customer_language(x), "fr") == 0 ?
		    "\nSolution prévue d'ici le %s.\n" :
		    "\nExpected solution by %s.\n", at);
	}
	v[0].name = "eta";
	v[0].value = at;
	v[1].name = "eta_line";
	v[1].value = line;
	return 2;
}

/* The mail to the customer that the commands call for, with the agent's
 * text: resolution, RCA, a canned reply or an update. */
static int
mail_customer(struct agent_ctx *x, const char *body, struct gc_err *err)
{
	struct mailout_var v[3];
	char at[96], line[160], *links = NULL;
	const char *tpl = x->resolve ? "resolution" : x->rca ? "rca" :
	    x->reply ? x->reply : "update";
	size_t n = eta_vars(x, v, at, sizeof(at), line, sizeof(line));
	int rc;

	if (x->resolve) {
		links = rating_links(x->in, x->t, agent_customer_language(x));
		v[n].name = "rating_links";
		v[n++].value = links;
	}
	rc = reply_relay(x->in, x->t, x->mb, tpl, x->reply ? "canned_reply" :
	    tpl, body, x->agent, x->cm->m, v, n, err);
	free(links);
	return rc;
}

/* Whether the ticket's owner works on its (new) queue. */
static bool
owner_works_on(const struct desk *in, const struct store_ticket *t)
{
	const struct conf_agent *a = conf_agent_by_name(in->conf, t->assignee);

	return a != NULL && conf_agent_has_queue(a, t->queue);
}

static int agent_mail_held(struct desk *in, const struct conv_mail *cm,
    struct store_ticket *t, const struct conf_agent *agent, const char *how,
    int64_t held_id, struct intake_result *res, struct gc_err *err);

/* Whether the mail answers the customer: a text, or a command that
 * mails them; a note among agents, #spam and #merge do not. */
static bool
answers_customer(const struct agent_ctx *x, const char *body)
{
	bool sends = body[0] != '\0';

	for (size_t i = 0; i < x->cmds.n; i++) {
		const struct cmd *c = &x->cmds.v[i];

		if (c->kind == CMD_INTERNAL || c->kind == CMD_SPAM ||
		    c->kind == CMD_MERGE)
			return false;
		sends |= c->kind == CMD_RESOLVE || c->kind == CMD_RCA ||
		    c->kind == CMD_REPLY || (c->kind == CMD_STATUS &&
		    strcmp(c->arg, "resolved") == 0);
	}
	return sends;
}

/* answer_collision = hold: the last answer another agent gave the
 * customer after the mail this one answers, which its agent could not
 * have read. With one, the mail is kept among agents as the agent's
 * held answer (or, a #send, kept while the answer it would let go stays
 * held), nothing of it applied, and the agent gets the other answer:
 * *held_r. held_mid: the Message-ID of the answer held. */
static int
hold_if_crossed(struct agent_ctx *x, const char *held_mid, bool *held_r,
    struct gc_err *err)
{
	struct desk *in = x->in;
	const struct conf_agent *first;
	json_t *j = NULL;
	char *doc = NULL, at[96], iso[32];
	const char *name, *text;
	struct gc_err oerr = { 0 };
	int64_t mid = 0;
	time_t when;
	int rc;

	*held_r = false;
	/* without another agent's answer last, none can have crossed */
	if (strcmp(in->conf->general.answer_collision, "hold") != 0 ||
	    x->held_id != 0 || x->t->last_answer_by[0] == '\0' ||
	    strcmp(x->t->last_answer_by, x->agent->name) == 0)
		return 0;
	if ((rc = store_crossed_answer(in->db, x->t->id,
	    x->cm->m->in_reply_to, x->agent->name, &doc, err)) != 0 ||
	    doc == NULL)
		return rc;
	/* a text that does not open is named so, and the answer still
	 * held: the agent can read the ticket */
	(void)vault_message_json(in->conf, &doc, &oerr);
	if ((j = json_loads(doc, 0, NULL)) == NULL) {
		free(doc);
		return gc_err_set(err, GC_EINVAL, "answer_collision: an "
		    "unreadable row");
	}
	name = json_string_value(json_object_get(j, "agent"));
	text = json_string_value(json_object_get(j, "text"));
	first = name ? conf_agent_by_name(in->conf, name) : NULL;
	when = (time_t)json_integer_value(json_object_get(j, "at"));
	tz_text(sla_policy_support_tz(in->policy), when, at, sizeof(at));
	time_iso8601(iso, sizeof(iso), when);
	*held_r = true;
	if ((rc = record_mail(in, x->cm, x->t->id, "agent", x->agent->name,
	    true, &mid, err)) == 0 && held_mid == NULL)
		rc = store_answer_held(in->db, mid, true, err);
	if (rc == 0)
		rc = record_event(in, x->t->id, "answer_held", x->agent->name,
		    ev_json("message_id", held_mid ? held_mid :
		    x->cm->m->message_id, "first", name ? name : "?",
		    "answered_at", iso, NULL), err);
	if (rc == 0)
		rc = reply_answer_held(in, x->t, x->mb, x->agent,
		    x->cm->m->message_id, first ? first->display_name : name ?
		    name : "?", at, text ? text : oerr.msg[0] ? oerr.msg :
		    "", err);
	json_decref(j);
	free(doc);
	return rc;
}

/* #send: the agent's answer held on the ticket let go as it was, after
 * the mail that asks it is kept among agents (send_asked). 1 with why
 * when there is nothing to let go. */
static int
send_held(struct agent_ctx *x, const char *how, struct intake_result *res,
    char *why, size_t whylen, struct gc_err *err)
{
	struct desk *in = x->in;
	struct gc_err perr = { 0 };
	struct conv_mail held = *x->cm;
	struct mail *m = NULL;
	char mid[256], *raw = NULL;
	size_t len = 0;
	int64_t id;
	bool crossed;
	int rc;

	if (x->cmds.n != 1) {
		snprintf(why, whylen, "%s", agent_fr(x) ? "#send s'emploie "
		    "seul : il envoie votre r\u00e9ponse retenue telle "
		    "quelle (le reste de ce mail reste entre agents)" :
		    "#send goes alone: it sends your answer held as it was "
		    "(the rest of this mail stays among agents)");
		return 1;
	}
	rc = store_answer_held_find(in->db, x->t->id, x->agent->name, &id,
	    mid, sizeof(mid), &raw, &len, err);
	if (rc == GC_ENOTFOUND) {
		gc_err_clear(err);
		snprintf(why, whylen, "%s", agent_fr(x) ? "#send : aucune "
		    "r\u00e9ponse de vous n'est retenue sur ce ticket" :
		    "#send: no answer of yours is held on this ticket");
		return 1;
	}
	if (rc != 0)
		return rc;
	if (vault_open_message_raw(in->conf, in->db, id, &raw, &len,
	    &perr) != 0 || record_mail_reread(in->conf, raw, len, &m,
	    &perr) != 0) {
		free(raw);
		snprintf(why, whylen, agent_fr(x) ? "#send : votre "
		    "r\u00e9ponse retenue ne peut pas \u00eatre relue "
		    "(%.200s)" : "#send: your held answer cannot be read "
		    "again (%.200s)", perr.msg);
		return 1;
	}
	/* another answer since the notice that this #send answers: the
	 * answer stays held, and the agent gets that one */
	if ((rc = hold_if_crossed(x, mid, &crossed, err)) != 0 || crossed)
		goto out;
	if ((rc = record_mail_event(in, x->cm, x->t->id, "agent",
	    x->agent->name, true, "send_asked", x->agent->name,
	    ev_json("message_id", mid, "authenticated_by", how, NULL), false,
	    err)) != 0)
		goto out;
	held.m = m;
	held.raw = raw;
	held.len = len;
	rc = agent_mail_held(in, &held, x->t, x->agent, how, id, res, err);
out:
	mail_free(&m);
	free(raw);
	return rc;
}

int
agent_mail(struct desk *in, const struct conv_mail *cm,
    struct store_ticket *t, const struct conf_agent *agent, const char *how,
    struct intake_result *res, struct gc_err *err)
{
	return agent_mail_held(in, cm, t, agent, how, 0, res, err);
}

static int
agent_mail_held(struct desk *in, const struct conv_mail *cm,
    struct store_ticket *t, const struct conf_agent *agent, const char *how,
    int64_t held_id, struct intake_result *res, struct gc_err *err)
{
	struct agent_ctx x = { .in = in, .cm = cm, .t = t, .agent = agent,
		.held_id = held_id };
	const char *text = record_new_text(cm->m), *body;
	char why[320], *opened;
	bool merged = false, assigned = false, held;
	int rc;

	x.mb = reply_mailbox(in->conf, t, cm->mb);
	res->outcome = INTAKE_FOLLOWUP;
	if (commands_parse_in(&x.cmds, text, agent->language, why,
	    sizeof(why)) != 0)
		return command_error(&x, why, err);
	rc = agent_validate(&x, why, sizeof(why), err);
	if (rc == 1) {
		rc = command_error(&x, why, err);
		goto out;
	}
	if (rc != 0)
		goto out;
	if (x.help) {
		/* the list, and nothing of the mail applied or relayed */
		if ((rc = record_mail(in, cm, t->id, "agent", agent->name, true,
		    NULL, err)) == 0 &&
		    (rc = record_event(in, t->id, "commands_help", agent->name,
		    ev_json("message_id", cm->m->message_id, NULL), err)) == 0)
			rc = reply_command_error(in, t, x.mb, agent,
			    cm->m->message_id, NULL, err);
		goto out;
	}
	/* #spam's text is a note among agents too: nothing goes out */
	for (size_t i = 0; i < x.cmds.n; i++)
		if (x.cmds.v[i].kind == CMD_INTERNAL ||
		    x.cmds.v[i].kind == CMD_SPAM)
			x.internal = true;
	body = text + x.cmds.body_offset;
	while (*body == '\n' || *body == '\r')
		body++;
	for (size_t i = 0; held_id == 0 && i < x.cmds.n; i++)
		if (x.cmds.v[i].kind == CMD_SEND) {
			rc = send_held(&x, how, res, why, sizeof(why), err);
			if (rc == 1)
				rc = command_error(&x, why, err);
			goto out;
		}
	if (answers_customer(&x, body) && ((rc = hold_if_crossed(&x, NULL,
	    &held, err)) != 0 || held))
		goto out;
	/* updated_at is written at the end, with the marks when there are */
	x.touch = true;
	if (held_id != 0) {
		/* stored when it was held: now a message of the conversation */
		if ((rc = store_answer_held(in->db, held_id, false, err)) != 0 ||
		    (rc = record_event(in, t->id, "agent_reply", agent->name,
		    ev_json("message_id", cm->m->message_id, "authenticated_by",
		    how, "held", "yes", NULL), err)) != 0)
			goto out;
	} else if ((rc = record_mail_event(in, cm, t->id, "agent",
	    agent->name, x.internal, x.internal ? "internal_note" :
	    "agent_reply", agent->name, ev_json("message_id",
	    cm->m->message_id, "authenticated_by", how, NULL), false,
	    err)) != 0)
		goto out;
	for (size_t i = 0; rc == 0 && i < x.cmds.n; i++) {
		rc = agent_apply(&x, &x.cmds.v[i], err);
		merged |= x.cmds.v[i].kind == CMD_MERGE;
		assigned |= x.cmds.v[i].kind == CMD_ASSIGN;
	}
	if (rc != 0)
		goto out;
	/* moved into a queue that assigns in turn, without an owner who
	 * works on it and without an #assign of the agent's own */
	if (x.queue_from[0] != '\0' && strcmp(x.queue_from, t->queue) != 0 &&
	    !assigned && !merged && conf_queue_round_robin(in->conf,
	    t->queue) && (t->assignee[0] == '\0' || !owner_works_on(in,
	    t)) && (rc = ticket_assign_in_turn(in, t, err)) != 0)
		goto out;
	if (x.resolve && (rc = agent_set_status(&x, "resolved", err)) != 0)
		goto out;
	if (x.ended && (rc = incident_ticket_resolved(in, t, agent->name,
	    &x.inc, err)) != 0)
		goto out;
	/* spam: no mail to anybody, the sender's nor the agents' */
	if (x.spam)
		goto out;
	/* the agents of the queue the ticket moved to learn of it */
	if (!x.internal && x.queue_from[0] != '\0' &&
	    strcmp(x.queue_from, t->queue) != 0 && (rc = reply_agents(in, t,
	    x.mb, body, agent->display_name, cm->m, agent->name, false,
	    err)) != 0)
		goto out;
	if (x.internal) {
		rc = reply_agents(in, t, x.mb, body, agent->display_name,
		    cm->m, agent->name, false, err);
		goto out;
	}
	if (merged)
		goto out;
	if (x.resolve || x.rca || x.reply || body[0] != '\0') {
		if ((rc = mail_customer(&x, body, err)) != 0)
			goto out;
		if (x.rca && (rc = store_ticket_mark(in->db, t->id,
		    STORE_MARK_RCA_SENT, in->now, err)) != 0)
			goto out;
		/* answered, and a new ticket opened with its event, in one
		 * statement */
		opened = strcmp(t->status, "new") == 0 ?
		    agent_status_written(&x, "open") : NULL;
		rc = store_ticket_answered(in->db, t->id, agent->name, opened,
		    in->now, err);
		/* its status_changed event went with that statement */
		if (rc == 0 && opened != NULL)
			rc = hooks_event(in, t->id, "status_changed",
			    agent->name, opened, err);
		free(opened);
		if (rc != 0)
			goto out;
		x.touch = false;
	}
	if (strcmp(t->status, "closed") == 0 && x.cmds.n > 0)
		rc = reply_customer(in, t, x.mb, "closed", "closed", NULL,
		    agent, true, NULL, err);
out:
	if (rc == 0 && x.touch)
		rc = store_ticket_touch(in->db, t->id, in->now, err);
	if (rc == 0 && x.inc.changed)
		status_changed(in);
	store_ticket_clear(&x.merge_into);
	store_strings_free(x.tags, x.ntags);
	store_participants_free(&x.parts, x.nparts);
	mail_free(&x.split_mail);
	free(x.split_raw);
	return rc;
}
