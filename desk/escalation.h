/*
 * escalation.h - what an SLA warning or breach sends, and to whom; the
 * escalations of a storm gathered into one mail
 *
 * An escalation goes to its route (sla/policy.h: the queue's
 * escalation_to, the policy's routes, the plan's on-call), as a mail
 * (template escalation_warning or escalation_breach) in each language
 * its addresses read (an agent's own, else the support's), and as
 * webhooks; an agent of another queue is told nothing of the ticket.
 * Each address told is noted (sql/escalation_db.h), in the pass's
 * transaction.
 *
 * An outage brings dozens of tickets within the hour, and their
 * deadlines fall together: one mail per ticket and level drowns the
 * duty manager's mailbox, and the escalation that is not about the
 * outage with it. So an address that had [guichet] escalation_burst
 * escalations in the past hour (gathered ones included: a storm stays
 * gathered while it lasts) gets no mail of its own for the next: it
 * waits, and escalation_gather_tick() sends the waiting ones of an
 * address as one mail (template escalation_summary) once the oldest has
 * waited escalation_gather, the breaches first, each ticket with its
 * status and owner as they are then, in the agent's language when the
 * address is an agent's (else the support's). Addresses waiting for the
 * same escalations, in the same language, get one mail together.
 * Webhooks get every escalation as it comes: a program groups its own.
 * The ticket's event says who waits ("gathered").
 */
#ifndef GC_DESK_ESCALATION_H
#define GC_DESK_ESCALATION_H

#include <stdbool.h>
#include <stddef.h>

#include "desk/desk.h"
#include "desk/mailout.h"
#include "sla/policy.h"
#include "sql/timers_db.h"

#define ESCALATION_MAILS STORE_FIRE_MAILS   /* fr, en */

/* What one escalation owns until its pass is written. */
struct escalation {
	enum sla_level level;          /* NONE: nothing to send */
	struct store_fire f;           /* its event, mail and webhooks */
	struct mailout_mail *mail[ESCALATION_MAILS];   /* one per language */
	struct store_outbox *hooks;
	char *data;
	char due[32];
	const char *route;
	const char *lvl;               /* "warning" | "breach" */
	struct sla_route r;
	const char *to[SLA_ROUTE_MAX_ADDRS];   /* told: the route's
	                                          addresses of the queue */
	bool gathered[SLA_ROUTE_MAX_ADDRS];
	size_t nto;
};

/* The escalations e[0..n) of the timers due[0..n) (those whose level is
 * not NONE), in the caller's transaction: who is told, who waits, noted;
 * each one's event, mail and webhooks into its f. */
int escalation_prepare(struct desk *in, const struct store_due_timer *due,
    struct escalation *e, size_t n, struct gc_err *err);
void escalation_clear(struct escalation *e);

/* The gathered escalations whose time has come, one mail per address
 * (or set of addresses waiting for the same), each in a transaction of
 * its own; and the old rows let go after outbox_keep. *mails_r: mails
 * queued. A mail that cannot be made (an operator's template that does
 * not render) is logged and tried again at the next pass. */
int escalation_gather_tick(struct desk *in, int *mails_r,
    struct gc_err *err);

#endif
