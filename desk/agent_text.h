/*
 * agent_text.h - an agent's answer written at the command line
 *
 * `guichet ticket reply NUMBER --as AGENT` takes what the agent would
 * have written in a mail: #commands at the top, then the text for the
 * customer, and files to attach. It goes the way of the agent's proven
 * mail (desk/agent.h): stored on the ticket as the agent's message, each
 * command an event, the text mailed to the customer with the template
 * the commands call for, the ticket's timers brought up to date.
 *
 * What differs is that the operator is at the terminal, not at a mail
 * client: a command that cannot be applied, an agent who does not work
 * on the ticket's queue, a merged ticket, a text that is not UTF-8 or
 * holds a NUL byte, or nothing to do at all, is an error of the call
 * with nothing written; #help is the caller's to print, not mailed.
 *
 * The mail is made as the agent's client would make it (notify/compose.h:
 * From the agent, To the ticket's mailbox, "Re: [NUMBER] subject", a new
 * Message-ID of ours) and read back with the mail parser, so that the
 * message stored is what the same words by mail would have stored. Its
 * event says "authenticated_by": how (the CLI's "command line (USER)"):
 * whoever can run the CLI with the config holds the database's password
 * already.
 */
#ifndef GC_DESK_AGENT_TEXT_H
#define GC_DESK_AGENT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "desk/desk.h"

struct compose_attachment;

struct agent_text {
	const char *number;               /* the ticket */
	const struct conf_agent *agent;
	const char *text;                 /* len bytes, not terminated */
	size_t len;
	const struct compose_attachment *files;
	size_t nfiles;
	const char *how;    /* for the event: "command line (root)" */
};

/*
 * In the caller's transaction (roll it back on error). Returns 0 (res:
 * the ticket's number and id, the message's Message-ID), or with *help_r
 * set when the text asks for #help (nothing written); GC_ENOTFOUND (no
 * such ticket), GC_EAUTH (the agent does not work on its queue),
 * GC_EINVAL or GC_ELIMIT (the text or a command, err says which line and
 * why), GC_ECONFIG (no mailbox to write as), or a database error.
 */
int agent_text(struct desk *in, const struct agent_text *a,
    struct intake_result *res, bool *help_r, struct gc_err *err);

#endif
