/*
 * agent.c - an agent's mail and its commands (see agent.h)
 */
#include "desk/agent.h"

#include <stdio.h>
#include <string.h>

#include "common/evjson.h"
#include "desk/qualify.h"
#include "desk/record.h"
#include "desk/reply.h"
#include "parsers/commands.h"
#include "parsers/mime.h"
#include "sql/store_ticket.h"

struct agent_ctx {
	struct desk *in;
	const struct conv_mail *cm;
	struct store_ticket *t;
	const struct conf_agent *agent;
	const struct conf_mailbox *mb;
	struct cmd_list cmds;
	bool internal, resolve, rca;
	struct store_ticket merge_into;
};

/* The agent's mail is kept among agents, nothing of it applied, and the
 * agent is told why in the agent's thread of the ticket. */
static int
command_error(struct agent_ctx *x, const char *why, struct gc_err *err)
{
	struct desk *in = x->in;
	int rc;

	if ((rc = record_mail(in, x->cm, x->t->id, "agent", x->agent->name,
	    true, NULL, err)) != 0 ||
	    (rc = record_event(in, x->t->id, "command_rejected",
	    x->agent->name, ev_json("error", why, NULL), err)) != 0)
		return rc;
	return reply_command_error(in, x->t, x->mb, x->agent,
	    x->cm->m->message_id, why, err);
}

/* Check what the commands need before applying any of them. */
static int
validate_commands(struct agent_ctx *x, char *why, size_t whylen,
    struct gc_err *err)
{
	for (size_t i = 0; i < x->cmds.n; i++) {
		const struct cmd *c = &x->cmds.v[i];
		int rc;

		if (c->kind == CMD_ASSIGN && strcmp(c->arg, "me") != 0) {
			bool known = false;

			for (size_t k = 0; k < x->in->conf->nagents; k++)
				if (strcmp(x->in->conf->agents[k].name,
				    c->arg) == 0)
					known = true;
			if (!known) {
				snprintf(why, whylen, "line %d: \"#assign %s\": "
				    "no agent of that name", c->line, c->arg);
				return 1;
			}
		}
		if (c->kind == CMD_MERGE) {
			store_ticket_clear(&x->merge_into);
			rc = store_ticket_by_number(x->in->db, c->arg,
			    &x->merge_into, err);
			if (rc == GC_ENOTFOUND) {
				gc_err_clear(err);
				snprintf(why, whylen, "line %d: \"#merge %s\": "
				    "no such ticket", c->line, c->arg);
				return 1;
			}
			if (rc != 0)
				return rc;
			if (x->merge_into.id == x->t->id ||
			    x->merge_into.merged_into != 0) {
				snprintf(why, whylen, "line %d: \"#merge %s\": "
				    "cannot merge into %s", c->line, c->arg,
				    x->merge_into.id == x->t->id ?
				    "the ticket itself" : "a merged ticket");
				return 1;
			}
		}
	}
	return 0;
}

static int
set_status(struct agent_ctx *x, const char *status, struct gc_err *err)
{
	char from[16];
	int rc;

	if (strcmp(x->t->status, status) == 0)
		return 0;
	snprintf(from, sizeof(from), "%s", x->t->status);
	if ((rc = store_ticket_set_status(x->in->db, x->t->id, status,
	    x->in->now, err)) != 0)
		return rc;
	snprintf(x->t->status, sizeof(x->t->status), "%s", status);
	return record_event(x->in, x->t->id, "status_changed", x->agent->name,
	    ev_json("from", from, "to", status, NULL), err);
}

