/*
 * outbox.h - the outbox worker: deliver what intake and the scheduler
 * queued
 *
 * Each due row is taken with FOR UPDATE SKIP LOCKED in a transaction of
 * its own (two daemons never take the same row) and delivered: a
 * webhook by one POST, a mail by one SMTP transaction (through one
 * reused connection) to its due recipients, at most [smtp] max_rcpts of
 * them; a mail to more recipients is taken again for the next ones.
 * Each recipient has its own fate: sent, refused for good (a 5xx: the
 * server's answer is recorded), or given its error and a next attempt
 * with exponential backoff, and dead after outbox_max_attempts. The
 * ticket gets an event for each (mail_sent, delivery_refused,
 * delivery_retry, delivery_failed). A temporary failure of one row does
 * not stop the rows behind it; a server that cannot be reached ends the
 * pass.
 *
 * Never doubled in the common case: the recipients the server took are
 * marked sent in the transaction that took the row, committed right
 * after the SMTP transaction. What remains is the window between the
 * server's answer to DATA and that COMMIT (a crash, PostgreSQL gone, or
 * the connection lost while the server queued the message): those
 * recipients get the mail again on the next attempt (at-least-once).
 *
 * Ownership: struct outbox keeps the SMTP connection between flushes.
 */
#ifndef GC_OUTBOX_H
#define GC_OUTBOX_H

#include <time.h>

#include "common/err.h"
#include "conf/conf.h"
#include "desk/desk.h"
#include "sql/db.h"

struct outbox;

struct outbox_stats {
	int sent;        /* rows sent to all their recipients */
	int retried;     /* rows with a recipient that will be retried */
	int dead;        /* rows failed for good */
	int refused;     /* recipients refused for good */
};

void outbox_new(struct outbox **out, const struct conf *conf);
void outbox_free(struct outbox **ob);

/* Its OAuth2 tokens ([smtp] auth = oauth2), or NULL: for /metrics. */
struct oauth2 *outbox_oauth2(const struct outbox *ob);

/* The SMTP parameters the outbox connects with (o: [smtp]'s OAuth2,
 * or NULL); `check-config --connect` uses them too. */
struct smtp_params;
void outbox_smtp_params(const struct conf *c, const struct oauth2 *o,
    struct smtp_params *p);

/* Deliver up to max due rows, through in's database at in's now. An
 * agent's answer that the customer will not get (refused for good, or
 * given up) makes the ticket the desk's move again, in the row's
 * transaction (desk/undelivered.h). Returns 0, or GC_ETEMP when the
 * database went away (delivery failures are recorded on the rows, not
 * returned). */
int outbox_flush(struct outbox *ob, struct desk *in, int max,
    struct outbox_stats *stats, struct gc_err *err);

/* Seconds until the next pending row is due (0 if one is due now), or -1
 * when none is pending. */
int outbox_next_due(struct db *db, time_t now, long long *seconds_r,
    struct gc_err *err);

#endif
