/*
 * monitor.h - what the serve loop tells /metrics and /healthz
 *
 * The glue between the daemon's loop (serve.c) and the figures
 * (metrics.h) with their HTTP server (http.h): the loop calls one
 * function per event (a mailbox pass, an outbox flush, a scheduler tick,
 * the end of a turn), each an increment or two; the database's figures
 * are read here, on the loop's own connection, when a scrape asked for
 * them and at most every MONITOR_REFRESH seconds (longer when reading
 * them takes long: see MONITOR_SHARE).
 *
 * Latencies are measured with the monotonic clock: intake, from the
 * start of the pass that took a mail to its end (after COMMIT and the
 * IMAP move); acknowledgement, from the start of the pass that opened a
 * ticket to the end of the outbox flush that left nothing of it waiting
 * (an upper bound: the tickets of several passes count from the first).
 *
 * Ownership: struct monitor owns the metrics and the HTTP server; it
 * borrows nothing past a call.
 */
#ifndef GC_MONITOR_H
#define GC_MONITOR_H

#include <stdbool.h>
#include <time.h>

#include "common/err.h"
#include "daemon/app.h"
#include "daemon/outbox.h"
#include "daemon/poller.h"
#include "desk/desk.h"
#include "desk/scheduler.h"
#include "sql/db.h"

#define MONITOR_REFRESH 5    /* seconds between reads of the database, */
#define MONITOR_SHARE 30     /* and at least this many times as long as
                              * the last read took (the open tickets are
                              * counted by a scan: 0.3 s for a million) */

struct monitor;

/* Start with the config of app: the HTTP server when [http] is there.
 * A port that cannot be listened on is an error (GC_EIO, the reason in
 * err); wake_fd is written to when a scrape wants fresh figures. */
int monitor_new(struct monitor **out, struct app *app, int wake_fd,
    struct gc_err *err);
/* A new config generation: mailboxes, and the HTTP server restarted if
 * its section changed (a failure is logged, and the server is off). */
void monitor_reload(struct monitor *m);
void monitor_free(struct monitor **m);

double monitor_cpu(void);     /* CPU seconds of the calling thread */

void monitor_pass(struct monitor *m, const char *mailbox,
    const struct poll_stats *st, int rc, double started, time_t now);
/* One mail taken by LMTP (daemon/lmtp.h), from started (mono_seconds()
 * when its final dot came) to its commit. */
void monitor_mail(struct monitor *m, const char *mailbox,
    const struct intake_result *res, double started);
/* The LMTP listener's figures (lmtp NULL: none), each turn. */
struct lmtp;
void monitor_lmtp(struct monitor *m, const struct lmtp *l);
void monitor_flush(struct monitor *m, const struct outbox_stats *st,
    int rc, int batch);
/* A scheduler pass that took seconds, cpu_seconds of them on a CPU in
 * the thread that ran it, and what it did (st NULL: nothing to count). */
void monitor_tick(struct monitor *m, const struct sched_stats *st,
    double seconds, double cpu_seconds);
/* The state of an OAuth2 credential (o NULL: none, nothing done). */
struct oauth2;
void monitor_oauth2(struct monitor *m, const struct oauth2 *o);
/* The database is connected (at the start of a turn). */
void monitor_db_up(struct monitor *m);
/* The end of a turn (db NULL or broken: the database is away). May
 * lower *next to when the figures should be read again. */
void monitor_turn(struct monitor *m, struct db *db, time_t now,
    time_t *next);

#endif
