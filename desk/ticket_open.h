/*
 * ticket_open.h - a new ticket from a mail
 *
 * Qualified by the policy (qualify.h), numbered, the mail stored as its
 * first message, its SLA timers started, the Cc of the mail made
 * participants (at most max_participants_per_mail), the customer
 * acknowledged (unless the mail is automatic: no loop) and the agents of
 * its queue told. Called for a new mail (conversation.c), a stranger's
 * mail on someone else's ticket, a release from the quarantine, and an
 * agent's #split (agent.c).
 */
#ifndef GC_DESK_TICKET_OPEN_H
#define GC_DESK_TICKET_OPEN_H

#include <stddef.h>
#include <stdint.h>

#include "desk/desk.h"

/* related_to: the ticket this one comes from (0: none); drop_tag: that
 * ticket's tag, taken out of the new ticket's subject. */
int ticket_open(struct desk *in, const struct conv_mail *cm,
    int64_t related_to, const char *drop_tag, struct intake_result *res,
    struct gc_err *err);

/* cm's sender is a blocked sender (cm->blocked; sql/blocked_db.h): the
 * mail held in the quarantine (reason "held"), nobody answered or
 * told. ticket_open() does it for a mail that would open a ticket. */
int ticket_hold_blocked(struct desk *in, const struct conv_mail *cm,
    struct intake_result *res, struct gc_err *err);

/* An agent's #split: the customer mail m (parsed from raw, len bytes,
 * as stored on ticket from; its sender checked by the caller) becomes a
 * new ticket related to from, with its own number, acknowledgement and
 * agents' notification; key is the new message's dedup key. */
struct store_ticket;
int ticket_open_split(struct desk *in, const struct store_ticket *from,
    const struct mail *m, const char *raw, size_t len, const char *key,
    struct intake_result *res, struct gc_err *err);

/* [queue NAME] assign = round_robin: t (its queue, number and id) gets
 * the next of the queue's agents not away as its owner (t->assignee
 * set), with an "assigned" event; when they are all away, its owner
 * stays (none for a new ticket) with an "assign_skipped" event
 * (040_assignment.sql). */
int ticket_assign_in_turn(struct desk *in, struct store_ticket *t,
    struct gc_err *err);

/* The turn of each queue of c that assigns in turn, made where it is
 * missing (041_assign_turns.sql): at the daemon's connection and at
 * `guichet migrate`, outside any transaction. A queue left without one
 * takes the turn all queues share. */
int ticket_assign_turns_create(struct db *db, const struct conf *c,
    struct gc_err *err);

#endif
