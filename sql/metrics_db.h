/*
 * metrics_db.h - the figures of /metrics that come from the database
 *
 * Open tickets counted by priority, status and queue, and the outbox's
 * pending mail (how many, and since when the oldest waits). Read by the
 * daemon's main loop, on its own connection, at most every few seconds;
 * never by the HTTP thread.
 *
 * Ownership: metrics_db_tickets() fills a caller-supplied array; the
 * strings are copied into it (fixed sizes, cut when longer).
 */
#ifndef GC_METRICS_DB_H
#define GC_METRICS_DB_H

#include <stddef.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

struct metrics_db_tickets {
	char priority[8];
	char status[16];
	char queue[64];
	long long count;
};

/* Every (priority, status, queue) of the tickets not closed, at most max
 * of them (the most numerous first); *n_r is how many were written. */
int metrics_db_tickets(struct db *db, struct metrics_db_tickets *out,
    size_t max, size_t *n_r, struct gc_err *err);

/* Rows pending in the outbox and when the oldest was queued (0 when
 * none). */
int metrics_db_outbox(struct db *db, long long *pending_r,
    time_t *oldest_r, struct gc_err *err);

#endif
