/*
 * incident.h - agents' #incident commands: a ticket's public incident
 *
 *   #incident [COMPONENT,...] TITLE   opens an incident linked to the
 *                                     ticket (all components without
 *                                     the brackets)
 *   #incident-update TEXT             publishes an update; an #eta of
 *                                     the same mail is its expected end
 *   #incident-resolved [TEXT]         closes it
 * Resolving or closing the ticket closes its incident too, and a ticket
 * qualified P1 opens one when [status] auto_incident_p1 says so.
 *
 * Only the title and the texts of these commands are published (the
 * agent's mail goes on to the customer as any agent's mail does). The
 * checks run before anything of the mail is applied (agent.c), so that
 * a mail is applied whole or not at all: incident_check() keeps what it
 * learnt in struct incident_plan, incident_apply() does it.
 */
#ifndef GC_DESK_INCIDENT_H
#define GC_DESK_INCIDENT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "desk/desk.h"
#include "parsers/commands.h"
#include "sql/store_ticket.h"

struct incident_plan {
	bool read;               /* the ticket's incident was looked up */
	int64_t open_id;         /* its open incident, 0: none */
	bool will_be_open;       /* after the commands checked so far */
	bool opens;              /* the mail has an #incident */
	bool changed;            /* something was published */
};

/* 0, 1 with why (the agent is told, in French when fr; nothing is
 * applied), or an error. */
int incident_check(struct desk *in, const struct store_ticket *t,
    const struct cmd *c, struct incident_plan *p, bool fr, char *why,
    size_t whylen, struct gc_err *err);

/* eta: the #eta of the same mail, 0 without. */
int incident_apply(struct desk *in, const struct store_ticket *t,
    const struct cmd *c, time_t eta, const char *agent,
    struct incident_plan *p, struct gc_err *err);

/* The ticket was resolved or closed: its open incident is closed. */
int incident_ticket_resolved(struct desk *in, const struct store_ticket *t,
    const char *actor, struct incident_plan *p, struct gc_err *err);

/* The ticket was merged into into_id: its open incident goes with it,
 * or is closed when that ticket has one already. */
int incident_ticket_merged(struct desk *in, const struct store_ticket *t,
    int64_t into_id, const char *actor, struct incident_plan *p,
    struct gc_err *err);

/* The ticket is P1 now: with auto_incident_p1, an incident is opened
 * unless it has one or the mail opens one itself. */
int incident_auto_p1(struct desk *in, int64_t ticket_id,
    struct incident_plan *p, struct gc_err *err);

#endif