static int
apply_command(struct agent_ctx *x, const struct cmd *c, struct gc_err *err)
{
	struct desk *in = x->in;
	const char *who = x->agent->name;
	int rc = 0;

	switch (c->kind) {
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
		return rc;
	case CMD_STATUS:
		if (strcmp(c->arg, "resolved") == 0) {
			x->resolve = true;
			return 0;
		}
		return set_status(x, c->arg, err);
	case CMD_ASSIGN: {
		const char *name = strcmp(c->arg, "me") == 0 ? who : c->arg;

		rc = store_ticket_set_assignee(in->db, x->t->id, name, in->now,
		    err);
		if (rc == 0)
			rc = record_event(in, x->t->id, "assigned", who,
			    ev_json("assignee", name, NULL), err);
		snprintf(x->t->assignee, sizeof(x->t->assignee), "%s", name);
		return rc;
	}
	case CMD_INTERNAL:
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
		return set_status(x, "closed", err);
	case CMD_MERGE:
		rc = store_ticket_merge(in->db, x->t->id, x->merge_into.id,
		    in->now, err);
		if (rc == 0)
			rc = record_event(in, x->t->id, "merged", who, ev_json(
			    "into", x->merge_into.number, NULL), err);
		if (rc == 0)
			rc = record_event(in, x->merge_into.id, "merged_in",
			    who, ev_json("from", x->t->number, NULL), err);
		return rc;
	}
	return 0;
}

int
agent_mail(struct desk *in, const struct conv_mail *cm,
    struct store_ticket *t, const struct conf_agent *agent, const char *how,
    struct intake_result *res, struct gc_err *err)
{
	struct agent_ctx x = { .in = in, .cm = cm, .t = t, .agent = agent };
	const char *text = record_new_text(cm->m), *body;
	char why[256];
	bool merged = false;
	int rc;

	x.mb = reply_mailbox(in->conf, t, cm->mb);
	res->outcome = INTAKE_FOLLOWUP;
	if (commands_parse(&x.cmds, text, why, sizeof(why)) != 0)
		return command_error(&x, why, err);
	rc = validate_commands(&x, why, sizeof(why), err);
	if (rc == 1) {
		rc = command_error(&x, why, err);
		goto out;
	}
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < x.cmds.n; i++)
		if (x.cmds.v[i].kind == CMD_INTERNAL)
			x.internal = true;
	body = text + x.cmds.body_offset;
	while (*body == '\n' || *body == '\r')
		body++;
	if ((rc = record_mail(in, cm, t->id, "agent", agent->name, x.internal,
	    NULL, err)) != 0 ||
	    (rc = store_ticket_touch(in->db, t->id, in->now, err)) != 0 ||
	    (rc = record_event(in, t->id, x.internal ? "internal_note" :
	    "agent_reply", agent->name, ev_json("message_id",
	    cm->m->message_id, "authenticated_by", how, NULL), err)) != 0)
		goto out;
	for (size_t i = 0; rc == 0 && i < x.cmds.n; i++) {
		rc = apply_command(&x, &x.cmds.v[i], err);
		merged |= x.cmds.v[i].kind == CMD_MERGE;
	}
	if (rc != 0)
		goto out;
	if (x.resolve && (rc = set_status(&x, "resolved", err)) != 0)
		goto out;
	if (x.internal) {
		rc = reply_agents(in, t, x.mb, body, agent->display_name,
		    cm->m, agent->name, false, err);
		goto out;
	}
	if (merged)
		goto out;
	if (x.resolve || x.rca || body[0] != '\0') {
		const char *tpl = x.resolve ? "resolution" : x.rca ? "rca" :
		    "update";

		if ((rc = reply_relay(in, t, x.mb, tpl, body, agent, cm->m,
		    err)) != 0)
			goto out;
		if (x.rca && (rc = store_ticket_mark(in->db, t->id,
		    STORE_MARK_RCA_SENT, in->now, err)) != 0)
			goto out;
		if (strcmp(t->status, "new") == 0 &&
		    (rc = set_status(&x, "open", err)) != 0)
			goto out;
		if ((rc = store_ticket_mark(in->db, t->id,
		    STORE_MARK_FIRST_RESPONSE, in->now, err)) != 0 ||
		    (rc = store_ticket_mark(in->db, t->id,
		    STORE_MARK_LAST_UPDATE, in->now, err)) != 0)
			goto out;
	}
	if (strcmp(t->status, "closed") == 0 && x.cmds.n > 0)
		rc = reply_customer(in, t, x.mb, "closed", "closed", NULL,
		    agent, true, NULL, err);
out:
	store_ticket_clear(&x.merge_into);
	return rc;
}
