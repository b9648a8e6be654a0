/*
 * cli_sla.c - `guichet sla tick [--now ISO-8601]`: one scheduler pass
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "daemon/cli.h"
#include "desk/mailout.h"
#include "desk/scheduler.h"

/* The jobs a pass leaves to the process that has their turn
 * (sched_stats.left), as an operator is told of them. */
static const struct {
	unsigned bit;
	const char *what;
} left_jobs[] = {
	{ SCHED_LEFT_REPORTS, "reports" },
	{ SCHED_LEFT_DIGESTS, "digests" },
};

int
cli_sla(struct app *app, int argc, char **argv)
{
	struct desk in = { .conf = app->conf, .policy = app_policy(app),
		.careful = true };
	struct sched_stats st;
	struct gc_err err = { 0 };
	int rc;

	if (argc < 2 || strcmp(argv[1], "tick") != 0)
		goto usage;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--now") == 0 && i + 1 < argc) {
			if (time_parse_iso8601(&app->clock_now, argv[++i])) {
				fprintf(stderr, "guichet: --now: \"%s\" is not "
				    "an ISO-8601 time\n", argv[i]);
				return EX_USAGE;
			}
			app->clock_fixed = true;
		} else {
			goto usage;
		}
	}
	in.now = app_now(app);
	if ((rc = app_db_connect(app, &in.db, &err)) == 0 &&
	    (rc = db_schema_check(in.db, &err)) == 0) {
		double t0;

		mailout_new(&in.out, app->conf, in.policy, &err);
		t0 = mono_seconds();
		rc = scheduler_tick(&in, &st, &err);
		t0 = mono_seconds() - t0;
		mailout_free(&in.out);
		/* the pass alone, without start-up and connection */
		fprintf(stderr, "sla tick: pass took %.3f ms\n", t0 * 1e3);
		for (size_t i = 0; i < sizeof(left_jobs) / sizeof(*left_jobs);
		    i++)
			if (st.left & left_jobs[i].bit)
				fprintf(stderr, "sla tick: the %s are another "
				    "process's to send now (a daemon's pass): "
				    "left to it\n", left_jobs[i].what);
	}
	db_close(&in.db);
	if (rc != 0) {
		fprintf(stderr, "guichet: sla tick: %s\n", err.msg);
		return app_exit_code(rc);
	}
	printf("warnings %d\nbreaches %d\nclosed %d\n", st.warnings,
	    st.breaches, st.closed);
	if (st.summaries > 0)
		printf("summaries %d\n", st.summaries);
	if (st.anonymised > 0)
		printf("anonymised %d\n", st.anonymised);
	if (st.held_purged > 0)
		printf("held deleted %d\n", st.held_purged);
	if (st.outbox_emptied > 0)
		printf("outbox emptied %d\n", st.outbox_emptied);
	if (st.held_notices > 0)
		printf("held notices %d\n", st.held_notices);
	if (st.digests > 0)
		printf("digests %d\n", st.digests);
	if (st.ratings_told > 0)
		printf("ratings_told %d\n", st.ratings_told);
	if (st.reminders > 0)
		printf("reminders %d\n", st.reminders);
	if (st.pending_reminded > 0)
		printf("pending reminded %d\n", st.pending_reminded);
	if (st.pending_closed > 0)
		printf("pending closed %d\n", st.pending_closed);
	return EX_OK;
usage:
	fprintf(stderr, "usage: guichet sla tick [--now ISO-8601]\n");
	return EX_USAGE;
}
