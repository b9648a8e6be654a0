/*
 * agent_cmd.h - an agent's #commands, checked and applied (agent.c's
 * inside: not for other files)
 *
 * agent_mail() (agent.c) holds one agent_ctx for the mail: the commands
 * are all checked first (agent_validate), then applied in their order
 * (agent_apply), each as its event; what the mail then sends follows
 * from the marks they leave in the context (resolve, rca, reply...).
 */
#ifndef GC_DESK_AGENT_CMD_H
#define GC_DESK_AGENT_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "desk/desk.h"
#include "desk/incident.h"
#include "parsers/commands.h"
#include "sql/store_ticket.h"

struct mail;
struct store_participant;

/* One agent's mail while its commands are checked and applied. */
struct agent_ctx {
	struct desk *in;
	const struct conv_mail *cm;
	struct store_ticket *t;
	const struct conf_agent *agent;
	const struct conf_mailbox *mb;
	struct cmd_list cmds;
	bool internal, resolve, rca, help;
	struct store_ticket merge_into;
	const char *reply;        /* #reply NAME: "replies/NAME" */
	char reply_tpl[CMD_WORD_MAX + 16];
	char **tags;              /* the ticket's, once asked */
	size_t ntags;
	bool tags_read;
	struct store_participant *parts;   /* the ticket's, once asked */
	size_t nparts;
	bool parts_read;
	char *split_raw;          /* #split: the customer mail, its row */
	size_t split_len;
	struct mail *split_mail;
	int64_t split_msg;
	time_t eta;               /* #eta, as an instant */
	time_t remind;            /* #remind, as an instant; 0: none */
	bool remind_seen;
	char queue_from[64];
	bool touch;               /* updated_at still to be written */
	struct incident_plan inc; /* #incident commands */
	bool ended;               /* the mail resolved or closed the ticket */
	bool spam;                /* #spam: closed in silence, sender held */
	bool time_seen;           /* #time: one a mail */
	int64_t held_id;          /* the mail is the agent's answer held
	                             (answer_collision) that #send lets go:
	                             its stored row */
	long long time_total;     /* the ticket's minutes before it */
};

/* Whether x's agent reads French: what we tell them by mail is in
 * French (at the command line, in English as the rest of it). */
bool agent_fr(const struct agent_ctx *x);

/* Check what the commands need before applying any of them: 0, 1 with
 * why (the mail is then kept among agents, nothing applied), or an
 * error. #help sets x->help and stops there. */
int agent_validate(struct agent_ctx *x, char *why, size_t whylen,
    struct gc_err *err);

/* Apply one command checked by agent_validate(), with its event. */
int agent_apply(struct agent_ctx *x, const struct cmd *c,
    struct gc_err *err);

/* The ticket given a new status, with its status_changed event. */
int agent_set_status(struct agent_ctx *x, const char *status,
    struct gc_err *err);

/* The ticket in hand given a new status, nothing written; returns the
 * data of its status_changed event (malloc'd), for a caller that writes
 * the status in a statement of its own. */
char *agent_status_written(struct agent_ctx *x, const char *status);

/* The language of the ticket's mails to the customer (as reply.c). */
const char *agent_customer_language(const struct agent_ctx *x);

#endif
