/*
 * pending.h - tickets waiting on their customer: reminded, then closed
 *
 * "pending" (an agent's #status pending: waiting for the customer's
 * answer) stops a ticket's SLA clock; without an answer, it waited for
 * ever, out of every deadline. With [sla] pending_remind_after, the
 * scheduler mails the customer once, that long after the ticket became
 * pending (template "pending_reminder", which says when the ticket will
 * close, if it will): event "pending_reminded". With
 * pending_close_after, a ticket still unanswered then is closed as a
 * resolved one left unanswered is (conversation_close_unanswered():
 * event "auto_closed", a "closed" mail); when reminders are on, not
 * before the time the reminder announced, so that nobody is closed
 * unwarned. The customer's answer ends the wait (the ticket is open
 * again); an answer after the closing reopens it within
 * reopen_within. Both are off unless set.
 */
#ifndef GC_DESK_PENDING_H
#define GC_DESK_PENDING_H

#include "desk/desk.h"

#define PENDING_BATCH 100      /* tickets taken per transaction */

/* One scheduler pass: the tickets to close first, then the reminders,
 * PENDING_BATCH per transaction. A reminder that cannot be written (an
 * operator's template that does not render) is tried again at the next
 * pass, and the log says why. */
int pending_tick(struct desk *in, int *reminded_r, int *closed_r,
    struct gc_err *err);

#endif
