/*
 * hooks.h - the events of tickets POSTed to the [webhook NAME] sections
 * that subscribe to them
 *
 * Chat rooms, trackers and scripts follow the desk without reading its
 * mail: a ticket created, a customer's or an agent's mail, a change of
 * status, an assignment... Each event a webhook subscribes to (events =,
 * in that webhook's queues =) becomes an outbox row in the transaction
 * of what caused it: it goes when that commits, with the outbox's
 * retries, its X-Guichet-Delivery id and, with webhook_secret_file, its
 * signature (notify/smtp.h); a rolled back mail posts nothing. The body:
 *   {"event", "ticket", "queue", "status", "priority", "plan",
 *    "subject" (null in a redacted queue), "redacted", "requester",
 *    "assignee", "actor", "at", "data" (the event's own fields)}
 * Without [webhook] sections nothing is read nor written.
 */
#ifndef GC_DESK_HOOKS_H
#define GC_DESK_HOOKS_H

#include <stdint.h>

#include "desk/desk.h"

/* The ticket ticket_id's event kind (by actor, with data_json, may be
 * NULL) to every webhook that wants it; 0 when none does. */
int hooks_event(struct desk *in, int64_t ticket_id, const char *kind,
    const char *actor, const char *data_json, struct gc_err *err);

#endif
