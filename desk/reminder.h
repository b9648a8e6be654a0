/*
 * reminder.h - an agent's "#remind WHEN" come due
 *
 * A ticket waiting on a customer, a supplier or a deploy leaves the
 * agent's mind with the last mail: "pending" stops its clock, and
 * nothing brings it back if nobody writes. "#remind 3d" (or a time, see
 * parsers/commands.h) sets when it comes back; "#remind none" cancels.
 * When it is due, the scheduler:
 * - takes it (clearing it in the same statement: a second daemon skips
 *   the rows this one holds), in the transaction of what follows;
 * - opens a pending ticket again, so that its SLA clock runs (event
 *   status_changed with "reason": "reminder");
 * - mails the agent who asked, in their thread of the ticket (template
 *   "reminder": replying to it with #commands is proven as any
 *   notification's answer); when that agent no longer works on the
 *   ticket's queue, its assignee, else every agent of the queue;
 * - records a "reminder_due" event naming whom it told.
 * A closed or merged ticket is left as it is: the event says so and
 * nobody is mailed.
 */
#ifndef GC_DESK_REMINDER_H
#define GC_DESK_REMINDER_H

#include "desk/desk.h"

#define REMINDER_BATCH 100     /* reminders taken per transaction */

/* The reminders due at in->now, REMINDER_BATCH per transaction; *n_r
 * counts those told. A ticket whose reminder cannot be told (an
 * operator's template that does not render) keeps it for the next pass,
 * logged; only a database error is returned. */
int reminder_tick(struct desk *in, int *n_r, struct gc_err *err);

#endif
