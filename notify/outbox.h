/*
 * outbox.h - the outbox worker: deliver what intake and the scheduler
 * queued
 *
 * Each due row is taken with FOR UPDATE SKIP LOCKED in a transaction of
 * its own (two daemons never take the same row), delivered (SMTP through
 * one reused connection, or a webhook POST), and marked sent, or given
 * its error and a next attempt with exponential backoff, or dead after
 * the configured number of attempts or a permanent refusal; the ticket
 * gets an event each time. A crash between delivery and COMMIT can send
 * a row twice (at-least-once); nothing else can.
 *
 * Ownership: struct outbox keeps the SMTP connection between flushes.
 */
#ifndef GC_OUTBOX_H
#define GC_OUTBOX_H

#include <time.h>

#include "common/err.h"
#include "conf/conf.h"
#include "sql/db.h"

struct outbox;

struct outbox_stats {
	int sent;
	int retried;     /* failed, will retry */
	int dead;        /* failed for good */
};

void outbox_new(struct outbox **out, const struct conf *conf);
void outbox_free(struct outbox **ob);

/* Deliver up to max due rows. Returns 0, or GC_ETEMP when the database
 * went away (delivery failures are recorded on the rows, not returned). */
int outbox_flush(struct outbox *ob, struct db *db, time_t now, int max,
    struct outbox_stats *stats, struct gc_err *err);

/* Seconds until the next pending row is due (0 if one is due now), or -1
 * when none is pending. */
int outbox_next_due(struct db *db, time_t now, long long *seconds_r,
    struct gc_err *err);

#endif
