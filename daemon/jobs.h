/*
 * jobs.h - the scheduler's own process under `guichet serve`
 *
 * What time alone makes happen (desk/scheduler.h: the SLA timers, the
 * digests, the reports, retention...) runs in a process of its own, a
 * child of the daemon with its own database session (application_name
 * "guichet-scheduler"), so that a pass never holds up the daemon's
 * intake and sending: a digest of a million open tickets, or a job
 * waiting on a table that someone else locked, no longer delays an
 * acknowledgement. The child is exactly a second daemon that only runs
 * the scheduler: its passes take their rows FOR UPDATE SKIP LOCKED as
 * every daemon sharing the database does, and the mails they queue wake
 * the daemon's outbox by NOTIFY like any other process's.
 *
 * The child is the daemon's own program run again (fork(), then exec()
 * of /proc/self/exe): `guichet -c FILE [--now TIME] scheduler-process
 * DAEMON_PID`, so `ps` tells it apart. A copy of the daemon's memory
 * would be unsafe: libmicrohttpd's thread may hold a lock of the C
 * library at the fork (the clock's, at every answer's Date), which in
 * the copy nobody would let go. It is handed the bytes of the
 * configuration file that the daemon runs (descriptor 4, a file in
 * memory: a file changed or broken since is not run until a reload) and
 * the daemon's clock; it inherits only stdin, stdout, stderr and the
 * reports' pipe (descriptor 3). It runs a
 * pass at once, then when the next timer is due (at the latest
 * JOBS_EVERY seconds later), or at once when a status update or a rating
 * is NOTIFYed on guichet_status. After each pass it writes its figures
 * (struct jobs_report) to a pipe, which the daemon reads into /metrics.
 * It ends when the daemon does (SIGTERM, and PR_SET_PDEATHSIG if the
 * daemon is killed); a reload (SIGHUP to the daemon) ends it and starts
 * it again with the new configuration; a child that ended otherwise is
 * logged and started again, after 1 s, then 2 s, 4 s... at most
 * [general] reconnect_max.
 *
 * `serve --once` runs jobs_pass() in its one process (and `sla tick`
 * scheduler_tick(), with its own report).
 *
 * Ownership: struct jobs borrows the app (which outlives it).
 */
#ifndef GC_JOBS_H
#define GC_JOBS_H

#include <stdbool.h>
#include <time.h>

#include "daemon/app.h"
#include "daemon/monitor.h"
#include "desk/mailout.h"
#include "desk/scheduler.h"
#include "sql/db.h"

#define JOBS_EVERY 30          /* seconds between passes at the most */
#define JOBS_STOP_WAIT 10      /* seconds the daemon waits for the child
                                * to finish its pass when it stops */
#define JOBS_CHANNEL "guichet_status"   /* a pass at once: a status update
                                         * published (sql/022), a rating to
                                         * tell (050) */

/* A pass's figures, as the child writes them to the daemon. */
struct jobs_report {
	struct sched_stats st;
	double seconds;         /* wall-clock */
	double cpu;             /* CPU seconds of the pass */
	int failed;             /* a job failed (logged by the child) */
};

/* One pass at now on db: the figures in *rep, the failure logged and
 * returned (0 when every job ran); *next_r (NULL: not asked, nothing
 * read for it): when the next pass is due, the next timer's time, at the
 * latest now + JOBS_EVERY, at the soonest now + 1. */
int jobs_pass(struct app *app, struct db *db, struct mailout *out,
    time_t now, struct jobs_report *rep, time_t *next_r);

struct jobs;

#define JOBS_COMMAND "scheduler-process"   /* the child's command word */

/* Start the child (a failure to fork is logged, and tried again like a
 * child that ended). */
void jobs_new(struct jobs **out, struct app *app);
/* End the child: SIGTERM, then SIGKILL after JOBS_STOP_WAIT seconds. */
void jobs_free(struct jobs **j);

/* The descriptor that becomes readable when the child reports a pass or
 * ends (-1 when there is no child): for the daemon's poll(). */
int jobs_fd(const struct jobs *j);
/* Read the child's reports into mon (NULL: none), notice that it ended,
 * start it again when that is due; may lower *next to that time. */
void jobs_service(struct jobs *j, struct monitor *mon, time_t now,
    time_t *next);
/* `guichet scheduler-process DAEMON_PID`: the child's life, in the
 * program that the daemon's child runs; never returns but on a command
 * line that the daemon did not make (then EX_USAGE, said). */
int jobs_child_main(struct app *app, int argc, char **argv);

/* The configuration changed: end the child, and start it again with the
 * new one as soon as it ended. */
void jobs_reload(struct jobs *j);

#endif
