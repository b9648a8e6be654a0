/*
 * hooks_db.h - a ticket event queued for a [webhook] (desk/hooks.h)
 *
 * Conventions of the whole store: see sql/store.h.
 */
#ifndef GC_SQL_HOOKS_DB_H
#define GC_SQL_HOOKS_DB_H

#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* The outbox row (kind webhook, purpose "ticket_event") of event on
 * ticket_id for url, when the ticket's queue is in queues (an array
 * literal, NULL: any): the ticket as it stands in this transaction (its
 * number, queue, status, priority, plan, requester, assignee; its
 * subject unless its queue is in redacted, an array literal), who
 * (actor) and data (a JSON object as text, NULL: {}; its "subject" and
 * "text" left out too when redacted). A deferred write
 * (sql/db.h), in the caller's transaction. */
int hooks_db_queue(struct db *db, int64_t ticket_id, const char *url,
    const char *event, const char *actor, const char *data_json,
    const char *queues, const char *redacted, time_t now,
    struct gc_err *err);

#endif
