/*
 * held_notice.h - a security report held as spam is told to its queue's
 * agents
 *
 * A proof of concept often looks like spam to a filter. When a rule holds
 * a mail (hold = spam) that the rules also send to the security queue or
 * to a redacted one, the mail stays held (its sender may be forged: no
 * acknowledgement, no ticket), but the agents of that queue are told by
 * mail that it is in the quarantine: its target runs all the same.
 *
 * At most one such mail per queue an hour, whatever the number of
 * daemons: the first held report is told at once; those held within the
 * hour after it are told together by the first scheduler pass after the
 * hour. A spammer who writes "vulnerability" ten thousand times makes one
 * mail an hour.
 *
 * The mail (template "held_notice", urgent in the outbox) names each
 * entry by its quarantine id, its time and the rules that held and routed
 * it, and the commands to read and release it. Nothing of the held mail
 * is in it: not its sender, not its subject, not its text.
 */
#ifndef GC_HELD_NOTICE_H
#define GC_HELD_NOTICE_H

#include "desk/desk.h"

/* The least time between two notices about one queue. */
#define HELD_NOTICE_EVERY 3600

/* The queue whose agents are told of a held mail that the rules send to
 * rule_queue (NULL: none), from mailbox mb: rule_queue when it is the
 * security queue or a redacted one and the policy knows it, else the
 * mailbox's queue (where the report would be, tagged); NULL when the
 * mail is not a security report. */
const char *held_notice_queue(const struct desk *in, const char *rule_queue,
    const struct conf_mailbox *mb);

/* Tell queue's agents of its held entries not told yet, unless a notice
 * about queue went in the last HELD_NOTICE_EVERY seconds; *mails_r (may
 * be NULL) gets the mails queued. In the caller's transaction. A queue
 * nobody works on is told nothing: its entries wait for an agent. */
int held_notice_send(struct desk *in, const char *queue, int *mails_r,
    struct gc_err *err);

/* As held_notice_send(), for the mail being held: a notice that cannot
 * be queued (an operator's template that does not render, say) is
 * logged and left to the scheduler, and the mail is held all the same;
 * only the database failing is an error. */
int held_notice_try(struct desk *in, const char *queue, struct gc_err *err);

/* The scheduler's part: every queue with entries not told yet, each in a
 * transaction of its own; a notice that cannot be queued is logged, and
 * tried again by the next pass. */
int held_notice_tick(struct desk *in, int *mails_r, struct gc_err *err);

#endif
