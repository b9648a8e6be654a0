/*
 * agent.h - a proven agent's mail: its #commands, then its text to the
 * customer
 *
 * The commands are parsed and checked first: one that cannot be applied
 * (an unknown agent, a ticket that does not exist) makes the whole mail
 * an internal note, nothing applied, and the agent is told why. Else the
 * mail is stored (an internal note with #internal), each command applied
 * as an event, and the text left after the commands goes to the customer
 * with the template the commands call for (update, resolution, rca).
 */
#ifndef GC_DESK_AGENT_H
#define GC_DESK_AGENT_H

#include "desk/desk.h"

struct store_ticket;

/* how: what proved the agent (author.h), recorded with the mail.
 *
 * With [guichet] answer_collision = hold, an answer to the customer that
 * comes after another agent's answer its agent could not have read (the
 * mail it answers is older) is held: kept among agents, nothing of it
 * applied, and its agent sent the other answer (template answer_held);
 * a later mail of the agent's with #send lets it go as it was. */
int agent_mail(struct desk *in, const struct conv_mail *cm,
    struct store_ticket *t, const struct conf_agent *agent, const char *how,
    struct intake_result *res, struct gc_err *err);

#endif
